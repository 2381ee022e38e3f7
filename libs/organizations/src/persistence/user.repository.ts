import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { RecoveryCode } from './two-factor.entity.js';
import { User } from './user.entity.js';

/** Dashboard users (the `User` entity, its password hash and two-factor columns) and their recovery codes. */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the user in the caller's transaction (the e-mail's uniqueness is the database's). */
  insert(manager: EntityManager, values: Partial<User>): Promise<User> {
    return manager.save(manager.create(User, values));
  }

  /** Changes these columns of the user, in the caller's transaction. */
  async update(manager: EntityManager, userId: string, changes: Partial<User>): Promise<void> {
    await manager.update(User, { id: userId }, changes);
  }

  /** The user, or throws (EntityNotFoundError) when there is none. */
  getById(userId: string, manager: EntityManager = this.dataSource.manager): Promise<User> {
    return manager.findOneByOrFail(User, { id: userId });
  }

  /** The user with this (normalized) e-mail, its password hash selected, or null. */
  findByEmailWithPassword(email: string): Promise<User | null> {
    return this.dataSource.getRepository(User).createQueryBuilder('u').addSelect('u.passwordHash').where('u.email = :email', { email }).getOne();
  }

  /** The user with its password hash selected, or null. */
  findWithPassword(userId: string): Promise<User | null> {
    return this.dataSource.getRepository(User).createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :userId', { userId }).getOne();
  }

  /** The same, read in the caller's transaction. */
  findWithPasswordIn(manager: EntityManager, userId: string): Promise<User | null> {
    return manager.createQueryBuilder(User, 'u').addSelect('u.passwordHash').where('u.id = :id', { id: userId }).getOne();
  }

  /** The user with the secret being enrolled selected, or null. */
  findWithPendingSecret(userId: string): Promise<User | null> {
    return this.dataSource.getRepository(User).createQueryBuilder('u').addSelect('u.totpPendingSecret').where('u.id = :userId', { userId }).getOne();
  }

  /** The user with both two-factor secrets selected, its row locked FOR UPDATE (one code is accepted once), or null. */
  lockWithSecrets(manager: EntityManager, userId: string): Promise<User | null> {
    return manager.createQueryBuilder(User, 'u').addSelect(['u.totpSecret', 'u.totpPendingSecret'])
      .where('u.id = :userId', { userId }).setLock('pessimistic_write').getOne();
  }

  /** How many of the user's recovery codes are unused. */
  unusedRecoveryCodes(userId: string): Promise<number> {
    return this.dataSource.getRepository(RecoveryCode).countBy({ userId, usedAt: IsNull() });
  }

  async deleteRecoveryCodes(manager: EntityManager, userId: string): Promise<void> {
    await manager.delete(RecoveryCode, { userId });
  }

  async insertRecoveryCodes(manager: EntityManager, userId: string, codeHashes: readonly string[]): Promise<void> {
    await manager.insert(RecoveryCode, codeHashes.map((codeHash) => ({ userId, codeHash, usedAt: null })));
  }

  /** Spends the unused recovery code with this hash; true when one was. */
  async spendRecoveryCode(manager: EntityManager, userId: string, codeHash: string): Promise<boolean> {
    const spent = await manager.createQueryBuilder().update(RecoveryCode).set({ usedAt: () => 'now()' })
      .where('user_id = :userId AND code_hash = :hash AND used_at IS NULL', { userId, hash: codeHash })
      .execute();
    return (spent.affected ?? 0) === 1;
  }
}
