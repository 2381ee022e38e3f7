import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import {
  buildReceiptView, buildStatementView, NotificationsRepository, OutboxService, RECEIPT_DATA_SOURCE, RECEIPT_DATA_SOURCE_OVERRIDE, ReceiptPdfPool,
  type ReceiptDataSource, type StatementLanguage,
} from '@ataa/notifications';
import { DataExportService, deriveLinkKey, signLink, verifyLink, type DonorExportDocument } from '@ataa/privacy';
import { giftsInPeriod, netAmount, totalsPerCurrency, type DonorGift } from './domain/donor-gifts.js';
import type { StatementPeriod } from './domain/statement-period.js';
import { DonorPageRepository, type SignInLinkRow } from './persistence/donor-page.repository.js';

/** Signed-link purposes (`@ataa/privacy`'s signed links): the e-mailed link and the session cookie. */
export const DONOR_SIGN_IN_PURPOSE = 'donor-sign-in';
export const DONOR_SESSION_PURPOSE = 'donor-session';
/** A sign-in link works once, for 15 minutes (the database holds the same bound). */
export const SIGN_IN_LINK_TTL_SECONDS = 15 * 60;

/** Why a sign-in link opens nothing: forged or unknown, past its 15 minutes, or already used. */
export type SignInLinkRefusal = 'link_invalid' | 'link_expired' | 'link_used';

export type SignInLinkState = { ok: true; link: SignInLinkRow } | { ok: false; reason: SignInLinkRefusal };

/** A signed-in donor: the address proven by the link, for as long as the session lasts. */
export interface DonorSession {
  id: string;
  email: string;
  language: 'en' | 'ar';
  expiresAt: Date;
  nonce: string;
}

/**
 * The donor page (issue 20): a donor proves control of an e-mail address with a single-use link
 * sent to it (no password), then sees every gift made with it, downloads receipts again, a
 * statement for any period and their data. Links and session cookies are signed with the privacy
 * lib's signed links (HMAC under a key derived from AUTH_SECRET, one purpose each); the single-use
 * record and the session's end live in donor_sign_in_links.
 *
 * Every request for a link records it and queues the same e-mail, whether or not the address has
 * gifts: the form's answer, its work and the e-mail are the same for everyone.
 */
@Injectable()
export class DonorPageService {
  private readonly key: Buffer;

  constructor(
    private readonly repository: DonorPageRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly receipts: NotificationsRepository,
    private readonly pdf: ReceiptPdfPool,
    private readonly exports: DataExportService,
    private readonly moduleRef: ModuleRef,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.key = deriveLinkKey(config.AUTH_SECRET ?? randomBytes(32));
  }

  /** Records a link for the address and queues its e-mail. `email` is already validated. */
  async requestLink(input: { email: string; language: 'en' | 'ar' }): Promise<void> {
    const id = randomUUID();
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(requestedAt.getTime() + SIGN_IN_LINK_TTL_SECONDS * 1000);
    await this.transactions.run(async (m) => {
      await this.repository.insertLink(m, { id, email: input.email.trim().toLowerCase(), language: input.language, nonce: randomBytes(16).toString('hex'), requestedAt, expiresAt });
      await this.outbox.enqueue(m, { kind: 'donor_sign_in', aggregateId: id });
    });
  }

  /** The signed link of a row (derived again when the e-mail is sent: never stored). */
  linkToken(link: Pick<SignInLinkRow, 'id' | 'nonce' | 'expiresAt'>): string {
    return signLink(this.key, { purpose: DONOR_SIGN_IN_PURPOSE, subject: link.id, expiresAt: Math.floor(link.expiresAt.getTime() / 1000), nonce: link.nonce });
  }

  signInUrl(token: string): string {
    const url = new URL(`${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/donor/sign-in`);
    url.searchParams.set('token', token);
    return url.toString();
  }

  /** Read-only: what a link opens, without using it (mail scanners open links). */
  async inspectLink(token: unknown): Promise<SignInLinkState> {
    const verdict = verifyLink(this.key, token, { purpose: DONOR_SIGN_IN_PURPOSE });
    if (!verdict.ok) return { ok: false, reason: verdict.reason === 'expired' ? 'link_expired' : 'link_invalid' };
    return this.linkState(await this.repository.findLink(verdict.claims.subject), verdict.claims.nonce, verdict.claims.expiresAt);
  }

  /** Uses the link (once) and starts a session; the cookie value is returned with its expiry. */
  async signIn(token: unknown): Promise<{ ok: true; cookie: string; session: DonorSession } | { ok: false; reason: SignInLinkRefusal }> {
    const verdict = verifyLink(this.key, token, { purpose: DONOR_SIGN_IN_PURPOSE });
    if (!verdict.ok) return { ok: false, reason: verdict.reason === 'expired' ? 'link_expired' : 'link_invalid' };
    const { subject, nonce, expiresAt } = verdict.claims;
    const sessionNonce = randomBytes(16).toString('hex');
    const sessionExpiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + this.config.DONOR_SESSION_TTL_SECONDS * 1000);
    const used = await this.repository.consume(subject, nonce, { nonce: sessionNonce, expiresAt: sessionExpiresAt });
    if (!used || Math.floor(used.expiresAt.getTime() / 1000) !== expiresAt) {
      const state = this.linkState(await this.repository.findLink(subject), nonce, expiresAt);
      return { ok: false, reason: state.ok ? 'link_invalid' : state.reason };
    }
    const session: DonorSession = { id: used.id, email: used.email, language: used.language, expiresAt: sessionExpiresAt, nonce: sessionNonce };
    const cookie = signLink(this.key, { purpose: DONOR_SESSION_PURPOSE, subject: used.id, expiresAt: Math.floor(sessionExpiresAt.getTime() / 1000), nonce: sessionNonce });
    return { ok: true, cookie, session };
  }

  /** The session a cookie holds: signed by us, not expired, not signed out. Null otherwise. */
  async session(cookie: unknown): Promise<DonorSession | null> {
    const verdict = verifyLink(this.key, cookie, { purpose: DONOR_SESSION_PURPOSE });
    if (!verdict.ok) return null;
    const row = await this.repository.findLink(verdict.claims.subject);
    if (!row || row.sessionNonce !== verdict.claims.nonce || row.signedOutAt || !row.sessionExpiresAt) return null;
    if (Math.floor(row.sessionExpiresAt.getTime() / 1000) !== verdict.claims.expiresAt || row.sessionExpiresAt.getTime() <= Date.now()) return null;
    return { id: row.id, email: row.email, language: row.language, expiresAt: row.sessionExpiresAt, nonce: row.sessionNonce };
  }

  async signOut(session: DonorSession): Promise<void> {
    await this.repository.endSession(session.id, session.nonce);
  }

  /** Every gift of the session's address, newest first. */
  gifts(session: DonorSession): Promise<DonorGift[]> {
    return this.repository.gifts(session.email);
  }

  /** One gift of the session's address; null for any other (another donor's gift is simply not found). */
  async gift(session: DonorSession, donationId: string): Promise<DonorGift | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(donationId)) return null;
    return (await this.gifts(session)).find((g) => g.id === donationId.toLowerCase()) ?? null;
  }

  /**
   * The gift's receipt again, as the receipt pipeline draws it (same data source, same view, same
   * PDF on the rendering threads), marked as a copy, with its offline proof. Null when the gift is
   * not the session's or its receipt cannot be drawn (erased meanwhile).
   */
  async receipt(session: DonorSession, donationId: string): Promise<{ pdf: Buffer; fileName: string; proof: { fileName: string; json: string } | null } | null> {
    const gift = await this.gift(session, donationId);
    if (!gift) return null;
    const data = await this.receiptData().load({ kind: 'donation_receipt', aggregateId: gift.id, payload: {} });
    if (!data || data.donor.email.toLowerCase() !== session.email) return null;
    const number = (await this.receipts.findOriginalReceipt(gift.id))?.receiptNumber ?? null;
    const view = buildReceiptView('receipt_copy', data, number);
    const pdf = await this.pdf.render(view);
    const base = `ataa-receipt-${number ?? gift.id.slice(0, 8)}-copy`;
    return { pdf, fileName: `${base}.pdf`, proof: view.verification?.proof ? { fileName: view.verification.proof.fileName, json: view.verification.proof.json } : null };
  }

  /** The statement PDF of the period, in `language`. */
  async statement(session: DonorSession, period: StatementPeriod, language: StatementLanguage): Promise<{ pdf: Buffer; fileName: string; gifts: number }> {
    const gifts = giftsInPeriod(await this.gifts(session), period);
    const view = buildStatementView({
      language,
      email: session.email,
      period: { kind: period.kind, start: period.start, lastDay: new Date(period.end.getTime() - 86_400_000) },
      generatedAt: new Date(),
      gifts: gifts.map((g) => ({
        id: g.id, givenAt: g.givenAt, organizationName: g.organizationName, campaignTitle: g.campaign.title,
        amount: g.amount, net: netAmount(g), currency: g.currency, status: g.status, anonymous: g.anonymous, receiptNumber: g.receiptNumber,
        leafIndex: g.leaf?.index ?? null, leafHash: g.leaf?.hash ?? null, verifyUrl: g.leaf ? this.links(g).verify : null,
        designation: g.designation ?? null, drawnInto: g.drawnInto ?? [],
      })),
      totals: totalsPerCurrency(gifts),
    });
    const pdf = await this.pdf.renderStatement(view);
    return { pdf, fileName: `ataa-statement-${period.fromDay}-to-${period.toDay}${language === 'ar' ? '-ar' : ''}.pdf`, gifts: gifts.length };
  }

  /** Everything held about the session's address (libs/privacy's export document). */
  exportData(session: DonorSession): Promise<DonorExportDocument> {
    return this.exports.exportFor(session.email, session.id);
  }

  /**
   * Where a gift's public entry is shown (the campaign's ledger, the month of its leaf) and where its
   * inclusion in the signed log is proven (the inclusion proof the offline verifier checks).
   */
  links(gift: Pick<DonorGift, 'campaign' | 'leaf'>): { ledger: string; verify: string } {
    const base = `${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/c/${encodeURIComponent(gift.campaign.slug)}`;
    const month = gift.leaf?.month && /^\d{4}-\d{2}$/.test(gift.leaf.month) ? `?month=${gift.leaf.month}&order=asc` : '';
    return {
      ledger: `${base}/ledger${month}`,
      verify: gift.leaf ? `${base}/proof/inclusion?index=${gift.leaf.index}` : `${base}/ledger`,
    };
  }

  /** For the e-mail: the link row and its signed URL. */
  async mailData(linkId: string): Promise<{ link: SignInLinkRow; url: string } | null> {
    const link = await this.repository.findLink(linkId);
    if (!link) return null;
    return { link, url: this.signInUrl(this.linkToken(link)) };
  }

  private linkState(link: SignInLinkRow | null, nonce: string, expiresAt: number): SignInLinkState {
    if (!link || link.nonce !== nonce || Math.floor(link.expiresAt.getTime() / 1000) !== expiresAt) return { ok: false, reason: 'link_invalid' };
    if (link.usedAt) return { ok: false, reason: 'link_used' };
    if (link.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'link_expired' };
    return { ok: true, link };
  }

  private receiptData(): ReceiptDataSource {
    for (const token of [RECEIPT_DATA_SOURCE_OVERRIDE, RECEIPT_DATA_SOURCE]) {
      try {
        return this.moduleRef.get<ReceiptDataSource>(token, { strict: false });
      } catch {
        // not provided in this app: try the next
      }
    }
    throw new Error('no ReceiptDataSource is registered (RECEIPT_DATA_SOURCE)');
  }
}
