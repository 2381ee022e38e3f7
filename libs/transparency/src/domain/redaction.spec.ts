import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';
import { createSigner, privateKeyFromSeed, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { inclusionProofRanges, merkleRoot, verifyInclusion } from './merkle.js';
import {
  ANONYMOUS, checkPersonalFields, commitPersonal, COMMITTED_LEAF_VERSION, leafBytes, PERSONAL_FIELDS, PersonalField, personalCommitment, publicLeafHash,
  ServedEntry, toLeaf,
} from './public-entry.js';
import { establishLeafHash, planEntryRedaction } from './redaction.js';
import { donorBounds, reportFromEntries } from './report.js';

const saltOf = (index: number, field: string): Buffer => createHash('sha256').update(`salt|${index}|${field}`).digest();

/** A served entry as the appender (format 3) or an older appender (format 1/2) made it. */
function served(v: 1 | 2 | 3, index: number, over: { kind?: ServedEntry['kind']; donor?: string | null; message?: string | null; donorCommitment?: string | null; amount?: string } = {}): ServedEntry {
  const kind = over.kind ?? 'donation';
  const donor = over.donor === undefined ? (kind === 'donation' ? `Donor ${index}` : null) : over.donor;
  const message = over.message ?? null;
  const base = {
    v, campaign: 'c1', index, time: '2026-03-01T10:00:00.000Z', kind, amount: over.amount ?? (kind === 'terms_changed' ? '0' : kind === 'donation' ? '1000' : '-30'),
    currency: 'usd', donorCommitment: over.donorCommitment ?? null, purpose: null, balance: '0',
    ...(kind === 'terms_changed' ? { terms: [{ field: 'goal' as const, from: '100', to: '200' }] } : {}),
  };
  let entry: ServedEntry;
  if (v === 3) {
    const d = commitPersonal('donor', donor, saltOf(index, 'donor'));
    const m = commitPersonal('message', message, saltOf(index, 'message'));
    entry = {
      ...base, donorHash: d ? d.hash.toString('hex') : null, messageHash: m ? m.hash.toString('hex') : null,
      donor, donorSalt: d ? d.salt.toString('hex') : null, message, messageSalt: m ? m.salt.toString('hex') : null, redacted: null, leafHash: '',
    };
  } else {
    entry = { ...base, donor, message, redacted: null, leafHash: '' };
  }
  entry.leafHash = publicLeafHash(toLeaf(entry)).toString('hex');
  return entry;
}

const record = (reason: 'erased' | 'hidden' = 'erased', note: string | null = null) => ({ reason, note, at: '2026-04-01T00:00:00.000Z' });

describe('leaf format 3: committed personal fields', () => {
  it('commits SHA-256(salt || UTF-8 value), hex, with a 32-byte salt', () => {
    const salt = '11'.repeat(32);
    expect(personalCommitment(salt, 'ليلى')).toBe(createHash('sha256').update(Buffer.concat([Buffer.from(salt, 'hex'), Buffer.from('ليلى', 'utf8')])).digest('hex'));
    expect(personalCommitment(salt, 'a')).not.toBe(personalCommitment('12'.repeat(32), 'a'));
    expect(() => personalCommitment('11', 'a')).toThrow(RangeError);
    // Nothing personal, nothing committed: no value, or "Anonymous" in the donor field.
    expect(commitPersonal('donor', ANONYMOUS)).toBeNull();
    expect(commitPersonal('message', null)).toBeNull();
    expect(commitPersonal('message', ANONYMOUS)).not.toBeNull();
  });

  it('hashes exactly the format-3 fields: commitments, never the name, message or salts', () => {
    const entry = served(3, 4, { message: 'Stay warm' });
    const bytes = leafBytes(entry).toString('utf8');
    expect(bytes).toBe(canonicalJson({
      amount: '1000', balance: '0', campaign: 'c1', currency: 'usd', donorCommitment: null, donorHash: entry.donorHash, index: 4, kind: 'donation',
      messageHash: entry.messageHash, purpose: null, time: '2026-03-01T10:00:00.000Z', v: 3,
    }));
    expect(bytes).not.toContain('Donor 4');
    expect(bytes).not.toContain('Stay warm');
    // A terms_changed entry of format 3 carries its terms; no other format-3 entry has the key.
    expect(Object.keys(toLeaf(served(3, 5, { kind: 'terms_changed' })))).toContain('terms');
    expect(Object.keys(toLeaf(entry))).not.toContain('terms');
    // Formats 1 and 2 hash as they always did.
    expect(Object.keys(toLeaf(served(1, 0)))).toEqual(['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donor', 'donorCommitment', 'message', 'purpose', 'balance']);
  });

  it('reports open, empty, redacted and tampered fields', () => {
    const entry = served(3, 1, { message: 'Hi' });
    expect(checkPersonalFields(entry).fields.map((f) => f.status)).toEqual(['open', 'open']);
    expect(checkPersonalFields(served(3, 2, { donor: ANONYMOUS })).fields.map((f) => f.status)).toEqual(['empty', 'empty']);
    const hidden = planEntryRedaction(entry, [{ fields: ['message'], record: record('hidden', 'off-topic') }]).after;
    expect(hidden).toMatchObject({ message: null, messageSalt: null, messageHash: entry.messageHash, redacted: { message: { reason: 'hidden', note: 'off-topic' } } });
    expect(checkPersonalFields(hidden).fields).toEqual([{ field: 'donor', status: 'open' }, { field: 'message', status: 'redacted', ...record('hidden', 'off-topic') }]);
    // Put back into the redacted field (right or wrong value): tampering.
    expect(checkPersonalFields({ ...hidden, message: 'Other' }).problems).toEqual(['message: a value or salt was put back into a redacted field']);
    expect(checkPersonalFields({ ...entry, donor: 'Someone else' }).problems).toEqual(['donor: the value and salt do not open the commitment']);
    expect(checkPersonalFields({ ...entry, donorSalt: '00'.repeat(32) }).problems).toHaveLength(1);
    expect(checkPersonalFields({ ...entry, donor: null, donorSalt: null }).problems).toEqual(['donor: the value or its salt is missing, with no redaction record']);
    expect(checkPersonalFields({ ...served(3, 2, { donor: ANONYMOUS }), donor: 'A name' }).problems).toEqual(['donor: a value the leaf does not commit to']);
    // Format 1: a redacted value cannot be checked against the leaf any more.
    const old = planEntryRedaction(served(1, 3, { message: 'Old' }), [{ fields: ['donor', 'message'], record: record() }]);
    expect(old.fields).toEqual(['donor', 'message']);
    expect(old.removedName).toBe('Donor 3');
    expect(checkPersonalFields(old.after)).toMatchObject({ leafUnverifiable: true, problems: [] });
    expect(establishLeafHash(old.after).hash?.toString('hex')).toBe(old.after.leafHash);
    expect(checkPersonalFields({ ...old.after, donor: 'Donor 3' }).problems).toEqual(['donor: a value was put back into a redacted field']);
  });

  it('plans idempotently: a second run changes nothing and keeps the first record', () => {
    const entry = served(3, 1, { message: 'Hi' });
    const first = planEntryRedaction(entry, [{ fields: ['donor'], record: record('erased') }]);
    const second = planEntryRedaction(first.after, [{ fields: ['donor'], record: record('hidden') }]);
    expect(second).toMatchObject({ fields: [], redacted: true, removedName: null });
    expect(second.after).toEqual(first.after);
    // Nothing personal: nothing to redact, not counted as redacted.
    expect(planEntryRedaction(served(3, 2, { kind: 'fee' }), [{ fields: ['donor', 'message'], record: record() }])).toMatchObject({ fields: [], redacted: false });
    expect(planEntryRedaction(served(1, 2, { donor: ANONYMOUS, donorCommitment: 'ab'.repeat(32) }), [{ fields: ['donor'], record: record() }])).toMatchObject({ fields: [], redacted: false });
  });

  it('keeps the donor count within what the entries allow after names are redacted', () => {
    const entries = [served(3, 0, { donor: 'Amal' }), served(3, 1, { donor: 'Amal' }), served(3, 2, { donor: ANONYMOUS })];
    expect(donorBounds(entries)).toEqual({ min: 2, max: 2 });
    const redacted = [planEntryRedaction(entries[0], [{ fields: ['donor'], record: record() }]).after, entries[1], entries[2]];
    expect(donorBounds(redacted)).toEqual({ min: 2, max: 3 });
    expect(reportFromEntries('usd', redacted).donors).toBe(3);
  });
});

/** A random log, as served: formats 1/2 (older entries) then format 3, gifts named, anonymous or private, with or without a message. */
const arbitraryLog = fc
  .record({
    legacy: fc.nat({ max: 8 }),
    specs: fc.array(
      fc.record({
        kind: fc.constantFrom('donation', 'donation', 'donation', 'fee', 'terms_changed'),
        donor: fc.oneof(fc.constant(ANONYMOUS), fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('Amal', 'ليلى', 'Zoë')),
        message: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }),
        private: fc.boolean(),
      }),
      { minLength: 1, maxLength: 30 },
    ),
  })
  .map(({ legacy, specs }) =>
    specs.map((s, index) => {
      const v = index < legacy ? (s.kind === 'terms_changed' ? 2 : 1) : 3;
      if (s.kind !== 'donation') return served(v as 1 | 2 | 3, index, { kind: s.kind as ServedEntry['kind'], donor: null });
      return s.private
        ? served(v as 1 | 3, index, { donor: ANONYMOUS, donorCommitment: 'cd'.repeat(32), message: s.message })
        : served(v as 1 | 3, index, { donor: s.donor, message: s.message });
    }),
  );

const arbitraryRedactions = (size: number) =>
  fc.array(
    fc.record({ index: fc.nat({ max: size - 1 }), fields: fc.subarray(['donor', 'message'] as PersonalField[], { minLength: 1 }), reason: fc.constantFrom('erased' as const, 'hidden' as const) }),
    { maxLength: size * 2 },
  );

const signer = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 9)));
const key = { keyName: signer.keyName, publicKey: signer.publicKey };
const origin = 'ataa.test/campaigns/c1';

function redactAll(log: ServedEntry[], redactions: { index: number; fields: PersonalField[]; reason: 'erased' | 'hidden' }[]): ServedEntry[] {
  const out = [...log];
  for (const r of redactions) out[r.index] = planEntryRedaction(out[r.index], [{ fields: r.fields, record: record(r.reason, r.reason === 'hidden' ? 'moderated' : null) }]).after;
  return out;
}

describe('redaction over random logs (property)', () => {
  it('leaves every checkpoint and inclusion proof valid and every unredacted commitment opening', () => {
    fc.assert(
      fc.property(arbitraryLog.chain((log) => fc.tuple(fc.constant(log), arbitraryRedactions(log.length))), ([log, redactions]) => {
        const leaves = log.map((e) => Buffer.from(e.leafHash, 'hex'));
        // Checkpoints signed before the redactions, at every size.
        const checkpoints = log.map((_, i) => signCheckpoint({ origin, size: i + 1, rootHash: merkleRoot(leaves.slice(0, i + 1)) }, signer));
        const after = redactAll(log, redactions);
        const established = after.map((e) => establishLeafHash(e));
        for (const [i, { hash, privacy }] of established.entries()) {
          expect(privacy.problems).toEqual([]);
          expect(hash?.equals(leaves[i])).toBe(true);
          // Every field not redacted still opens (or is empty), and only requested fields are redacted.
          const requested = new Set(redactions.filter((r) => r.index === i).flatMap((r) => r.fields));
          for (const field of privacy.fields) {
            if (field.status === 'redacted') expect(requested.has(field.field)).toBe(true);
            else expect(['open', 'empty']).toContain(field.status);
          }
          // No trace of a redacted value or its salt in the served entry.
          for (const { field, salt } of PERSONAL_FIELDS) if (after[i].redacted?.[field]) expect([after[i][field], after[i][salt] ?? null]).toEqual([null, null]);
        }
        const recomputed = established.map((e) => e.hash as Buffer);
        for (const [i, note] of checkpoints.entries()) {
          const checkpoint = verifyCheckpoint(note, key);
          expect(merkleRoot(recomputed.slice(0, i + 1)).equals(checkpoint.rootHash)).toBe(true);
        }
        const size = log.length;
        const root = verifyCheckpoint(checkpoints[size - 1], key).rootHash;
        for (let i = 0; i < size; i++) {
          const proof = inclusionProofRanges(i, size).map((r) => merkleRoot(leaves.slice(r.start, r.end)));
          expect(verifyInclusion(i, size, recomputed[i], proof, root)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('detects tampering with any value, salt or commitment of a format-3 entry, redacted or not', () => {
    const tamperings = ['value', 'salt', 'commitment', 'reinsert'] as const;
    fc.assert(
      fc.property(
        arbitraryLog.chain((log) => fc.tuple(fc.constant(log), arbitraryRedactions(log.length), fc.nat({ max: log.length - 1 }), fc.constantFrom(...PERSONAL_FIELDS), fc.constantFrom(...tamperings))),
        ([log, redactions, index, spec, how]) => {
          const after = redactAll(log, redactions);
          const entry = after[index];
          const hash = entry[spec.hash] ?? null;
          fc.pre(entry.v === COMMITTED_LEAF_VERSION && hash !== null);
          const redacted = Boolean(entry.redacted?.[spec.field]);
          fc.pre(how !== 'value' && how !== 'salt' ? true : !redacted);
          fc.pre(how === 'reinsert' ? redacted : true);
          const tampered: ServedEntry = { ...entry };
          if (how === 'value') tampered[spec.field] = `${entry[spec.field]}!`;
          if (how === 'salt') tampered[spec.salt] = createHash('sha256').update(String(entry[spec.salt])).digest('hex');
          if (how === 'commitment') tampered[spec.hash] = createHash('sha256').update(String(hash)).digest('hex');
          if (how === 'reinsert') {
            // The original value and salt put back: a verifier still refuses a redacted field carrying them.
            tampered[spec.field] = log[index][spec.field];
            tampered[spec.salt] = log[index][spec.salt];
          }
          const { hash: established, privacy } = establishLeafHash(tampered);
          const detected = privacy.problems.length > 0 || established === null || !established.equals(Buffer.from(log[index].leafHash, 'hex'));
          expect(detected).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
