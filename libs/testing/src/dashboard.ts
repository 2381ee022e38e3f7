import type { Page } from 'playwright-core';
import * as path from 'node:path';
import request from 'supertest';
import { expect } from '@jest/globals';
import { axeViolations } from './axe.js';
import { UNEXPECTED_SCRIPTS } from './page-scripts.js';

/** A supertest agent keeping the dashboard's cookies (session, language, CSRF secret). */
export type DashboardAgent = ReturnType<typeof request.agent>;

/** The CSRF token a dashboard form carries. */
export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1];

/** Opens `formPath` (must answer 200) and posts `fields` with the page's CSRF token to `action`. */
export async function postDashboardForm(agent: DashboardAgent, formPath: string, action: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(formPath);
  expect([formPath, page.status]).toEqual([formPath, 200]);
  return agent.post(action).type('form').send({ _csrf: csrfOf(page.text), ...fields });
}

/** A signed-in dashboard agent (the sign-in form, as a person would). */
export async function signInToDashboard(base: Parameters<typeof request.agent>[0], email: string, password: string): Promise<DashboardAgent> {
  const agent = request.agent(base);
  const res = await postDashboardForm(agent, '/dashboard/sign-in', '/dashboard/sign-in', { email, password });
  expect([email, res.status]).toEqual([email, 303]);
  return agent;
}

/** Signs a browser page in through the sign-in form. */
export async function signInBrowserPage(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/dashboard/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
}

/**
 * What every dashboard page must be, checked in the browser: the page's language and direction, one h1,
 * no script but the optional enhancement scripts (ENHANCEMENT_SCRIPTS), no horizontal overflow (at the context's width, 390 px in the tests), zero axe-core
 * violations (WCAG 2.2 AA); then a full-page screenshot `<language>-<name>.png` in `screenshotsDir`.
 */
export async function checkDashboardPage(page: Page, language: 'en' | 'ar', name: string, screenshotsDir: string): Promise<void> {
  expect([name, await page.getAttribute('html', 'lang')]).toEqual([name, language]);
  expect([name, await page.getAttribute('html', 'dir')]).toEqual([name, language === 'ar' ? 'rtl' : 'ltr']);
  expect([name, await page.locator('h1').count()]).toEqual([name, 1]);
  expect([name, await page.locator(UNEXPECTED_SCRIPTS).count()]).toEqual([name, 0]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect([name, overflow]).toEqual([name, 0]);
  expect([name, await axeViolations(page)]).toEqual([name, []]);
  await page.screenshot({ path: path.join(screenshotsDir, `${language}-${name}.png`), fullPage: true });
}
