import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { GiftFunds } from '../domain/funds.js';
import { payoutsPendingAccount } from '../domain/payout-entries.js';

/**
 * The campaign's funds facts as a select list ($1 currency, $2 funds account, $3 payouts_pending
 * account, $4 campaign id): balances, paid out, refunds in flight, settled gifts not known to be available.
 */
const FUNDS_COLUMNS = `
  (SELECT -balance FROM ledger_account_balances WHERE account_code = $2 AND currency = $1)::text AS funds,
  (SELECT -balance FROM ledger_account_balances WHERE account_code = $3 AND currency = $1)::text AS reserved,
  (SELECT paid_out FROM campaign_ledger_totals WHERE campaign_id = $4)::text AS paid_out,
  (SELECT coalesce(sum(r.amount), 0) FROM donation_refunds r JOIN donations d ON d.id = r.donation_id
    WHERE d.campaign_id = $4 AND r.status IN ('requested', 'pending'))::text AS refunds_in_flight,
  (SELECT coalesce(json_agg(json_build_object('net', g.net::text, 'availableOn', g.available_on)), '[]'::json)
     FROM (SELECT d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0) AS net, a.available_on
           FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
           WHERE d.campaign_id = $4 AND d.settled_at IS NOT NULL AND a.available IS NOT TRUE) g) AS gifts`;

function toFundsFacts(row: Record<string, any> | undefined): FundsFacts {
  return {
    fundsBalance: BigInt(row?.funds ?? 0),
    reserved: BigInt(row?.reserved ?? 0),
    paidOut: BigInt(row?.paid_out ?? 0),
    refundsInFlight: BigInt(row?.refunds_in_flight ?? 0),
    // The query keeps only gifts not known to be available.
    gifts: (row?.gifts ?? []).map((g: { net: string; availableOn: string | null }) => ({
      net: BigInt(g.net), availableOn: g.availableOn ? new Date(g.availableOn) : null, available: false,
    })),
  };
}

export interface CampaignRef {
  id: string;
  organizationId: string;
  currency: string;
  title: string;
  /** The codes of the designations it declared (empty: the implicit general only). */
  designations?: string[];
}

/** One designation's part of the funds (read under the campaign's funds lock, `requestFacts`). */
export interface DesignationFacts {
  /** The designation's funds balance on its normal side (its holds and payouts deducted). */
  funds: bigint;
  /** Net of its settled gifts not known to be available on Stripe yet. */
  pending: bigint;
  refundsInFlight: bigint;
}

/** What the funds of a campaign are computed from (`computeFunds`), read in one round trip. */
export interface FundsFacts {
  /** The campaign funds account on its normal side (holds and payouts deducted). */
  fundsBalance: bigint;
  /** The payouts_pending account: held by requests not executed yet. */
  reserved: bigint;
  paidOut: bigint;
  refundsInFlight: bigint;
  /** Settled gifts not known to be available on Stripe yet. */
  gifts: GiftFunds[];
}

/** What a refund or dispute after payouts is planned from (`planRecovery`). */
export interface RecoveryFacts {
  fundsBalance: bigint;
  held: bigint;
  /** Refunds of the campaign's gifts reserved or pending on Stripe, this one excepted. */
  refundsInFlight: bigint;
}

/** A settled gift whose availability on Stripe is to be asked. */
export interface GiftToCheck {
  donationId: string;
  stripeChargeId: string;
}

/**
 * The campaigns' payout funds: the `campaign_payout_funds` row every request, refund and dispute
 * of a campaign queues on; the ledger balances, refunds in flight and gifts the funds are computed
 * from; what Stripe said about each gift's availability (`payout_gift_availability`).
 */
@Injectable()
export class FundsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The campaign, if it belongs to the organization. */
  async campaignOf(organizationId: string, campaignId: string, manager: EntityManager = this.dataSource.manager): Promise<CampaignRef | null> {
    const [row] = await manager.query(
      `SELECT id, organization_id, currency, title, ARRAY(SELECT d->>'code' FROM jsonb_array_elements(designations) d) AS designations FROM campaigns WHERE id = $1 AND organization_id = $2`,
      [campaignId, organizationId],
    );
    return row ? { id: row.id, organizationId: row.organization_id, currency: row.currency, title: row.title, designations: row.designations ?? [] } : null;
  }

  /**
   * The organization's campaigns that can hold funds (every one but drafts: a draft never took a
   * gift), newest first, at most `limit`.
   */
  async campaignsOf(organizationId: string, limit: number): Promise<(CampaignRef & { status: string })[]> {
    const rows: { id: string; organization_id: string; currency: string; title: string; status: string }[] = await this.dataSource.query(
      `SELECT id, organization_id, currency, title, status FROM campaigns WHERE organization_id = $1 AND status <> 'draft'
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      [organizationId, limit],
    );
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, currency: r.currency, title: r.title, status: r.status }));
  }

  /** Any campaign by id (the organization and currency its funds row is created with). */
  async campaign(campaignId: string): Promise<{ organizationId: string; currency: string } | null> {
    const [row] = await this.dataSource.query(`SELECT organization_id, currency FROM campaigns WHERE id = $1`, [campaignId]);
    return row ? { organizationId: row.organization_id, currency: row.currency } : null;
  }

  /** The campaign, only if some payout was ever requested (it has a funds row). */
  async campaignWithFunds(campaignId: string): Promise<{ organizationId: string; currency: string } | null> {
    const [row] = await this.dataSource.query(`SELECT c.currency, c.organization_id FROM campaigns c JOIN campaign_payout_funds f ON f.campaign_id = c.id WHERE c.id = $1`, [campaignId]);
    return row ? { organizationId: row.organization_id, currency: row.currency } : null;
  }

  /** Creates the campaign's funds row if missing (concurrent first requests: one insert wins). */
  async ensureFundsRow(campaign: { campaignId: string; organizationId: string; currency: string }, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO campaign_payout_funds (campaign_id, organization_id, currency) VALUES ($1, $2, $3) ON CONFLICT (campaign_id) DO NOTHING`,
      [campaign.campaignId, campaign.organizationId, campaign.currency],
    );
  }

  /** Takes the campaign's funds lock (FOR UPDATE); false when the campaign has no funds row yet. */
  async lockFunds(m: EntityManager, campaignId: string): Promise<boolean> {
    const rows = await m.query(`SELECT campaign_id FROM campaign_payout_funds WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
    return rows.length > 0;
  }

  /** One round trip (it runs under the campaign's funds lock): balances, paid out, refunds in flight, pending gifts. */
  async fundsFacts(campaign: Pick<CampaignRef, 'id' | 'currency'>, manager: EntityManager = this.dataSource.manager): Promise<FundsFacts> {
    const [row] = await manager.query(`SELECT ${FUNDS_COLUMNS}`, [campaign.currency, `campaign:${campaign.id}:funds`, payoutsPendingAccount(campaign.id), campaign.id]);
    return toFundsFacts(row);
  }

  /**
   * What a payout request decides from, in one round trip under the campaign's funds lock (every
   * request of the campaign waits for it): the campaign's funds (`fundsFacts`), each designation's
   * (gifts without a designation are general), and with an idempotency key the id of the payout
   * already requested with it (a double submit that waited on the lock sees the first one).
   */
  async requestFacts(
    campaign: Pick<CampaignRef, 'id' | 'currency'>, designations: readonly string[], replay: { organizationId: string; key: string | null }, manager: EntityManager,
  ): Promise<{ funds: FundsFacts; designations: Map<string, DesignationFacts>; replayId: string | null }> {
    const [row] = await manager.query(
      `SELECT ${FUNDS_COLUMNS},
         (SELECT json_agg(json_build_object(
             'designation', g.code,
             'funds', (SELECT -balance FROM ledger_designation_balances WHERE account_code = $2 AND currency = $1 AND designation = g.code)::text,
             'pending', (SELECT coalesce(sum(d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0)), 0)
                FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
               WHERE d.campaign_id = $4 AND d.settled_at IS NOT NULL AND a.available IS NOT TRUE AND coalesce(d.designation, 'general') = g.code
                 AND d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0) > 0)::text,
             'refundsInFlight', (SELECT coalesce(sum(r.amount), 0) FROM donation_refunds r JOIN donations d ON d.id = r.donation_id
               WHERE d.campaign_id = $4 AND r.status IN ('requested', 'pending') AND coalesce(d.designation, 'general') = g.code)::text))
            FROM unnest($5::text[]) AS g(code)) AS designations,
         (SELECT id FROM payouts WHERE organization_id = $6 AND idempotency_key = $7) AS replay_id`,
      [campaign.currency, `campaign:${campaign.id}:funds`, payoutsPendingAccount(campaign.id), campaign.id, designations, replay.organizationId, replay.key],
    );
    const own = new Map<string, DesignationFacts>();
    for (const d of (row?.designations ?? []) as { designation: string; funds: string | null; pending: string; refundsInFlight: string }[]) {
      own.set(d.designation, { funds: BigInt(d.funds ?? 0), pending: BigInt(d.pending), refundsInFlight: BigInt(d.refundsInFlight) });
    }
    return { funds: toFundsFacts(row), designations: own, replayId: row?.replay_id ?? null };
  }

  /** Read under the campaign's funds lock: the funds, the holds, the other refunds in flight. */
  async recoveryFacts(m: EntityManager, campaignId: string, currency: string, refundId: string | null): Promise<RecoveryFacts> {
    const [row] = await m.query(
      `SELECT
         (SELECT -balance FROM ledger_account_balances WHERE account_code = $2 AND currency = $1)::text AS funds,
         (SELECT -balance FROM ledger_account_balances WHERE account_code = $3 AND currency = $1)::text AS held,
         (SELECT coalesce(sum(r.amount), 0) FROM donation_refunds r JOIN donations d ON d.id = r.donation_id
           WHERE d.campaign_id = $4 AND r.status IN ('requested', 'pending') AND r.id IS DISTINCT FROM $5::uuid)::text AS in_flight`,
      [currency, `campaign:${campaignId}:funds`, payoutsPendingAccount(campaignId), campaignId, refundId],
    );
    return { fundsBalance: BigInt(row?.funds ?? 0), held: BigInt(row?.held ?? 0), refundsInFlight: BigInt(row?.in_flight ?? 0) };
  }

  /** Every gift still pending is looked at again on the next read; answers how many. */
  async markPendingForRecheck(): Promise<number> {
    const [, affected] = await this.dataSource.query(`UPDATE payout_gift_availability SET checked_at = '-infinity' WHERE available = false`);
    return affected ?? 0;
  }

  /** Settled gifts never looked at, or pending at a look older than `recheckSeconds` (at most 200). */
  async giftsToCheck(campaignId: string, recheckSeconds: number): Promise<GiftToCheck[]> {
    const rows: { id: string; stripe_charge_id: string }[] = await this.dataSource.query(
      `SELECT d.id, d.stripe_charge_id FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
       WHERE d.campaign_id = $1 AND d.settled_at IS NOT NULL AND d.stripe_charge_id IS NOT NULL
         AND (a.donation_id IS NULL OR (a.available = false AND a.checked_at < now() - make_interval(secs => $2)))
       LIMIT 200`,
      [campaignId, recheckSeconds],
    );
    return rows.map((r) => ({ donationId: r.id, stripeChargeId: r.stripe_charge_id }));
  }

  /** What Stripe said about a gift's balance transaction (once available, it stays available). */
  async saveAvailability(a: { donationId: string; campaignId: string; balanceTransactionId: string | null; availableOn: Date | null; available: boolean }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO payout_gift_availability (donation_id, campaign_id, balance_transaction_id, available_on, available, checked_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (donation_id) DO UPDATE SET balance_transaction_id = EXCLUDED.balance_transaction_id, available_on = EXCLUDED.available_on,
         available = payout_gift_availability.available OR EXCLUDED.available, checked_at = now()`,
      [a.donationId, a.campaignId, a.balanceTransactionId, a.availableOn, a.available],
    );
  }
}
