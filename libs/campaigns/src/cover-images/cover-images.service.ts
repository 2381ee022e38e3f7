import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { coverImageMime, coverImageUrl, inspectCoverImage, isCoverImageKey, uploadedCoverKey, type AcceptedCoverImage, type CoverImageProblem } from '../domain/cover-image.js';
import { COVER_IMAGE_STORAGE, type CoverImageStorage } from './cover-image-storage.js';

/**
 * Campaign cover images: checked (domain/cover-image.ts) before anything is stored, stored through
 * the one storage adapter, read back for the public path. The caller stores only once every other
 * field of its form is valid, and takes a newly stored file back if the campaign change then fails.
 */
@Injectable()
export class CoverImagesService {
  constructor(
    @Inject(COVER_IMAGE_STORAGE) private readonly storage: CoverImageStorage,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  get maxBytes(): number {
    return this.config.COVER_IMAGE_MAX_BYTES;
  }

  inspect(bytes: Buffer): { ok: true; image: AcceptedCoverImage } | { ok: false; problem: CoverImageProblem } {
    return inspectCoverImage(bytes, this.config.COVER_IMAGE_MAX_BYTES);
  }

  /** An uploaded file as read from a multipart form: one cut at the size limit by the parser is too large. */
  inspectUpload(file: { bytes: Buffer; truncated: boolean }): { ok: true; image: AcceptedCoverImage } | { ok: false; problem: CoverImageProblem } {
    return file.truncated ? { ok: false, problem: 'image_too_large' } : this.inspect(file.bytes);
  }

  /**
   * Stores the image, runs the change that refers to it, and takes the file back if the change fails
   * and this call created it (the same bytes stored earlier for something else are left alone).
   */
  async storeDuring<T>(image: AcceptedCoverImage, change: (stored: { url: string; key: string }) => Promise<T>): Promise<T> {
    const stored = await this.store(image);
    try {
      return await change(stored);
    } catch (error) {
      if (stored.created) await this.discard(stored.key);
      throw error;
    }
  }

  /** Stores an accepted image; its public address, and whether this call created the file. */
  async store(image: AcceptedCoverImage): Promise<{ url: string; key: string; created: boolean }> {
    const { created } = await this.storage.put(image.key, image.bytes, image.mime);
    return { url: coverImageUrl(this.config.PUBLIC_BASE_URL, image.key), key: image.key, created };
  }

  /** Takes back a file stored for a change that did not happen. */
  async discard(key: string): Promise<void> {
    await this.storage.delete(key);
  }

  async read(key: string): Promise<{ bytes: Buffer; contentType: string } | null> {
    if (!isCoverImageKey(key)) return null;
    const bytes = await this.storage.get(key);
    return bytes ? { bytes, contentType: coverImageMime(key) } : null;
  }

  /** Whether `key` names a file stored here (a key of the right shape alone is not enough). */
  async exists(key: string): Promise<boolean> {
    return (await this.read(key)) !== null;
  }

  /** Whether a campaign's cover address is an upload stored here. */
  isUploaded(url: string | null | undefined): boolean {
    return uploadedCoverKey(this.config.PUBLIC_BASE_URL, url) !== null;
  }
}
