import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { DonationWorld, donationRow, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(90_000);

const htmlLang = (text: string) => /<html lang="(\w+)" dir="(\w+)">/.exec(text)?.slice(1, 3);
const cookieOf = (res: request.Response): string[] => ([] as string[]).concat(res.headers['set-cookie'] ?? []).filter((c) => c.startsWith('ataa_lang='));
const csrfOf = (text: string): string => /name="_csrf" value="([^"]+)"/.exec(text)![1];
const csrfCookie = (res: request.Response): string => ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('ataa_csrf='))!.split(';')[0];

/**
 * The visitor's language on every public page (issue 22.9): `?lang=` (remembered in the ataa_lang
 * cookie, Path=/), else the cookie, else Accept-Language, else the campaign's language; the
 * campaign's own text keeps its lang/dir. And the search engines' files (22.7).
 */
describe('public pages in the visitor\'s language; robots.txt, sitemap.xml, canonical and hreflang', () => {
  let world: DonationWorld;
  let arabic: { slug: string };
  let english: { slug: string };
  let draft: { slug: string };
  let cancelled: { slug: string };
  const http = () => request(world.apiUrl);

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    arabic = await createCampaign(world.api, org, { title: 'مياه نظيفة للقرية', language: 'ar', currency: 'usd', offerCoverFees: true });
    english = await createCampaign(world.api, org, { title: 'Clean water', language: 'en', currency: 'usd' });
    draft = await createCampaign(world.api, org, { title: 'Not yet', language: 'en' }, { publish: false });
    const toCancel = await createCampaign(world.api, org, { title: 'Called off', language: 'en' });
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${(toCancel as { id: string }).id}/cancel`).set('authorization', `Bearer ${org.ownerToken}`).send({});
    cancelled = toCancel;
  });
  afterAll(async () => {
    await world?.close();
  });

  describe('the campaign page', () => {
    it('without cookie or Accept-Language: the campaign\'s language', async () => {
      const page = await http().get(`/c/${arabic.slug}`).expect(200);
      expect(htmlLang(page.text)).toEqual(['ar', 'rtl']);
      expect(cookieOf(page)).toEqual([]);
    });

    it('Accept-Language (q-values) chooses the chrome; the campaign\'s title, summary and story keep their language', async () => {
      const page = await http().get(`/c/${arabic.slug}`).set('accept-language', 'fr;q=1, ar;q=0.2, en;q=0.5').expect(200);
      expect(htmlLang(page.text)).toEqual(['en', 'ltr']);
      expect(page.text).toContain('<h1 id="campaign-title" lang="ar" dir="rtl">');
      expect(page.text).toMatch(/class="campaign-summary" lang="ar" dir="rtl"/);
      expect(page.text).toMatch(/class="story" lang="ar" dir="rtl"/);
      expect(page.text).toContain('Give to this campaign');
      expect(page.headers.vary).toMatch(/Accept-Language/);
      expect(page.headers.vary).toMatch(/Cookie/);
    });

    it('the cookie outranks Accept-Language', async () => {
      const page = await http().get(`/c/${english.slug}`).set('cookie', 'ataa_lang=ar').set('accept-language', 'en').expect(200);
      expect(htmlLang(page.text)).toEqual(['ar', 'rtl']);
      expect(page.text).toContain('<h1 id="campaign-title" lang="en" dir="ltr">');
    });

    it('?lang= outranks the cookie and is remembered for the whole site', async () => {
      const page = await http().get(`/c/${english.slug}?lang=ar`).set('cookie', 'ataa_lang=en').expect(200);
      expect(htmlLang(page.text)).toEqual(['ar', 'rtl']);
      const [cookie] = cookieOf(page);
      expect(cookie).toMatch(/^ataa_lang=ar; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax/);
      // Already the choice held: nothing to set.
      expect(cookieOf(await http().get(`/c/${english.slug}?lang=ar`).set('cookie', 'ataa_lang=ar').expect(200))).toEqual([]);
      // A value that is not one of ours is ignored, never stored.
      const forged = await http().get(`/c/${english.slug}?lang=xx`).set('cookie', 'ataa_lang=<b>').expect(200);
      expect(htmlLang(forged.text)).toEqual(['en', 'ltr']);
      expect(cookieOf(forged)).toEqual([]);
    });

    it('the switch is a plain link to the other language; canonical and hreflang alternates', async () => {
      const page = await http().get(`/c/${arabic.slug}`).set('accept-language', 'en').expect(200);
      const base = world.config.PUBLIC_BASE_URL.replace(/\/$/, '');
      expect(page.text).toContain(`<a href="/c/${arabic.slug}?lang&#x3D;ar" lang="ar" hreflang="ar" data-testid="language-switch">العربية</a>`);
      expect(page.text).toContain(`<link rel="canonical" href="${base}/c/${arabic.slug}?lang&#x3D;en">`);
      expect(page.text).toContain(`<link rel="alternate" hreflang="ar" href="${base}/c/${arabic.slug}?lang&#x3D;ar">`);
      expect(page.text).toContain(`<link rel="alternate" hreflang="en" href="${base}/c/${arabic.slug}?lang&#x3D;en">`);
      expect(page.text).toContain(`<link rel="alternate" hreflang="x-default" href="${base}/c/${arabic.slug}">`);
    });

    it('the rendered-page cache varies by language (same figures version)', async () => {
      for (const lang of ['en', 'ar', 'en', 'ar']) {
        const page = await http().get(`/c/${arabic.slug}?lang=${lang}`).expect(200);
        expect(htmlLang(page.text)?.[0]).toBe(lang);
        expect(page.text).toContain(`<input type="hidden" name="locale" value="${lang}">`);
      }
    });

    it('labels: "Other amount" once (the choice), the field is "Your amount"; the total explains covered fees', async () => {
      const page = await http().get(`/c/${arabic.slug}?lang=en`).expect(200);
      expect(page.text.match(/Other amount/g)).toHaveLength(1);
      expect(page.text).toContain('<label for="customAmount">Your amount</label>');
      expect(page.text).toContain('data-testid="covered-fees-note"');
    });

    it('Checkout follows the page\'s language; a refused form comes back in it', async () => {
      const gift = await startGift(world, arabic.slug, { locale: 'en' });
      expect((await world.sandbox.stripe().checkout.sessions.retrieve(gift.sessionId)).locale).toBe('en');
      expect((await donationRow(world.db, gift.donationId)).locale).toBe('en');
      const refused = await http().post(`/c/${arabic.slug}/donate`).type('form').send({ amount: '10.00', donorEmail: 'x@example.org', locale: 'en' }).expect(403);
      expect(htmlLang(refused.text)).toEqual(['en', 'ltr']);
      expect(refused.text).toContain('The form expired');
    });
  });

  it('the thank-you page: Accept-Language; the switch keeps the gift', async () => {
    const gift = await startGift(world, english.slug);
    const page = await http().get(`/c/${english.slug}/thanks?donation=${gift.donationId}`).set('accept-language', 'ar-EG,ar;q=0.9').expect(200);
    expect(htmlLang(page.text)).toEqual(['ar', 'rtl']);
    expect(page.text).toContain('<bdi lang="en" dir="ltr">Clean water</bdi>');
    expect(page.text).toContain(`href="/c/${english.slug}/thanks?donation&#x3D;${gift.donationId}&amp;lang&#x3D;en"`);
    expect(page.text).not.toContain('rel="canonical"');
  });

  it('the report form: the cookie; a refused report comes back in the page\'s language', async () => {
    const form = await http().get(`/c/${english.slug}/flag`).set('cookie', 'ataa_lang=ar').expect(200);
    expect(htmlLang(form.text)).toEqual(['ar', 'rtl']);
    expect(form.text).toContain('<input type="hidden" name="lang" value="ar">');
    const refused = await http().post(`/c/${english.slug}/flag`).type('form').set('cookie', csrfCookie(form))
      .send({ _csrf: 'forged', target: 'campaign', reason: 'spam', lang: 'ar' }).expect(403);
    expect(htmlLang(refused.text)).toEqual(['ar', 'rtl']);
    expect(csrfOf(refused.text)).toBeTruthy();
  });

  describe('the ledger and report pages', () => {
    it('follow Accept-Language, vary on it and on the cookie, one ETag per language; link back to the campaign', async () => {
      const en = await http().get(`/c/${arabic.slug}/ledger`).set('accept-language', 'en').expect(200);
      const ar = await http().get(`/c/${arabic.slug}/ledger`).set('accept-language', 'ar').expect(200);
      expect(htmlLang(en.text)).toEqual(['en', 'ltr']);
      expect(htmlLang(ar.text)).toEqual(['ar', 'rtl']);
      expect(en.headers.etag).not.toBe(ar.headers.etag);
      expect(en.headers.vary).toMatch(/^Accept, Accept-Language, Cookie/);
      expect(en.text).toContain(`<a href="/c/${arabic.slug}?lang&#x3D;en" data-testid="campaign-link">Back to the campaign</a>`);
      expect(ar.text).toContain(`<a href="/c/${arabic.slug}" data-testid="campaign-link">`);
      expect(en.text).toContain('<bdi lang="ar" dir="rtl">مياه نظيفة للقرية</bdi>');
      // The same URL and ETag in the other language is another answer: no 304 across languages.
      await http().get(`/c/${arabic.slug}/ledger`).set('accept-language', 'ar').set('if-none-match', en.headers.etag).expect(200);
      await http().get(`/c/${arabic.slug}/ledger`).set('accept-language', 'en').set('if-none-match', en.headers.etag).expect(304);
    });

    it('the cookie chooses the report\'s language; ?lang= sets it, privately cached', async () => {
      const report = await http().get(`/c/${english.slug}/report`).set('cookie', 'ataa_lang=ar').expect(200);
      expect(htmlLang(report.text)).toEqual(['ar', 'rtl']);
      expect(report.text).toContain(`href="/c/${english.slug}?lang&#x3D;ar" data-testid="campaign-link"`);
      expect(report.headers['cache-control']).toMatch(/^public/);
      const switched = await http().get(`/c/${english.slug}/report?lang=ar`).expect(200);
      expect(cookieOf(switched)[0]).toMatch(/^ataa_lang=ar; Path=\//);
      expect(switched.headers['cache-control']).toBe('private, no-cache');
      expect(switched.text).toContain('<link rel="alternate" hreflang="en"');
    });

    it('money as formatMoney writes it, like the campaign page', async () => {
      const report = await http().get(`/c/${english.slug}/report?lang=en`).expect(200);
      expect(report.text).toMatch(/id="total-raised">\$0\.00</);
      expect(report.text).not.toMatch(/\d USD/);
    });
  });

  it('the privacy and invitation pages follow the cookie and Accept-Language', async () => {
    const exportForm = await http().get('/privacy/export').set('accept-language', 'ar').expect(200);
    expect(htmlLang(exportForm.text)).toEqual(['ar', 'rtl']);
    const erase = await http().get('/privacy/erase').set('cookie', 'ataa_lang=ar').set('accept-language', 'en').expect(200);
    expect(htmlLang(erase.text)).toEqual(['ar', 'rtl']);
    const explicit = await http().get('/privacy/erase?lang=en').set('cookie', 'ataa_lang=ar').expect(200);
    expect(htmlLang(explicit.text)).toEqual(['en', 'ltr']);
    const invitation = await http().get('/invitations/accept?token=not-a-token').set('accept-language', 'ar').expect(404);
    expect(htmlLang(invitation.text)).toEqual(['ar', 'rtl']);
  });

  it('robots.txt: public pages open; dashboard, console, operator and the API closed but its public part', async () => {
    const robots = await http().get('/robots.txt').expect(200);
    expect(robots.headers['content-type']).toMatch(/^text\/plain/);
    const lines = robots.text.split('\n');
    for (const line of ['User-agent: *', 'Allow: /c/', 'Allow: /api/v1/public/', 'Disallow: /dashboard', 'Disallow: /console', 'Disallow: /operator', 'Disallow: /api/', 'Disallow: /privacy/export/download', 'Disallow: /privacy/erase/confirm', 'Disallow: /donor/']) {
      expect(lines).toContain(line);
    }
    expect(lines).toContain(`Sitemap: ${world.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/sitemap.xml`);
  });

  it('sitemap.xml: each listed campaign\'s page and ledger in both languages with lastmod and alternates; no draft, no cancelled campaign', async () => {
    const sitemap = await http().get('/sitemap.xml').expect(200);
    expect(sitemap.headers['content-type']).toMatch(/^application\/xml/);
    const base = world.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const locs = [...sitemap.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    for (const slug of [arabic.slug, english.slug]) {
      for (const page of ['', '/ledger']) for (const lang of ['en', 'ar']) expect(locs).toContain(`${base}/c/${slug}${page}?lang=${lang}`);
    }
    expect(locs.some((l) => l.includes(draft.slug) || l.includes(cancelled.slug))).toBe(false);
    expect(sitemap.text).toMatch(/<lastmod>\d{4}-\d{2}-\d{2}T[\d:.]+Z<\/lastmod>/);
    expect(sitemap.text).toContain(`<xhtml:link rel="alternate" hreflang="x-default" href="${base}/c/${english.slug}"/>`);
    // Every listed URL answers 200.
    for (const loc of locs.slice(0, 4)) await http().get(loc.slice(base.length)).expect(200);
  });
});
