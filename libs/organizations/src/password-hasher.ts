import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/** OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  // Verified against when the e-mail is unknown, so a miss costs as much time as a wrong password.
  private readonly dummy = argon2.hash('ataa-timing-equaliser', ARGON2_OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? (await this.dummy), password);
      return hash !== null && ok;
    } catch {
      return false;
    }
  }
}
