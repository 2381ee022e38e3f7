import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxService, ReceiptDeliveryService } from '@ataa/notifications';
import {
  addMember, createOrganizationWithOwner, createTestEnvironment, SmtpSink, startSmtpSink, startTestApi, TestEnvironment, TestOrganization,
} from '@ataa/testing';
import { settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from './test-receipt-data-source.js';

const OPERATOR_TOKEN = 'operator-token-for-receipts-e2e-000000';

/** What organizations and operators reach over HTTP: receipts list, re-send, the queue dashboard, metrics. */
describe('receipts over the API', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let outbox: OutboxService;
  let delivery: ReceiptDeliveryService;
  let orgA: TestOrganization;
  let orgB: TestOrganization;
  const http = () => request(app.getHttpServer());

  /** A gift of `org` whose receipt was delivered (or refused, for `reject`). */
  const deliveredGift = async (org: TestOrganization, email: string, reject = false) => {
    const id = randomUUID();
    if (reject) sink.rejectPermanently(email);
    const outboxId = await settleGift(dataSource, outbox, { id, organizationId: org.orgId, donorEmail: email, amount: 4200n, currency: 'gbp' });
    expect(await delivery.deliver(outboxId)).toBe(reject ? 'failed' : 'sent');
    return id;
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    app = await startTestApi(env.configWith({ SMTP_URL: sink.url, OPERATOR_TOKEN }), { imports: [TestReceiptDataSourceModule] });
    dataSource = app.get(DataSource);
    await dataSource.query(TEST_TABLES_DDL);
    outbox = app.get(OutboxService, { strict: false });
    delivery = app.get(ReceiptDeliveryService, { strict: false });
    orgA = await createOrganizationWithOwner(app);
    orgB = await createOrganizationWithOwner(app);
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
    await env?.cleanup();
  });

  it('re-sends a copy with the same number to members allowed to, and hides other organizations\' gifts', async () => {
    const giftId = await deliveredGift(orgA, 'copy-me@example.org');
    const viewerToken = await addMember(app, orgA, 'viewer');
    const path = `/api/v1/orgs/${orgA.orgId}/donations/${giftId}/receipt/resend`;

    await http().post(path).expect(401);
    const forbidden = await http().post(path).set('authorization', `Bearer ${viewerToken}`).expect(403);
    expect(forbidden.body.code).toBe('forbidden_role');
    // Organization B cannot re-send A's receipt, through its own org path or A's.
    const foreign = await http().post(`/api/v1/orgs/${orgB.orgId}/donations/${giftId}/receipt/resend`).set('authorization', `Bearer ${orgB.ownerToken}`).expect(404);
    expect(foreign.body.code).toBe('receipt_not_found');
    await http().post(path).set('authorization', `Bearer ${orgB.ownerToken}`).expect(404);
    // Ids that cannot exist are simply not found.
    await http().post(`/api/v1/orgs/${orgA.orgId}/donations/not-a-uuid/receipt/resend`).set('authorization', `Bearer ${orgA.ownerToken}`).expect(404);

    const res = await http().post(path).set('authorization', `Bearer ${orgA.ownerToken}`).expect(202);
    expect(res.body).toEqual({ receiptNumber: 'R-2026-000001', status: 'queued' });
    const [copy] = await dataSource.query(`SELECT id FROM outbox WHERE kind = 'receipt_copy' AND aggregate_id = $1`, [giftId]);
    expect(await delivery.deliver(copy.id)).toBe('sent');
    const mails = sink.messages.filter((m) => m.envelope.to.includes('copy-me@example.org'));
    expect(mails).toHaveLength(2);
    expect(mails[1].parsed.subject).toBe('Copy of your donation receipt R-2026-000001 from Helping Hands');
    const [audit] = await dataSource.query(`SELECT action, target_id FROM audit_log WHERE action = 'receipt.resend'`);
    expect(audit).toEqual({ action: 'receipt.resend', target_id: giftId });
  });

  it('lists failed deliveries with the mail server\'s reason, to members of the organization only', async () => {
    const failedGift = await deliveredGift(orgA, 'unknown-user@example.org', true);
    const viewerToken = await addMember(app, orgA, 'viewer');
    const res = await http().get(`/api/v1/orgs/${orgA.orgId}/receipts?status=failed`).set('authorization', `Bearer ${viewerToken}`).expect(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({ donationId: failedGift, status: 'failed', kind: 'donation_receipt' });
    expect(res.body[0].lastError).toMatch(/^550 /);
    const other = await http().get(`/api/v1/orgs/${orgB.orgId}/receipts?status=failed`).set('authorization', `Bearer ${orgB.ownerToken}`).expect(200);
    expect(other.body).toEqual([]);
    const bad = await http().get(`/api/v1/orgs/${orgA.orgId}/receipts?status=lost&extra=1`).set('authorization', `Bearer ${viewerToken}`).expect(400);
    expect(bad.body.code).toBe('validation_failed');
  });

  it('serves the queue dashboard to the operator only', async () => {
    await http().get('/operator/queues').expect(401).expect('www-authenticate', /Basic/);
    await http().get('/operator/queues').set('authorization', 'Bearer wrong-token-wrong-token-00000').expect(401);
    await http().get('/operator/queues/api/queues').set('authorization', `Bearer ${orgA.ownerToken}`).expect(401);
    const page = await http().get('/operator/queues').set('authorization', `Bearer ${OPERATOR_TOKEN}`).expect(200);
    expect(page.text).toContain('<div id="root">');
    const basic = Buffer.from(`operator:${OPERATOR_TOKEN}`).toString('base64');
    const api = await http().get('/operator/queues/api/queues').set('authorization', `Basic ${basic}`).expect(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['notifications', 'maintenance']));
  });

  it('exposes the relay backlog in /metrics', async () => {
    // The API runs no relay: a settled gift stays unrelayed until a worker picks it up.
    await settleGift(dataSource, outbox, { id: randomUUID(), organizationId: orgB.orgId, donorEmail: 'later@example.org', amount: 1000n, currency: 'usd' });
    const res = await http().get('/metrics').expect(200);
    expect(res.text).toMatch(/^ataa_outbox_unrelayed [1-9]\d*$/m);
    expect(res.text).toMatch(/^ataa_outbox_unfinished [1-9]\d*$/m);
    expect(res.text).toMatch(/^ataa_outbox_oldest_unrelayed_seconds \d/m);
  });
});
