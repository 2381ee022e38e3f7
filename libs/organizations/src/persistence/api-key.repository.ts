import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { ApiKey } from './api-key.entity.js';

/** Organization API keys (`api_keys`, the `ApiKey` entity). */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(manager: EntityManager, values: Partial<ApiKey>): Promise<ApiKey> {
    return manager.save(manager.create(ApiKey, values));
  }

  async save(manager: EntityManager, apiKey: ApiKey): Promise<void> {
    await manager.save(apiKey);
  }

  /** The organization's keys, newest first. */
  listForOrganization(organizationId: string): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ where: { organizationId }, order: { createdAt: 'DESC' } });
  }

  /** The organization's key, its row locked FOR UPDATE, or null. */
  lock(manager: EntityManager, apiKeyId: string, organizationId: string): Promise<ApiKey | null> {
    return manager.findOne(ApiKey, { where: { id: apiKeyId, organizationId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The key not revoked with this secret's hash, or null. */
  findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    return this.dataSource.getRepository(ApiKey).findOneBy({ keyHash, revokedAt: IsNull() });
  }

  async setLastUsed(apiKeyId: string, at: Date): Promise<void> {
    await this.dataSource.getRepository(ApiKey).update({ id: apiKeyId }, { lastUsedAt: at });
  }
}
