import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';
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

/** Filters of an organization's audit log (all optional; `to` is exclusive). */
export interface AuditFilter {
  cursor?: string;
  limit: number;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
}

/** Someone who appears in an organization's audit log, with what names them (a user's e-mail, a key's name). */
export interface AuditActor {
  actor: string;
  email: string | null;
  apiKeyName: string | null;
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

  /** The same record as a write for another writer's statement (`LedgerWriter.recordWith`), committed with it. */
  write(entry: AuditRecord): SqlWrite {
    return {
      text: `INSERT INTO audit_log (organization_id, actor, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      values: [entry.organizationId, entry.actor, entry.action, entry.targetType, entry.targetId, JSON.stringify(entry.details ?? {})],
    };
  }

  /** Newest first, keyset-paginated on the sequence number. */
  async list(organizationId: string, options: AuditFilter): Promise<AuditPage> {
    const query = this.dataSource.getRepository(AuditLogEntry).createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId })
      .orderBy('a.seq', 'DESC')
      .limit(options.limit + 1);
    if (options.cursor) query.andWhere('a.seq < :cursor', { cursor: options.cursor });
    if (options.action) query.andWhere('a.action = :action', { action: options.action });
    if (options.actor) query.andWhere('a.actor = :actor', { actor: options.actor });
    if (options.from) query.andWhere('a.created_at >= :from', { from: options.from });
    if (options.to) query.andWhere('a.created_at < :to', { to: options.to });
    const rows = await query.getMany();
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1].seq.toString() : null };
  }

  /**
   * Who and what appear in an organization's log (the choices of a filter): each actor with the e-mail
   * of its user or the name of its API key (removed members and revoked keys included), and the actions.
   */
  async filterChoices(organizationId: string): Promise<{ actors: AuditActor[]; actions: string[] }> {
    const [actors, actions]: [{ actor: string; email: string | null; api_key_name: string | null }[], { action: string }[]] = await Promise.all([
      this.dataSource.query(
        `SELECT a.actor, u.email, k.name AS api_key_name
         FROM (SELECT DISTINCT actor FROM audit_log WHERE organization_id = $1) a
         LEFT JOIN users u ON a.actor = 'user:' || u.id::text
         LEFT JOIN api_keys k ON a.actor = 'api_key:' || k.id::text AND k.organization_id = $1
         ORDER BY a.actor`,
        [organizationId],
      ),
      this.dataSource.query(`SELECT DISTINCT action FROM audit_log WHERE organization_id = $1 ORDER BY action`, [organizationId]),
    ]);
    return { actors: actors.map((r) => ({ actor: r.actor, email: r.email, apiKeyName: r.api_key_name })), actions: actions.map((r) => r.action) };
  }
}
