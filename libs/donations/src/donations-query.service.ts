import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, NotFoundError } from '@ataa/common';
import { DonationStatus } from './domain/donation-status.js';
import { Donation, DonationRefund, toDonation, toRefund } from './persistence/donation.row.js';

export interface DonationListFilter {
  organizationId: string;
  campaignId?: string;
  status?: DonationStatus[];
  createdFrom?: Date;
  createdTo?: Date;
  cursor?: string;
  limit: number;
}

export interface PublicGift {
  displayName: string | null;
  amount: bigint;
  currency: string;
  message: string | null;
  at: Date;
  /** The gift's entry in the campaign's public log (how a report or a hide names its message); null before it is posted. */
  entryIndex: number | null;
  /** The automatic filter held the message for review: it is not shown (nor published) until released. */
  messageHeld: boolean;
}

/** Keyset cursor: (created_at, id) of the last row, opaque to clients. */
function encodeCursor(d: Donation): string {
  return Buffer.from(JSON.stringify([d.createdAt.toISOString(), d.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && !Number.isNaN(Date.parse(value[0])) && /^[0-9a-f-]{36}$/.test(value[1])) return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new DomainError('invalid_cursor', 'The cursor is not valid', 400);
}

@Injectable()
export class DonationsQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: DonationListFilter): Promise<{ items: Donation[]; nextCursor: string | null }> {
    const where = ['organization_id = $1'];
    const params: unknown[] = [filter.organizationId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.campaignId) add('campaign_id = ?', filter.campaignId);
    if (filter.status?.length) add('status = ANY(?)', filter.status);
    if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo) add('created_at < ?', filter.createdTo);
    if (filter.cursor) {
      const [at, id] = decodeCursor(filter.cursor);
      params.push(at, id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(filter.limit + 1);
    const rows = await this.dataSource.query(
      `SELECT * FROM donations WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params,
    );
    const items = rows.slice(0, filter.limit).map(toDonation);
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor(items[items.length - 1]) : null };
  }

  async get(organizationId: string, donationId: string): Promise<{ donation: Donation; refunds: DonationRefund[] }> {
    if (!/^[0-9a-f-]{36}$/i.test(donationId)) throw new NotFoundError('Donation');
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1 AND organization_id = $2`, [donationId, organizationId]);
    if (!row) throw new NotFoundError('Donation');
    const refunds = await this.dataSource.query(`SELECT * FROM donation_refunds WHERE donation_id = $1 ORDER BY created_at`, [donationId]);
    return { donation: toDonation(row), refunds: refunds.map(toRefund) };
  }

  /** For the thank-you page: the gift's status as the webhooks recorded it, scoped to the campaign. */
  async statusForThanks(campaignId: string, donationId: string): Promise<Donation | null> {
    if (!/^[0-9a-f-]{36}$/i.test(donationId)) return null;
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1 AND campaign_id = $2`, [donationId, campaignId]);
    return row ? toDonation(row) : null;
  }

  /** Recent settled gifts, without private data: anonymous donors show no name. */
  async recentPublicGifts(campaignId: string, limit = 10): Promise<PublicGift[]> {
    const rows = await this.dataSource.query(
      `SELECT donor_name, anonymous, chosen_amount::text, currency, public_message, settled_at, public_leaf_index::text AS entry_index, message_review FROM donations
       WHERE campaign_id = $1 AND settled_at IS NOT NULL AND status NOT IN ('refunded', 'dispute_lost')
       ORDER BY settled_at DESC LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map((r: Record<string, any>) => ({
      displayName: r.anonymous ? null : r.donor_name, amount: BigInt(r.chosen_amount), currency: r.currency, message: r.public_message, at: r.settled_at,
      entryIndex: r.entry_index === null ? null : Number(r.entry_index), messageHeld: r.message_review === 'held',
    }));
  }

}
