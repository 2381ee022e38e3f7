import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Where uploaded cover images live: one interface, so a deployment can keep them on disk (below) or
 * in an S3-compatible store (an adapter implementing the same three calls). Keys are content hashes
 * (`<sha256>.<ext>`, checked by the caller), so writing the same bytes twice is harmless.
 */
export interface CoverImageStorage {
  /** Stores the bytes under `key`; `created` is false when they were there already. */
  put(key: string, bytes: Buffer, contentType: string): Promise<{ created: boolean }>;
  /** The stored bytes, or null. */
  get(key: string): Promise<Buffer | null>;
  /** Removes a file (used to take back one stored for a change that then failed). */
  delete(key: string): Promise<void>;
}

export const COVER_IMAGE_STORAGE = Symbol('COVER_IMAGE_STORAGE');

/**
 * Covers on the local disk, under `<UPLOAD_DIR>/covers`: written to a temporary name, then renamed (a
 * reader never sees half a file). The same adapter keeps spending evidence files under
 * `<UPLOAD_DIR>/evidence` (`area`), apart from covers (which are all public).
 */
export class DiskCoverImageStorage implements CoverImageStorage {
  private readonly directory: string;

  constructor(uploadDir: string, area: 'covers' | 'evidence' = 'covers') {
    this.directory = path.resolve(uploadDir, area);
  }

  async put(key: string, bytes: Buffer): Promise<{ created: boolean }> {
    await mkdir(this.directory, { recursive: true });
    const target = this.file(key);
    try {
      await (await open(target, 'r')).close();
      return { created: false };
    } catch {
      // not there yet
    }
    const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    return { created: true };
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  private file(key: string): string {
    // The caller checked the key's shape; basename is a second guard against a path.
    return path.join(this.directory, path.basename(key));
  }
}
