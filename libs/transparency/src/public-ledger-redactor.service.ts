import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError, sanitizeStoredText, TEXT_LIMITS } from '@ataa/common';
import { PERSONAL_FIELD_NAMES, planEntryRedaction, REDACTION_REASONS } from './domain/index.js';
import { AppliedRedaction, PublicLedgerRepository } from './persistence/public-ledger.repository.js';

/** The personal fields of a public entry that can be redacted (PERSONAL_FIELDS). */
export type RedactableField = 'donor' | 'message';
/** `erased`: the person asked (GDPR article 17); `hidden`: moderation. */
export type RedactionReason = 'erased' | 'hidden';

export interface PublicRedaction {
  campaignId: string;
  /** The entries: by source ref (the journal entry id the entry shows; every kind of it), or by log index. */
  target: { sourceRefs: string[] } | { indexes: number[] };
  fields: RedactableField[];
  reason: RedactionReason;
  /** Shown in place of the value (e.g. the moderation reason); never personal data. */
  note: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Removes personal fields from public entries without touching the Merkle log (docs/transparency.md,
 * "Redaction"). Format-3 entries: the value and its salt go, the commitment stays in the leaf, so
 * the entry still verifies and the field shows as redacted. Format-1/2 entries (appended before
 * format 3) hashed the value itself: it is removed all the same, and a verifier can then no longer
 * recompute that entry's leaf hash (it reports the entry as redacted, unverifiable, and relies on
 * the served leaf hash, which the tree still binds). Leaf hashes, nodes and checkpoints never change.
 */
@Injectable()
export class PublicLedgerRedactor {
  constructor(private readonly repository: PublicLedgerRepository) {}

  /**
   * In the caller's transaction; idempotent (a field already redacted keeps its first record; a
   * second run changes nothing). Returns per campaign the indexes of the targeted entries that have
   * a requested field redacted after the call (newly or before); entries with nothing personal in
   * the requested fields (a fee, an anonymous gift's "Anonymous") are not listed. Unknown campaigns,
   * indexes or source refs match nothing.
   */
  async redact(manager: EntityManager, redactions: PublicRedaction[]): Promise<{ campaignId: string; indexes: number[] }[]> {
    const checked = redactions.map((r) => this.validate(r));
    const byCampaign = new Map<string, typeof checked>();
    for (const r of checked) byCampaign.set(r.campaignId, [...(byCampaign.get(r.campaignId) ?? []), r]);
    const campaigns = [...byCampaign.keys()].sort();
    const withLog = await this.repository.lockLogsForRedaction(manager, campaigns);
    const at = new Date().toISOString();
    const results: { campaignId: string; indexes: number[] }[] = [];
    for (const campaignId of campaigns) {
      if (!withLog.has(campaignId)) {
        results.push({ campaignId, indexes: [] });
        continue;
      }
      const requests = byCampaign.get(campaignId)!;
      const indexes = requests.flatMap((r) => ('indexes' in r.target ? r.target.indexes : []));
      const refs = requests.flatMap((r) => ('sourceRefs' in r.target ? r.target.sourceRefs : []));
      const entries = await this.repository.entriesForRedaction(manager, campaignId, indexes, refs);
      const updates: AppliedRedaction[] = [];
      const removedNames: string[] = [];
      const redacted: number[] = [];
      for (const { entry, sourceRef } of entries) {
        const matching = requests.filter((r) => ('indexes' in r.target ? r.target.indexes.includes(entry.index) : r.target.sourceRefs.includes(sourceRef)));
        const plan = planEntryRedaction(entry, matching.map((r) => ({ fields: r.fields, record: { reason: r.reason, note: r.note, at } })));
        if (plan.fields.length > 0) updates.push({ index: entry.index, fields: plan.fields, redactions: plan.after.redacted ?? {} });
        if (plan.removedName !== null) removedNames.push(plan.removedName);
        if (plan.redacted) redacted.push(entry.index);
      }
      if (updates.length > 0) await this.repository.applyRedactions(manager, campaignId, updates, removedNames);
      results.push({ campaignId, indexes: redacted });
    }
    return results;
  }

  private validate(r: PublicRedaction): PublicRedaction {
    const fail = (message: string) => new DomainError('redaction_invalid', message, 400);
    if (typeof r.campaignId !== 'string' || !UUID.test(r.campaignId)) throw fail('campaignId must be a UUID');
    if (!Array.isArray(r.fields) || r.fields.length === 0 || r.fields.some((f) => !PERSONAL_FIELD_NAMES.includes(f))) {
      throw fail(`fields must be a non-empty list of ${PERSONAL_FIELD_NAMES.join(', ')}`);
    }
    if (!(REDACTION_REASONS as readonly string[]).includes(r.reason)) throw fail(`reason must be one of ${REDACTION_REASONS.join(', ')}`);
    if (r.note !== null && typeof r.note !== 'string') throw fail('note must be text or null');
    const target = r.target as Record<string, unknown>;
    if (Array.isArray(target?.indexes)) {
      if ((target.indexes as unknown[]).some((i) => typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0)) throw fail('indexes must be non-negative integers');
    } else if (Array.isArray(target?.sourceRefs)) {
      if ((target.sourceRefs as unknown[]).some((s) => typeof s !== 'string' || s.length === 0 || s.length > 200)) throw fail('sourceRefs must be non-empty text');
    } else {
      throw fail('target must be { sourceRefs } or { indexes }');
    }
    return { ...r, campaignId: r.campaignId.toLowerCase(), fields: [...new Set(r.fields)], note: sanitizeStoredText(r.note, TEXT_LIMITS.reason) };
  }
}
