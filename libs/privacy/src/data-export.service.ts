import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { OutboxService } from '@ataa/notifications';
import { AuditService } from '@ataa/organizations';
import { buildDonorExport, type DonorExportDocument } from './domain/export-document.js';
import { deriveLinkKey, signLink, verifyLink } from './domain/signed-link.js';
import { DataExportRepository, type DonorDataRows, type ExportRequestRow } from './persistence/data-export.repository.js';

export const DATA_EXPORT_PURPOSE = 'data-export';

/** Why a link opens nothing: forged or unknown (`link_invalid`), past its expiry, or already used. */
export type ExportLinkRefusal = 'link_invalid' | 'link_expired' | 'link_used';

export type ExportLinkState = { ok: true; request: ExportRequestRow } | { ok: false; reason: ExportLinkRefusal };

/**
 * A donor's copy of everything held about their e-mail address, with proof of control of that
 * address: the public form records a request and queues an e-mail (outbox, same transaction) with a
 * signed (HMAC), expiring link that works once. Whether the address is known is decided only when
 * the e-mail is sent (nothing is sent when nothing is held), so the form's answer and its work are
 * the same for every address.
 */
@Injectable()
export class DataExportService {
  private readonly key: Buffer;

  constructor(
    private readonly repository: DataExportRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.key = deriveLinkKey(config.AUTH_SECRET ?? randomBytes(32));
  }

  /** Records the request and queues its e-mail. `email` is already validated (the form's DTO). */
  async request(input: { email: string; language: 'en' | 'ar' }): Promise<void> {
    const id = randomUUID();
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + this.config.DATA_EXPORT_LINK_TTL_SECONDS * 1000);
    await this.transactions.run(async (m) => {
      await this.repository.insertRequest(m, { id, email: input.email.trim().toLowerCase(), language: input.language, nonce: randomBytes(16).toString('hex'), expiresAt });
      await this.outbox.enqueue(m, { kind: 'data_export', aggregateId: id });
    });
  }

  /** The signed link for a request (derived again whenever needed: it is never stored). */
  linkToken(request: Pick<ExportRequestRow, 'id' | 'nonce' | 'expiresAt'>): string {
    return signLink(this.key, { purpose: DATA_EXPORT_PURPOSE, subject: request.id, expiresAt: Math.floor(request.expiresAt.getTime() / 1000), nonce: request.nonce });
  }

  downloadUrl(token: string): string {
    const url = new URL(`${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/privacy/export/download`);
    url.searchParams.set('token', token);
    return url.toString();
  }

  /** Read-only: what a link opens, without using it. */
  async inspect(token: unknown): Promise<ExportLinkState> {
    const verdict = verifyLink(this.key, token, { purpose: DATA_EXPORT_PURPOSE });
    if (!verdict.ok) return { ok: false, reason: verdict.reason === 'expired' ? 'link_expired' : 'link_invalid' };
    const request = await this.repository.findRequest(verdict.claims.subject);
    return this.stateOf(request, verdict.claims.nonce, verdict.claims.expiresAt);
  }

  /** Uses the link (once) and builds the document. A forged, expired or used link changes nothing. */
  async download(token: unknown): Promise<{ ok: true; document: DonorExportDocument } | { ok: false; reason: ExportLinkRefusal }> {
    const verdict = verifyLink(this.key, token, { purpose: DATA_EXPORT_PURPOSE });
    if (!verdict.ok) return { ok: false, reason: verdict.reason === 'expired' ? 'link_expired' : 'link_invalid' };
    const { subject, nonce, expiresAt } = verdict.claims;
    return this.transactions.run(async (m) => {
      const used = await this.repository.consume(m, subject, nonce);
      if (!used || Math.floor(used.expiresAt.getTime() / 1000) !== expiresAt) {
        const state = this.stateOf(await this.repository.findRequest(subject, m), nonce, expiresAt);
        // consume() refused: the link is used or expired (or was never ours); a mismatched expiry is a forgery.
        return { ok: false as const, reason: state.ok ? 'link_invalid' as const : state.reason };
      }
      const rows = await this.repository.donorData(m, used.email);
      await this.audit.record(m, {
        organizationId: null, actor: 'donor', action: 'privacy.data_exported', targetType: 'data_export_request', targetId: used.id,
        details: exportCounts(rows),
      });
      const document = buildDonorExport({ email: used.email, generatedAt: new Date(), ...rows });
      return { ok: true as const, document };
    }, { isolation: 'REPEATABLE READ' });
  }

  /**
   * The same document for a donor already proven to control `email` (the donor page's session,
   * issue 20): built in one snapshot and audited like a link's download (`via: donor_page`).
   */
  async exportFor(email: string, sessionId: string): Promise<DonorExportDocument> {
    return this.transactions.run(async (m) => {
      const rows = await this.repository.donorData(m, email);
      await this.audit.record(m, {
        organizationId: null, actor: 'donor', action: 'privacy.data_exported', targetType: 'donor_session', targetId: sessionId,
        details: { ...exportCounts(rows), via: 'donor_page' },
      });
      return buildDonorExport({ email, generatedAt: new Date(), ...rows });
    }, { isolation: 'REPEATABLE READ' });
  }

  /** For the e-mail: the request with its link, and whether anything is held about the address. */
  async mailData(requestId: string): Promise<{ request: ExportRequestRow; token: string; holdsDonor: boolean } | null> {
    const request = await this.repository.findRequest(requestId);
    if (!request) return null;
    return { request, token: this.linkToken(request), holdsDonor: await this.repository.holdsDonor(request.email) };
  }

  private stateOf(request: ExportRequestRow | null, nonce: string, expiresAt: number): ExportLinkState {
    if (!request || request.nonce !== nonce || Math.floor(request.expiresAt.getTime() / 1000) !== expiresAt) return { ok: false, reason: 'link_invalid' };
    if (request.usedAt) return { ok: false, reason: 'link_used' };
    if (request.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'link_expired' };
    return { ok: true, request };
  }
}

/** What an export held, counted for its audit line (never the data itself): the same for a link's download and the donor page's. */
function exportCounts(rows: DonorDataRows): Record<string, number> {
  return {
    donations: rows.donations.length, offlineGifts: rows.offlineGifts.length, recurringSeries: rows.recurringGifts.length,
    scheduledSeries: rows.scheduledGifts.length, pledges: rows.pledges.length,
  };
}
