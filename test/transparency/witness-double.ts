import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  cosignatureLine, createCosigner, formatCosignerKey, parseCheckpoint, privateKeyFromSeed, verifyCheckpoint, verifyConsistency,
  type CosignerKey, type VerifierKey,
} from '../../libs/transparency/src/domain/index.js';

/**
 * A protocol-level stand-in for a C2SP tlog-witness, built from the domain functions, for tests of
 * the platform's side before (and beside) the real witness app: it checks the checkpoint signature,
 * the old size (409 text/x.tlog.size with its own), the consistency proof (422), and cosigns with
 * its own Ed25519 key. `mode` makes it misbehave: down (503), hang (never answers), forge (cosigns
 * with another key under its name).
 */
export interface WitnessDouble {
  name: string;
  url: string;
  vkey: string;
  key: CosignerKey;
  /** Per origin: the size and root it last cosigned. */
  state: Map<string, { size: number; root: Buffer }>;
  /** Every request body received, in order. */
  requests: string[];
  mode: 'up' | 'down' | 'hang' | 'forge';
  close(): Promise<void>;
}

export async function startWitnessDouble(name: string, seed: number, platformKey: VerifierKey): Promise<WitnessDouble> {
  const cosigner = createCosigner(name, privateKeyFromSeed(Buffer.alloc(32, seed)));
  const forger = createCosigner(name, privateKeyFromSeed(Buffer.alloc(32, seed + 100)));
  const hanging = new Set<http.ServerResponse>();
  const double: WitnessDouble = {
    name, url: '', vkey: formatCosignerKey({ name, publicKey: cosigner.publicKey }), key: { name, publicKey: cosigner.publicKey },
    state: new Map(), requests: [], mode: 'up',
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const answer = (response: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    response.writeHead(status, { 'content-type': type }).end(body);
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/add-checkpoint') return answer(response, 404, 'not found\n');
      const body = Buffer.concat(chunks).toString('utf8');
      double.requests.push(body);
      if (double.mode === 'hang') return void hanging.add(response);
      if (double.mode === 'down') return answer(response, 503, 'down for maintenance\n');
      const lines = body.split('\n');
      const old = /^old (0|[1-9][0-9]*)$/.exec(lines[0] ?? '');
      const blank = lines.indexOf('', 1);
      if (!old || blank < 0) return answer(response, 400, 'malformed\n');
      const proof = lines.slice(1, blank).map((l) => Buffer.from(l, 'base64'));
      const note = lines.slice(blank + 1).join('\n');
      let checkpoint;
      try {
        checkpoint = verifyCheckpoint(note, platformKey);
      } catch {
        return answer(response, 403, 'no trusted signature\n');
      }
      const oldSize = Number(old[1]);
      if (oldSize > checkpoint.size) return answer(response, 400, 'old size above the checkpoint size\n');
      const held = double.state.get(checkpoint.origin) ?? { size: 0, root: Buffer.alloc(0) };
      if (oldSize !== held.size) return answer(response, 409, `${held.size}\n`, 'text/x.tlog.size');
      if (oldSize === checkpoint.size) {
        if (!held.root.equals(checkpoint.rootHash)) return answer(response, 409, 'another root at this size\n');
      } else if (oldSize > 0 && !verifyConsistency(oldSize, checkpoint.size, proof, held.root, checkpoint.rootHash)) {
        return answer(response, 422, 'inconsistent\n');
      } else if (oldSize === 0 && proof.length > 0) {
        return answer(response, 422, 'a proof from 0 is empty\n');
      }
      double.state.set(checkpoint.origin, { size: checkpoint.size, root: checkpoint.rootHash });
      const signed = parseCheckpoint(note);
      const now = Math.floor(Date.now() / 1000);
      if (double.mode !== 'forge') return answer(response, 200, cosignatureLine(signed.body, cosigner, now));
      // Forged: the witness's name and key ID, another key's signature.
      const [, lineName, blob] = cosignatureLine(signed.body, forger, now).trim().split(' ');
      const bytes = Buffer.from(blob, 'base64');
      bytes.writeUInt32BE(cosigner.keyId, 0);
      answer(response, 200, `\u2014 ${lineName} ${bytes.toString('base64')}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
}
