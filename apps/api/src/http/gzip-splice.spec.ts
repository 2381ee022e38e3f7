import fc from 'fast-check';
import zlib from 'node:zlib';
import { gzipParts, gzipWithSlot } from './gzip-splice.js';

describe('gzip with a slot spliced in', () => {
  const page = (n: number) => Buffer.from(`<!doctype html><p>${'صدقة جارية — water for the village. '.repeat(n)}</p><input name="_csrf" value="`);

  it('decodes to head + slot + tail, for any slot and parts', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9._-]{0,120}$/), (head, tail, slot) => {
      const parts = gzipParts(Buffer.from(head), Buffer.from(tail));
      const body = gzipWithSlot(parts, slot);
      expect(zlib.gunzipSync(body).equals(Buffer.concat([Buffer.from(head), Buffer.from(slot, 'latin1'), Buffer.from(tail)]))).toBe(true);
    }));
  });

  it('checks out with strict decoders: the CRC and length of the whole body, one member', () => {
    const [head, tail] = [page(200), Buffer.from('"></form></html>'.repeat(50))];
    const parts = gzipParts(head, tail);
    const token = 'AAAAAAAAAAAAAAAAAAAAAA.t5z0ab.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    const body = gzipWithSlot(parts, token);
    const whole = Buffer.concat([head, Buffer.from(token), tail]);
    // the trailer is gzip's: CRC-32 and size of the uncompressed body
    expect(body.readUInt32LE(body.length - 8)).toBe(zlib.crc32(whole));
    expect(body.readUInt32LE(body.length - 4)).toBe(whole.length);
    // a streaming decoder that refuses trailing garbage and bad checks reads exactly the body
    expect(zlib.gunzipSync(body, { finishFlush: zlib.constants.Z_FINISH }).equals(whole)).toBe(true);
    // a flipped byte in the slot is caught by the CRC
    const forged = Buffer.from(body);
    forged[body.length - 8 - parts.tail.length - 3] ^= 1;
    expect(() => zlib.gunzipSync(forged)).toThrow();
    // compressing ahead still pays: the spliced body is far smaller than the page
    expect(body.length).toBeLessThan(whole.length / 4);
  });

  it('takes an empty slot (a page without a form) and refuses one a stored block cannot hold', () => {
    const parts = gzipParts(page(3), Buffer.alloc(0));
    expect(zlib.gunzipSync(gzipWithSlot(parts, '')).equals(page(3))).toBe(true);
    expect(() => gzipWithSlot(parts, 'x'.repeat(65_536))).toThrow(RangeError);
  });
});
