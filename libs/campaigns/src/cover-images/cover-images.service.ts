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

  /** Whether a campaign's cover address is an upload stored here. */
  isUploaded(url: string | null | undefined): boolean {
    return uploadedCoverKey(this.config.PUBLIC_BASE_URL, url) !== null;
  }
}
