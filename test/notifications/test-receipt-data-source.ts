import { Global, Injectable, Module } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OutboxService, RECEIPT_DATA_SOURCE_OVERRIDE, ReceiptData, ReceiptDataRequest, ReceiptDataSource } from '@ataa/notifications';

/**
 * Until the donations lib exists, tests settle "gifts" in these real tables and read them through
 * the ReceiptDataSource port, exactly as the donations lib's implementation will.
 */
export const TEST_TABLES_DDL = `
  CREATE TABLE IF NOT EXISTS test_gifts (
    id text PRIMARY KEY, organization_id uuid NOT NULL, organization_name text NOT NULL,
    campaign_title text NOT NULL, language text NOT NULL, donor_name text, donor_email text NOT NULL,
    amount bigint NOT NULL, currency text NOT NULL, covered_fees bigint NOT NULL DEFAULT 0,
    occurred_at timestamptz NOT NULL DEFAULT now(), anonymous boolean NOT NULL DEFAULT false,
    public_message text, leaf_index int, leaf_hash text, commitment_salt text, checkpoint text);
  CREATE TABLE IF NOT EXISTS test_refunds (
    id text PRIMARY KEY, gift_id text NOT NULL REFERENCES test_gifts(id), amount bigint NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now());`;

export interface TestGift {
  id: string;
  organizationId: string;
  organizationName?: string;
  campaignTitle?: string;
  language?: 'en' | 'ar';
  donorName?: string | null;
  donorEmail: string;
  amount: bigint;
  currency: string;
  coveredFees?: bigint;
  occurredAt?: Date;
  anonymous?: boolean;
  publicMessage?: string | null;
  verification?: { leafIndex: number; leafHash: string; commitmentSalt: string | null; checkpoint: string };
}

@Injectable()
export class TestReceiptDataSource implements ReceiptDataSource {
  constructor(private readonly dataSource: DataSource) {}

  async load(request: ReceiptDataRequest): Promise<ReceiptData | null> {
    let giftId = request.aggregateId;
    let refund: ReceiptData['refund'];
    if (request.kind === 'refund_notice') {
      const [row] = await this.dataSource.query(`SELECT id, gift_id, amount, occurred_at FROM test_refunds WHERE id = $1`, [request.aggregateId]);
      if (!row) return null;
      giftId = row.gift_id;
      const [{ total }] = await this.dataSource.query(`SELECT COALESCE(sum(amount), 0)::text AS total FROM test_refunds WHERE gift_id = $1 AND occurred_at <= (SELECT occurred_at FROM test_refunds WHERE id = $2)`, [giftId, row.id]);
      const [gift] = await this.dataSource.query(`SELECT amount FROM test_gifts WHERE id = $1`, [giftId]);
      refund = { refundId: row.id, amount: BigInt(row.amount), full: BigInt(total) >= BigInt(gift.amount), occurredAt: row.occurred_at };
    }
    const [g] = await this.dataSource.query(`SELECT * FROM test_gifts WHERE id = $1`, [giftId]);
    if (!g) return null;
    return {
      donationId: g.id,
      organization: { id: g.organization_id, name: g.organization_name },
      campaign: { id: `campaign-of-${g.id}`, title: g.campaign_title, language: g.language },
      donor: { name: g.donor_name, email: g.donor_email, locale: null },
      amount: BigInt(g.amount),
      currency: g.currency,
      coveredFees: BigInt(g.covered_fees),
      occurredAt: g.occurred_at,
      anonymous: g.anonymous,
      publicMessage: g.public_message,
      verification: g.leaf_hash ? { leafIndex: g.leaf_index, leafHash: g.leaf_hash, commitmentSalt: g.commitment_salt, checkpoint: g.checkpoint } : null,
      ...(refund ? { refund } : {}),
    };
  }
}

@Global()
@Module({ providers: [TestReceiptDataSource, { provide: RECEIPT_DATA_SOURCE_OVERRIDE, useExisting: TestReceiptDataSource }], exports: [RECEIPT_DATA_SOURCE_OVERRIDE] })
export class TestReceiptDataSourceModule {}

/** Settles a gift the way the donations lib will: the gift and its outbox row in one transaction. */
export async function settleGift(dataSource: DataSource, outbox: OutboxService, gift: TestGift): Promise<string> {
  return dataSource.transaction(async (m: EntityManager) => {
    await m.query(
      `INSERT INTO test_gifts (id, organization_id, organization_name, campaign_title, language, donor_name, donor_email, amount, currency,
         covered_fees, occurred_at, anonymous, public_message, leaf_index, leaf_hash, commitment_salt, checkpoint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [gift.id, gift.organizationId, gift.organizationName ?? 'Helping Hands', gift.campaignTitle ?? 'Clean water', gift.language ?? 'en',
        gift.donorName === undefined ? 'Layla Haddad' : gift.donorName, gift.donorEmail, gift.amount.toString(), gift.currency,
        (gift.coveredFees ?? 0n).toString(), gift.occurredAt ?? new Date('2026-05-01T12:00:00Z'), gift.anonymous ?? false, gift.publicMessage ?? null,
        gift.verification?.leafIndex ?? null, gift.verification?.leafHash ?? null, gift.verification?.commitmentSalt ?? null, gift.verification?.checkpoint ?? null],
    );
    const { id } = await outbox.enqueue(m, { kind: 'donation_receipt', aggregateId: gift.id, payload: { amount: gift.amount.toString() } });
    return id;
  });
}

export async function refundGift(dataSource: DataSource, outbox: OutboxService, refund: { id: string; giftId: string; amount: bigint }): Promise<string> {
  return dataSource.transaction(async (m: EntityManager) => {
    await m.query(`INSERT INTO test_refunds (id, gift_id, amount) VALUES ($1, $2, $3)`, [refund.id, refund.giftId, refund.amount.toString()]);
    const { id } = await outbox.enqueue(m, { kind: 'refund_notice', aggregateId: refund.id });
    return id;
  });
}
