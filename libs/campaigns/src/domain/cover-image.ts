import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';

/**
 * Campaign cover images uploaded from the dashboard (pure: no I/O). What a file is comes from its
 * first bytes, never from its name or the browser's content type: JPEG, PNG and WebP only. Its size
 * is bounded by the configuration, its dimensions must be an image's (image-size reads them from the
 * header). A stored image is named by the SHA-256 of its bytes, so its address never changes and can
 * be cached for a year.
 */
export type CoverImageType = 'jpeg' | 'png' | 'webp';

export const COVER_IMAGE_TYPES: Readonly<Record<CoverImageType, { mime: string; extension: string }>> = {
  jpeg: { mime: 'image/jpeg', extension: 'jpg' },
  png: { mime: 'image/png', extension: 'png' },
  webp: { mime: 'image/webp', extension: 'webp' },
};

/** Smallest and largest sides accepted, and the most pixels (a decompression bomb is refused by its header). */
export const COVER_IMAGE_MIN_SIDE = 16;
export const COVER_IMAGE_MAX_SIDE = 8000;
export const COVER_IMAGE_MAX_PIXELS = 40_000_000;

/** The public path of stored covers; a key is `<sha256>.<extension>`. */
export const COVER_IMAGE_PATH = '/media/covers';
const KEY = /^[0-9a-f]{64}\.(jpg|png|webp)$/;

export type CoverImageProblem = 'image_empty' | 'image_too_large' | 'image_type' | 'image_dimensions';

export interface AcceptedCoverImage {
  type: CoverImageType;
  mime: string;
  key: string;
  width: number;
  height: number;
  bytes: Buffer;
}

/** The image type by magic bytes, or null: PNG's signature, JPEG's SOI + a marker, RIFF....WEBPVP8. */
export function sniffImageType(bytes: Uint8Array): CoverImageType | null {
  const starts = (signature: number[], at = 0) => bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38], 8)) return 'webp'; // "RIFF" size "WEBPVP8"
  return null;
}

/** The file as a cover image, or why it is refused. */
export function inspectCoverImage(bytes: Buffer, maxBytes: number): { ok: true; image: AcceptedCoverImage } | { ok: false; problem: CoverImageProblem } {
  if (bytes.length === 0) return { ok: false, problem: 'image_empty' };
  if (bytes.length > maxBytes) return { ok: false, problem: 'image_too_large' };
  const type = sniffImageType(bytes);
  if (!type) return { ok: false, problem: 'image_type' };
  let size: { width?: number; height?: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch {
    return { ok: false, problem: 'image_type' }; // the right first bytes, but no readable header
  }
  if (size.type !== (type === 'jpeg' ? 'jpg' : type)) return { ok: false, problem: 'image_type' };
  const { width = 0, height = 0 } = size;
  const sideOk = (n: number) => Number.isInteger(n) && n >= COVER_IMAGE_MIN_SIDE && n <= COVER_IMAGE_MAX_SIDE;
  if (!sideOk(width) || !sideOk(height) || width * height > COVER_IMAGE_MAX_PIXELS) return { ok: false, problem: 'image_dimensions' };
  const { mime, extension } = COVER_IMAGE_TYPES[type];
  return { ok: true, image: { type, mime, key: `${createHash('sha256').update(bytes).digest('hex')}.${extension}`, width, height, bytes } };
}

/** Whether `key` names a stored cover (anything else is 404, never a path). */
export function isCoverImageKey(key: string): boolean {
  return KEY.test(key);
}

export function coverImageMime(key: string): string {
  const extension = key.slice(key.lastIndexOf('.') + 1);
  return Object.values(COVER_IMAGE_TYPES).find((t) => t.extension === extension)?.mime ?? 'application/octet-stream';
}

/** The cover's public address on this platform. */
export function coverImageUrl(publicBaseUrl: string, key: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${COVER_IMAGE_PATH}/${key}`;
}

/** The key of a cover stored here, when `url` is one of ours (else null: an address typed by someone). */
export function uploadedCoverKey(publicBaseUrl: string, url: string | null | undefined): string | null {
  const prefix = `${publicBaseUrl.replace(/\/+$/, '')}${COVER_IMAGE_PATH}/`;
  if (!url || !url.startsWith(prefix)) return null;
  const key = url.slice(prefix.length);
  return isCoverImageKey(key) ? key : null;
}
