import { jest } from '@jest/globals';
import request from 'supertest';
import { StripeGateway } from '@ataa/payments';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * Erasure end to end (issue 17): a gift through the form and the Stripe sandbox, its receipt by
 * SMTP, the donor's request on the privacy page, the confirmation link read from the e-mail, the
 * worker erasing; then the campaign page, the ledger page, CSV and JSON, a receipt re-send and the
 * verifier CLI show no trace of the name and the log still verifies. Forged and replayed links are
 * refused; the operator endpoint needs the operator token.
 */
describe('erasure of a donor (sandbox, API, worker, PostgreSQL, Redis, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  const NAME = 'Zaynab Qasimova';
  const MESSAGE = 'In memory of my grandmother';
  const EMAIL = 'zaynab.q@example.org';

  const http = () => request(world.apiUrl);
  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const operator = () => ({ authorization: `Bearer ${world.config.OPERATOR_TOKEN}` });
  /** A privacy page's form: its CSRF cookie (agent) and token. */
  const formOf = async (agent: ReturnType<typeof request.agent>, path: string) => {
    const page = await agent.get(path).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!csrf) throw new Error(`no CSRF token on ${path}`);
    return { page, csrf };
  };
  const codeOf = (html: string) => /data-code="([^"]+)"/.exec(html)?.[1];

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa <receipts@ataa.test>' } });
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('donate -> receipt -> erase by the e-mailed link: no trace of the name anywhere, the log still verifies', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'Clean water', currency: 'usd' });
    const gift = await startGift(world, campaign.slug, { amount: '40.00', donorName: NAME, donorEmail: EMAIL, publicMessage: MESSAGE });
    await world.sandbox.control.paySession(gift.sessionId);
    const other = await startGift(world, campaign.slug, { amount: '25.00', donorName: 'Omar Khalid', donorEmail: 'omar@example.org' });
    await world.sandbox.control.paySession(other.sessionId);
    await settle(world);
    const receipt = await eventually(async () => mailsTo(EMAIL).find((m) => /receipt/i.test(m.parsed.subject ?? '')), 'the receipt', 45_000);
    expect(receipt.parsed.text).toContain(NAME);
    const ledgerPath = `/c/${campaign.slug}/ledger`;
    expect((await http().get(ledgerPath).expect(200)).text).toContain(NAME);
    // Checkout made a Customer for the gift (customer_creation=always): the copy Stripe holds.
    const gateway = world.api.get(StripeGateway);
    const session = await gateway.retrieveCheckoutSession(gift.sessionId);
    const customerId = session.customer as string;
    expect(customerId).toMatch(/^cus_/);
    expect(await gateway.retrieveCustomer(customerId)).toMatchObject({ object: 'customer', email: EMAIL });

    // The request form answers the same for an address with gifts and one without.
    const agent = request.agent(world.apiUrl);
    const { page: form, csrf } = await formOf(agent, '/privacy/erase');
    expect(form.text).toContain('Erase my personal data');
    const unknown = await agent.post('/privacy/erase').type('form').send({ _csrf: csrf, email: 'nobody@example.org', lang: 'en' }).expect(200);
    const known = await agent.post('/privacy/erase').type('form').send({ _csrf: csrf, email: EMAIL.toUpperCase(), lang: 'en' }).expect(200);
    expect(known.text).toBe(unknown.text);
    expect(known.text).toContain('If we hold data for this address, we have sent a link to it.');
    // Without the form's CSRF token nothing is asked.
    const noCsrf = await request(world.apiUrl).post('/privacy/erase').type('form').send({ email: EMAIL }).expect(403);
    expect(codeOf(noCsrf.text)).toBe('csrf');

    const mail = await eventually(async () => mailsTo(EMAIL).find((m) => m.parsed.subject === 'Confirm the erasure of your personal data'), 'the erasure link', 45_000);
    expect(mailsTo('nobody@example.org')).toHaveLength(0);
    const link = /(https?:\/\/\S+\/privacy\/erase\/confirm\?token=\S+)/.exec(mail.parsed.text ?? '')?.[1];
    expect(link).toBeDefined();
    const path = new URL(link!).pathname + new URL(link!).search;
    const token = new URL(link!).searchParams.get('token')!;

    // A forged link (one character of the signature changed) is refused, and so is a made-up one.
    // (not the last character: its low bits may be padding that decodes to the same signature)
    const at = token.length - 5;
    const forgedToken = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    const forged = await http().get(`/privacy/erase/confirm?token=${encodeURIComponent(forgedToken)}`).expect(400);
    expect(codeOf(forged.text)).toBe('erasure_link_invalid');
    expect(codeOf((await http().get('/privacy/erase/confirm?token=abc').expect(400)).text)).toBe('erasure_link_invalid');

    // Opening the link erases nothing; confirming does (once).
    const confirmAgent = request.agent(world.apiUrl);
    const { csrf: confirmCsrf } = await formOf(confirmAgent, path);
    expect((await http().get(ledgerPath).expect(200)).text).toContain(NAME);
    const forgedPost = await confirmAgent.post('/privacy/erase/confirm').type('form').send({ _csrf: confirmCsrf, token: forgedToken, lang: 'en' }).expect(400);
    expect(codeOf(forgedPost.text)).toBe('erasure_link_invalid');
    const done = await confirmAgent.post('/privacy/erase/confirm').type('form').send({ _csrf: confirmCsrf, token, lang: 'en' }).expect(202);
    const requestId = /data-request="([^"]+)"/.exec(done.text)?.[1];
    // Replayed: the same link again, opened or posted.
    expect(codeOf((await http().get(path).expect(409)).text)).toBe('erasure_link_used');
    const replay = await confirmAgent.post('/privacy/erase/confirm').type('form').send({ _csrf: confirmCsrf, token, lang: 'en' }).expect(409);
    expect(codeOf(replay.text)).toBe('erasure_link_used');

    const finished = await eventually(async () => {
      const res = await http().get(`/operator/erasures/${requestId}`).set(operator()).expect(200);
      return res.body.state === 'completed' ? res.body : undefined;
    }, 'the erasure to complete', 45_000);
    expect(finished.donationIds).toEqual([gift.donationId]);

    // Stripe's copy: the Customer is deleted.
    expect(await gateway.retrieveCustomer(customerId)).toEqual({ id: customerId, object: 'customer', deleted: true });
    // The ledger page, CSV, JSON, JSON lines and campaign page: no name, no message; the other donor is still there.
    const pages = {
      ledger: (await http().get(ledgerPath).expect(200)).text,
      csv: (await http().get(`/c/${campaign.slug}/ledger.csv`).expect(200)).text,
      jsonLines: (await http().get(`/c/${campaign.slug}/ledger.ndjson`).buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      }).expect(200)).body as string,
      json: JSON.stringify((await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).expect(200)).body),
      campaign: (await http().get(`/c/${campaign.slug}`).expect(200)).text,
    };
    for (const [name, body] of Object.entries(pages)) {
      expect([name, body.includes(NAME) || body.includes('Zaynab') || body.includes(MESSAGE) || body.includes(EMAIL)]).toEqual([name, false]);
      expect([name, body.includes('Omar Khalid')]).toEqual([name, true]);
    }
    expect(pages.ledger.toLowerCase()).toContain('redacted');
    // The organization's own API: the gift keeps amount and Stripe ids, not the donor.
    const row = (await http().get(`/api/v1/orgs/${org.orgId}/donations/${gift.donationId}`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body;
    expect(row).toMatchObject({ donorName: null, donorEmail: null, publicMessage: null, amount: '4000' });
    expect(row.erasedAt).not.toBeNull();
    // Receipt re-send: refused, and nothing is mailed.
    const before = mailsTo(EMAIL).length;
    const resend = await http().post(`/api/v1/orgs/${org.orgId}/donations/${gift.donationId}/receipt/resend`).set('authorization', `Bearer ${org.ownerToken}`).expect(410);
    expect(resend.body.code).toBe('donor_data_erased');
    expect(mailsTo(EMAIL)).toHaveLength(before);
    // The verifier CLI: the log verifies, with no trace of the name.
    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect([code, out.at(-1)]).toEqual([0, expect.stringMatching(/^VERIFIED/)]);
    expect(out.join('\n')).not.toContain('Zaynab');
    // The audit log says who asked and which gift, never what was erased.
    const audit = (await http().get(`/api/v1/orgs/${org.orgId}/audit-log?action=donor.erased`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body.items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'donor', targetId: requestId, details: { requestedThrough: 'donor_link', donationIds: [gift.donationId] } });
    expect(JSON.stringify(audit)).not.toMatch(/Zaynab|zaynab|grandmother/);
    await expectLedgerSound(world.db);

    // The operator endpoint: refused without the operator token; with it, erases one gift.
    await http().post('/operator/erasures').send({ donationId: other.donationId }).expect(401);
    await http().post('/operator/erasures').set({ authorization: 'Bearer not-the-operator-token-at-all' }).send({ donationId: other.donationId }).expect(401);
    const bad = await http().post('/operator/erasures').set(operator()).send({}).expect(400);
    expect(bad.body.code).toBe('validation_failed');
    const byOperator = await http().post('/operator/erasures').set(operator()).send({ donationId: other.donationId }).expect(202);
    await eventually(async () => (await http().get(`/operator/erasures/${byOperator.body.id}`).set(operator()).expect(200)).body.state === 'completed', 'the operator erasure', 45_000);
    expect((await http().get(ledgerPath).expect(200)).text).not.toContain('Omar Khalid');
    out.length = 0;
    expect(await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
  });

  it('serves the request page in Arabic, right to left', async () => {
    const page = await http().get('/privacy/erase?lang=ar').expect(200);
    expect(page.text).toContain('dir="rtl"');
    expect(page.text).toContain('محو بياناتي الشخصية');
    expect(page.headers['cache-control']).toBe('no-store');
  });
});
