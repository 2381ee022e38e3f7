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
 * The sandbox's hosted payment page in headless Chromium, as a donor uses it; axe-core checks it in
 * each state (fresh, card filled, declined, bank debit chosen). The stand-in site is not checked.
 */
describe('Stripe sandbox: hosted payment page', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;
  let browser: Browser;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    stripe = sandbox.stripe();
    // Stands in for the platform's thank-you and campaign pages.
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

  const createSession = () =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, product_data: { name: 'Clean water' } } }],
      success_url: `${siteUrl}/thanks?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${siteUrl}/campaign`,
      customer_email: 'donor@example.com',
    });

  const fillCard = async (page: import('playwright-core').Page, number: string) => {
    await page.fill('#card_number', number);
    await page.fill('#card_expiry', '12 / 34');
    await page.fill('#card_cvc', '123');
    await page.fill('#name', 'Mariam Test');
  };

  it('pays with the success card and redirects to success_url with the session id', async () => {
    const session = await createSession();
    const page = await browser.newPage();
    try {
      await page.goto(session.url!);
      expect(await page.textContent('[data-testid=amount]')).toBe('25.00 USD');
      expect(await page.inputValue('#email')).toBe('donor@example.com');
      expect(await axeViolations(page)).toEqual([]);
      await fillCard(page, '4242 4242 4242 4242');
      expect(await axeViolations(page)).toEqual([]);
      await Promise.all([page.waitForURL(`${siteUrl}/thanks?session_id=${session.id}`), page.click('#submit')]);
      expect(await page.textContent('#landed')).toBe(`/thanks?session_id=${session.id}`);
    } finally {
      await page.close();
    }
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    expect(paid).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const charge = (paid.payment_intent as Stripe.PaymentIntent).latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: 'succeeded', amount: 2_500, billing_details: { name: 'Mariam Test', email: 'donor@example.com' } });
  });

  it('shows the decline for the decline card and charges nothing', async () => {
    const session = await createSession();
    const txnsBefore = (await stripe.balanceTransactions.list({ limit: 100 })).data.length;
    const page = await browser.newPage();
    try {
      await page.goto(session.url!);
      await fillCard(page, '4000 0000 0000 0002');
      await Promise.all([page.waitForLoadState('load'), page.click('#submit')]);
      expect(await page.textContent('[role=alert]')).toBe('Your card was declined.');
      expect(page.url()).toBe(session.url);
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
    const after = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(after).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    const charges = await stripe.charges.list({ payment_intent: (after.payment_intent as Stripe.PaymentIntent).id });
    expect(charges.data.map((c) => [c.status, c.paid])).toEqual([['failed', false]]);
    expect((await stripe.balanceTransactions.list({ limit: 100 })).data.length).toBe(txnsBefore);
  });

  it('offers a bank debit that completes the session unpaid and settles a day later', async () => {
    const session = await createSession();
    const page = await browser.newPage();
    try {
      await page.goto(session.url!);
      await page.check('#method_bank');
      await page.fill('#account_number', '000123456789');
      expect(await axeViolations(page)).toEqual([]);
      await Promise.all([page.waitForURL(`${siteUrl}/thanks?session_id=${session.id}`), page.click('#submit')]);
    } finally {
      await page.close();
    }
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    await sandbox.control.advanceClock({ days: 1 });
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
  });

  it('goes back to cancel_url without paying', async () => {
    const session = await createSession();
    const page = await browser.newPage();
    try {
      await page.goto(session.url!);
      await Promise.all([page.waitForURL(`${siteUrl}/campaign`), page.click('#cancel')]);
    } finally {
      await page.close();
    }
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });
});
