import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';
import { AuditLogEntry } from './audit-log-entry.entity.js';

/** One audit record as stored. */
export interface AuditLogRow {
  organizationId: string | null;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
}

/** The audit log's filters as the list query takes them. */
export interface AuditLogQuery {
  cursor?: string;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
}

/** The append-only audit log (`audit_log`; the table refuses UPDATE and DELETE). */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends, in the caller's transaction when given one. */
  async insert(manager: EntityManager | null, row: AuditLogRow): Promise<void> {
    const target = manager ?? this.dataSource.manager;
    await target.insert(AuditLogEntry, {
      organizationId: row.organizationId,
      actor: row.actor,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      details: row.details as never,
    });
  }

  /** The same insert as a write for another writer's statement (`LedgerWriter.recordWith`). */
  insertWrite(row: AuditLogRow): SqlWrite {
    return {
      text: `INSERT INTO audit_log (organization_id, actor, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      values: [row.organizationId, row.actor, row.action, row.targetType, row.targetId, JSON.stringify(row.details)],
    };
  }

  /** Up to `limit` records of the organization, newest first (keyset on seq, below the cursor). */
  page(organizationId: string, options: AuditLogQuery, limit: number): Promise<AuditLogEntry[]> {
    const query = this.dataSource.getRepository(AuditLogEntry).createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId })
      .orderBy('a.seq', 'DESC')
      .limit(limit);
    if (options.cursor) query.andWhere('a.seq < :cursor', { cursor: options.cursor });
    if (options.action) query.andWhere('a.action = :action', { action: options.action });
    if (options.actor) query.andWhere('a.actor = :actor', { actor: options.actor });
    if (options.from) query.andWhere('a.created_at >= :from', { from: options.from });
    if (options.to) query.andWhere('a.created_at < :to', { to: options.to });
    return query.getMany();
  }

  /** Each actor of the organization's log with its user's e-mail or its API key's name (removed members and revoked keys included). */
  actors(organizationId: string): Promise<{ actor: string; email: string | null; api_key_name: string | null }[]> {
    return this.dataSource.query(
      `SELECT a.actor, u.email, k.name AS api_key_name
       FROM (SELECT DISTINCT actor FROM audit_log WHERE organization_id = $1) a
       LEFT JOIN users u ON a.actor = 'user:' || u.id::text
       LEFT JOIN api_keys k ON a.actor = 'api_key:' || k.id::text AND k.organization_id = $1
       ORDER BY a.actor`,
      [organizationId],
    );
  }

  /** The actions in the organization's log. */
  actions(organizationId: string): Promise<{ action: string }[]> {
    return this.dataSource.query(`SELECT DISTINCT action FROM audit_log WHERE organization_id = $1 ORDER BY action`, [organizationId]);
  }
}
