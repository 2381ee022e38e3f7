import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';

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

/**
 * axe-core's minified browser bundle, read once; loaded only by the browser tests that use it. The same
 * code as `axe.source` (axe.js, 1.5 MB), a third of the size: Chromium parses it at every check.
 */
function source(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/**
 * The copies of pages whose JavaScript is off are made in one page per browser (in a context with
 * JavaScript on), reused from check to check: opening a context and a page for every check cost one to
 * two seconds of a busy CI machine, a hundred times and more per run. Checks of one browser take turns
 * in it; its route serves the page being checked. It closes with its browser.
 */
interface CopyPage { page: Page; current?: { address: string; html: string } }
const copyPages = new WeakMap<Browser, { copy: Promise<CopyPage>; turn: Promise<unknown> }>();

async function openCopyPage(browser: Browser): Promise<CopyPage> {
  const context: BrowserContext = await browser.newContext({ javaScriptEnabled: true });
  const copy: CopyPage = { page: await context.newPage() };
  await copy.page.route((url) => copy.current !== undefined && url.href.split('#')[0] === copy.current.address, (route) => route.fulfill({
    status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': "script-src 'none'" }, body: copy.current!.html,
  }));
  return copy;
}

/** Runs `check` in the browser's copy page, after the checks before it; a closed copy page is replaced. */
function inCopyPage<T>(browser: Browser, check: (copy: CopyPage) => Promise<T>): Promise<T> {
  let entry = copyPages.get(browser);
  if (!entry) {
    entry = { copy: openCopyPage(browser), turn: Promise.resolve() };
    copyPages.set(browser, entry);
  }
  const mine = entry;
  const result = mine.turn.then(async () => {
    let copy = await mine.copy;
    if (copy.page.isClosed()) {
      mine.copy = openCopyPage(browser);
      copy = await mine.copy;
    }
    try {
      return await check(copy);
    } finally {
      copy.current = undefined;
    }
  });
  mine.turn = result.catch(() => undefined);
  return result;
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
 * at the same viewport, in a page of the same browser where axe-core can run (see inCopyPage).
 */
export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<string[]> {
  if (!(await scriptingOff(page))) return runAxe(page, options);
  const browser = page.context().browser();
  if (!browser) throw new Error('axeViolations: a page with JavaScript off must belong to a browser context opened with browser.newContext()');
  const viewport = page.viewportSize();
  const address = page.url().split('#')[0];
  const html = await page.content();
  return inCopyPage(browser, async (copy) => {
    if (viewport) await copy.page.setViewportSize(viewport);
    copy.current = { address, html };
    await copy.page.goto(address);
    return runAxe(copy.page, options);
  });
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
  // `void 0` at the end: the bundle's completion value is not sent back to Node.
  if (!injected) await page.evaluate(`${source()}\n;void 0;`);
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
