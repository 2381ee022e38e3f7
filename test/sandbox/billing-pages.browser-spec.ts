import { jest } from '@jest/globals';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import Stripe from 'stripe';
import { axeViolations, launchBrowser, startTestSandbox, TestSandbox } from '@ataa/testing';

// Like every browser file: Jest ignores the browser project's testTimeout (a global option), and one
// journey here (several pages, an axe check each) passed 60 s on a loaded 2-core machine.
jest.setTimeout(120_000);

/**
 * The sandbox's pages for recurring gifts and pledges in headless Chromium, axe-core in each state:
 * Checkout in subscription mode and in setup mode, and the billing portal (subscriptions listed,
 * a declined new card, a new card, cancel at the end of the period). The stand-in site is not checked.
 */
describe('Stripe sandbox: subscription and setup checkout pages, billing portal', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;
  let browser: Browser;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    stripe = sandbox.stripe();
    site = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1 id="landed">${req.url}</h1>`));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    site?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
  });

  const fillCard = async (page: import('playwright-core').Page, number: string) => {
    await page.fill('#card_number', number);
    await page.fill('#card_expiry', '12 / 34');
    await page.fill('#card_cvc', '123');
  };

  it('subscribes on the subscription-mode page, then cancels from the billing portal after a declined card update', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', success_url: `${siteUrl}/thanks?session_id={CHECKOUT_SESSION_ID}`, cancel_url: `${siteUrl}/campaign`, customer_email: 'monthly@example.com',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, recurring: { interval: 'month' }, product_data: { name: 'Monthly gift' } } }],
    });
    const page = await browser.newPage();
    try {
      await page.goto(session.url!);
      expect(await page.textContent('[data-testid=amount]')).toBe('25.00 USD / month');
      expect(await axeViolations(page)).toEqual([]);
      await fillCard(page, '4242 4242 4242 4242');
      await page.fill('#name', 'Mariam Test');
      await Promise.all([page.waitForURL(`${siteUrl}/thanks?session_id=${session.id}`), page.click('#submit')]);
      const done = await stripe.checkout.sessions.retrieve(session.id);
      expect(done.subscription).toMatch(/^sub_/);

      const invoice = await stripe.invoices.retrieve(done.invoice as string);
      await page.goto(invoice.hosted_invoice_url!);
      expect(await page.textContent('h1')).toBe(`Invoice ${invoice.number}`);
      expect(await axeViolations(page)).toEqual([]);

      const portal = await stripe.billingPortal.sessions.create({ customer: done.customer as string, return_url: `${siteUrl}/me` });
      await page.goto(portal.url);
      expect(await page.textContent(`[data-subscription="${done.subscription}"] h2`)).toBe('25.00 USD / month');
      expect(await page.textContent('#current-card')).toContain('visa ending in 4242');
      expect(await axeViolations(page)).toEqual([]);
      await fillCard(page, '4000 0000 0000 0002');
      await page.click('#update-card');
      expect(await page.textContent('#portal-error')).toBe('Your card was declined.');
      expect(await axeViolations(page)).toEqual([]);
      await fillCard(page, '5555 5555 5555 4444');
      await page.click('#update-card');
      expect(await page.textContent('#portal-notice')).toBe('Card updated.');
      expect(await page.textContent('#current-card')).toContain('mastercard ending in 4444');
      expect((await stripe.subscriptions.retrieve(done.subscription as string)).default_payment_method).not.toBe(null);
      await page.click(`#cancel-${done.subscription}`);
      expect(await page.textContent('#portal-notice')).toMatch(/^Subscription canceled: it ends on \d{4}-\d{2}-\d{2}\.$/);
      expect(await page.$(`#cancel-${done.subscription}`)).toBeNull();
      expect(await axeViolations(page)).toEqual([]);
      expect(await stripe.subscriptions.retrieve(done.subscription as string)).toMatchObject({ status: 'active', cancel_at_period_end: true });
      await Promise.all([page.waitForURL(`${siteUrl}/me`), page.click('#return')]);
    } finally {
      await page.close();
    }
  });

  it('saves a card on the setup-mode page without charging it', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'setup', currency: 'usd', customer_creation: 'always', success_url: `${siteUrl}/pledged`, customer_email: 'pledge@example.com' });
    const page = await browser.newPage();
    try {
      await page.goto(session.url!);
      expect(await page.textContent('#mode-note')).toBe('Nothing is charged now: the card is saved for later payments.');
      expect(await axeViolations(page)).toEqual([]);
      await fillCard(page, '4242 4242 4242 4242');
      await Promise.all([page.waitForURL(`${siteUrl}/pledged`), page.click('#submit')]);
      const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
      expect(done.setup_intent).toMatchObject({ status: 'succeeded', customer: done.customer });
    } finally {
      await page.close();
    }
  });

  it('answers an unknown portal link with a 404 page', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${sandbox.url}/p/session/nosuchtoken`);
      expect(response?.status()).toBe(404);
      expect(await page.textContent('h1')).toBe('Link not found');
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
