import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { evidencePurpose } from './domain/index.js';
import { PublicLedgerAppender, type PublicEntryInput } from './public-ledger-appender.service.js';

jest.setTimeout(60_000);

/**
 * The `evidence` entry kind against PostgreSQL (issue 21, item 3): the appender takes a well-formed
 * one (amount 0, balance unchanged) and refuses a malformed one; the database refuses an evidence
 * row that moves money, whoever writes it.
 */
describe('evidence entries in the public log (PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let appender: PublicLedgerAppender;
  let campaignId: string;
  const append = (input: Partial<PublicEntryInput>) => app.get(TransactionRunner).run((m) => appender.append(m, {
    campaignId, kind: 'evidence', amount: 0n, currency: 'usd', occurredAt: new Date(), donorDisplayName: null, donorCommitment: null, publicMessage: null,
    payoutPurpose: evidencePurpose({ index: 0, sha256: 'ab'.repeat(32), mediaType: 'application/pdf', bytes: 100 }), sourceRef: `evidence:${randomUUID()}`, ...input,
  }));

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = app.get(DataSource);
    appender = app.get(PublicLedgerAppender);
    const org = await createOrganizationWithOwner(app);
    campaignId = (await createCampaign(app, org)).id;
    // A payout entry to evidence (index 0): balance -500 from there on.
    await app.get(TransactionRunner).run((m) => appender.append(m, {
      campaignId, kind: 'payout', amount: -500n, currency: 'usd', occurredAt: new Date(), donorDisplayName: null, donorCommitment: null, publicMessage: null,
      payoutPurpose: 'Blankets', sourceRef: randomUUID(),
    }));
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('appends a well-formed evidence entry: format 3, amount 0, the running balance unchanged', async () => {
    const appended = await append({});
    const [row] = await db.query(`SELECT kind, amount::text, balance::text, leaf_format, payout_purpose FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaignId, appended.index]);
    expect(row).toEqual({ kind: 'evidence', amount: '0', balance: '-500', leaf_format: 3, payout_purpose: `evidence for entry 0: sha256 ${'ab'.repeat(32)} application/pdf 100` });
  });

  it('refuses an evidence entry that moves money, names no file, or carries a donor or message (400 public_entry_invalid), appending nothing', async () => {
    const [{ n: before }] = await db.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE campaign_id = $1`, [campaignId]);
    for (const bad of [{ amount: 1n }, { payoutPurpose: 'an invoice' }, { payoutPurpose: null }, { donorDisplayName: 'Amal' }, { publicMessage: 'hi' }]) {
      await expect(append(bad)).rejects.toMatchObject({ code: 'public_entry_invalid', status: 400 });
    }
    const [{ n: after }] = await db.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE campaign_id = $1`, [campaignId]);
    expect(after).toBe(before);
  });

  it('the database refuses an evidence row with an amount, and an amount-0 row of a money kind', async () => {
    const insert = (kind: string, amount: number) => db.query(
      `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, balance, leaf_hash, source_ref)
       VALUES ($1, 1000, now(), '2026-01', $2, $3, 'usd', 0, decode(repeat('00', 32), 'hex'), $4)`, [campaignId, kind, amount, randomUUID()],
    );
    await expect(insert('evidence', 5)).rejects.toThrow(/public_ledger_entries_amount_check/);
    await expect(insert('payout', 0)).rejects.toThrow(/public_ledger_entries_amount_check/);
  });
});
