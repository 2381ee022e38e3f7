import { generateKeyPairSync } from 'node:crypto';
import { TestLog } from '../testing/test-log.js';
import {
  checkLogSignature, decideAddCheckpoint, MalformedRequestError, MAX_PROOF_LINES, parseAddCheckpointRequest, type LogState,
} from './add-checkpoint.js';
import { createSigner, emptyRoot, parseVerifierKey, signCheckpoint } from './transparency.js';

const logKey = generateKeyPairSync('ed25519').privateKey;
const platform = 'ataa.unit';

function newLog(size: number): TestLog {
  return new TestLog({ platform, key: logKey }).append(size);
}

function malformed(body: string | Buffer): string {
  try {
    parseAddCheckpointRequest(body);
  } catch (error) {
    if (error instanceof MalformedRequestError) return error.code;
    throw error;
  }
  return 'parsed';
}

describe('parseAddCheckpointRequest (C2SP tlog-witness request body)', () => {
  it('reads the old size, the proof hashes and the signed checkpoint', () => {
    const log = newLog(13);
    const request = parseAddCheckpointRequest(log.request(5));
    expect(request.oldSize).toBe(5);
    expect(request.proof.map((p) => p.toString('hex'))).toEqual(log.proof(5).map((p) => p.toString('hex')));
    expect(request.checkpoint).toMatchObject({ origin: log.origin, size: 13, note: log.checkpoint() });
    expect(request.checkpoint.rootHash.equals(log.rootAt())).toBe(true);
    expect(request.checkpoint.body).toBe(log.checkpoint().split('\n\n')[0] + '\n');
    expect(request.checkpoint.signatures).toHaveLength(1);
  });

  it('reads old size 0 with no proof line, from bytes or text', () => {
    const log = newLog(2);
    expect(parseAddCheckpointRequest(Buffer.from(log.request(0))).oldSize).toBe(0);
    expect(parseAddCheckpointRequest(log.request(0)).proof).toEqual([]);
  });

  it('keeps extension lines in the signed body', () => {
    const log = newLog(1);
    const [, signatures] = log.checkpoint().split('\n\n');
    const body = `${log.origin}\n1\n${log.rootAt().toString('base64')}\nsome extension\n`;
    expect(parseAddCheckpointRequest(`old 0\n\n${body}\n${signatures}`).checkpoint.body).toBe(body);
  });

  it('accepts up to 63 proof lines and refuses 64', () => {
    const log = newLog(1);
    const line = `${Buffer.alloc(32, 1).toString('base64')}\n`;
    expect(parseAddCheckpointRequest(`old 0\n${line.repeat(MAX_PROOF_LINES)}\n${log.checkpoint()}`).proof).toHaveLength(63);
    expect(malformed(`old 0\n${line.repeat(MAX_PROOF_LINES + 1)}\n${log.checkpoint()}`)).toBe('proof_too_long');
  });

  it.each([
    ['no empty line', 'old 0\n', 'malformed_body'],
    ['empty', '', 'malformed_body'],
    ['leading zero', 'old 01\n\n', 'malformed_old_size'],
    ['negative', 'old -1\n\n', 'malformed_old_size'],
    ['two spaces', 'old  1\n\n', 'malformed_old_size'],
    ['beyond 2^53', 'old 9007199254740993\n\n', 'malformed_old_size'],
    ['not old', 'size 1\n\n', 'malformed_old_size'],
    ['a short hash', `old 1\n${Buffer.alloc(31).toString('base64')}\n\n`, 'malformed_proof'],
    ['a long hash', `old 1\n${Buffer.alloc(33).toString('base64')}\n\n`, 'malformed_proof'],
    ['base64url', `old 1\n${'_'.repeat(43)}=\n\n`, 'malformed_proof'],
    ['non-canonical base64', `old 1\n${'A'.repeat(42)}B=\n\n`, 'malformed_proof'],
    ['a carriage return', 'old 0\r\n\r\n', 'control_character'],
    ['a NUL', 'old 0\n\n\0', 'control_character'],
    ['a tab', 'old\t0\n\n', 'control_character'],
  ])('refuses a body with %s', (_what, head, code) => {
    expect(malformed(head.endsWith('\n\n') ? `${head}${newLog(1).checkpoint()}` : head)).toBe(code);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(malformed(Buffer.concat([Buffer.from('old 0\n\n'), Buffer.from([0xc3, 0x28])]))).toBe('not_utf8');
  });

  it.each([
    ['no signature', (cp: string) => `${cp.split('\n\n')[0]}\n\n`],
    ['no final newline', (cp: string) => cp.slice(0, -1)],
    ['a malformed signature line', (cp: string) => `${cp}not a signature\n`],
    ['two lines only', (cp: string) => cp.replace(/\n[A-Za-z0-9+/=]{44}\n\n/, '\n\n')],
    ['a size with a leading zero', (cp: string) => cp.replace(/\n(\d+)\n/, '\n0$1\n')],
    ['a root hash of 31 bytes', (cp: string) => cp.replace(/\n[A-Za-z0-9+/=]{44}\n\n/, `\n${Buffer.alloc(31).toString('base64')}\n\n`)],
    ['an empty origin', (cp: string) => cp.replace(/^[^\n]+/, '')],
  ])('refuses a checkpoint with %s', (_what, mangle) => {
    expect(malformed(`old 0\n\n${mangle(newLog(3).checkpoint())}`)).toBe('malformed_checkpoint');
  });

  it('refuses more than 64 signatures', () => {
    const log = newLog(1);
    const line = log.checkpoint().split('\n\n')[1];
    expect(malformed(`old 0\n\n${log.checkpoint()}${line.repeat(64)}`)).toBe('too_many_signatures');
  });
});

describe('decideAddCheckpoint (given the stored state and the request)', () => {
  const state = (log: TestLog, size: number): LogState => ({ origin: log.origin, size, rootHash: log.rootAt(size) });
  const keysOf = (log: TestLog) => [parseVerifierKey(log.vkey)];
  const decide = (log: TestLog, body: string, stored: LogState | null, keys = keysOf(log)) => {
    const decision = decideAddCheckpoint(parseAddCheckpointRequest(body), keys, stored);
    return decision.kind === 'cosign' ? `cosign ${decision.next.size}` : `${decision.status} ${decision.code}${decision.latestSize === undefined ? '' : ` ${decision.latestSize}`}`;
  };

  it('cosigns a new log from 0 with an empty proof', () => {
    const log = newLog(7);
    expect(decide(log, log.request(0), null)).toBe('cosign 7');
  });

  it('cosigns an extension with a valid proof from the stored size', () => {
    const log = newLog(21);
    for (const old of [1, 2, 3, 8, 13, 20, 21]) expect(decide(log, log.request(old), state(log, old))).toBe('cosign 21');
  });

  it('cosigns an empty tree (size 0, the empty root) for a new log, but not another root', () => {
    const log = new TestLog({ platform, key: logKey });
    expect(decide(log, log.request(0), null)).toBe('cosign 0');
    expect(log.rootAt(0).equals(emptyRoot())).toBe(true);
    const forged = signCheckpoint({ origin: log.origin, size: 0, rootHash: Buffer.alloc(32, 9) }, log.signer);
    expect(decide(log, `old 0\n\n${forged}`, null)).toBe('409 root_hash_mismatch');
  });

  it('404 for an origin with no trusted key, before anything else', () => {
    const log = newLog(2);
    expect(decide(log, `old 5\n\n${log.checkpoint()}`, null, [])).toBe('404 unknown_log');
  });

  it('403 without a valid signature by a trusted key, before the size checks', () => {
    const log = newLog(2);
    const other = createSigner(platform, generateKeyPairSync('ed25519').privateKey);
    expect(decide(log, `old 5\n\n${log.checkpoint(2, other)}`, null)).toBe('403 bad_log_signature');
  });

  it('400 when the old size is above the checkpoint size', () => {
    const log = newLog(4);
    expect(decide(log, `old 5\n\n${log.checkpoint()}`, state(log, 5))).toBe('400 old_size_too_large');
  });

  it('409 with the stored size when the old size differs (0 when nothing is stored)', () => {
    const log = newLog(9);
    expect(decide(log, log.request(3), state(log, 5))).toBe('409 old_size_mismatch 5');
    expect(decide(log, log.request(0), state(log, 5))).toBe('409 old_size_mismatch 5');
    expect(decide(log, log.request(3), null)).toBe('409 old_size_mismatch 0');
  });

  it('409 for the stored size with another root hash; 200 for the same one', () => {
    const log = newLog(6);
    const rewritten = new TestLog({ platform, key: logKey, origin: log.origin }).append(6).rewrite(0);
    expect(decide(log, rewritten.request(6, 6), state(log, 6))).toBe('409 root_hash_mismatch');
    expect(decide(log, log.request(6, 6), state(log, 6))).toBe('cosign 6');
  });

  it('422 for a proof that does not lead from the stored root', () => {
    const log = newLog(16);
    const proof = log.proof(5, 16);
    const flipped = proof.map((p, i) => (i === proof.length - 1 ? Buffer.from(p.map((b) => b ^ 1)) : p));
    expect(decide(log, log.request(5, 16, { proof: flipped }), state(log, 5))).toBe('422 inconsistent');
    expect(decide(log, log.request(5, 16, { proof: [] }), state(log, 5))).toBe('422 inconsistent');
    expect(decide(log, log.request(5, 16, { proof: log.proof(6, 16) }), state(log, 5))).toBe('422 inconsistent');
    // A proof with lines from old size 0 (the spec: it MUST be empty).
    expect(decide(log, log.request(0, 16, { proof: [Buffer.alloc(32)] }), null)).toBe('422 inconsistent');
    // A stored root the log's history does not have (the log rewrote entries before the stored size).
    const rewritten = new TestLog({ platform, key: logKey, origin: log.origin }).append(16).rewrite(1);
    expect(decide(rewritten, rewritten.request(5, 16), state(log, 5))).toBe('422 inconsistent');
    // The same size with a non-empty proof.
    expect(decide(log, log.request(16, 16, { proof: [Buffer.alloc(32)] }), state(log, 16))).toBe('422 inconsistent');
  });
});

describe('checkLogSignature (signed-note rules)', () => {
  const log = newLog(3);
  const key = parseVerifierKey(log.vkey);
  const parsed = (note: string) => parseAddCheckpointRequest(`old 0\n\n${note}`).checkpoint;

  it('ignores unknown keys, needs one trusted signature', () => {
    const stranger = createSigner('someone.else', generateKeyPairSync('ed25519').privateKey);
    const strangerLine = signCheckpoint({ origin: log.origin, size: 3, rootHash: log.rootAt() }, stranger).split('\n\n')[1];
    expect(checkLogSignature(parsed(`${log.checkpoint()}${strangerLine}`), [key])).toEqual({ ok: true });
    expect(checkLogSignature(parsed(`${log.checkpoint().split('\n\n')[0]}\n\n${strangerLine}`), [key]).ok).toBe(false);
  });

  it('rejects the note when a trusted key signature fails, even beside a valid one', () => {
    const genuine = log.checkpoint();
    const line = genuine.split('\n\n')[1];
    const broken = line.replace(/[A-Za-z0-9+/]{8}=*\n$/, (tail) => `${tail[0] === 'A' ? 'B' : 'A'}${tail.slice(1)}`);
    expect(checkLogSignature(parsed(`${genuine}${broken}`), [key]).ok).toBe(false);
  });
});
