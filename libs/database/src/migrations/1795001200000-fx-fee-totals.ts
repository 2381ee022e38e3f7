import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Currencies (issue 15.4): Stripe's fee on a gift settled in another currency is taken in the
 * settlement currency and borne by the campaign converted back at the balance transaction's
 * `exchange_rate`. The public report shows the fees in the campaign's currency with the rates used:
 * this table keeps, per campaign, settlement currency and rate, how many fees were converted, their
 * sum as Stripe took them and their sum as the campaign bore them. It is maintained by the ledger
 * service in the same transaction as the fee entries (pages never sum over entries).
 */
export class FxFeeTotals1795001200000 implements MigrationInterface {
  name = 'FxFeeTotals1795001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_fx_fee_totals (
        campaign_id uuid NOT NULL,
        settlement_currency text NOT NULL CHECK (settlement_currency ~ '^[a-z]{3}$'),
        rate text NOT NULL CHECK (rate ~ '^[0-9.eE+-]{1,40}$'),
        fees_count bigint NOT NULL DEFAULT 0,
        settlement_fees bigint NOT NULL DEFAULT 0,
        fees bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, settlement_currency, rate)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_fx_fee_totals`);
  }
}
