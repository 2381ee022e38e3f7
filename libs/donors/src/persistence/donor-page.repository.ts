import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DONOR_GIFT_STATUSES, type DonorGift, type DonorGiftStatus } from '../domain/donor-gifts.js';

export interface SignInLinkRow {
  id: string;
  email: string;
  language: 'en' | 'ar';
  nonce: string;
  requestedAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  sessionNonce: string | null;
  sessionExpiresAt: Date | null;
  signedOutAt: Date | null;
}

const LINK_COLUMNS = `id, email, language, nonce, requested_at AS "requestedAt", expires_at AS "expiresAt", used_at AS "usedAt",
  session_nonce AS "sessionNonce", session_expires_at AS "sessionExpiresAt", signed_out_at AS "signedOutAt"`;

interface GiftRow {
  id: string;
  organization_name: string;
  campaign_id: string;
  campaign_slug: string;
  campaign_title: string;
  campaign_language: 'en' | 'ar';
  amount: string;
  currency: string;
  refunded_amount: string;
  disputed_amount: string;
  status: DonorGiftStatus;
  anonymous: boolean;
  given_at: Date;
  leaf_index: string | null;
  leaf_hash: string | null;
  leaf_month: string | null;
  receipt_number: string | null;
  designation: string | null;
  drawn_into: { index: string; amount: string }[] | null;
}

/** The only code touching donor_sign_in_links and reading a donor's gifts for the donor page. Plain SQL. */
@Injectable()
export class DonorPageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertLink(manager: EntityManager, row: { id: string; email: string; language: 'en' | 'ar'; nonce: string; requestedAt: Date; expiresAt: Date }): Promise<void> {
    await manager.query(`INSERT INTO donor_sign_in_links (id, email, language, nonce, requested_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.email, row.language, row.nonce, row.requestedAt, row.expiresAt]);
  }

  async findLink(id: string, manager: EntityManager = this.dataSource.manager): Promise<SignInLinkRow | null> {
    const rows: SignInLinkRow[] = await manager.query(`SELECT ${LINK_COLUMNS} FROM donor_sign_in_links WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Uses the link, once, and starts its session: only the first caller with the right nonce, before
   * the link's expiry, gets the row back.
   */
  async consume(id: string, nonce: string, session: { nonce: string; expiresAt: Date }): Promise<SignInLinkRow | null> {
    const [rows]: [SignInLinkRow[], number] = await this.dataSource.query(
      `UPDATE donor_sign_in_links SET used_at = now(), session_nonce = $3, session_expires_at = $4
       WHERE id = $1 AND nonce = $2 AND used_at IS NULL AND expires_at > now() RETURNING ${LINK_COLUMNS}`,
      [id, nonce, session.nonce, session.expiresAt],
    );
    return rows[0] ?? null;
  }

  /** Ends a session (sign-out); a second sign-out changes nothing. */
  async endSession(id: string, sessionNonce: string): Promise<void> {
    await this.dataSource.query(`UPDATE donor_sign_in_links SET signed_out_at = now() WHERE id = $1 AND session_nonce = $2 AND signed_out_at IS NULL`, [id, sessionNonce]);
  }

  /**
   * Every settled gift made with this address (case-insensitive), in any campaign of any
   * organization, newest first, with its public leaf and its receipt number. Erased gifts have no
   * address any more and so are never found.
   */
  async gifts(email: string): Promise<DonorGift[]> {
    const rows: GiftRow[] = await this.dataSource.query(
      `SELECT d.id, o.name AS organization_name, c.id AS campaign_id, c.slug AS campaign_slug, c.title AS campaign_title, c.language AS campaign_language,
              d.amount::text AS amount, d.currency, d.refunded_amount::text AS refunded_amount, d.disputed_amount::text AS disputed_amount,
              d.status, d.anonymous, coalesce(d.settled_at, d.created_at) AS given_at,
              p.idx::text AS leaf_index, encode(p.leaf_hash, 'hex') AS leaf_hash, p.month AS leaf_month, r.receipt_number, d.designation,
              -- The payouts that drew from this gift (their public draws name its leaf: docs/designations.md); a split
              -- payout (format 5) lists its draws per part, and a gift is of one designation, so of one part.
              (SELECT coalesce(json_agg(json_build_object('index', q.idx::text, 'amount', x->>'amount') ORDER BY q.idx), '[]'::json)
                 FROM public_ledger_entries q
                 CROSS JOIN LATERAL (SELECT y FROM jsonb_array_elements(coalesce(q.draws, '[]'::jsonb)) y
                                     UNION ALL SELECT y FROM jsonb_array_elements(coalesce(q.parts, '[]'::jsonb)) p, jsonb_array_elements(p->'draws') y) AS z(x)
                WHERE d.public_leaf_index IS NOT NULL AND q.campaign_id = d.campaign_id AND q.kind = 'payout' AND (q.draws IS NOT NULL OR q.parts IS NOT NULL)
                  AND (x->>'index')::bigint = d.public_leaf_index) AS drawn_into
       FROM donations d
       JOIN campaigns c ON c.id = d.campaign_id
       JOIN organizations o ON o.id = d.organization_id
       LEFT JOIN public_ledger_entries p ON p.campaign_id = d.campaign_id AND p.idx = d.public_leaf_index
       LEFT JOIN receipts r ON r.donation_id = d.id::text AND r.kind = 'donation_receipt'
       WHERE lower(d.donor_email) = lower($1) AND d.status = ANY($2::text[])
       ORDER BY coalesce(d.settled_at, d.created_at) DESC, d.id DESC`,
      [email, DONOR_GIFT_STATUSES],
    );
    return rows.map((r) => ({
      id: r.id,
      organizationName: r.organization_name,
      campaign: { id: r.campaign_id, slug: r.campaign_slug, title: r.campaign_title, language: r.campaign_language },
      amount: BigInt(r.amount),
      currency: r.currency,
      refundedAmount: BigInt(r.refunded_amount ?? '0'),
      disputedAmount: BigInt(r.disputed_amount ?? '0'),
      status: r.status,
      anonymous: r.anonymous,
      givenAt: r.given_at,
      leaf: r.leaf_index !== null && r.leaf_hash !== null ? { index: r.leaf_index, hash: r.leaf_hash, month: (r.leaf_month ?? '').trim() } : null,
      receiptNumber: r.receipt_number,
      designation: r.designation ?? null,
      drawnInto: (r.drawn_into ?? []).map((x: { index: string; amount: string }) => ({ index: String(x.index), amount: BigInt(x.amount) })),
    }));
  }
}
