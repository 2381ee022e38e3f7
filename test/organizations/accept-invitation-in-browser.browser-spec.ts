import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import {
  axeViolations, baseUrlOf, contrastFailures, createOrganizationWithOwner, createTestEnvironment, launchBrowser, ReceivedMail, signUpUser, SmtpSink, startSmtpSink,
  startTestApi, startTestWorker, TEST_PASSWORD, TestEnvironment, TestOrganization, uniqueEmail,
} from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * An invitee in headless Chromium: the worker e-mails the invitation to an SMTP sink, the browser
 * opens the link from that e-mail, fills the accept page's form and reads the confirmation; the
 * membership is then checked through the API. The page's fields are labelled and its text meets
 * WCAG AA contrast, axe-core finds no WCAG 2.2 AA violation, in English and in Arabic (right to left).
 */
describe('accepting an invitation in a real browser', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let apiUrl: string;
  let sink: SmtpSink;
  let worker: INestApplicationContext;
  let browser: Browser;
  let org: TestOrganization;
  const http = () => request(apiUrl);

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    api = await startTestApi(env.config, { listen: true });
    apiUrl = await baseUrlOf(api);
    // The worker builds the e-mail's link from PUBLIC_BASE_URL: here, the listening API.
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, MAIL_FROM: 'Ataa <team@ataa.test>', PUBLIC_BASE_URL: apiUrl }));
    org = await createOrganizationWithOwner(api, { name: 'Amal Relief — جمعية الأمل' });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await api?.close();
    await sink?.close();
    await env?.cleanup();
  }, 60_000);

  async function invitationLink(email: string, role: string, language?: 'ar'): Promise<string> {
    await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set('authorization', `Bearer ${org.ownerToken}`)
      .send({ email, role, ...(language ? { language } : {}) }).expect(201);
    let mail: ReceivedMail | undefined;
    for (let i = 0; i < 300 && !mail; i++) {
      mail = sink.messages.find((m) => m.envelope.to.includes(email));
      if (!mail) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!mail) throw new Error(`no invitation e-mail reached ${email}`);
    const link = /https?:\/\/\S+\/invitations\/accept\?token=[A-Za-z0-9_-]+/.exec(mail.parsed.text ?? '')?.[0];
    if (!link) throw new Error('no accept link in the e-mail');
    return link;
  }

  async function expectAccessible(page: Page): Promise<void> {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('form input, form textarea, form select')]
        .filter((el) => el.type !== 'hidden')
        .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        .map((el) => el.id || el.name));
    expect(unlabelled).toEqual([]);
    const failures = await page.evaluate(contrastFailures);
    expect(failures.checked).toBeGreaterThanOrEqual(5);
    expect(failures.out).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
  }

  async function roleIn(email: string): Promise<string | undefined> {
    const login = await http().post('/api/v1/auth/login').send({ email, password: TEST_PASSWORD }).expect(200);
    const orgs = await http().get('/api/v1/orgs').set('authorization', `Bearer ${login.body.accessToken}`).expect(200);
    return (orgs.body as { id: string; role: string }[]).find((o) => o.id === org.orgId)?.role;
  }

  it('a new invitee opens the e-mailed link, creates an account on the page and joins', async () => {
    const email = uniqueEmail('browser-invitee');
    const link = await invitationLink(email, 'admin');
    expect(new URL(link).origin).toBe(apiUrl);

    const page = await browser.newPage();
    await page.goto(link);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Join Amal Relief — جمعية الأمل');
    expect(await page.getByTestId('role').textContent()).toBe('Admin — manages campaigns');
    await expectAccessible(page);
    // Nothing on the page runs a script (the CSP allows only the site's own files, and none is used).
    expect(await page.locator('script').count()).toBe(0);

    expect(await page.getByLabel('E-mail').inputValue()).toBe(email);
    await page.getByLabel('Your name').fill('Salma');
    await page.getByLabel('Password (at least 12 characters)').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create account and accept' }).click();
    await page.waitForURL((url) => url.pathname === '/invitations/accept' && !url.search);
    expect(await page.getByTestId('accepted').textContent()).toBe('You are now an admin of Amal Relief — جمعية الأمل.');
    expect(await page.getByRole('link', { name: 'API documentation' }).getAttribute('href')).toBe('/docs');
    await expectAccessible(page);
    await page.close();

    expect(await roleIn(email)).toBe('admin');
  });

  it('an existing user invited in Arabic signs in on a right-to-left page; a wrong password first shows an error', async () => {
    const user = await signUpUser(api);
    const link = await invitationLink(user.email, 'finance', 'ar');

    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(link);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    expect(await page.getByTestId('organization').textContent()).toBe('Amal Relief — جمعية الأمل');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expectAccessible(page);

    await page.getByLabel('كلمة المرور').fill('not the right password');
    await page.getByRole('button', { name: 'سجّل الدخول واقبل الدعوة' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('البريد الإلكتروني أو كلمة المرور غير صحيحة.');
    await expectAccessible(page);

    await page.getByLabel('كلمة المرور').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'سجّل الدخول واقبل الدعوة' }).click();
    await page.getByTestId('accepted').waitFor();
    expect(await page.getByTestId('accepted').getAttribute('data-role')).toBe('finance');
    expect(await page.getByTestId('accepted').textContent()).toContain('Amal Relief — جمعية الأمل');
    await expectAccessible(page);
    await page.close();

    expect(await roleIn(user.email)).toBe('finance');

    // The same link again: the invitation was used.
    const again = await browser.newPage();
    const response = await again.goto(link);
    expect(response?.status()).toBe(409);
    expect(await again.getByTestId('unavailable').getAttribute('data-reason')).toBe('accepted');
    await expectAccessible(again);
    await again.close();
  });
});
