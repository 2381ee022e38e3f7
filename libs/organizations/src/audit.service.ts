import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';
import { AuditLogEntry } from './persistence/audit-log-entry.entity.js';
import { AuditLogRepository, type AuditLogRow } from './persistence/audit-log.repository.js';

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
  constructor(private readonly log: AuditLogRepository) {}

  /** Appends inside the caller's transaction when given one, so the record commits with the change. */
  async record(manager: EntityManager | null, entry: AuditRecord): Promise<void> {
    await this.log.insert(manager, row(entry));
  }

  /** The same record as a write for another writer's statement (`LedgerWriter.recordWith`), committed with it. */
  write(entry: AuditRecord): SqlWrite {
    return this.log.insertWrite(row(entry));
  }

  /** Newest first, keyset-paginated on the sequence number. */
  async list(organizationId: string, options: AuditFilter): Promise<AuditPage> {
    const rows = await this.log.page(organizationId, options, options.limit + 1);
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1].seq.toString() : null };
  }

  /**
   * Who and what appear in an organization's log (the choices of a filter): each actor with the e-mail
   * of its user or the name of its API key (removed members and revoked keys included), and the actions.
   */
  async filterChoices(organizationId: string): Promise<{ actors: AuditActor[]; actions: string[] }> {
    const [actors, actions] = await Promise.all([this.log.actors(organizationId), this.log.actions(organizationId)]);
    return { actors: actors.map((r) => ({ actor: r.actor, email: r.email, apiKeyName: r.api_key_name })), actions: actions.map((r) => r.action) };
  }
}

/** The record as stored (no details: an empty object). */
function row(entry: AuditRecord): AuditLogRow {
  return { organizationId: entry.organizationId, actor: entry.actor, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, details: entry.details ?? {} };
}
