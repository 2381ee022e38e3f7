import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { OperatorProvisioning } from '@ataa/operators';
import {
  addMember, createCampaign, createOrganizationWithOwner, postDashboardForm, signInToDashboard, TEST_PASSWORD, uniqueEmail, type DashboardAgent, type TestOrganization,
} from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

const OPERATOR_PASSWORD = 'operator password 1234';
const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`);
const png = (text: string) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(text)]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** The response's raw bytes (supertest parses only text types by default). */
const binary = (res: request.Response, done: (error: Error | null, body: unknown) => void) => {
  // Here superagent hands over the response stream itself.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

/**
 * Spending evidence in the operator console (issue 21, item 3: "keep for the operator"): two paid
 * payouts of one organization, one with a public invoice and an operator-only photo, the other with an
 * operator-only receipt. An operator sees the files on the payout's page and downloads them (an
 * operator-only one audited with the operator); without a console session nothing is served; an
 * unknown file, or another payout's file under this payout's address, is the console's 404.
 */
describe('operator console: a payout\'s spending evidence', () => {
  let world: DonationWorld;
  let uploadDir: string;
  let org: TestOrganization;
  let financeToken: string;
  let operatorId: string;
  let operatorEmail: string;
  let operator: DashboardAgent;
  const payouts: string[] = [];
  const files: Record<'invoice' | 'photo' | 'receipt', { id: string; bytes: Buffer }> = {} as never;
  const invoice = pdf('Invoice 2026-044: 30 water filters');
  const photo = png('a photo of the filters, with a family in it');
  const receipt = png('a receipt for the second payout');

  const http = () => request(world.apiUrl);
  const attach = async (payoutId: string, title: string, visibility: string, bytes: Buffer, name: string, type: string) => {
    const res = await http().post(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}/evidence`).set('authorization', `Bearer ${financeToken}`)
      .field('title', title).field('visibility', visibility).attach('file', bytes, { filename: name, contentType: type }).expect(201);
    return { id: res.body.id as string, bytes };
  };
  const readAudits = async () => world.db.query(`SELECT actor, organization_id, target_id, details FROM audit_log WHERE action = 'payout_evidence.read_by_operator' ORDER BY seq`);
  const fileUrl = (payoutId: string, evidenceId: string) => `/console/payouts/${payoutId}/evidence/${evidenceId}`;

  beforeAll(async () => {
    uploadDir = mkdtempSync(path.join(tmpdir(), 'ataa-console-evidence-'));
    world = await startDonationWorld({ env: { UPLOAD_DIR: uploadDir } });
    operatorEmail = uniqueEmail('evidence-operator');
    operatorId = (await world.api.get(OperatorProvisioning).create(operatorEmail, OPERATOR_PASSWORD)).id;
    org = await createOrganizationWithOwner(world.api, { name: 'Evidence Water Trust' });
    financeToken = await addMember(world.api, org, 'finance');
    const campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    await enablePayouts(world, org, '1000000');
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    for (const [amount, purpose] of [['3000', 'Water filters'], ['1000', 'Transport']]) {
      const res = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${financeToken}`)
        .send({ amount, currency: 'usd', purpose }).expect(201);
      payouts.push(res.body.id);
    }
    for (const id of payouts) {
      await eventually(async () => (await world.db.query(`SELECT status FROM payouts WHERE id = $1`, [id]))[0].status === 'paid', 'the payout to be paid', 30_000);
    }
    await settle(world);
    files.invoice = await attach(payouts[0], 'Invoice 2026-044, filters', 'public', invoice, 'invoice.pdf', 'application/pdf');
    files.photo = await attach(payouts[0], 'Delivery photo', 'operator', photo, 'photo.png', 'image/png');
    files.receipt = await attach(payouts[1], 'Transport receipt', 'operator', receipt, 'receipt.png', 'image/png');
    operator = request.agent(world.apiUrl);
    expect((await postDashboardForm(operator, '/console/sign-in', '/console/sign-in', { email: operatorEmail, password: OPERATOR_PASSWORD })).status).toBe(303);
  });
  afterAll(async () => {
    await world?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('serves no file without a console session (sent to sign in, as every console page), nor to an organization\'s own dashboard session', async () => {
    await http().get(fileUrl(payouts[0], files.photo.id)).expect(303).expect('location', '/console/sign-in');
    await http().get(`/console/payouts/${payouts[0]}`).expect(303).expect('location', '/console/sign-in');
    const owner = await signInToDashboard(world.apiUrl, org.ownerEmail, TEST_PASSWORD);
    await owner.get(fileUrl(payouts[0], files.photo.id)).expect(303).expect('location', '/console/sign-in');
    expect(await readAudits()).toEqual([]);
  });

  it("lists the payout's files, public and operator-only, with type, size, SHA-256 and upload; another payout's file is not among them", async () => {
    const page = await operator.get(`/console/payouts/${payouts[0]}`).expect(200);
    expect(page.text).toContain('data-testid="evidence"');
    const rows = [...page.text.matchAll(/<li data-evidence="([^"]+)" data-visibility="([^"]+)">([\s\S]*?)<\/li>/g)].map((m) => ({ id: m[1], visibility: m[2], html: m[3] }));
    expect(rows.map((r) => [r.id, r.visibility])).toEqual([[files.invoice.id, 'public'], [files.photo.id, 'operator']]);
    for (const [row, title, type, bytes] of [[rows[0], 'Invoice 2026-044, filters', 'application/pdf', invoice], [rows[1], 'Delivery photo', 'image/png', photo]] as const) {
      expect(row.html).toContain(`href="${fileUrl(payouts[0], row.id)}"`);
      expect(row.html).toContain(title);
      expect(row.html).toContain(type);
      expect(row.html).toContain(sha256(bytes));
      expect(row.html).toContain('1 kB');
      expect(row.html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
      expect(row.html).toMatch(/user:[0-9a-f-]{36}/);
    }
    expect(rows[1].html).toContain('Operator only');
    expect(page.text).not.toContain(files.receipt.id);
    const other = await operator.get(`/console/payouts/${payouts[1]}`).expect(200);
    expect(other.text).toContain(`data-evidence="${files.receipt.id}"`);
    expect(other.text).not.toContain(files.photo.id);
  });

  it('downloads an operator-only file (the bytes uploaded, as an attachment of its sniffed type, not cached), audited with the operator; a public one unaudited', async () => {
    const res = await operator.get(fileUrl(payouts[0], files.photo.id)).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(res.body as Buffer, photo)).toBe(0);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${sha256(photo)}.png"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toMatch(/(^|, )no-store(,|$)/);
    expect(await readAudits()).toEqual([
      { actor: `operator:${operatorId}`, organization_id: org.orgId, target_id: payouts[0], details: { evidenceId: files.photo.id, sha256: sha256(photo), mediaType: 'image/png', bytes: photo.length } },
    ]);

    const pub = await operator.get(fileUrl(payouts[0], files.invoice.id)).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(pub.body as Buffer, invoice)).toBe(0);
    expect([pub.headers['content-type'], pub.headers['content-disposition']]).toEqual(['application/pdf', `attachment; filename="${sha256(invoice)}.pdf"`]);
    expect(await readAudits()).toHaveLength(1);
  });

  it("answers an unknown file, a malformed id, an unknown payout and another payout's file with the console's 404 page, serving and auditing nothing", async () => {
    for (const url of [
      fileUrl(payouts[0], '00000000-0000-4000-8000-000000000000'),
      fileUrl(payouts[0], 'not-a-uuid'),
      fileUrl('00000000-0000-4000-8000-000000000000', files.photo.id),
      fileUrl(payouts[0], files.receipt.id),
      fileUrl(payouts[1], files.photo.id),
    ]) {
      const res = await operator.get(url).expect(404);
      expect([url, res.headers['content-type']]).toEqual([url, expect.stringMatching(/text\/html/)]);
      expect(res.text).toContain('data-testid="error-404"');
      expect(res.text).not.toContain('a receipt for the second payout');
    }
    expect(await readAudits()).toHaveLength(1);
  });

  it("keeps the organizations' reads scoped: another organization's member gets a 404 for these files", async () => {
    const other = await createOrganizationWithOwner(world.api, { name: 'Another Trust' });
    const res = await http().get(`/api/v1/orgs/${other.orgId}/payouts/${payouts[0]}/evidence/${files.photo.id}/file`).set('authorization', `Bearer ${other.ownerToken}`);
    expect(res.status).toBe(404);
  });
});
