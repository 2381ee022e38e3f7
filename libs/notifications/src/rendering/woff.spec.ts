import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { repoRoot } from '@ataa/common';
import { woffToSfnt } from './woff.js';

const FONTS = path.join(repoRoot(import.meta.dirname), 'node_modules', '@fontsource');
const checksum = (data: Buffer) => {
  const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
};

describe('woffToSfnt', () => {
  it.each([
    ['noto-naskh-arabic/files/noto-naskh-arabic-arabic-400-normal.woff'],
    ['noto-sans/files/noto-sans-latin-400-normal.woff'],
  ])('unwraps %s into an sfnt whose tables match their checksums', (file) => {
    const woff = readFileSync(path.join(FONTS, file));
    const sfnt = woffToSfnt(woff);
    expect(sfnt.readUInt32BE(0)).toBe(woff.readUInt32BE(4)); // the flavor (TrueType or CFF)
    const numTables = sfnt.readUInt16BE(4);
    expect(numTables).toBe(woff.readUInt16BE(12));
    expect(sfnt.length).toBe(woff.readUInt32BE(16)); // WOFF's totalSfntSize
    for (let i = 0; i < numTables; i++) {
      const tag = sfnt.toString('latin1', 12 + i * 16, 16 + i * 16);
      const offset = sfnt.readUInt32BE(20 + i * 16);
      const length = sfnt.readUInt32BE(24 + i * 16);
      expect(offset % 4).toBe(0);
      const table = Buffer.from(sfnt.subarray(offset, offset + length));
      if (tag === 'head') table.writeUInt32BE(0, 8); // checkSumAdjustment is excluded from head's checksum
      expect({ tag, checksum: checksum(table) }).toEqual({ tag, checksum: sfnt.readUInt32BE(16 + i * 16) });
    }
  });

  it('passes a plain sfnt through, and refuses a table that does not inflate to its length', () => {
    const plain = Buffer.from([0, 1, 0, 0, 0, 0]);
    expect(woffToSfnt(plain)).toBe(plain);
    const data = Buffer.from('x'.repeat(64));
    const compressed = deflateSync(data);
    const woff = Buffer.alloc(44 + 20 + compressed.length);
    woff.write('wOFF', 0, 'latin1');
    woff.writeUInt32BE(0x00010000, 4);
    woff.writeUInt16BE(1, 12);
    woff.write('test', 44, 'latin1');
    woff.writeUInt32BE(64, 48);
    woff.writeUInt32BE(compressed.length, 52);
    woff.writeUInt32BE(65, 56); // declares one byte more than the table holds
    compressed.copy(woff, 64);
    expect(() => woffToSfnt(woff)).toThrow(/malformed WOFF/);
  });
});
