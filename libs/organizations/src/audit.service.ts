import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLogEntry } from './persistence/audit-log-entry.entity.js';

export interface AuditRecord {
  organizationId: string | null;
  /** `user:<id>`, `api_key:<id>`, `operator` or `stripe`. */
  actor: string;
  /** Dotted verb, e.g. `campaign.published`, `membership.role_changed`, `api_key.created`. */
  action: string;
  targetType: string;
  targetId: string | null;
  details?: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditLogEntry[];
  nextCursor: string | null;
}

/** Who did what and when. Append-only: the table refuses UPDATE and DELETE. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends inside the caller's transaction when given one, so the record commits with the change. */
  async record(manager: EntityManager | null, entry: AuditRecord): Promise<void> {
    const target = manager ?? this.dataSource.manager;
    await target.insert(AuditLogEntry, {
      organizationId: entry.organizationId,
      actor: entry.actor,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      details: (entry.details ?? {}) as never,
    });
  }

  /** Newest first, keyset-paginated on the sequence number. */
  async list(organizationId: string, options: { cursor?: string; limit: number; action?: string }): Promise<AuditPage> {
    const query = this.dataSource.getRepository(AuditLogEntry).createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId })
      .orderBy('a.seq', 'DESC')
      .limit(options.limit + 1);
    if (options.cursor) query.andWhere('a.seq < :cursor', { cursor: options.cursor });
    if (options.action) query.andWhere('a.action = :action', { action: options.action });
    const rows = await query.getMany();
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1].seq.toString() : null };
  }
}
