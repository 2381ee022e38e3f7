import { jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataExportService } from '@ataa/privacy';
import { addMember, createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * Data export end to end: gifts paid through Checkout on the sandbox, the donor asks on the public
 * page, the worker e-mails the signed link over real SMTP, the link's page downloads the JSON once.
 * And the organization's donor CSV, with tenant isolation.
 */
describe('data export (API, worker, sandbox, SMTP, PostgreSQL, Redis)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let orgA: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let orgB: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaignA: { id: string; slug: string };
  let campaignB: { id: string; slug: string };
  const gifts: Record<string, string> = {};

  const http = () => request(world.apiUrl);
  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const pay = async (slug: string, fields: Record<string, string>) => {
    const gift = await startGift(world, slug, fields);
    await world.sandbox.control.paySession(gift.sessionId);
    await settle(world);
    return gift.donationId;
  };

  /** Opens the form like a browser (cookies kept) and posts it. */
  async function ask(email: string, lang = 'en') {
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(`/privacy/export?lang=${lang}`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    return agent.post('/privacy/export').type('form').send({ _csrf: csrf, email, lang });
  }

  /** Opens the link's page, then presses its download button. */
  async function openAndDownload(link: string) {
    const agent = request.agent(world.apiUrl);
    const url = new URL(link);
    const page = await agent.get(`${url.pathname}${url.search}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const token = url.searchParams.get('token') ?? '';
    const download = await agent.post('/privacy/export/download').type('form').send({ _csrf: csrf, token });
    return { page, download };
  }

  const linkIn = async (email: string) => {
    const mail = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your data from Ataa' || m.parsed.subject === 'بياناتك لدى منصة عطاء'), `export mail to ${email}`, 45_000);
    return /(http:\/\/\S+\/privacy\/export\/download\?token=\S+)/.exec(mail.parsed.text ?? '')![1];
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa <no-reply@ataa.test>', DATA_EXPORT_REQUESTS_PER_EMAIL: '2' } });
    orgA = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    orgB = await createOrganizationWithOwner(world.api, { name: 'Other Org' });
    campaignA = await createCampaign(world.api, orgA, { title: 'Clean water', allowAnonymous: true });
    campaignB = await createCampaign(world.api, orgB, { title: 'School books' });
    gifts.laylaA = await pay(campaignA.slug, { amount: 'other', customAmount: '50', donorName: 'Layla Haddad', donorEmail: 'Layla@Example.org', publicMessage: 'For the well' });
    gifts.laylaA2 = await pay(campaignA.slug, { amount: 'other', customAmount: '20', donorName: 'Layla H.', donorEmail: 'layla@example.org', anonymous: 'on' });
    gifts.omarA = await pay(campaignA.slug, { amount: 'other', customAmount: '75', donorName: '=Omar', donorEmail: 'omar@example.org' });
    gifts.laylaB = await pay(campaignB.slug, { amount: 'other', customAmount: '10', donorName: 'Layla', donorEmail: 'layla@example.org' });
    // An offline gift orgA recorded with Layla's address, and an update e-mail listed for her first gift (issue 21 leftovers).
    const offline = await http().post(`/api/v1/orgs/${orgA.orgId}/campaigns/${campaignA.id}/offline-gifts`).set({ authorization: `Bearer ${orgA.ownerToken}` }).send({
      amount: '30', currency: 'usd', receivedOn: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), method: 'cash', reference: 'Cash book 7',
      donorName: 'Layla Haddad', donorEmail: 'LAYLA@example.org', message: 'Cash at the gala',
    }).expect(201);
    gifts.laylaOffline = offline.body.id;
    const [update] = await world.db.query(
      `INSERT INTO campaign_updates (id, organization_id, campaign_id, language, title, body_markdown, body_html, status, published_at, created_by)
       VALUES (gen_random_uuid(), $1, $2, 'en', 'The well is dug', 'Thank you', '<p>Thank you</p>', 'published', now(), 'user:test') RETURNING id`, [orgA.orgId, campaignA.id]);
    await world.db.query(`INSERT INTO campaign_update_deliveries (update_id, email_hash, donation_id, locale, batch, status, sent_at) VALUES ($1, repeat('c', 64), $2, 'en', 0, 'sent', now())`,
      [update.id, gifts.laylaA]);
    gifts.update = update.id;
    // the receipts went out (they are part of the export)
    await eventually(async () => {
      const rows = await world.db.query(`SELECT status FROM receipts WHERE kind = 'donation_receipt'`);
      return rows.length === 4 && rows.every((r: { status: string }) => r.status === 'sent');
    }, 'the four receipts sent', 45_000).catch(async (error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await world.db.query(`SELECT kind, status, last_error FROM outbox`))}`);
    });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('asks for the address on a page that answers the same for a known and an unknown address', async () => {
    const known = await ask('LAYLA@example.org');
    const unknown = await ask('nobody-here@example.org');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const sent = (text: string) => /<p class="notice" role="status" data-testid="export-requested">([^<]*)<\/p>/.exec(text)?.[1];
    expect(sent(known.text)).toBe('If we hold data about this address, we have sent it a link to download it.');
    expect(sent(unknown.text)).toBe(sent(known.text));
    // nothing is e-mailed to an address the platform holds nothing about
    await eventually(async () => (await world.db.query(`SELECT o.status FROM outbox o JOIN data_export_requests r ON r.id::text = o.aggregate_id WHERE r.email = 'nobody-here@example.org'`))[0]?.status === 'skipped', 'the unknown address skipped');
    expect(mailsTo('nobody-here@example.org')).toHaveLength(0);
  });

  it('e-mails a signed link; its download holds every gift of that address (any case, any organization) and nothing of another donor', async () => {
    const link = await linkIn('layla@example.org');
    const { page, download } = await openAndDownload(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('layla@example.org');
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toMatch(/^application\/json/);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="ataa-data-export-\d{4}-\d{2}-\d{2}\.json"$/);
    const doc = JSON.parse(download.text);
    expect(doc.format).toBe('ataa.donor-data-export/1');
    expect(doc.subject).toEqual({ email: 'layla@example.org' });
    expect(doc.donations.map((d: { id: string }) => d.id).sort()).toEqual([gifts.laylaA, gifts.laylaA2, gifts.laylaB].sort());
    const first = doc.donations.find((d: { id: string }) => d.id === gifts.laylaA);
    expect(first).toMatchObject({
      status: 'succeeded', currency: 'usd', amount: '5000', campaign: { id: campaignA.id, slug: campaignA.slug, organization: 'Hands & Hearts' },
      donor: { name: 'Layla Haddad', email: 'Layla@Example.org' }, publicMessage: 'For the well', anonymous: false,
    });
    expect(first.publicLedger.giftEntryIndex).toMatch(/^\d+$/);
    expect(first.publicLedger.entries.map((e: { index: string }) => e.index)).toContain(first.publicLedger.giftEntryIndex);
    expect(first.receipts[0]).toMatchObject({ kind: 'donation_receipt', number: expect.stringMatching(/^R-\d{4}-\d{6}$/), status: 'sent' });
    expect(doc.consents).toContainEqual({ donationId: gifts.laylaA2, givenAt: expect.any(String), showNameOnPublicWall: false, publishMessage: false });
    expect(doc.privacyRequests.length).toBeGreaterThanOrEqual(1);
    // The offline gift recorded with her address, and the update e-mail listed for her gift.
    expect(doc.offlineGifts).toEqual([expect.objectContaining({
      id: gifts.laylaOffline, amount: '3000', currency: 'usd', method: 'cash', donor: { name: 'Layla Haddad', email: 'layla@example.org' }, message: 'Cash at the gala',
      campaign: expect.objectContaining({ id: campaignA.id, organization: 'Hands & Hearts' }),
    })]);
    expect(doc.campaignUpdateDeliveries).toEqual([expect.objectContaining({ updateId: gifts.update, donationId: gifts.laylaA, title: 'The well is dug', status: 'sent' })]);
    // nothing of Omar (another donor of the same campaign)
    expect(download.text).not.toContain('omar@example.org');
    expect(download.text).not.toContain(gifts.omarA);
    expect(download.text).not.toContain('Omar');
    // the download is audited, without the address
    const [audit] = await world.db.query(`SELECT actor, target_type, details FROM audit_log WHERE action = 'privacy.data_exported'`);
    expect(audit).toMatchObject({ actor: 'donor', target_type: 'data_export_request', details: { donations: 3, offlineGifts: 1 } });
    expect(JSON.stringify(audit)).not.toContain('layla');

    // replayed: the link worked once
    const again = await openAndDownload(link);
    expect(again.page.status).toBe(410);
    expect(again.page.text).toContain('data-reason="link_used"');
    expect(again.download.status).toBe(410);
    expect(again.download.text).not.toContain('"donations"');
  });

  it('refuses forged and expired links, and a download without the form token', async () => {
    expect((await ask('omar@example.org')).status).toBe(200);
    const link = new URL(await linkIn('omar@example.org'));
    const token = link.searchParams.get('token')!;
    const [v, body, sig] = token.split('.');
    // another subject under the old signature; a signature made up; a token from another secret
    const forgedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), s: randomUUID() })).toString('base64url');
    for (const forged of [`${v}.${forgedBody}.${sig}`, `${v}.${body}.${randomBytes(32).toString('base64url')}`, 'l1.x.y', '']) {
      const res = await openAndDownload(`${world.apiUrl}/privacy/export/download?token=${encodeURIComponent(forged)}`);
      expect(res.page.status).toBe(404);
      expect(res.download.status).toBe(404);
      expect(res.download.text).toContain('data-reason="link_invalid"');
    }
    // a POST without the form's CSRF token does not use the link
    const bare = await http().post('/privacy/export/download').type('form').send({ _csrf: 'x', token });
    expect(bare.status).toBe(403);
    expect((await world.db.query(`SELECT used_at FROM data_export_requests WHERE id = $1`, [JSON.parse(Buffer.from(body, 'base64url').toString()).s]))[0].used_at).toBeNull();

    // expired: a request whose link expired a minute ago, signed with the real key
    const exports = world.api.get(DataExportService);
    const id = randomUUID();
    const nonce = randomBytes(16).toString('hex');
    const expiresAt = new Date(Math.floor(Date.now() / 1000 - 60) * 1000);
    await world.db.query(`INSERT INTO data_export_requests (id, email, nonce, requested_at, expires_at) VALUES ($1, 'layla@example.org', $2, $3, $4)`,
      [id, nonce, new Date(expiresAt.getTime() - 3_600_000), expiresAt]);
    const expired = await openAndDownload(exports.downloadUrl(exports.linkToken({ id, nonce, expiresAt })));
    expect(expired.page.status).toBe(410);
    expect(expired.download.status).toBe(410);
    expect(expired.download.text).toContain('data-reason="link_expired"');
  });

  it('limits requests per address (the same answer for everyone beyond it) and refuses a bad address or a forged form', async () => {
    expect((await ask('flood@example.org')).status).toBe(200);
    expect((await ask('flood@example.org')).status).toBe(200);
    const third = await ask('FLOOD@example.org');
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toMatch(/^\d+$/);
    expect(third.text).toContain('role="alert"');
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM data_export_requests WHERE email = 'flood@example.org'`);
    expect(n).toBe(2);
    expect((await ask('not-an-address')).status).toBe(400);
    expect((await http().post('/privacy/export').type('form').send({ _csrf: 'forged', email: 'x@example.org' })).status).toBe(403);
  });

  it('serves the form in Arabic, right to left', async () => {
    const res = await http().get('/privacy/export?lang=ar').expect(200);
    expect(res.text).toContain('<html lang="ar" dir="rtl">');
    expect(res.text).toContain('نزّل بياناتك');
  });

  it('exports an organization\'s donors as CSV: one row per address, totals per currency, checkout choices, formula guard; tenant isolation', async () => {
    const owner = { authorization: `Bearer ${orgA.ownerToken}` };
    const res = await http().get(`/api/v1/orgs/${orgA.orgId}/donors.csv`).set(owner).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.text.trimEnd().split('\n');
    expect(lines[0]).toBe('email,name,gifts,total_usd_minor,first_gift_at,last_gift_at,name_shown_publicly,named_gifts,public_messages');
    const byEmail = Object.fromEntries(lines.slice(1).map((l) => [l.split(',')[0].toLowerCase(), l.split(',')]));
    expect(Object.keys(byEmail).sort()).toEqual(['layla@example.org', 'omar@example.org']);
    // Layla: 50.00 + 20.00 usd in two gifts; the latest was anonymous; one named, one message
    expect(byEmail['layla@example.org'].slice(1, 4)).toEqual(['Layla H.', '2', '7000']);
    expect(byEmail['layla@example.org'].slice(6)).toEqual(['no', '1', '1']);
    expect(byEmail['omar@example.org'].slice(1, 4)).toEqual(["'=Omar", '1', '7500']);
    // Org B sees only its own donor (Layla's gift there), never org A's
    const b = await http().get(`/api/v1/orgs/${orgB.orgId}/donors.csv`).set({ authorization: `Bearer ${orgB.ownerToken}` }).expect(200);
    expect(b.text.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(/^layla@example\.org,Layla,1,1000,/)]);
    // per campaign; another organization's campaign is not found; an unknown one neither
    const one = await http().get(`/api/v1/orgs/${orgA.orgId}/donors.csv?campaignId=${campaignA.id}`).set(owner).expect(200);
    expect(one.text).toBe(res.text);
    await http().get(`/api/v1/orgs/${orgA.orgId}/donors.csv?campaignId=${campaignB.id}`).set(owner).expect(404);
    await http().get(`/api/v1/orgs/${orgA.orgId}/donors.csv?campaignId=not-a-uuid`).set(owner).expect(400);
    await http().get(`/api/v1/orgs/${orgB.orgId}/donors.csv`).set(owner).expect(404);
    // bulk donor data is for owners, admins and finance, not viewers
    const viewer = await addMember(world.api, orgA, 'viewer');
    await http().get(`/api/v1/orgs/${orgA.orgId}/donors.csv`).set({ authorization: `Bearer ${viewer}` }).expect(403);
    const finance = await addMember(world.api, orgA, 'finance');
    await http().get(`/api/v1/orgs/${orgA.orgId}/donors.csv`).set({ authorization: `Bearer ${finance}` }).expect(200);
    const [audit] = await world.db.query(`SELECT details FROM audit_log WHERE action = 'donors.exported' AND organization_id = $1 ORDER BY seq LIMIT 1`, [orgA.orgId]);
    expect(audit.details).toEqual({ rows: 2 });
  });
});
