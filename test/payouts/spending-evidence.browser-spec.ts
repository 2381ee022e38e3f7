import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { addMember, axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

const PDF = Buffer.from('%PDF-1.7\n% Invoice 77: water pump\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * The payout page's evidence and outcome forms in a real browser with JavaScript off (multipart
 * upload, server-rendered refusal with its reason, then success), and the public report's impact
 * section in Arabic and English; axe-clean in every state.
 */
describe('spending evidence and outcomes: dashboard forms without JavaScript, the report\'s impact section (browser, axe)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  let payoutId: string;
  let browser: Browser;
  let uploadDir: string;
  let page: Page;

  beforeAll(async () => {
    uploadDir = mkdtempSync(path.join(tmpdir(), 'ataa-evidence-browser-'));
    world = await startDonationWorld({ env: { UPLOAD_DIR: uploadDir } });
    org = await createOrganizationWithOwner(world.api);
    const finance = await addMember(world.api, org, 'finance');
    campaign = await createCampaign(world.api, org, { offerCoverFees: false, language: 'ar' });
    await enablePayouts(world, org, '1000000');
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '80.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    payoutId = (await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${finance}`)
      .send({ amount: '3000', currency: 'usd', purpose: 'Water pump' }).expect(201)).body.id;
    await eventually(async () => (await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/payouts/${payoutId}`).set('authorization', `Bearer ${finance}`)).body.status === 'paid', 'the payout to be paid', 30_000);
    await settle(world);
    browser = await launchBrowser();
    page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('the payout page states the organization\'s responsibility for personal data; a disallowed file is refused on the page (415), a PDF is attached', async () => {
    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/payouts/${payoutId}?lang=en`);
    expect(await page.getByTestId('responsibility').textContent()).toContain('Personal data in the files you upload');
    expect(await page.getByTestId('no-evidence').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    await page.fill('#evidence-title-field', 'A program');
    await page.setInputFiles('#evidence-file', { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 not a pdf', 'latin1') });
    const [refused] = await Promise.all([page.waitForNavigation(), page.getByTestId('attach').click()]);
    expect(refused!.status()).toBe(415);
    expect(await page.getByTestId('evidence-error').getAttribute('data-code')).toBe('evidence_file_type');
    expect(await page.inputValue('#evidence-title-field')).toBe('A program');
    expect(await axeViolations(page)).toEqual([]);

    await page.fill('#evidence-title-field', 'Invoice 77, water pump');
    await page.check('#visibility-public');
    await page.setInputFiles('#evidence-file', { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([page.waitForNavigation(), page.getByTestId('attach').click()]);
    expect(await page.getByTestId('evidence-notice').count()).toBe(1);
    expect(await page.getByTestId('evidence-list').locator('li[data-visibility="public"]').textContent()).toContain('Invoice 77, water pump');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an outcome stated in English and Arabic; an empty one is refused on the page', async () => {
    await page.fill('#outcome-en', ' ');
    await page.fill('#outcome-ar', 'بئر واحدة');
    const [refused] = await Promise.all([page.waitForNavigation(), page.getByTestId('state-outcome').click()]);
    expect(refused!.status()).toBe(400);
    expect(await page.getByTestId('outcome-error').getAttribute('data-code')).toBe('invalid_text');
    expect(await axeViolations(page)).toEqual([]);
    await page.fill('#outcome-en', '1 well dug');
    await page.fill('#outcome-ar', 'حفر بئر واحدة');
    await Promise.all([page.waitForNavigation(), page.getByTestId('state-outcome').click()]);
    expect(await page.getByTestId('outcome-list').textContent()).toContain('1 well dug');
  });

  for (const [lang, label, title] of [['ar', 'حفر بئر واحدة', 'الأثر'], ['en', '1 well dug', 'Impact']] as const) {
    it(`the public report's impact section in ${lang}: money in and out, the outcome with its payout and file, the evidence table`, async () => {
      const report = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
      await report.goto(`${world.apiUrl}/c/${campaign.slug}/report?lang=${lang}`);
      const impact = report.getByTestId('impact');
      expect(await impact.locator('h2').textContent()).toBe(title);
      expect(await report.getByTestId('outcomes').textContent()).toContain(label);
      expect(await report.getByTestId('evidence').locator('tbody tr').count()).toBe(1);
      expect(await report.getByTestId('impact-out').textContent()).toMatch(/30[.,٫]00|٣٠[.,٫]٠٠/);
      expect(await axeViolations(report)).toEqual([]);
      await report.close();
    });
  }
});
