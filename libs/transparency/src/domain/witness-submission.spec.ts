import { createSigner, privateKeyFromSeed, signCheckpoint } from './checkpoint.js';
import { cosignatureLine, createCosigner } from './cosignature.js';
import { addCheckpointBody, planSubmission, readWitnessAnswer } from './witness-submission.js';

describe('witness submissions (C2SP tlog-witness, the platform side)', () => {
  describe('planSubmission: given the log size and what a witness last told us, what to send', () => {
    it('a witness never heard from gets the checkpoint with old size 0 and no proof', () => {
      expect(planSubmission(5, null)).toEqual({ kind: 'submit', oldSize: 0, size: 5 });
      expect(planSubmission(5, { knownSize: null, cosignedSize: null })).toEqual({ kind: 'submit', oldSize: 0, size: 5 });
    });

    it('a witness that cosigned size 3 gets size 7 with a proof from 3', () => {
      expect(planSubmission(7, { knownSize: 3, cosignedSize: 3 })).toEqual({ kind: 'submit', oldSize: 3, size: 7 });
    });

    it('a 409 taught us the witness holds 6 (cosigned for someone else): the proof starts at 6', () => {
      expect(planSubmission(7, { knownSize: 6, cosignedSize: 3 })).toEqual({ kind: 'submit', oldSize: 6, size: 7 });
    });

    it('the witness holds exactly this size but we have no cosignature of it: same size, empty proof', () => {
      expect(planSubmission(7, { knownSize: 7, cosignedSize: 3 })).toEqual({ kind: 'submit', oldSize: 7, size: 7 });
    });

    it('already cosigned at the log size, or an empty log: nothing to send', () => {
      expect(planSubmission(7, { knownSize: 7, cosignedSize: 7 })).toEqual({ kind: 'current' });
      expect(planSubmission(0, null)).toEqual({ kind: 'current' });
    });

    it('a witness holding a larger tree than the log is never sent anything (another history was shown to it)', () => {
      expect(planSubmission(7, { knownSize: 9, cosignedSize: 3 })).toEqual({ kind: 'ahead', witnessSize: 9 });
    });

    it('several witnesses at different sizes each get their own old size', () => {
      const witnesses = { w1: { knownSize: 10, cosignedSize: 10 }, w2: { knownSize: 4, cosignedSize: 4 }, w3: null };
      const plans = Object.fromEntries(Object.entries(witnesses).map(([name, state]) => [name, planSubmission(12, state)]));
      expect(plans).toEqual({
        w1: { kind: 'submit', oldSize: 10, size: 12 },
        w2: { kind: 'submit', oldSize: 4, size: 12 },
        w3: { kind: 'submit', oldSize: 0, size: 12 },
      });
    });
  });

  const log = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 7)));
  const note = signCheckpoint({ origin: 'ataa.test/campaigns/c1', size: 8, rootHash: Buffer.alloc(32, 9) }, log);
  const body = note.slice(0, note.indexOf('\n\n') + 1);
  const witness = createCosigner('witness.example/a', privateKeyFromSeed(Buffer.alloc(32, 1)));
  const other = createCosigner('witness.example/b', privateKeyFromSeed(Buffer.alloc(32, 2)));
  const key = { name: witness.name, publicKey: witness.publicKey };

  it('writes the request body: old size line, one base64 hash a line, a blank line, the note', () => {
    const proof = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    expect(addCheckpointBody(3, proof, note)).toBe(`old 3\n${proof[0].toString('base64')}\n${proof[1].toString('base64')}\n\n${note}`);
    expect(addCheckpointBody(0, [], note)).toBe(`old 0\n\n${note}`);
    expect(() => addCheckpointBody(0, proof, note)).toThrow(/empty/);
    expect(() => addCheckpointBody(3, new Array(64).fill(Buffer.alloc(32)), note)).toThrow(/63/);
    expect(() => addCheckpointBody(-1, [], note)).toThrow(/old size/);
  });

  describe('readWitnessAnswer', () => {
    it('200: the cosignature by the configured key, other keys ignored', () => {
      const line = cosignatureLine(body, witness, 1_800_000_000);
      const answer = readWitnessAnswer(200, 'text/plain', `${cosignatureLine(body, other, 5)}${line}`, note, key);
      expect(answer).toEqual({ kind: 'cosigned', line, timestamp: 1_800_000_000 });
    });

    it('200 without our witness line, with a forged line, or with junk: failed, nothing to store', () => {
      expect(readWitnessAnswer(200, null, cosignatureLine(body, other, 5), note, key)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/without a cosignature by witness.example\/a/) });
      const otherNote = signCheckpoint({ origin: 'ataa.test/campaigns/c1', size: 8, rootHash: Buffer.alloc(32, 10) }, log);
      const moved = cosignatureLine(otherNote.slice(0, otherNote.indexOf('\n\n') + 1), witness, 5);
      expect(readWitnessAnswer(200, null, moved, note, key)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/does not verify/) });
      expect(readWitnessAnswer(200, null, 'ok\n', note, key)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/malformed/) });
      expect(readWitnessAnswer(200, null, '', note, key)).toMatchObject({ kind: 'failed' });
    });

    it('409 text/x.tlog.size: the witness size; a 409 without it is a refusal (same size, another root)', () => {
      expect(readWitnessAnswer(409, 'text/x.tlog.size', '6\n', note, key)).toEqual({ kind: 'conflict', witnessSize: 6 });
      expect(readWitnessAnswer(409, 'text/x.tlog.size; charset=utf-8', '0\n', note, key)).toEqual({ kind: 'conflict', witnessSize: 0 });
      expect(readWitnessAnswer(409, 'text/x.tlog.size', '06\n', note, key)).toMatchObject({ kind: 'failed' });
      expect(readWitnessAnswer(409, 'text/plain', 'conflict\n', note, key)).toMatchObject({ kind: 'refused', status: 409, reason: expect.stringMatching(/split view/) });
    });

    it('other statuses: refusals per the spec, anything else a failure to retry', () => {
      for (const status of [400, 403, 404, 422]) expect(readWitnessAnswer(status, 'text/plain', 'no\n', note, key)).toMatchObject({ kind: 'refused', status });
      expect(readWitnessAnswer(503, 'text/plain', 'busy', note, key)).toEqual({ kind: 'failed', reason: 'the witness answered 503' });
    });
  });
});
