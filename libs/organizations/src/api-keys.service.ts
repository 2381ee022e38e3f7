import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFoundError } from '@ataa/common';
import { AuditService } from './audit.service.js';
import type { ApiKeyRole, Principal } from './domain/roles.js';
import { generateSecret, hashSecret, TOKEN_PREFIX } from './domain/tokens.js';
import { ApiKey } from './persistence/api-key.entity.js';
import { ApiKeyRepository } from './persistence/api-key.repository.js';

/** Organization API keys: shown once at creation, stored as SHA-256, scoped by role, revocable. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeyRepository,
    private readonly audit: AuditService,
  ) {}

  async create(principal: Principal, input: { name: string; role: ApiKeyRole }): Promise<{ apiKey: ApiKey; secret: string }> {
    const secret = generateSecret(TOKEN_PREFIX.apiKey);
    return this.dataSource.transaction(async (manager) => {
      const apiKey = await this.apiKeys.insert(manager, {
        organizationId: principal.organizationId,
        name: input.name,
        role: input.role,
        keyPrefix: secret.slice(0, TOKEN_PREFIX.apiKey.length + 9),
        keyHash: hashSecret(secret),
        createdBy: principal.userId,
        lastUsedAt: null,
        revokedAt: null,
      });
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'api_key.created', targetType: 'api_key', targetId: apiKey.id, details: { name: input.name, role: input.role } });
      return { apiKey, secret };
    });
  }

  list(organizationId: string): Promise<ApiKey[]> {
    return this.apiKeys.listForOrganization(organizationId);
  }

  async revoke(principal: Principal, apiKeyId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const apiKey = await this.apiKeys.lock(manager, apiKeyId, principal.organizationId);
      if (!apiKey) throw new NotFoundError('API key');
      if (apiKey.revokedAt) return;
      apiKey.revokedAt = new Date();
      await this.apiKeys.save(manager, apiKey);
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'api_key.revoked', targetType: 'api_key', targetId: apiKey.id, details: { name: apiKey.name } });
    });
  }

  /** The active key for a presented secret, or null. */
  async authenticate(secret: string): Promise<ApiKey | null> {
    const apiKey = await this.apiKeys.findActiveByHash(hashSecret(secret));
    if (!apiKey) return null;
    // Coarse last-used stamp: one write per key per minute at most, not one per request.
    if (!apiKey.lastUsedAt || Date.now() - apiKey.lastUsedAt.getTime() > 60_000) {
      await this.apiKeys.setLastUsed(apiKey.id, new Date());
    }
    return apiKey;
  }
}
