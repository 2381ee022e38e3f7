import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { auditLedger, donationEntry, LedgerService, LedgerWriter, platformFeeEntry, processingFeeEntry } from '@ataa/ledger';
import { NotificationsRepository, type Mailer, type OutgoingMail } from '@ataa/notifications';
import { StripeGateway } from '@ataa/payments';
import { addMember, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';
import { payoutEntry, payoutHoldReleaseEntry } from './domain/payout-entries.js';
import { PayoutExecutionService } from './payout-execution.service.js';
import { PayoutNoticeDataSource } from './payout-notice.source.js';
import { PayoutNoticeRepository } from './persistence/payout-notice.repository.js';
import { PayoutRepository } from './persistence/payout.repository.js';
import { FundsRepository } from './persistence/funds.repository.js';

jest.setTimeout(60_000);

/**
 * Executed and reversed payouts against PostgreSQL, with Stripe stubbed at the client (the
 * sandbox path is test/payouts/payouts.e2e-spec.ts): the reversed notices state each reversal's
 * own amount, and auditLedger checks the payout invariants (holds, paid out) and reports a
 * corrupted state built in a transaction that is rolled back.
 */
describe('reversed payouts: notices and the ledger audit (PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  let execution: PayoutExecutionService;
  let financeToken: string;
  const operator = { authorization: 'Bearer development-operator-token-000000' };
  const transfers = new Map<string, Stripe.Transfer>();
  const reversals = new Map<string, Stripe.TransferReversal[]>();
  /** Payouts: `reversed` 20.00 (reversed 5.00 then 15.00), `paid` 10.00, `held` 30.00 awaiting the operator. */
  const payouts: Record<'reversed' | 'paid' | 'held', string> = { reversed: '', paid: '', held: '' };

  // Only the calls PayoutExecutionService makes; a transfer is made once per idempotency key, as on Stripe.
  const stripe = {
    transfers: {
      create: async (params: Stripe.TransferCreateParams, options: { idempotencyKey: string }) => {
        const transfer = {
          id: `tr_${options.idempotencyKey.replace(/-/g, '')}`, object: 'transfer', amount: params.amount, amount_reversed: 0, currency: params.currency,
          created: Math.floor(Date.now() / 1000), metadata: params.metadata, destination: params.destination,
        } as unknown as Stripe.Transfer;
        if (!transfers.has(transfer.id)) transfers.set(transfer.id, transfer);
        return transfers.get(transfer.id)!;
      },
      retrieve: async (id: string) => transfers.get(id)!,
      listReversals: (id: string) => ({ autoPagingToArray: async () => reversals.get(id) ?? [] }),
    },
  };

  const ask = async (amount: string, purpose: string) => {
    const res = await request(app.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`)
      .set('authorization', `Bearer ${financeToken}`).send({ amount, currency: 'usd', purpose });
    expect(res.status).toBe(201);
    return res.body as { id: string; status: string };
  };
  const reverse = async (payoutId: string, amount: number, reversalId: string) => {
    const transfer = [...transfers.values()].find((t) => t.metadata.payout_id === payoutId)!;
    transfer.amount_reversed += amount;
    reversals.set(transfer.id, [...(reversals.get(transfer.id) ?? []),
      { id: reversalId, object: 'transfer_reversal', amount, currency: 'usd', created: Math.floor(Date.now() / 1000), transfer: transfer.id } as Stripe.TransferReversal]);
    return execution.handleTransferEvent({ type: 'transfer.reversed', data: { object: { id: transfer.id, object: 'transfer' } } } as unknown as Stripe.Event);
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = app.get(DataSource);
    org = await createOrganizationWithOwner(app);
    financeToken = await addMember(app, org, 'finance');
    await db.query(`UPDATE organizations SET payouts_enabled = true, stripe_account_id = 'acct_reversals' WHERE id = $1`, [org.orgId]);
    await request(app.getHttpServer()).put(`/operator/organizations/${org.orgId}/payout-threshold`).set(operator).send({ amount: '2000' }).expect(204);
    campaign = await createCampaign(app, org, { title: 'Village well' });
    // One 100.00 gift: 3.20 Stripe fee, 2.00 platform fee -> 94.80 available.
    const ledger = app.get(LedgerService);
    const base = (sourceId: string) => ({ campaignId: campaign.id, currency: 'usd', occurredAt: new Date(), sourceId: `${sourceId}_${campaign.id}` });
    await app.get(TransactionRunner).run((m) => ledger.postMany(m, [donationEntry(base('ch'), 10_000n), processingFeeEntry(base('txn'), 320n), platformFeeEntry(base('ch'), 200n)]));
    execution = new PayoutExecutionService(app.get(TransactionRunner), app.get(PayoutRepository), app.get(LedgerWriter), new StripeGateway(stripe as unknown as Stripe), app.get(FundsRepository));

    const reversed = await ask('2000', 'School books');
    const paid = await ask('1000', 'Teacher salaries');
    const held = await ask('3000', 'Roof repairs');
    expect([reversed.status, paid.status, held.status]).toEqual(['approved', 'approved', 'pending_approval']);
    Object.assign(payouts, { reversed: reversed.id, paid: paid.id, held: held.id });
    expect(await execution.execute(reversed.id)).toBe('paid');
    expect(await execution.execute(paid.id)).toBe('paid');
    expect(await reverse(reversed.id, 500, 'trr_first')).toBe('payout_partially_reversed');
    expect(await reverse(reversed.id, 1500, 'trr_second')).toBe('payout_reversed');
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  describe('payout notices', () => {
    const sent: OutgoingMail[] = [];
    const mailer: Mailer = { send: async (mail) => { sent.push(mail); return { messageId: mail.messageId, response: '250 ok' }; } };
    const notices = () => new PayoutNoticeDataSource(app.get(PayoutNoticeRepository), app.get(TransactionRunner), new NotificationsRepository(db), env.config, mailer);
    const outboxRows = (payoutId: string): Promise<{ id: string; payload: Record<string, unknown> }[]> =>
      db.query(`SELECT id, payload FROM outbox WHERE kind = 'payout_notice' AND aggregate_id = $1 AND status = 'pending' ORDER BY created_at, id`, [payoutId]);

    it('a reversed notice states that reversal, the total reversed up to it and what stays paid out (sent after both reversals)', async () => {
      const rows = await outboxRows(payouts.reversed);
      const reversedRows = rows.filter((r) => r.payload.event === 'reversed');
      expect(reversedRows.map((r) => r.payload.reversalId).sort()).toEqual(['trr_first', 'trr_second']);
      for (const row of rows) {
        expect(await notices().deliver({ outboxId: row.id, aggregateId: payouts.reversed, payload: row.payload }, {})).toBe('sent');
      }
      const byReversal = (id: string) => sent[rows.findIndex((r) => r.payload.reversalId === id)];
      const first = byReversal('trr_first');
      expect(first.headers).toMatchObject({ 'X-Ataa-Payout-Event': 'reversed', 'X-Ataa-Payout-Id': payouts.reversed });
      expect(first.subject).toBe('Payout reversed: $5.00 of $20.00 — Village well');
      expect(first.text).toMatch(/Amount: \$5\.00\nPayout amount: \$20\.00\nReversed so far: \$5\.00\nStill paid out: \$15\.00\n/);
      expect(first.html).toContain('<td style="padding:4px 8px" data-testid="remaining">$15.00</td>');
      const second = byReversal('trr_second');
      expect(second.subject).toBe('Payout reversed: $15.00 of $20.00 — Village well');
      expect(second.text).toMatch(/Amount: \$15\.00\nPayout amount: \$20\.00\nReversed so far: \$20\.00\nStill paid out: \$0\.00\n/);
      // the other notices keep the payout's amount and say nothing of reversals
      const paidNotice = sent[rows.findIndex((r) => r.payload.event === 'paid')];
      expect(paidNotice.subject).toBe('Payout sent: $20.00 — Village well');
      expect(paidNotice.text).not.toContain('Reversed so far');
      expect(await db.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND status <> 'sent'`, [payouts.reversed])).toEqual([{ n: 0 }]);
    });

    it('a reversed notice whose reversal is not in the ledger is skipped, not sent with a made-up amount', async () => {
      const [row] = await app.get(TransactionRunner).run((m) => m.query(
        `INSERT INTO outbox (kind, aggregate_id, payload) VALUES ('payout_notice', $1, $2::jsonb) RETURNING id`,
        [payouts.paid, JSON.stringify({ payoutId: payouts.paid, event: 'reversed', reversalId: 'trr_unknown' })],
      ));
      const before = sent.length;
      expect(await notices().deliver({ outboxId: row.id, aggregateId: payouts.paid, payload: { payoutId: payouts.paid, event: 'reversed', reversalId: 'trr_unknown' } }, {})).toBe('skipped');
      expect(sent.length).toBe(before);
      expect(await db.query(`SELECT status, last_error FROM outbox WHERE id = $1`, [row.id])).toEqual([{ status: 'skipped', last_error: 'no such reversal' }]);
    });
  });

  describe('auditLedger: payout invariants', () => {
    /** Runs `corrupt` in a transaction, audits inside it, and rolls everything back. */
    const auditCorrupted = async (corrupt: (m: EntityManager) => Promise<unknown>): Promise<string[]> => {
      const runner = db.createQueryRunner();
      await runner.startTransaction();
      try {
        await corrupt(runner.manager);
        return await auditLedger(runner.manager);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };

    it('holds, executed payouts and reversals are in step with the payouts', async () => {
      const [row] = await db.query(
        `SELECT (SELECT -balance FROM ledger_account_balances WHERE account_code = $2)::text AS held, (SELECT paid_out FROM campaign_ledger_totals WHERE campaign_id = $1)::text AS paid_out`,
        [campaign.id, `campaign:${campaign.id}:payouts_pending`],
      );
      expect(row).toEqual({ held: '3000', paid_out: '1000' });
      expect(await auditLedger(db.manager)).toEqual([]);
    });

    it('reports a payout that stopped holding without its hold being released', async () => {
      const problems = await auditCorrupted((m) => m.query(`UPDATE payouts SET status = 'cancelled' WHERE id = $1`, [payouts.held]));
      expect(problems).toEqual([`campaign ${campaign.id} holds 3000 usd for payouts, its unexecuted payouts amount to 0`]);
    });

    it('reports a reversal recorded on the payout but never posted', async () => {
      const problems = await auditCorrupted((m) => m.query(`UPDATE payouts SET amount_reversed = 400 WHERE id = $1`, [payouts.paid]));
      expect(problems).toEqual([`campaign ${campaign.id} paid out 600 by its payouts (executed minus reversed), 1000 by its payout entries, 1000 by its totals`]);
    });

    it('reports a payout posted to the ledger while the payout still waits for approval', async () => {
      const ledger = app.get(LedgerService);
      const problems = await auditCorrupted((m) => {
        const base = { payoutId: payouts.held, campaignId: campaign.id, currency: 'usd', occurredAt: new Date() };
        return ledger.postMany(m, [payoutHoldReleaseEntry(base, 3000n), payoutEntry(base, 3000n)]);
      });
      expect(problems).toEqual([
        `campaign ${campaign.id} holds 0 usd for payouts, its unexecuted payouts amount to 3000`,
        `campaign ${campaign.id} paid out 1000 by its payouts (executed minus reversed), 4000 by its payout entries, 4000 by its totals`,
      ]);
      expect(await auditLedger(db.manager)).toEqual([]);
    });
  });
});
