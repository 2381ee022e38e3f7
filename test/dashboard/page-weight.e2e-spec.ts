import { jest } from '@jest/globals';
import http from 'node:http';
import zlib from 'node:zlib';
import { startSmtpSink, type SmtpSink } from '@ataa/testing';
import { startDonationWorld, DonationWorld } from '../donations/donation-test-kit.js';
import { SHARE_LINK_HOSTS } from '../../apps/api/src/campaign-pages/campaign-share.js';
// The pages are weighed with the demo's data (weeks of gifts, a refund, a payout, two campaigns): what `npm start` shows.
// @ts-expect-error -- no type declarations for the script
import { DEMO, seedDemo } from '../../scripts/seed-demo.js';

jest.setTimeout(240_000);

/** What a first visit transfers, gzip accepted, images aside: the page and the styles and scripts it loads. */
const BUDGET_BYTES = 60 * 1024;
const IMAGE = /\.(?:png|jpe?g|gif|webp|avif|svg|ico)(?:[?#]|$)/i;

interface Transfer { status: number; bytes: number; text: string; headers: http.IncomingHttpHeaders; cookies: string[] }

/** One GET (or form POST) as a browser makes it, counting the bytes on the wire: status line, headers, body as sent. */
function transfer(base: string, path: string, options: { cookie?: string; form?: Record<string, string> } = {}): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
    const req = http.request(new URL(path, base), {
      method: body ? 'POST' : 'GET',
      headers: {
        'accept-encoding': 'gzip', accept: 'text/html,*/*',
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length
          + res.rawHeaders.reduce((sum, part) => sum + part.length + 2, 0) + 2; // "name: " and "value\r\n", then the blank line
        const decoded = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
        resolve({ status: res.statusCode!, bytes: headerBytes + raw.length, text: decoded.toString('utf8'), headers: res.headers, cookies: res.headers['set-cookie'] ?? [] });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The addresses a page or stylesheet makes the browser use: src/href/action/srcset attributes and CSS url(). */
function referencedUrls(text: string, css = false): string[] {
  const found: string[] = [];
  if (!css) {
    for (const m of text.matchAll(/\s(?:src|href|action|formaction|poster|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
      const value = (m[1] ?? m[2]).replace(/&amp;/g, '&');
      found.push(...(m[0].trimStart().toLowerCase().startsWith('srcset') ? value.split(',').map((s) => s.trim().split(/\s+/)[0]) : [value]));
    }
  }
  for (const m of text.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)/gi)) found.push(m[1] ?? m[2] ?? m[3]);
  return found.filter(Boolean);
}

/** The styles and scripts a page loads (what a first visit fetches with it). */
function subresources(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    if (/rel\s*=\s*["']?(?:stylesheet|preload|modulepreload|icon)/i.test(m[0])) {
      const href = /href\s*=\s*"([^"]*)"/i.exec(m[0])?.[1];
      if (href) out.add(href);
    }
  }
  for (const m of html.matchAll(/<script\b[^>]*\bsrc\s*=\s*"([^"]*)"/gi)) out.add(m[1]);
  for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) referencedUrls(m[1], true).forEach((u) => out.add(u));
  return [...out];
}

/**
 * Page weight: every dashboard page of the dashboard's flows, and the public campaign and ledger
 * pages, transfer less than 60 kB with gzip (images aside), are compressed, and reference no host
 * but the platform's own (no absolute http(s) address elsewhere in src/href/action or CSS url()).
 */
describe('page weight (gzip) and own-host references', () => {
  let smtp: SmtpSink;
  let world: DonationWorld;
  let demo: Record<string, string>;
  let cookie = '';
  const pages = new Map<string, string>();

  const keepCookies = (t: Transfer) => {
    const jar = new Map(cookie ? cookie.split('; ').map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)] as [string, string]) : []);
    for (const line of t.cookies) {
      const pair = line.split(';')[0];
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  };

  /** Loads a page and what it loads; answers the total bytes and every address referenced. */
  async function weigh(path: string, signedIn: boolean) {
    const page = await transfer(world.apiUrl, path, signedIn ? { cookie } : {});
    expect([path, page.status]).toEqual([path, 200]);
    expect([path, page.headers['content-type']]).toEqual([path, expect.stringMatching(/^text\/html/)]);
    expect([path, page.headers['content-encoding']]).toEqual([path, 'gzip']);
    let bytes = page.bytes;
    const references = referencedUrls(page.text);
    let stylesheets = 0;
    for (const resource of subresources(page.text)) {
      const url = new URL(resource, world.apiUrl + path);
      if (url.origin !== world.apiUrl || IMAGE.test(url.pathname)) continue;
      const loaded = await transfer(world.apiUrl, url.pathname + url.search, signedIn ? { cookie } : {});
      expect([resource, loaded.status]).toEqual([resource, 200]);
      bytes += loaded.bytes;
      if (/css/.test(String(loaded.headers['content-type']))) {
        stylesheets += 1;
        const inCss = referencedUrls(loaded.text, true);
        references.push(...inCss);
        for (const font of inCss.map((u) => new URL(u, url)).filter((u) => u.origin === world.apiUrl && !IMAGE.test(u.pathname))) {
          bytes += (await transfer(world.apiUrl, font.pathname)).bytes;
        }
      }
    }
    // The walk saw the page's own links and loaded its styles (the weight is not the HTML's alone).
    expect([path, references.length > 0, stylesheets > 0]).toEqual([path, true, true]);
    if (process.env.PAGE_WEIGHT_REPORT) process.stdout.write(`${path}: ${bytes} bytes, ${references.length} references\n`);
    return { bytes, references, html: page.text };
  }

  beforeAll(async () => {
    smtp = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: smtp.url } });
    const messages: string[] = [];
    demo = await seedDemo({
      apiBase: world.apiUrl, sandboxBase: world.sandbox.url, say: (m: string) => messages.push(m), operatorToken: world.config.OPERATOR_TOKEN,
      mailbox: async () => smtp.messages.map((m, i) => ({ id: String(i), to: m.envelope.to, text: m.parsed.text ?? '' })),
    });
    expect(demo).not.toBeNull();
    // Signed in through the form, as a person would.
    const form = await transfer(world.apiUrl, '/dashboard/sign-in');
    keepCookies(form);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    const signedIn = await transfer(world.apiUrl, '/dashboard/sign-in', { cookie, form: { _csrf: csrf, email: DEMO.email, password: DEMO.password } });
    expect(signedIn.status).toBe(303);
    keepCookies(signedIn);

    const org = `/dashboard/o/${demo.orgId}`;
    const campaigns = `${org}/campaigns`;
    const campaign = `${campaigns}/${demo.campaignId}`;
    const detail = await transfer(world.apiUrl, campaign, { cookie });
    // The confirmation page of a lifecycle move the campaign's page offers (the first one).
    const confirm = new RegExp(`href="(${campaign}/(?!edit")[a-z-]+)"`).exec(detail.text)?.[1];
    expect(confirm).toBeDefined();
    for (const [name, path] of [
      ['organizations', '/dashboard/organizations'], ['home', org], ['campaigns', campaigns], ['new campaign', `${campaigns}/new`],
      ['campaign', campaign], ['edit campaign', `${campaign}/edit`], ['confirm', confirm!],
    ] as const) pages.set(name, path);
  });
  afterAll(async () => {
    await world?.close();
    await smtp?.close();
  });

  it.each([
    ['sign-in', '/dashboard/sign-in'],
    ['sign-up', '/dashboard/sign-up'],
  ])('%s (signed out) is under 60 kB and references only the platform', async (_name, path) => {
    const { bytes, references } = await weigh(path, false);
    expect(bytes).toBeLessThan(BUDGET_BYTES);
    expectOwnHost(references);
  });

  it('every signed-in dashboard page is under 60 kB and references only the platform', async () => {
    const weights: Record<string, number> = {};
    for (const [name, path] of pages) {
      const { bytes, references, html } = await weigh(path, true);
      weights[name] = bytes;
      expectOwnHost(references);
      if (name === 'home') expect(html).toContain('data-testid="totals"'); // weighed with real figures, not an empty page
    }
    expect(Object.keys(weights)).toHaveLength(7);
    for (const [name, bytes] of Object.entries(weights)) expect([name, bytes < BUDGET_BYTES]).toEqual([name, true]);
  });

  it('the public campaign pages (English, Arabic) and the ledger page are under 60 kB and reference only the platform', async () => {
    for (const url of [demo.campaignUrl, demo.arabicCampaignUrl, demo.ledgerUrl]) {
      const path = new URL(url).pathname;
      const { bytes, references } = await weigh(path, false);
      expect([path, bytes < BUDGET_BYTES]).toEqual([path, true]);
      expectOwnHost(references);
    }
  });

  function expectOwnHost(references: string[]) {
    // The platform's hosts: the one answering here, and its public address (canonical and hreflang links name it).
    const own = [new URL(world.apiUrl).host, new URL(world.config.PUBLIC_BASE_URL).host];
    // The campaign page's share links (docs/sharing.md) lead to the networks when clicked; nothing is loaded from them.
    const shareLink = (ref: string) => /^https:\/\//i.test(ref) && SHARE_LINK_HOSTS.includes(new URL(ref).host);
    const elsewhere = references.filter((ref) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(ref) && !/^mailto:|^tel:/i.test(ref))
      .filter((ref) => !/^https?:\/\//i.test(ref) || !own.includes(new URL(ref).host)).filter((ref) => !shareLink(ref));
    expect(elsewhere).toEqual([]);
  }
});
