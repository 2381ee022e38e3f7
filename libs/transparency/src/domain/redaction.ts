import {
  checkPersonalFields, isCommittedFormat, EntryPrivacyCheck, EntryRedactions, FieldRedaction, isPersonalValue, PERSONAL_FIELDS, PersonalField,
  publicDonorIdentity, publicLeafHash, ServedEntry, toLeaf,
} from './public-entry.js';

/**
 * Redaction of personal fields from served public entries (issue 17), pure: what the redactor
 * records and what a verifier recomputes. The leaf hash never changes: a format-3 entry keeps the
 * commitment and loses the value and its salt; a format-1/2 entry loses the value it hashed (and
 * with it the ability to recompute its leaf hash from its fields).
 */

/** Whether a field of an entry still holds something personal that a redaction would remove. */
export function isRedactable(entry: ServedEntry, field: PersonalField): boolean {
  if (entry.redacted?.[field]) return false;
  if (isCommittedFormat(entry.v)) {
    const spec = PERSONAL_FIELDS.find((f) => f.field === field)!;
    return (entry[spec.hash] ?? null) !== null;
  }
  return isPersonalValue(field, entry[field]);
}

export interface EntryRedactionPlan {
  /** The fields whose value (and salt) this redaction removes now. */
  fields: PersonalField[];
  /** Whether any requested field is redacted after it (now or before): the entry counts as redacted. */
  redacted: boolean;
  /** The entry as served after it. */
  after: ServedEntry;
  /** The public donor name it removes (a named gift's donor field), for the donor-name list; else null. */
  removedName: string | null;
}

/**
 * Plans the redaction of `requests` (in order; the first record of a field wins, and a field already
 * redacted keeps its record: running the same plan again changes nothing).
 */
export function planEntryRedaction(entry: ServedEntry, requests: readonly { fields: readonly PersonalField[]; record: FieldRedaction }[]): EntryRedactionPlan {
  const after: ServedEntry = { ...entry };
  const records: EntryRedactions = { ...(entry.redacted ?? {}) };
  const fields: PersonalField[] = [];
  let redacted = false;
  let removedName: string | null = null;
  for (const request of requests) {
    for (const field of request.fields) {
      if (records[field]) {
        redacted = true;
        continue;
      }
      if (!isRedactable(entry, field)) continue;
      if (field === 'donor' && entry.kind === 'donation') removedName = publicDonorIdentity(entry);
      records[field] = { ...request.record };
      fields.push(field);
      redacted = true;
      const spec = PERSONAL_FIELDS.find((f) => f.field === field)!;
      after[field] = null;
      if (isCommittedFormat(entry.v)) after[spec.salt] = null;
    }
  }
  after.redacted = Object.keys(records).length > 0 ? records : null;
  return { fields, redacted, after, removedName };
}

/**
 * The leaf hash of a served entry as a verifier establishes it, and what it found about the personal
 * fields. Recomputed from the entry's fields, except for a redacted format-1/2 entry, whose served
 * leaf hash is taken (`privacy.leafUnverifiable`: the tree still binds it). Null when tampering was
 * found (`privacy.problems`) or the served leaf hash is malformed where it had to be taken.
 */
export function establishLeafHash(entry: ServedEntry): { hash: Buffer | null; privacy: EntryPrivacyCheck } {
  const privacy = checkPersonalFields(entry);
  if (privacy.problems.length > 0) return { hash: null, privacy };
  if (privacy.leafUnverifiable) {
    return { hash: typeof entry.leafHash === 'string' && /^[0-9a-f]{64}$/.test(entry.leafHash) ? Buffer.from(entry.leafHash, 'hex') : null, privacy };
  }
  return { hash: publicLeafHash(toLeaf(entry)), privacy };
}
