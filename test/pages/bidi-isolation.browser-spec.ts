import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser, uniqueEmail } from '@ataa/testing';
import { DonationWorld, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

/** RIGHT-TO-LEFT OVERRIDE: everything after it in the same bidi paragraph is shown reversed unless the text holding it is isolated. */
const RLO = '\u202E';

/** What the browser reports about the text holding an RLO and the text after it in the same block. */
interface Leak {
  text: string;
  reason: string;
}

/**
 * Runs in the page. For every text node holding an RLO: the nearest block container, the nearest
 * isolating element (computed unicode-bidi isolate, isolate-override or plaintext: a bdi, an element
 * with dir=...) between the text and that block, and each piece of text after it in the block. A
 * leak is user text not isolated while other text shares its block or its text node, or text after
 * it that is not laid out after it in the block's direction (same line, Range.getClientRects).
 * The document's title must hold each RLO between FSI and PDI.
 */
function bidiLeaks({ rlo, userTexts }: { rlo: string; userTexts: string[] }): { leaks: Leak[]; checked: number; after: number } {
  const leaks: Leak[] = [];
  let after = 0;
  const isBlock = (el: Element) => !getComputedStyle(el).display.startsWith('inline') && getComputedStyle(el).display !== 'contents';
  const isolates = (el: Element) => ['isolate', 'isolate-override', 'plaintext'].includes(getComputedStyle(el).unicodeBidi);
  const visibleText = (node: Node) => (node.textContent ?? '').trim().length > 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const holders: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) if ((node.textContent ?? '').includes(rlo)) holders.push(node as Text);
  for (const text of holders) {
    const label = (text.textContent ?? '').slice(0, 60);
    let block: Element = text.parentElement!;
    while (!isBlock(block) && block.parentElement) block = block.parentElement;
    let isolating: Element | null = null;
    for (let el: Element | null = text.parentElement; el && el !== block; el = el.parentElement) {
      if (isolates(el)) {
        isolating = el;
        break;
      }
    }
    const scope: Node = isolating ?? text;
    // Text of the same block after the user text (outside its isolating element).
    const rest: Text[] = [];
    const inBlock = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = inBlock.nextNode(); node; node = inBlock.nextNode()) {
      if (scope.contains(node)) continue;
      if (!(scope.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
      if (visibleText(node)) rest.push(node as Text);
    }
    // Other text in the block (before or after): the user text must then be isolated from it.
    let others = false;
    const all = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = all.nextNode(); node && !others; node = all.nextNode()) others = !scope.contains(node) && visibleText(node);
    if (!isolating && others) leaks.push({ text: label, reason: `not isolated inside <${block.tagName.toLowerCase()}>` });
    // The page's own words in the same text node as the user text ("Ledger: <title>"): not isolated either.
    if (!userTexts.includes((text.textContent ?? '').trim())) leaks.push({ text: label, reason: 'shares its text node with other text' });
    const rtl = getComputedStyle(block).direction === 'rtl';
    const scopeRange = document.createRange();
    scopeRange.selectNodeContents(scope);
    const userRects = [...scopeRange.getClientRects()].filter((r) => r.width > 0);
    for (const node of rest) {
      after++;
      const first = document.createRange();
      const offset = (node.textContent ?? '').search(/\S/);
      first.setStart(node, offset);
      first.setEnd(node, offset + 1);
      const rect = first.getBoundingClientRect();
      if (rect.width === 0) continue;
      // Only user text on the same line says anything about order.
      const sameLine = userRects.filter((r) => r.top < rect.bottom - 1 && r.bottom > rect.top + 1);
      if (sameLine.length === 0) continue;
      const userLeft = Math.min(...sameLine.map((r) => r.left));
      const userRight = Math.max(...sameLine.map((r) => r.right));
      const inOrder = rtl ? rect.right <= userLeft + 1 : rect.left >= userRight - 1;
      if (!inOrder) leaks.push({ text: label, reason: `"${(node.textContent ?? '').trim().slice(0, 30)}" is not shown after it (${rtl ? 'rtl' : 'ltr'})` });
    }
  }
  const title = document.title;
  for (let i = title.indexOf(rlo); i >= 0; i = title.indexOf(rlo, i + 1)) {
    const open = title.lastIndexOf('\u2068', i);
    const close = title.indexOf('\u2069', i);
    if (open < 0 || close < 0 || title.lastIndexOf('\u2069', i) > open) leaks.push({ text: title, reason: 'the <title> does not isolate it (FSI ... PDI)' });
  }
  return { leaks, checked: holders.length, after };
}

/**
 * Donor names, messages, campaign titles, summaries and stories, and organization names are user
 * text: a U+202E in any of them must not reorder what the page shows after it. Every public page is
 * rendered in headless Chromium with such text and checked in the browser (bidiLeaks above), and
 * the campaign page's recent gift is checked by hand: its amount is shown after the donor's name.
 */
describe('user text is isolated on every public page (U+202E in names, headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let english: { id: string; slug: string };
  let arabic: { id: string; slug: string };
  let donationId: string;
  let invitationToken: string;
  const donorName = `Mallory ${RLO}reversed`;
  const message = `Good luck ${RLO}with the well`;
  const organization = `Friends ${RLO}of the well`;
  const summary = `Water ${RLO}for the village`;
  const story = `Why ${RLO}this matters`;
  const titles = [`Clean water ${RLO}now`, `مياه ${RLO}نظيفة`];
  /** Every user string holding an RLO, as a text node holds it when it is isolated on its own. */
  const userTexts = [donorName, message, organization, summary, story, ...titles];

  beforeAll(async () => {
    world = await startDonationWorld();
    const org = await createOrganizationWithOwner(world.api, { name: organization });
    english = await createCampaign(world.api, org, { title: titles[0], slug: 'bidi-water', summary, story });
    arabic = await createCampaign(world.api, org, { title: titles[1], slug: 'bidi-water-ar', language: 'ar', summary, story });
    for (const campaign of [english, arabic]) {
      const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '12.34', donorName, publicMessage: message });
      await world.sandbox.control.paySession(gift.sessionId);
      if (campaign === english) donationId = gift.donationId;
    }
    await settle(world);
    const invitation = await request(world.api.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/invitations`).set('authorization', `Bearer ${org.ownerToken}`)
      .send({ email: uniqueEmail('bidi'), role: 'admin' }).expect(201);
    invitationToken = invitation.body.token;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function open(path: string): Promise<Page> {
    // An Arabic campaign's visitor reads Arabic (the chrome follows Accept-Language; Chromium's default is en-US).
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: path.split(/[/?]/)[2] === arabic.slug ? 'ar' : 'en-US' });
    const res = await page.goto(`${world.apiUrl}${path}`);
    expect(res?.status()).toBe(200);
    return page;
  }

  const pages: [string, () => string, number][] = [
    // [page, path, how many text nodes hold an RLO at least]
    ['campaign page', () => `/c/${english.slug}`, 5],
    ['Arabic campaign page', () => `/c/${arabic.slug}`, 5],
    ['thank-you page', () => `/c/${english.slug}/thanks?donation=${donationId}`, 1],
    ['ledger page', () => `/c/${english.slug}/ledger`, 3],
    ['Arabic ledger page', () => `/c/${arabic.slug}/ledger`, 3],
    ['report page', () => `/c/${english.slug}/report`, 1],
    ['invitation page', () => `/invitations/accept?token=${encodeURIComponent(invitationToken)}`, 3],
  ];

  it.each(pages)('%s: what follows user text is shown in logical order', async (_, path, atLeast) => {
    const page = await open(path());
    const result = await page.evaluate(bidiLeaks, { rlo: RLO, userTexts });
    expect(result.leaks).toEqual([]);
    expect(result.checked).toBeGreaterThanOrEqual(atLeast);
    // And the page, holding such text, is still free of WCAG 2.2 AA violations.
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it.each([['English', () => english.slug, 'ltr'], ['Arabic', () => arabic.slug, 'rtl']])('%s campaign page: the recent gift shows its amount after the donor name', async (_, slug, dir) => {
    const page = await open(`/c/${slug()}`);
    const gift = page.locator('.gift-list li').filter({ hasText: 'Mallory' });
    expect(await gift.locator('.gift-name').textContent()).toBe(donorName);
    expect(await gift.locator('.gift-amount').textContent()).toMatch(/12[.,٫]34/);
    const order = await gift.evaluate((li) => {
      const name = li.querySelector('.gift-name')!;
      const amount = li.querySelector('.gift-amount')!;
      const nameRange = document.createRange();
      nameRange.selectNodeContents(name);
      const nameRects = [...nameRange.getClientRects()];
      const amountRects = [...amount.getClientRects()];
      return {
        isolated: getComputedStyle(name).unicodeBidi,
        nameLeft: Math.min(...nameRects.map((r) => r.left)), nameRight: Math.max(...nameRects.map((r) => r.right)),
        amountLeft: Math.min(...amountRects.map((r) => r.left)), amountRight: Math.max(...amountRects.map((r) => r.right)),
      };
    });
    expect(order.isolated).toMatch(/isolate|plaintext/);
    if (dir === 'ltr') expect(order.amountLeft).toBeGreaterThanOrEqual(order.nameRight - 1);
    else expect(order.amountRight).toBeLessThanOrEqual(order.nameLeft + 1);
    await page.close();
  });
});
