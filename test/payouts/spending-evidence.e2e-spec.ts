import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { addMember, createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { DonationWorld, enablePayouts, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

const MAX_BYTES = 10_240;
/** A small PDF (its first bytes are what make it one) and a PNG. */
const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a photo of the blankets')]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Spending evidence and impact figures (issue 21, items 3 and 4) end to end: a gift paid on the
 * sandbox, a payout paid by the worker; finance attaches an invoice (public: served by its hash,
 * its SHA-256 appended to the public log, checked by the verifier CLI) and a photo (operator-only:
 * never served publicly); refused uploads change nothing; the organization states outcomes, which
 * the public report shows with money in and out and their evidence links. Every change is audited.
 */
describe('spending evidence and outcomes (API, worker, Stripe sandbox, verifier CLI)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let financeToken: string;
  let viewerToken: string;
  let campaign: { id: string; slug: string };
  let payoutId: string;
  let uploadDir: string;
  const invoice = pdf('Invoice 2026-031: 40 blankets');
  const http = () => request(world.apiUrl);
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const attach = (token: string, fields: Record<string, string>, file?: { bytes: Buffer; name: string; type: string }) => {
    let req = http().post(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}/evidence`).set(as(token));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    if (file) req = req.attach('file', file.bytes, { filename: file.name, contentType: file.type });
    return req;
  };
  const state = async () => ({
    evidence: (await world.db.query(`SELECT count(*)::int AS n FROM payout_evidence`))[0].n,
    entries: (await world.db.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE campaign_id = $1`, [campaign.id]))[0].n,
    audit: (await world.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'payout_evidence.%' OR action LIKE 'campaign_outcome.%'`))[0].n,
  });
  const verify = async () => {
    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    return { code, text: out.join('\n') };
  };

  beforeAll(async () => {
    uploadDir = mkdtempSync(path.join(tmpdir(), 'ataa-evidence-'));
    world = await startDonationWorld({ env: { EVIDENCE_FILE_MAX_BYTES: String(MAX_BYTES), UPLOAD_DIR: uploadDir } });
    org = await createOrganizationWithOwner(world.api);
    financeToken = await addMember(world.api, org, 'finance');
    viewerToken = await addMember(world.api, org, 'viewer');
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    await enablePayouts(world, org, '1000000');
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    const payout = (await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set(as(financeToken))
      .send({ amount: '4000', currency: 'usd', purpose: 'Blankets' }).expect(201)).body;
    payoutId = payout.id;
    await eventually(async () => (await http().get(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}`).set(as(financeToken)).expect(200)).body.status === 'paid', 'the payout to be paid', 30_000);
    await settle(world);
  });
  afterAll(async () => {
    await world?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('finance attaches a public invoice: stored by its hash, served to anyone, its SHA-256 an `evidence` entry naming the payout entry; the verifier checks the file', async () => {
    const before = await state();
    const res = await attach(financeToken, { title: 'Invoice 2026-031, blankets', visibility: 'public' }, { bytes: invoice, name: 'invoice.pdf', type: 'application/pdf' }).expect(201);
    const hash = sha256(invoice);
    expect(res.body).toMatchObject({
      payoutId, campaignId: campaign.id, title: 'Invoice 2026-031, blankets', visibility: 'public', mediaType: 'application/pdf', bytes: invoice.length, sha256: hash,
      publicIndex: before.entries, publicUrl: `/media/evidence/${hash}.pdf`,
    });
    const [payoutEntry] = await world.db.query(
      `SELECT pe.idx FROM journal_entries j JOIN public_ledger_entries pe ON pe.source_ref = j.id::text WHERE j.source_id = $1 AND j.kind = 'payout'`, [payoutId],
    );
    const [leaf] = await world.db.query(`SELECT kind, amount::text, payout_purpose FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaign.id, res.body.publicIndex]);
    expect(leaf).toEqual({ kind: 'evidence', amount: '0', payout_purpose: `evidence for entry ${payoutEntry.idx}: sha256 ${hash} application/pdf ${invoice.length}` });

    const file = await http().get(`/media/evidence/${hash}.pdf`).buffer(true).parse((r, cb) => { const chunks: Buffer[] = []; r.on('data', (c: Buffer) => chunks.push(c)); r.on('end', () => cb(null, Buffer.concat(chunks))); }).expect(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(file.body as Buffer, invoice)).toBe(0);

    const ledger = await http().get(`/c/${campaign.slug}/ledger?lang=en`).expect(200);
    expect(ledger.text).toContain('Spending evidence');
    expect(ledger.text).toContain(`href="/media/evidence/${hash}.pdf"`);

    const { code, text } = await verify();
    expect(code).toBe(0);
    expect(text).toContain(`entry ${res.body.publicIndex}: evidence file for payout entry ${payoutEntry.idx} (application/pdf, ${invoice.length} bytes) hashes to the log's SHA-256`);
    expect(await state()).toEqual({ evidence: before.evidence + 1, entries: before.entries + 1, audit: before.audit + 1 });
    const [audit] = await world.db.query(`SELECT actor, target_id, details FROM audit_log WHERE action = 'payout_evidence.attached' ORDER BY seq DESC LIMIT 1`);
    expect(audit).toMatchObject({ target_id: payoutId, details: expect.objectContaining({ visibility: 'public', sha256: hash, publicIndex: res.body.publicIndex }) });
  });

  it('an operator-only photo is kept for members (and operators), appended to no log and never served publicly', async () => {
    const before = await state();
    const res = await attach(org.ownerToken, { title: 'Photo of the delivery', visibility: 'operator' }, { bytes: PNG, name: 'delivery.png', type: 'image/png' }).expect(201);
    expect(res.body).toMatchObject({ visibility: 'operator', mediaType: 'image/png', publicIndex: null, publicUrl: null });
    await http().get(`/media/evidence/${sha256(PNG)}.png`).expect(404);
    const own = await http().get(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}/evidence/${res.body.id}/file`).set(as(viewerToken)).expect(200);
    expect(own.headers['content-type']).toBe('image/png');
    const list = await http().get(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}/evidence`).set(as(viewerToken)).expect(200);
    expect(list.body.items.map((e: { visibility: string }) => e.visibility)).toEqual(['public', 'operator']);
    expect(await state()).toEqual({ evidence: before.evidence + 1, entries: before.entries, audit: before.audit + 1 });
  });

  it('refuses a disallowed type (415), an oversized file (413), no file (400), a bad visibility or title (400), a JSON body (415) and a viewer (403): nothing changes', async () => {
    const before = await state();
    const problem = async (res: request.Response, status: number, code: string) => {
      expect([res.status, res.body.code]).toEqual([status, code]);
      expect(res.headers['content-type']).toContain('application/problem+json');
    };
    await problem(await attach(financeToken, { title: 'Program', visibility: 'public' }, { bytes: Buffer.from('MZ\x90\x00 not an invoice', 'latin1'), name: 'invoice.pdf', type: 'application/pdf' }), 415, 'evidence_file_type');
    await problem(await attach(financeToken, { title: 'Page', visibility: 'public' }, { bytes: Buffer.from('<html><script>alert(1)</script></html>'), name: 'a.png', type: 'image/png' }), 415, 'evidence_file_type');
    await problem(await attach(financeToken, { title: 'Big', visibility: 'public' }, { bytes: Buffer.concat([pdf('big'), Buffer.alloc(MAX_BYTES)]), name: 'big.pdf', type: 'application/pdf' }), 413, 'evidence_file_too_large');
    await problem(await attach(financeToken, { title: 'Nothing', visibility: 'public' }), 400, 'evidence_file_missing');
    await problem(await attach(financeToken, { title: 'Invoice', visibility: 'everyone' }, { bytes: pdf('x'), name: 'x.pdf', type: 'application/pdf' }), 400, 'validation_failed');
    await problem(await attach(financeToken, { title: ' ', visibility: 'public' }, { bytes: pdf('x'), name: 'x.pdf', type: 'application/pdf' }), 400, 'invalid_text');
    await problem(await http().post(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}/evidence`).set(as(financeToken)).send({ title: 'x', visibility: 'public' }), 415, 'validation_failed');
    const viewer = await attach(viewerToken, { title: 'Invoice', visibility: 'public' }, { bytes: pdf('viewer'), name: 'v.pdf', type: 'application/pdf' });
    expect(viewer.status).toBe(403);
    await problem(await http().post(`/api/v1/orgs/${org.orgId}/payouts/00000000-0000-4000-8000-000000000000/evidence`).set(as(financeToken)).field('title', 'x'), 404, 'not_found');
    expect(await state()).toEqual(before);
  });

  it('outcomes stated per campaign (en/ar) with the payout that evidences each: the public report shows money in and out, the outcomes and their evidence links', async () => {
    const before = await state();
    const stated = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/outcomes`).set(as(financeToken))
      .send({ labelEn: '40 blankets delivered', labelAr: 'تسليم ٤٠ بطانية', payoutId }).expect(201);
    expect(stated.body).toMatchObject({ campaignId: campaign.id, labelEn: '40 blankets delivered', labelAr: 'تسليم ٤٠ بطانية', payoutId, updateId: null });
    for (const [body, code, status] of [
      [{ labelEn: 'x', labelAr: 'y' }, 'outcome_evidence_required', 400],
      [{ labelEn: 'x', labelAr: 'y', payoutId, updateId: payoutId }, 'outcome_evidence_required', 400],
      [{ labelEn: '', labelAr: 'y', payoutId }, 'validation_failed', 400],
      [{ labelEn: 'x', labelAr: 'y', payoutId: 'not-a-uuid' }, 'validation_failed', 400],
      [{ labelEn: 'x', labelAr: 'y', updateId: '00000000-0000-4000-8000-000000000000' }, 'not_found', 404],
    ] as const) {
      const res = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/outcomes`).set(as(financeToken)).send(body);
      expect([res.status, res.body.code]).toEqual([status, code]);
    }
    expect((await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/outcomes`).set(as(viewerToken)).send({ labelEn: 'x', labelAr: 'y', payoutId })).status).toBe(403);
    expect(await state()).toEqual({ ...before, audit: before.audit + 1 });

    const report = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    const hash = sha256(invoice);
    expect(report.impact.outcomes).toEqual([expect.objectContaining({ labelEn: '40 blankets delivered', labelAr: 'تسليم ٤٠ بطانية', payoutIndex: expect.any(Number), evidenceFiles: [`/media/evidence/${hash}.pdf`] })]);
    expect(report.impact.evidence).toEqual([expect.objectContaining({ title: 'Invoice 2026-031, blankets', sha256: hash, url: `/media/evidence/${hash}.pdf` })]);
    // operator-only files are not in the public report
    expect(JSON.stringify(report)).not.toContain(sha256(PNG));
    for (const [lang, label, title] of [['en', '40 blankets delivered', 'Impact'], ['ar', 'تسليم ٤٠ بطانية', 'الأثر']] as const) {
      const page = await http().get(`/c/${campaign.slug}/report?lang=${lang}`).expect(200);
      expect(page.text).toContain(label);
      expect(page.text).toContain(`>${title}</h2>`);
      expect(page.text).toContain(`href="/media/evidence/${hash}.pdf"`);
      // gifts 100.00 in; payout 40.00 out
      expect(page.text).toMatch(/data-testid="impact-in">[^<]*100[.,]00/);
      expect(page.text).toMatch(/data-testid="impact-out">[^<]*40[.,]00/);
    }
    await expectLedgerSound(world.db);
  });

  it('a public file swapped on disk afterwards is caught: the verifier CLI rejects the log\'s evidence', async () => {
    writeFileSync(path.join(uploadDir, 'evidence', `${sha256(invoice)}.pdf`), pdf('Invoice 2026-031: 400 blankets'));
    const { code, text } = await verify();
    expect(code).toBe(1);
    expect(text).toMatch(/REJECTED: entry \d+: the evidence file at \S+ does not hash to the SHA-256 in the log \(it was swapped\)/);
  });
});
