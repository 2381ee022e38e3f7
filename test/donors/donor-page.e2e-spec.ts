import { jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DonorPageService, SIGN_IN_MAIL_SUBJECTS } from '@ataa/donors';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';
import { inspectPdf } from '../notifications/pdf-inspect.js';

jest.setTimeout(180_000);

/**
 * The donor page end to end: gifts paid through Checkout on the sandbox; a donor asks for a
 * sign-in link on /donor, the worker e-mails it over real SMTP, the link's button starts a session
 * (signed cookie on /donor), and the page shows that address's gifts only, receipts again, a
 * statement PDF and the data export. Links work once, for 15 minutes; requests are limited per
 * e-mail address and per client address (the test configuration trusts X-Forwarded-For from
 * loopback, so each test speaks from its own address).
 */
describe('donor page (API, worker, sandbox, SMTP, PostgreSQL, Redis)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let campaignA: { id: string; slug: string };
  let campaignB: { id: string; slug: string };
  const gifts: Record<string, string> = {};
  const year = String(new Date().getUTCFullYear());

  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const signInMails = (email: string) => mailsTo(email).filter((m) => m.parsed.subject === SIGN_IN_MAIL_SUBJECTS.en || m.parsed.subject === SIGN_IN_MAIL_SUBJECTS.ar);
  const pay = async (slug: string, fields: Record<string, string>) => {
    const gift = await startGift(world, slug, fields);
    await world.sandbox.control.paySession(gift.sessionId);
    await settle(world);
    return gift.donationId;
  };

  /** Opens /donor like a browser (cookies kept) from client address `ip` and asks for a link. */
  async function ask(email: string, ip: string, lang = 'en') {
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(`/donor?lang=${lang}`).set('x-forwarded-for', ip).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    return agent.post('/donor/sign-in-link').set('x-forwarded-for', ip).type('form').send({ _csrf: csrf, email, lang });
  }

  /** The newest sign-in link e-mailed to `email` after `seen` earlier ones. */
  async function linkIn(email: string, seen = 0): Promise<string> {
    const mail = await eventually(async () => signInMails(email)[seen], `sign-in mail ${seen + 1} to ${email}`, 45_000);
    return /(http:\/\/\S+\/donor\/sign-in\?token=\S+)/.exec(mail.parsed.text ?? '')![1];
  }

  /** Opens the link's page and presses its button with a fresh browser; answers the agent (holding the session cookie if any). */
  async function openAndSignIn(link: string) {
    const agent = request.agent(world.apiUrl);
    const url = new URL(link);
    const page = await agent.get(`${url.pathname}${url.search}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const signIn = await agent.post('/donor/sign-in').type('form').send({ _csrf: csrf, token: url.searchParams.get('token') ?? '' });
    return { agent, page, signIn };
  }

  /** The donor page's CSRF token (from the page itself). */
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: {
      SMTP_URL: sink.url, MAIL_FROM: 'Ataa <no-reply@ataa.test>', DONOR_SIGN_IN_LINKS_PER_EMAIL: '3', DONOR_SIGN_IN_LINKS_PER_ADDRESS: '3',
    } });
    const orgA = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    const orgB = await createOrganizationWithOwner(world.api, { name: 'Other Org' });
    campaignA = await createCampaign(world.api, orgA, { title: 'Clean water', allowAnonymous: true });
    campaignB = await createCampaign(world.api, orgB, { title: 'School books' });
    gifts.laylaA = await pay(campaignA.slug, { amount: 'other', customAmount: '50', donorName: 'Layla Haddad', donorEmail: 'Layla@Example.org' });
    gifts.laylaA2 = await pay(campaignA.slug, { amount: 'other', customAmount: '20', donorName: 'Layla H.', donorEmail: 'layla@example.org', anonymous: 'on' });
    gifts.omarA = await pay(campaignA.slug, { amount: 'other', customAmount: '75', donorName: 'Omar', donorEmail: 'omar@example.org' });
    gifts.laylaB = await pay(campaignB.slug, { amount: 'other', customAmount: '10', donorName: 'Layla', donorEmail: 'layla@example.org' });
    // Org B refunds 4.00 of Layla's 10.00: the gift is partly refunded and counts for 6.00.
    await request(world.apiUrl).post(`/api/v1/orgs/${orgB.orgId}/donations/${gifts.laylaB}/refunds`).set('authorization', `Bearer ${orgB.ownerToken}`).send({ amount: '400' }).expect(201);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT status FROM donations WHERE id = $1`, [gifts.laylaB]))[0].status === 'partially_refunded', 'the refund settled', 45_000);
    await eventually(async () => {
      const rows = await world.db.query(`SELECT status FROM receipts WHERE kind = 'donation_receipt'`);
      return rows.length === 4 && rows.every((r: { status: string }) => r.status === 'sent');
    }, 'the four receipts sent', 45_000);
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('answers the same for an address with gifts and one without, and e-mails both the same kind of link', async () => {
    const known = await ask('LAYLA@example.org', '198.51.100.1');
    const unknown = await ask('nobody-here@example.org', '198.51.100.2');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const sent = (text: string) => /<p class="notice" role="status" data-testid="donor-link-requested">([^<]*)<\/p>/.exec(text)?.[1];
    expect(sent(known.text)).toBe('If there are gifts with this e-mail address, we have sent it a link to see them.');
    expect(sent(unknown.text)).toBe(sent(known.text));
    // both addresses get a mail that differs only by its link and expiry time
    const [knownLink, unknownLink] = [await linkIn('layla@example.org'), await linkIn('nobody-here@example.org')];
    const shape = (email: string, link: string) => {
      // the sign-in mail itself: Layla's refund notice may still arrive after it
      const mail = signInMails(email).at(-1)!;
      return { subject: mail.parsed.subject, text: (mail.parsed.text ?? '').replace(link, 'LINK').replace(/expires at .*? UTC/, 'expires at T') };
    };
    expect(shape('nobody-here@example.org', unknownLink)).toEqual(shape('layla@example.org', knownLink));
    // the unknown address signs in to an empty page
    const { agent, signIn } = await openAndSignIn(unknownLink);
    expect(signIn.status).toBe(303);
    const page = await agent.get('/donor').expect(200);
    expect(page.text).toContain('data-testid="no-gifts"');
  });

  it('signs in with the e-mailed link once: a signed, HttpOnly, SameSite cookie on /donor; the page lists that address\'s gifts only', async () => {
    const before = signInMails('layla@example.org').length;
    expect((await ask('layla@example.org', '198.51.100.3')).status).toBe(200);
    const link = await linkIn('layla@example.org', before);
    const { agent, page, signIn } = await openAndSignIn(link);
    // opening the link uses nothing (mail scanners open links): the button does
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="donor-email">layla@example.org<');
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/donor?lang=en');
    const cookie = (signIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ataa_donor='))!;
    expect(cookie).toMatch(/^ataa_donor=l1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; Path=\/donor; Max-Age=(1[0-7]\d\d|1800); HttpOnly; SameSite=Strict$/);

    const home = await agent.get('/donor').expect(200);
    expect(home.headers['cache-control']).toBe('no-store');
    const listed = [...home.text.matchAll(/data-gift-id="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([gifts.laylaA, gifts.laylaA2, gifts.laylaB].sort());
    expect(home.text).not.toContain(gifts.omarA);
    expect(home.text).not.toContain('Omar');
    expect(home.text).toContain('$50.00');
    expect(home.text).toContain('Hands &amp; Hearts');
    expect(home.text).toContain('Other Org');
    expect(home.text).toContain('Anonymous'); // the second gift was anonymous
    // the refunded gift: its status, and 10.00 paid counting for 6.00
    const refunded = new RegExp(`data-gift-id="${gifts.laylaB}" data-status="partially_refunded">[\\s\\S]*?</li>`).exec(home.text)![0];
    expect(refunded).toContain('Partly refunded');
    expect(refunded).toContain('<bdi data-testid="gift-amount">$10.00</bdi> → <bdi>$6.00</bdi>');
    // each gift links to its leaf in its campaign's ledger and to its inclusion proof
    const leaf = (await world.db.query(`SELECT public_leaf_index::text AS idx FROM donations WHERE id = $1`, [gifts.laylaA]))[0].idx;
    const decoded = home.text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    expect(decoded).toContain(`href="/c/${campaignA.slug}/proof/inclusion?index=${leaf}" data-testid="verify-link"`);
    expect(decoded).toMatch(new RegExp(`href="/c/${campaignA.slug}/ledger\\?month=\\d{4}-\\d{2}&order=asc" data-testid="leaf-link"`));

    // the receipt again: the same PDF as e-mailed, marked as a copy; another donor's gift is not found
    const receipt = await agent.get(`/donor/gifts/${gifts.laylaA}/receipt.pdf`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(receipt.headers['content-type']).toBe('application/pdf');
    const number = (await world.db.query(`SELECT receipt_number FROM receipts WHERE donation_id = $1`, [gifts.laylaA]))[0].receipt_number;
    expect(receipt.headers['content-disposition']).toBe(`attachment; filename="ataa-receipt-${number}-copy.pdf"`);
    const text = inspectPdf(receipt.body as Buffer).texts.join(' ');
    expect(text).toContain(number);
    expect(text).toContain('Clean water');
    expect(text).toContain('$50.00');
    const proof = await agent.get(`/donor/gifts/${gifts.laylaA}/receipt-proof.json`).expect(200);
    expect(JSON.parse(proof.text)).toMatchObject({ format: 'ataa-receipt-proof', leafIndex: Number(leaf) });
    await agent.get(`/donor/gifts/${gifts.omarA}/receipt.pdf`).expect(404);
    await agent.get(`/donor/gifts/${gifts.omarA}/receipt-proof.json`).expect(404);
    await agent.get(`/donor/gifts/not-a-uuid/receipt.pdf`).expect(404);

    // the JSON of the session
    const json = await agent.get('/donor/gifts.json').expect(200);
    const body = JSON.parse(json.text);
    expect(body.email).toBe('layla@example.org');
    expect(body.gifts.map((g: { id: string }) => g.id).sort()).toEqual([gifts.laylaA, gifts.laylaA2, gifts.laylaB].sort());
    expect(body.gifts.find((g: { id: string }) => g.id === gifts.laylaA)).toMatchObject({ amount: '5000', currency: 'usd', status: 'succeeded', anonymous: false, receiptNumber: number, publicLedger: { index: leaf } });
    expect(body.gifts.find((g: { id: string }) => g.id === gifts.laylaB)).toMatchObject({ amount: '1000', netAmount: '600', status: 'partially_refunded' });
    // A campaign without designations: no designation, no payout drew from the gift yet.
    expect(body.gifts.find((g: { id: string }) => g.id === gifts.laylaA)).toMatchObject({ designation: null, drawnInto: [] });
    expect(body).toMatchObject({ recurringGifts: [], pledges: [] });

    // the link worked once
    const again = await openAndSignIn(link);
    expect(again.page.status).toBe(410);
    expect(again.page.text).toContain('data-reason="link_used"');
    expect(again.signIn.status).toBe(410);
    expect(again.signIn.headers['set-cookie']?.toString() ?? '').not.toContain('ataa_donor=l1');

    // the data export, through the session (CSRF-protected), audited without the address
    const exported = await agent.post('/donor/export').type('form').send({ _csrf: csrfOf(home.text) }).expect(200);
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="ataa-data-export-\d{4}-\d{2}-\d{2}\.json"$/);
    const doc = JSON.parse(exported.text);
    expect(doc.subject).toEqual({ email: 'layla@example.org' });
    expect(doc.donations.map((d: { id: string }) => d.id).sort()).toEqual([gifts.laylaA, gifts.laylaA2, gifts.laylaB].sort());
    expect(exported.text).not.toContain('omar@example.org');
    const [audit] = await world.db.query(`SELECT actor, target_type, details FROM audit_log WHERE action = 'privacy.data_exported' AND target_type = 'donor_session'`);
    expect(audit).toMatchObject({ actor: 'donor', details: { donations: 3, via: 'donor_page' } });
    expect(JSON.stringify(audit)).not.toContain('layla');
    await agent.post('/donor/export').type('form').send({ _csrf: 'forged' }).expect(403);

    // sign-out ends the session on the server: the old cookie opens nothing any more
    const signedOut = await agent.post('/donor/sign-out').type('form').send({ _csrf: csrfOf(home.text) }).expect(200);
    expect(signedOut.text).toContain('You are signed out.');
    expect(signedOut.headers['set-cookie']?.toString()).toContain('ataa_donor=; Path=/donor; Max-Age=0');
    const stolen = cookie.split(';')[0];
    const after = await request(world.apiUrl).get('/donor').set('cookie', stolen).expect(200);
    expect(after.text).not.toContain('data-gift-id');
    expect(after.text).toContain('Your session ended.');
    const problem = await request(world.apiUrl).get('/donor/gifts.json').set('cookie', stolen).expect(401);
    expect(problem.body.code).toBe('donor_session_required');
    await request(world.apiUrl).get(`/donor/gifts/${gifts.laylaA}/receipt.pdf`).set('cookie', stolen).expect(303);
  });

  it('a link for one address never shows another\'s gifts, and a forged cookie or link opens nothing', async () => {
    const before = signInMails('omar@example.org').length;
    expect((await ask('omar@example.org', '198.51.100.4')).status).toBe(200);
    const link = await linkIn('omar@example.org', before);
    const { agent } = await openAndSignIn(link);
    const home = await agent.get('/donor').expect(200);
    expect([...home.text.matchAll(/data-gift-id="([^"]+)"/g)].map((m) => m[1])).toEqual([gifts.omarA]);
    expect(home.text).not.toContain('layla');
    for (const id of [gifts.laylaA, gifts.laylaA2, gifts.laylaB]) await agent.get(`/donor/gifts/${id}/receipt.pdf`).expect(404);

    // the link's token is not a session cookie (another purpose), a changed subject breaks the signature
    const token = new URL(link).searchParams.get('token')!;
    const asCookie = await request(world.apiUrl).get('/donor').set('cookie', `ataa_donor=${token}`).expect(200);
    expect(asCookie.text).not.toContain('data-gift-id');
    const [v, body, sig] = token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), s: randomUUID() })).toString('base64url');
    for (const forged of [`${v}.${forgedBody}.${sig}`, `${v}.${body}.${randomBytes(32).toString('base64url')}`, 'l1.x.y', '']) {
      const res = await openAndSignIn(`${world.apiUrl}/donor/sign-in?token=${encodeURIComponent(forged)}`);
      expect(res.page.status).toBe(404);
      expect(res.signIn.status).toBe(404);
      expect(res.signIn.text).toContain('data-reason="link_invalid"');
    }
  });

  it('a link expires 15 minutes after it was asked for', async () => {
    const [row] = await world.db.query(`SELECT extract(epoch FROM expires_at - requested_at)::int AS ttl FROM donor_sign_in_links ORDER BY requested_at DESC LIMIT 1`);
    expect(row.ttl).toBe(900);
    // the database refuses a longer link
    await expect(world.db.query(`INSERT INTO donor_sign_in_links (id, email, nonce, requested_at, expires_at) VALUES ($1, 'x@example.org', $2, now(), now() + interval '16 minutes')`, [randomUUID(), randomBytes(16).toString('hex')])).rejects.toThrow(/check constraint/);

    // links asked 15 minutes and 1 second ago, and 14 minutes ago, signed with the real key
    const donors = world.api.get(DonorPageService);
    const link = async (ageSeconds: number) => {
      const id = randomUUID();
      const nonce = randomBytes(16).toString('hex');
      const requestedAt = new Date(Math.floor(Date.now() / 1000 - ageSeconds) * 1000);
      const expiresAt = new Date(requestedAt.getTime() + 900_000);
      await world.db.query(`INSERT INTO donor_sign_in_links (id, email, nonce, requested_at, expires_at) VALUES ($1, 'layla@example.org', $2, $3, $4)`, [id, nonce, requestedAt, expiresAt]);
      return donors.signInUrl(donors.linkToken({ id, nonce, expiresAt }));
    };
    const expired = await openAndSignIn(await link(901));
    expect(expired.page.status).toBe(410);
    expect(expired.signIn.status).toBe(410);
    expect(expired.signIn.text).toContain('data-reason="link_expired"');
    const fresh = await openAndSignIn(await link(840));
    expect(fresh.signIn.status).toBe(303);
  });

  it('limits link requests per e-mail address and per client address, before any work, with the same page for everyone', async () => {
    // per e-mail address (3 a window), from any client address, in any case
    expect((await ask('flood@example.org', '198.51.100.10')).status).toBe(200);
    expect((await ask('flood@example.org', '198.51.100.11')).status).toBe(200);
    expect((await ask('Flood@example.org', '198.51.100.13')).status).toBe(200);
    const fourth = await ask('FLOOD@example.org', '198.51.100.12');
    expect(fourth.status).toBe(429);
    expect(fourth.headers['retry-after']).toMatch(/^\d+$/);
    expect(fourth.text).toContain('role="alert"');
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM donor_sign_in_links WHERE email = 'flood@example.org'`);
    expect(n).toBe(3);
    // per client address (3 a window), whatever addresses it types
    const ip = '198.51.100.20';
    for (const email of ['a1@example.org', 'a2@example.org', 'a3@example.org']) expect((await ask(email, ip)).status).toBe(200);
    expect((await ask('a4@example.org', ip)).status).toBe(429);
    expect((await world.db.query(`SELECT count(*)::int AS n FROM donor_sign_in_links WHERE email = 'a4@example.org'`))[0].n).toBe(0);
    // bad input and a forged form change nothing
    expect((await ask('not-an-address', '198.51.100.21')).status).toBe(400);
    expect((await request(world.apiUrl).post('/donor/sign-in-link').set('x-forwarded-for', '198.51.100.22').type('form').send({ _csrf: 'forged', email: 'x@example.org' })).status).toBe(403);
  });

  it('draws a statement PDF for a calendar year, a fiscal year or chosen dates (en, ar), and refuses a range that ends before it starts', async () => {
    const before = signInMails('layla@example.org').length;
    expect((await ask('layla@example.org', '198.51.100.30', 'ar')).status).toBe(200);
    const { agent, signIn } = await openAndSignIn(await linkIn('layla@example.org', before));
    expect(signIn.headers.location).toBe('/donor?lang=ar');
    const home = await agent.get('/donor?lang=ar').expect(200);
    expect(home.text).toContain('<html lang="ar" dir="rtl">');
    const csrf = csrfOf(home.text);
    const pdf = (res: request.Response) => inspectPdf(res.body as Buffer).texts.join(' ');
    const binary = (req: request.Test) => req.buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

    const leaves = await world.db.query(`SELECT id, public_leaf_index::text AS idx FROM donations WHERE lower(donor_email) = 'layla@example.org'`);
    const calendar = await binary(agent.post('/donor/statement').type('form').send({ _csrf: csrf, lang: 'en', period: 'calendar', year })).expect(200);
    expect(calendar.headers['content-type']).toBe('application/pdf');
    expect(calendar.headers['content-disposition']).toBe(`attachment; filename="ataa-statement-${year}-01-01-to-${year}-12-31.pdf"`);
    const text = pdf(calendar);
    expect(text).toContain('Statement of gifts');
    expect(text).toContain('layla@example.org');
    for (const { idx } of leaves) expect(text).toContain(`/proof/inclusion?index=${idx}`);
    // usd: 50.00 + 20.00 (org A) + 10.00 (org B) = 80.00 in three gifts; 4.00 refunded by org B: net 76.00; no other currency
    expect(text).toContain('USD: 3 gifts: given $80.00, returned $4.00, net $76.00');
    expect(text).toContain('Partly refunded');
    expect(text).not.toContain('Omar');

    // a fiscal year that ended before any gift: no gifts
    const fiscal = await binary(agent.post('/donor/statement').type('form').send({ _csrf: csrf, lang: 'en', period: 'fiscal', startMonth: '4', year: String(Number(year) - 2) })).expect(200);
    expect(pdf(fiscal)).toContain('No gifts in this period.');
    // in Arabic, chosen dates
    const today = new Date().toISOString().slice(0, 10);
    const arabic = await binary(agent.post('/donor/statement').type('form').send({ _csrf: csrf, lang: 'ar', period: 'custom', from: `${year}-01-01`, to: today })).expect(200);
    expect(pdf(arabic)).toMatch(/[\u0600-\u06FF]/);
    expect(arabic.headers['content-disposition']).toContain('-ar.pdf');

    // an end before the start: a 400 form error, no PDF
    const reversed = await agent.post('/donor/statement').type('form').send({ _csrf: csrf, lang: 'en', period: 'custom', from: `${year}-03-10`, to: `${year}-03-09` }).expect(400);
    expect(reversed.headers['content-type']).toMatch(/text\/html/);
    expect(reversed.text).toContain('data-code="statement_range_reversed"');
    expect(reversed.text).toContain('The end date is before the start date.');
    // the same refusal as a problem document for a client asking for JSON
    const problem = await agent.post('/donor/statement').set('accept', 'application/json').type('form').send({ _csrf: csrf, period: 'custom', from: `${year}-03-10`, to: `${year}-03-09` }).expect(400);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem.body).toMatchObject({ code: 'statement_range_reversed', status: 400 });
    const badMonth = await agent.post('/donor/statement').type('form').send({ _csrf: csrf, period: 'fiscal', startMonth: '13' }).expect(400);
    expect(badMonth.text).toContain('data-code="statement_period_invalid"');
    await agent.post('/donor/statement').type('form').send({ period: 'calendar' }).expect(403);
    // without a session: back to the sign-in form
    await request(world.apiUrl).post('/donor/statement').type('form').send({ period: 'calendar' }).expect(303);
  });
});
