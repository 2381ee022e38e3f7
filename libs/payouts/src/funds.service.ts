import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError } from '@ataa/common';
import { StripeGateway } from '@ataa/payments';
import { CampaignFunds, computeFunds } from './domain/funds.js';

export interface CampaignRef {
  id: string;
  organizationId: string;
  currency: string;
  title: string;
}

/** How long a "not available yet" answer from Stripe is trusted before asking again. */
const RECHECK_SECONDS = 30;

/**
 * Available and pending funds of a campaign. The ledger gives the net balance (fees, refunds,
 * disputes, holds and payouts already deducted); Stripe's balance transactions say which gifts are
 * available; the pure `computeFunds` combines them.
 */
@Injectable()
export class FundsService {
  private readonly logger = new Logger('PayoutFunds');

  constructor(
    private readonly dataSource: DataSource,
    private readonly stripe: StripeGateway,
  ) {}

  /** The campaign, if it belongs to the organization (another organization's campaign is a 404). */
  async campaignOf(organizationId: string, campaignId: string, manager: EntityManager = this.dataSource.manager): Promise<CampaignRef> {
    const [row] = await manager.query(`SELECT id, organization_id, currency, title FROM campaigns WHERE id = $1 AND organization_id = $2`, [campaignId, organizationId]);
    if (!row) throw new NotFoundError('Campaign');
    return { id: row.id, organizationId: row.organization_id, currency: row.currency, title: row.title };
  }

  async fundsFor(organizationId: string, campaignId: string): Promise<CampaignFunds> {
    const campaign = await this.campaignOf(organizationId, campaignId);
    await this.refreshAvailability(campaign.id);
    return this.compute(this.dataSource.manager, campaign);
  }

  /** Reads the ledger and availability rows (inside the caller's transaction, under its locks). */
  async compute(manager: EntityManager, campaign: CampaignRef, now: Date = new Date()): Promise<CampaignFunds> {
    // One round trip (it runs under the campaign's funds lock): balances, paid out, pending gifts.
    const [row] = await manager.query(
      `SELECT
         (SELECT -balance FROM ledger_account_balances WHERE account_code = $2 AND currency = $1)::text AS funds,
         (SELECT -balance FROM ledger_account_balances WHERE account_code = $3 AND currency = $1)::text AS reserved,
         (SELECT paid_out FROM campaign_ledger_totals WHERE campaign_id = $4)::text AS paid_out,
         (SELECT coalesce(sum(r.amount), 0) FROM donation_refunds r JOIN donations d ON d.id = r.donation_id
           WHERE d.campaign_id = $4 AND r.status IN ('requested', 'pending'))::text AS refunds_in_flight,
         (SELECT coalesce(json_agg(json_build_object('net', g.net::text, 'availableOn', g.available_on)), '[]'::json)
            FROM (SELECT d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0) AS net, a.available_on
                  FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
                  WHERE d.campaign_id = $4 AND d.settled_at IS NOT NULL AND a.available IS NOT TRUE) g) AS gifts`,
      [campaign.currency, `campaign:${campaign.id}:funds`, `campaign:${campaign.id}:payouts_pending`, campaign.id],
    );
    const balances = { funds: row?.funds ?? null, reserved: row?.reserved ?? null, paid_out: row?.paid_out ?? null };
    const gifts: { net: string; available_on: Date | null; available: boolean }[] = (row?.gifts ?? []).map(
      (g: { net: string; availableOn: string | null }) => ({ net: g.net, available_on: g.availableOn ? new Date(g.availableOn) : null, available: false }),
    );
    return computeFunds({
      currency: campaign.currency,
      fundsBalance: BigInt(balances?.funds ?? 0),
      reserved: BigInt(balances?.reserved ?? 0),
      paidOut: BigInt(balances?.paid_out ?? 0),
      gifts: gifts.map((g) => ({ net: BigInt(g.net), availableOn: g.available_on, available: g.available === true })),
      refundsInFlight: BigInt(row?.refunds_in_flight ?? 0),
      now,
    });
  }

  /**
   * `balance.available`: some pending balance became available on Stripe (whose clock may be ahead
   * of ours): every gift still pending is looked at again on the next read.
   */
  async onBalanceAvailable(): Promise<string> {
    const [, affected] = await this.dataSource.query(`UPDATE payout_gift_availability SET checked_at = '-infinity' WHERE available = false`);
    return `availability_recheck:${affected ?? 0}`;
  }

  /**
   * Asks Stripe when the campaign's settled gifts become available, for the gifts we do not know
   * yet or that were still pending at the last look. Called before taking any lock.
   */
  async refreshAvailability(campaignId: string): Promise<void> {
    const rows: { id: string; stripe_charge_id: string }[] = await this.dataSource.query(
      `SELECT d.id, d.stripe_charge_id FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
       WHERE d.campaign_id = $1 AND d.settled_at IS NOT NULL AND d.stripe_charge_id IS NOT NULL
         AND (a.donation_id IS NULL OR (a.available = false AND a.checked_at < now() - make_interval(secs => $2)))
       LIMIT 200`,
      [campaignId, RECHECK_SECONDS],
    );
    for (const row of rows) {
      try {
        const charge = await this.stripe.retrieveCharge(row.stripe_charge_id, { expand: ['balance_transaction'] });
        const bt = charge.balance_transaction && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
        await this.dataSource.query(
          `INSERT INTO payout_gift_availability (donation_id, campaign_id, balance_transaction_id, available_on, available, checked_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (donation_id) DO UPDATE SET balance_transaction_id = EXCLUDED.balance_transaction_id, available_on = EXCLUDED.available_on,
             available = payout_gift_availability.available OR EXCLUDED.available, checked_at = now()`,
          [row.id, campaignId, bt?.id ?? null, bt ? new Date(bt.available_on * 1000) : null, bt?.status === 'available'],
        );
      } catch (error) {
        // Unknown availability counts as pending: safe, and retried at the next look.
        this.logger.warn(`could not read the balance transaction of donation ${row.id}: ${(error as Error).message}`);
      }
    }
  }
}
