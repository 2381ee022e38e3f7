import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import {
  addMemberWithDetails, baseUrlOf, checkDashboardPage, createOrganizationWithOwner, createTestEnvironment, launchBrowser, signInBrowserPage, startTestApi, TestEnvironment,
} from '@ataa/testing';

jest.setTimeout(180_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-team');

/**
 * The Team section in a real browser, in English and Arabic, at 390 px wide: the members, an invitation
 * form with errors then sent, a removal's confirmation, API keys (a form with errors, the key shown once,
 * a revocation's confirmation), the audit log (filtered, and with a wrong date), and a viewer's view.
 * Every page: lang and dir, one h1, no script, no horizontal overflow, axe-core with zero violations, a screenshot.
 */
describe('dashboard team (headless Chromium; pages without any script)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);
  const submit = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  async function signedIn(email: string, password: string, language: 'en' | 'ar'): Promise<Page> {
    // JavaScript stays on only so that axe-core can run; every page is checked to carry no script at all.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, base, email, password);
    if (language === 'ar') await submit(page, '[data-testid=language-switch]');
    return page;
  }

  it.each(['en', 'ar'] as const)('%s: members, invitation, removal, API keys, audit log', async (language) => {
    const org = await createOrganizationWithOwner(api, { name: language === 'ar' ? 'جمعية الأمل' : 'Hope Relief' });
    const member = await addMemberWithDetails(api, org, 'finance');
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const team = `${base}/dashboard/o/${org.orgId}/team`;
    const page = await signedIn(org.ownerEmail, org.ownerPassword, language);

    await page.goto(`${base}/dashboard/o/${org.orgId}`);
    await submit(page, 'nav a[href$="/team"]');
    expect(page.url()).toBe(team);
    expect(await page.locator('[data-testid=members] tbody tr').count()).toBe(3);
    await check(page, language, 'team');

    // an invitation with a wrong address: field errors, the input kept; then sent
    await page.fill('#invite-email', language === 'ar' ? 'ليس-عنوانًا' : 'not-an-address');
    await page.check('#invite-role-admin');
    await submit(page, '[data-testid=invite]');
    expect(await page.locator('#invite-email-error').count()).toBe(1);
    expect(await page.inputValue('#invite-email')).toBe(language === 'ar' ? 'ليس-عنوانًا' : 'not-an-address');
    expect(await page.isChecked('#invite-role-admin')).toBe(true);
    await check(page, language, 'team-invite-errors');
    await page.fill('#invite-email', `invitee-${language}@example.org`);
    await submit(page, '[data-testid=invite]');
    expect(await page.locator('[data-testid=notice]').count()).toBe(1);
    expect(await page.locator('[data-testid=invitations] li').count()).toBe(1);
    await check(page, language, 'team-invited');

    // a role changed, a removal's confirmation
    await page.selectOption(`#role-${member.membershipId}`, 'admin');
    await submit(page, `tr[data-member="${member.membershipId}"] [data-testid=change-role]`);
    expect(await page.locator(`tr[data-member="${member.membershipId}"]`).getAttribute('data-role')).toBe('admin');
    await submit(page, `tr[data-member="${member.membershipId}"] [data-testid=remove]`);
    await check(page, language, 'team-remove-confirm');
    await submit(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=members] tbody tr').count()).toBe(2);

    // API keys: a form with errors, the key shown once, a revocation's confirmation
    await submit(page, '[data-testid=api-keys-link]');
    expect(await page.locator('[data-testid=no-keys]').count()).toBe(1);
    await check(page, language, 'team-api-keys-empty');
    await submit(page, '[data-testid=create-key]');
    expect(await page.locator('#key-name-error').count()).toBe(1);
    await check(page, language, 'team-api-key-errors');
    await page.fill('#key-name', language === 'ar' ? 'مزامنة الموقع' : 'Website sync');
    await page.check('#key-role-finance');
    await submit(page, '[data-testid=create-key]');
    const secret = await page.locator('[data-testid=api-key]').innerText();
    expect(secret).toMatch(/^ataa_key_/);
    await check(page, language, 'team-api-key-created');
    await submit(page, '[data-testid=done]');
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('[data-testid=api-keys] > li').count()).toBe(1);
    await check(page, language, 'team-api-keys');
    await submit(page, '[data-testid=revoke-key]');
    await check(page, language, 'team-api-key-revoke-confirm');
    await submit(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=key-revoked]').count()).toBe(1);

    // the audit log: everything above, then filtered, then a wrong date
    await page.goto(team);
    await submit(page, '[data-testid=audit-link]');
    expect(await page.locator('[data-testid=audit-entries] li[data-action="api_key.revoked"]').count()).toBe(1);
    await check(page, language, 'team-audit');
    await page.selectOption('#action', 'membership.role_changed');
    await submit(page, '[data-testid=filter]');
    expect(await page.locator('[data-testid=audit-entries] > li').count()).toBe(1);
    await check(page, language, 'team-audit-filtered');
    await page.goto(`${team}/audit?from=2025-02-30`);
    expect(await page.locator('#from-error').count()).toBe(1);
    await check(page, language, 'team-audit-errors');
    await page.context().close();

    // a viewer: the members, no button
    const viewerPage = await signedIn(viewer.email, viewer.password, language);
    await viewerPage.goto(team);
    expect(await viewerPage.locator('[data-testid=viewer-note]').count()).toBe(1);
    expect(await viewerPage.locator('[data-testid=change-role], [data-testid=remove], [data-testid=invite-form]').count()).toBe(0);
    await check(viewerPage, language, 'team-viewer');
    await viewerPage.goto(`${team}/api-keys`);
    expect(await viewerPage.locator('[data-testid=error-403]').count()).toBe(1);
    await viewerPage.context().close();
  });
});
