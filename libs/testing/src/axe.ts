import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The WCAG 2.2 AA rule set every page is held to (axe-core tags); best-practice rules are not run. */
export const AXE_WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

/** Which part of the page to check and which rules to leave out (each exception justified where it is used). */
export interface AxeOptions {
  /** An axe context: a selector, or { include, exclude } selector lists. The whole document when absent. */
  context?: string | { include?: string[][] | string[]; exclude?: string[][] | string[] };
  /** Rule ids not run on this page. */
  disableRules?: string[];
}

let axeSource: string | undefined;

/** axe-core's browser bundle (`axe.source`), read once; loaded only by the browser tests that use it. */
function source(): string {
  axeSource ??= (createRequire(import.meta.url)('axe-core') as { source: string }).source;
  return axeSource;
}

interface AxeResultNode { target: unknown[]; failureSummary?: string; html: string }
interface AxeResultViolation { id: string; impact: string | null; help: string; nodes: AxeResultNode[] }

/**
 * axe-core's WCAG 2.2 A/AA violations on the page as it is now, one readable line per offending
 * element: `rule (impact) at <target selector>: <what to fix> [<the element's opening HTML>]`.
 * An empty list means none.
 *
 * axe-core needs timers, which do not run in a page whose JavaScript is off (a context opened with
 * javaScriptEnabled: false). Such a page is checked as a copy: its DOM as it is now, served at the
 * same address (so its stylesheets load) with `script-src 'none'` (so none of its scripts run either),
 * in a fresh context of the same viewport where axe-core can run.
 */
export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<string[]> {
  if (!(await scriptingOff(page))) return runAxe(page, options);
  const browser = page.context().browser();
  if (!browser) throw new Error('axeViolations: a page with JavaScript off must belong to a browser context opened with browser.newContext()');
  const context = await browser.newContext({ viewport: page.viewportSize(), javaScriptEnabled: true });
  try {
    const copy = await context.newPage();
    const address = page.url().split('#')[0];
    const html = await page.content();
    await copy.route((url) => url.href.split('#')[0] === address, (route) => route.fulfill({
      status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': "script-src 'none'" }, body: html,
    }));
    await copy.goto(address);
    return await runAxe(copy, options);
  } finally {
    await context.close();
  }
}

/** True when the page's scripting is off: the HTML parser then builds <noscript>'s content as elements (HTML standard, "scripting flag"). */
function scriptingOff(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const probe = document.createElement('div');
    probe.innerHTML = '<noscript><i></i></noscript>';
    return probe.querySelector('noscript i') !== null;
  });
}

async function runAxe(page: Page, options: AxeOptions): Promise<string[]> {
  const injected = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!injected) await page.evaluate(source());
  const violations = await page.evaluate(async ({ tags, context, disableRules }) => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: object) => Promise<{ violations: AxeResultViolation[] }> } }).axe;
    const rules = Object.fromEntries(disableRules.map((id) => [id, { enabled: false }]));
    const result = await axe.run(context ?? document, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, html: n.html })) }));
  }, { tags: [...AXE_WCAG_TAGS], context: options.context ?? null, disableRules: options.disableRules ?? [] });
  return violations.flatMap((v) => v.nodes.map((n) => {
    const summary = (n.failureSummary ?? v.help).replace(/\s+/g, ' ').trim();
    return `${v.id} (${v.impact ?? 'unknown'}) at ${n.target.map(String).join(' >>> ')}: ${summary} [${n.html.replace(/\s+/g, ' ').slice(0, 120)}]`;
  }));
}

/** Fails, naming each rule and element, when axe-core finds a WCAG 2.2 A/AA violation on the page. */
export async function expectAccessibleByAxe(page: Page, options: AxeOptions = {}): Promise<void> {
  const found = await axeViolations(page, options);
  if (found.length > 0) {
    throw new Error(`axe-core: ${found.length} WCAG 2.2 AA violation(s) on ${page.url()}:\n  - ${found.join('\n  - ')}`);
  }
}
