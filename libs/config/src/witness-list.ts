import { createHash } from 'node:crypto';

/** One witness the platform submits checkpoints to (C2SP tlog-witness) and whose cosignatures it collects. */
export interface WitnessSetting {
  /** The witness's submission prefix, without a trailing slash: checkpoints go to `<url>/add-checkpoint`. */
  url: string;
  /** Its cosigner verifier key as given (`<name>+<hex key ID>+<base64(0x04 || Ed25519 public key)>`). */
  vkey: string;
  /** The cosigner name in the key (and in its signature lines). */
  name: string;
}

export const MAX_WITNESSES = 32;

/**
 * TRANSPARENCY_WITNESSES: comma-separated `<url> <vkey>` pairs. Throws an Error whose message says
 * which item is wrong and why, in one line. The key check mirrors `parseCosignerKey` in
 * @ataa/transparency (which this lib cannot import): the shape, type 0x04 and the key ID.
 */
export function parseWitnessList(text: string): WitnessSetting[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length > MAX_WITNESSES) throw new Error(`lists ${items.length} witnesses; at most ${MAX_WITNESSES}`);
  const witnesses: WitnessSetting[] = [];
  for (const [i, item] of items.entries()) {
    const where = `item ${i + 1}`;
    const parts = item.split(/\s+/);
    if (parts.length !== 2) throw new Error(`${where} must be "<url> <name+keyid+key>" (a URL, a space, the witness's cosigner key)`);
    const [rawUrl, vkey] = parts;
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new Error(`${where}: ${JSON.stringify(rawUrl)} is not an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}: the witness URL must be http or https`);
    if (url.username || url.password || url.search || url.hash) throw new Error(`${where}: the witness URL must have no credentials, query or fragment`);
    const name = cosignerKeyName(vkey);
    if (name === null) throw new Error(`${where}: ${JSON.stringify(vkey)} is not a cosigner key (name+8 hex digits+base64 of 0x04 and a 32-byte Ed25519 key, with a matching key ID)`);
    if (witnesses.some((w) => w.name === name)) throw new Error(`${where}: witness name ${name} appears twice`);
    witnesses.push({ url: url.href.replace(/\/+$/, ''), vkey, name });
  }
  return witnesses;
}

function cosignerKeyName(text: string): string | null {
  const match = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!match) return null;
  const blob = Buffer.from(match[3], 'base64');
  if (blob.length !== 33 || blob[0] !== 0x04 || blob.toString('base64') !== match[3]) return null;
  const id = createHash('sha256').update(match[1], 'utf8').update(Buffer.from([0x0a, 0x04])).update(blob.subarray(1)).digest().readUInt32BE(0);
  return id === parseInt(match[2], 16) ? match[1] : null;
}
