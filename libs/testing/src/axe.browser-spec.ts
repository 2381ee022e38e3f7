import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, expectAccessibleByAxe } from './axe.js';
import { launchBrowser } from './browser.js';

const GOOD = `<!doctype html><html lang="en"><head><title>Fine</title></head><body><main><h1>Fine</h1>
  <form><label for="n">Name</label><input id="n" name="n"></form></main></body></html>`;
const BAD = `<!doctype html><html lang="en"><head><title>Faulty</title></head><body><main><h1>Faulty</h1>
  <p style="color:#bbbbbb;background:#ffffff" class="faint">faint text</p>
  <form><input id="unlabelled" name="n"></form></main></body></html>`;

/** The shared axe-core check itself: silent on a sound page, and names rule, impact and element on a faulty one. */
describe('axeViolations (headless Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    // Serves the faulty page with a script that would hide its unlabelled field from the check if it ran.
    const script = `<script>document.getElementById('unlabelled').setAttribute('aria-label', 'Name')</script>`;
    site = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BAD.replace('</main>', `</main>${script}`)));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/faulty?x=1`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    site?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
  });
  beforeEach(async () => {
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  it('finds nothing on a sound page', async () => {
    await page.setContent(GOOD);
    expect(await axeViolations(page)).toEqual([]);
    await expect(expectAccessibleByAxe(page)).resolves.toBeUndefined();
  });

  it('reports each violation with its rule, impact, element and what to fix, and fails the expectation', async () => {
    await page.setContent(BAD);
    const found = await axeViolations(page);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^color-contrast \(serious\) at p: .*insufficient color contrast of 1\.9.*\[<p [^\]]*class="faint">/),
      expect.stringMatching(/^label \(critical\) at #unlabelled: /),
    ]));
    await expect(expectAccessibleByAxe(page)).rejects.toThrow(/WCAG 2\.2 AA violation\(s\) on about:blank:\n  - color-contrast \(serious\) at p/);
  });

  it('checks only the given context and leaves out the rules named', async () => {
    await page.setContent(BAD);
    expect((await axeViolations(page, { context: 'form' })).map((v) => v.split(' ')[0])).toEqual(['label']);
    expect((await axeViolations(page, { disableRules: ['color-contrast', 'label'] }))).toEqual([]);
  });

  it('checks a page whose JavaScript is off as it is, without running its scripts', async () => {
    const scripted = await browser.newPage();
    await scripted.goto(siteUrl);
    expect((await axeViolations(scripted)).map((v) => v.split(' ')[0])).toEqual(['color-contrast']); // its script labelled the field
    await scripted.close();
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
    const noScript = await context.newPage();
    await noScript.goto(siteUrl);
    expect((await axeViolations(noScript)).map((v) => v.split(' ')[0]).sort()).toEqual(['color-contrast', 'label']);
    // The page's DOM as it is now, not a fresh load, is what is checked.
    await noScript.evaluate(() => document.querySelector('.faint')!.remove());
    expect((await axeViolations(noScript)).map((v) => v.split(' ')[0])).toEqual(['label']);
    await expect(expectAccessibleByAxe(noScript)).rejects.toThrow(`on ${siteUrl}:`);
    await context.close();
  });
});
