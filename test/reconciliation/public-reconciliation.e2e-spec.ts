import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

type Json = Record<string, any>;

/**
 * Reconciliation in public (issue 21, item 7), end to end: a gift paid on the sandbox's Checkout,
 * then a refund made on Stripe while no webhook reaches the platform. The operator's run finds it
 * missing in the ledger; the campaign's public report and ledger (JSON and pages, English and
 * Arabic) and the verifier CLI show "reconciled … up to <time>: 1 difference open" with the
 * difference (kind, amount, age) and nothing private. Once the event is delivered, the next run
 * resolves it and the same places show the resolution and the entry that now carries the refund.
 */
describe('public reconciliation (API, worker, Stripe sandbox, verifier CLI)', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  let chargeId: string;
  let refundId: string;
  const operator = { authorization: 'Bearer development-operator-token-000000' };
  const http = () => request(world.apiUrl);
  const runNow = () => eventually(async () => {
    const res = await http().post('/operator/reconciliation/runs').set(operator).send({});
    if (res.status === 409 && res.body.code === 'reconciliation_running') return false; // the worker's scheduled run
    if (res.status !== 201) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }, 'a reconciliation run');
  const reportJson = async (): Promise<Json> => (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
  /** Nothing public may name a Stripe object, a donor's e-mail or a secret. */
  const expectNothingPrivate = (text: string) => {
    expect(text).not.toContain(chargeId);
    expect(text).not.toContain(refundId);
    expect(text).not.toMatch(/\b(ch|re|txn|py|tr|trr|dp)_[A-Za-z0-9]{6,}/);
    expect(text).not.toContain('@example.org');
    expect(text).not.toMatch(/sk_test|whsec_/);
  };
  const verifierOutput = async () => {
    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    return { code, out };
  };

  beforeAll(async () => {
    world = await startDonationWorld({ env: { RECONCILIATION_GRACE_MS: '0' } });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '40.00', donorEmail: 'huda@example.org' });
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await settle(world);
    [{ stripe_charge_id: chargeId }] = await world.db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [gift.donationId]);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a refund made on Stripe that the ledger never heard of: the report and ledger say "1 difference open", with kind, amount and age', async () => {
    const endpoint = await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, world.sandbox.webhookSecret);
    await world.sandbox.control.removeWebhookEndpoint(endpoint.id);
    refundId = (await world.sandbox.stripe().refunds.create({ charge: chargeId, amount: 1500 })).id;
    const run = await runNow();
    expect(run).toMatchObject({ status: 'succeeded', differences: 1 });

    // The statement is versioned by the latest run (read again within a second).
    const report = await eventually(async () => {
      const body = await reportJson();
      return body.reconciliation.openCount === 1 ? body : false;
    }, 'the report to show the open difference');
    expect(report.reconciliation.reconciledUpTo).toEqual(expect.any(String));
    expect(report.reconciliation.open).toEqual([expect.objectContaining({
      kind: 'missing_in_ledger', movement: 'refund', processorAmount: '-1500', ledgerAmount: null, currency: 'usd', entries: [], resolution: null,
      ageSeconds: expect.any(Number), occurredAt: expect.any(String), openedAt: expect.any(String),
    })]);
    expectNothingPrivate(JSON.stringify(report));
    // The verifier still verifies the log: the statement sits beside the report it recomputes.
    const ledger = await http().get(`/c/${campaign.slug}/ledger`).set('accept', 'application/json').expect(200);
    expect(ledger.body.reconciliation).toEqual(report.reconciliation);
    expectNothingPrivate(ledger.text);

    for (const [lang, summary, kind] of [
      ['en', /Reconciled with the payment processor up to \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: 1 difference open\./, 'Missing in the ledger'],
      ['ar', /تمت المطابقة مع معالج الدفع حتى \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: الفروق المفتوحة: 1\./, 'مفقود في السجل'],
    ] as const) {
      for (const page of ['report', 'ledger']) {
        const html = await http().get(`/c/${campaign.slug}/${page}?lang=${lang}`).expect(200);
        expect(html.text).toMatch(summary);
        expect(html.text).toContain(kind);
        expect(html.text).toContain('data-testid="reconciliation-open"');
        expect(html.text).toMatch(/-?US\$15\.00|-\$15\.00|15\.00/);
        expectNothingPrivate(html.text);
      }
    }

    const { code, out } = await verifierOutput();
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/note {2}reconciliation with the payment processor \(the platform's statement, not provable from the log\): reconciled up to \S+: 1 difference open/);
    expect(text).toContain('open missing_in_ledger (refund): payment processor -1500 usd, ledger none');
    expect(out.at(-1)).toMatch(/^VERIFIED: /);
    expectNothingPrivate(text);
  });

  it('once the event is delivered and the ledger has the refund, the next run resolves it: "0 differences open" and the resolution with its entry', async () => {
    await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, world.sandbox.webhookSecret);
    const events = (await world.sandbox.stripe().events.list({ type: 'refund.created', limit: 100 })).data.filter((e) => (e.data.object as { id: string }).id === refundId);
    await world.sandbox.control.resendEvent(events[0].id);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT 1 FROM journal_entries WHERE source_id = $1 AND kind = 'refund'`, [refundId])).length === 1, 'the refund in the ledger');
    const etagBefore = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).headers.etag;
    const run = await runNow();
    expect(run).toMatchObject({ status: 'succeeded', differences: 0 });

    const [{ idx }] = await world.db.query(
      `SELECT pe.idx FROM journal_entries j JOIN public_ledger_entries pe ON pe.source_ref = j.id::text WHERE j.source_id = $1 AND j.kind = 'refund'`, [refundId],
    );
    const report = await eventually(async () => {
      const body = await reportJson();
      return body.reconciliation.openCount === 0 && body.reconciliation.resolved.length === 1 ? body : false;
    }, 'the report to show the resolution');
    expect(report.reconciliation.resolved[0]).toMatchObject({ kind: 'missing_in_ledger', movement: 'refund', processorAmount: '-1500', resolution: { at: expect.any(String), entries: [Number(idx)] } });
    expect((await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).headers.etag).not.toBe(etagBefore);

    const html = await http().get(`/c/${campaign.slug}/report?lang=en`).expect(200);
    expect(html.text).toMatch(/up to [^:]+:\d{2} UTC: 0 differences open\./);
    expect(html.text).toContain('data-testid="reconciliation-resolved"');
    expect(html.text).toContain(`>#${idx}</a>`);
    expectNothingPrivate(html.text);

    const { code, out } = await verifierOutput();
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(new RegExp(`resolved missing_in_ledger \\(refund\\): payment processor -1500 usd, ledger none, happened \\S+, resolved \\S+ after [^,]+, now posted as #${idx}`));
  });
});
