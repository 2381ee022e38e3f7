import zlib from 'node:zlib';

/**
 * A body made of two fixed parts around one slot that changes per request (the campaign page and a
 * visitor's CSRF token), gzip-compressed once: each request then pays only for its slot, not for
 * compressing the whole page again. The head is compressed up to a byte-aligned sync flush (not
 * final), the slot goes in as a stored (uncompressed) deflate block, the tail is compressed on its
 * own (it refers to nothing before it) and ends the stream; the gzip trailer's CRC-32 runs over the
 * whole body (RFC 1951 §3.2.4 stored blocks, RFC 1952 member layout). One valid gzip member, so any
 * decoder reads it as it reads `gzip(head + slot + tail)`.
 */
export interface GzipParts {
  /** Raw deflate of the head, ended by a sync flush. */
  readonly head: Buffer;
  /** Raw deflate of the tail, ending the stream. */
  readonly tail: Buffer;
  readonly headCrc: number;
  readonly plainTail: Buffer;
  readonly plainLength: number;
}

/** gzip's fixed header: deflate, no name or time, OS unknown. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** The largest slot one stored block holds. */
const MAX_SLOT = 0xffff;

export function gzipParts(head: Buffer, tail: Buffer): GzipParts {
  return {
    head: zlib.deflateRawSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
    tail: zlib.deflateRawSync(tail),
    headCrc: zlib.crc32(head),
    plainTail: tail,
    plainLength: head.length + tail.length,
  };
}

/** The gzip member of `head + slot + tail` (slot in Latin-1/ASCII, at most 65,535 bytes). */
export function gzipWithSlot(parts: GzipParts, slot: string): Buffer {
  const length = Buffer.byteLength(slot, 'latin1');
  if (length > MAX_SLOT) throw new RangeError('slot too long for one stored block');
  const body = Buffer.allocUnsafe(GZIP_HEADER.length + parts.head.length + 5 + length + parts.tail.length + 8);
  let at = GZIP_HEADER.copy(body, 0);
  at += parts.head.copy(body, at);
  // stored block header: BFINAL 0, BTYPE 00, padded to the byte; then LEN and its ones' complement, little-endian
  body[at++] = 0x00;
  body.writeUInt16LE(length, at);
  body.writeUInt16LE(~length & 0xffff, at + 2);
  at += 4;
  const slotBytes = body.subarray(at, at + body.write(slot, at, 'latin1'));
  at += length;
  at += parts.tail.copy(body, at);
  body.writeUInt32LE(zlib.crc32(parts.plainTail, zlib.crc32(slotBytes, parts.headCrc)) >>> 0, at);
  body.writeUInt32LE((parts.plainLength + length) % 0x1_0000_0000, at + 4);
  return body;
}
