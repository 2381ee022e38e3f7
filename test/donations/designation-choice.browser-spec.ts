import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from './donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * The donor chooses what the gift is for (designated funds), on an Arabic campaign page in headless
 * Chromium: the declared designations in Arabic, zakat offered with its explanation only where a use
 * was declared zakat-eligible, the choice recorded on the gift; no choice at all where none is
 * declared. axe-core finds no WCAG 2.2 AA violation on the page.
 */
describe('designation choice on the donation form (Arabic, headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let zakatCampaign: { slug: string; id: string };
  let wellCampaign: { slug: string };
  let plain: { slug: string };

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api);
    zakatCampaign = await createCampaign(world.api, org, {
      language: 'ar', title: 'إغاثة الشتاء',
      designations: [
        { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' },
        { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
        { code: 'water-well', labelEn: 'Water well', labelAr: 'بئر ماء في المفرق' },
      ],
    });
    wellCampaign = await createCampaign(world.api, org, { language: 'ar', title: 'بئر القرية', designations: [{ code: 'water-well', labelEn: 'Water well', labelAr: 'بئر ماء' }] });
    plain = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('shows the declared designations in Arabic with zakat explained, records the choice on the gift, and passes axe', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.apiUrl}/c/${zakatCampaign.slug}?lang=ar`);
    const group = page.getByRole('group', { name: 'وجهة تبرعك' });
    expect(await group.getByRole('radio').count()).toBe(3);
    expect(await group.getByRole('radio', { name: 'حيث الحاجة أكبر' }).isChecked()).toBe(true);
    expect(await page.getByTestId('zakat-note').textContent()).toContain('الزكاة');
    expect(await group.locator('label .tag').allTextContents()).toEqual(['(مستحق للزكاة)']);
    expect(await axeViolations(page)).toEqual([]);

    await group.getByRole('radio', { name: /الزكاة/ }).check();
    await page.getByLabel('البريد الإلكتروني (لإرسال الإيصال)').fill('amal@example.org');
    await page.getByRole('button', { name: 'المتابعة إلى الدفع' }).click();
    await page.waitForURL((url) => url.toString().startsWith(world.sandbox.url));
    const [gift] = await world.db.query(`SELECT designation FROM donations WHERE campaign_id = $1 AND donor_email = 'amal@example.org'`, [zakatCampaign.id]);
    expect(gift.designation).toBe('zakat');
    await page.close();
  });

  it('offers no zakat where no use is zakat-eligible, and no choice where nothing is declared', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.apiUrl}/c/${wellCampaign.slug}?lang=ar`);
    expect(await page.getByRole('group', { name: 'وجهة تبرعك' }).getByRole('radio').count()).toBe(1);
    expect(await page.getByTestId('zakat-note').count()).toBe(0);
    await page.goto(`${world.apiUrl}/c/${plain.slug}?lang=ar`);
    expect(await page.getByTestId('designations').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('a designation the campaign did not declare is refused with a clear Arabic message, nothing recorded', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.apiUrl}/c/${zakatCampaign.slug}?lang=ar`);
    // A forged form: the radio's value changed to a code the campaign never declared.
    await page.evaluate(() => { (document.querySelector('input[name=designation]') as HTMLInputElement).value = 'school'; });
    await page.getByLabel('البريد الإلكتروني (لإرسال الإيصال)').fill('forged@example.org');
    await page.getByRole('button', { name: 'المتابعة إلى الدفع' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('اختر وجهة تبرعك من القائمة.');
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM donations WHERE donor_email = 'forged@example.org'`);
    expect(n).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
