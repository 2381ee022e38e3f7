import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { TEXT_LIMITS } from '@ataa/common';
import { donationRow, DonationWorld, expectLedgerSound, settle, startDonationWorld, startGift, submitDonationForm } from '../donations/donation-test-kit.js';

/**
 * Issue 14, findings 1, 2, 3 and 9: whatever a donor or staff member types, the form and the API
 * either refuse it with a 4xx that changes nothing, or the gift it starts posts once it is paid.
 */
jest.setTimeout(90_000);

describe('donor text: accepted text always posts; refused text changes nothing', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  let kwd: { id: string; slug: string };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { allowAnonymous: true });
    kwd = await createCampaign(world.api, org, { currency: 'kwd', goal: '5000000', suggestedAmounts: ['10000'] });
  });
  afterAll(async () => world?.close());

  const count = async (table: string) => (await world.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  it.each([
    ['a 110-character name', { donorName: 'N'.repeat(110) }],
    ['60 emoji in the name', { donorName: '😀'.repeat(60) }],
    ['300 emoji in the message', { publicMessage: '🌊'.repeat(300) }],
    ['the longest name and message the form allows, in emoji', { donorName: '🤲'.repeat(TEXT_LIMITS.donorName), publicMessage: '💧'.repeat(TEXT_LIMITS.publicMessage) }],
    ['a decomposed name, stored as NFC', { donorName: 'Zoe\u0308 Cafe\u0301' }],
  ])('a paid gift with %s is posted, published and receipted', async (_what, fields) => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: '10.00', ...fields });
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    expect(row.status).toBe('succeeded');
    expect(row.public_leaf_index).not.toBeNull();
    const [entry] = await world.db.query(`SELECT donor_name, public_message FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaign.id, row.public_leaf_index]);
    if ('donorName' in fields) expect(entry.donor_name).toBe(fields.donorName.normalize('NFC'));
    if ('publicMessage' in fields) expect(entry.public_message).toBe(fields.publicMessage);
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE metadata->>'donation_id' = $1`, [donationId]);
    expect(n).toBeGreaterThan(0);
    const receipts = await world.db.query(`SELECT kind FROM outbox WHERE aggregate_id = $1 AND kind = 'donation_receipt'`, [donationId]);
    expect(receipts).toHaveLength(1);
    await expectLedgerSound(world.db);
  });

  it('a gift whose stored name and message hold what the policy refuses (written by older code) still posts, cleaned', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: '10.00' });
    // The columns allow 120 and 500 characters; older code let controls and a lone surrogate (stored as U+FFFD) through.
    await world.db.query(`UPDATE donations SET donor_name = $2, public_message = $3 WHERE id = $1`,
      [donationId, `${'N'.repeat(117)}\u0007\nX`, `line one\r\nline two\u0001${'m'.repeat(480)}`]);
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    expect(row.status).toBe('succeeded');
    const [entry] = await world.db.query(`SELECT donor_name, public_message FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaign.id, row.public_leaf_index]);
    expect(entry.donor_name).toBe(`${'N'.repeat(117)} X`);
    expect(entry.public_message).toBe(`line one\nline two${'m'.repeat(480)}`);
    await expectLedgerSound(world.db);
  });

  it.each([
    ['NUL in the name', { donorName: 'Ali\u0000' }],
    ['NUL in the message', { publicMessage: 'hi\u0000there' }],
    ['a bell in the name', { donorName: 'Ali\u0007' }],
    ['a newline in the name', { donorName: 'two\nlines' }],
    ['a name one code point too long', { donorName: '😀'.repeat(TEXT_LIMITS.donorName + 1) }],
    ['a message one code point too long', { publicMessage: 'm'.repeat(TEXT_LIMITS.publicMessage + 1) }],
    // (A lone surrogate cannot reach a form: browsers and URL encoding send U+FFFD instead.)
  ])('the form refuses %s with a 400 page naming the field, and starts nothing', async (_what, fields) => {
    const before = await count('donations');
    const res = await submitDonationForm(world, campaign.slug, { amount: '10.00', donorName: 'Ali', donorEmail: 'ali@example.org', ...fields });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toMatch(/Please check: .*(your name|the public message)/);
    expect(await count('donations')).toBe(before);
  });

  it('a lone surrogate or a NUL in a campaign title sent as JSON gets 400 validation_failed, and nothing changes', async () => {
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    const before = await count('campaigns');
    const auditBefore = await count('audit_log');
    for (const title of ['lone \ud800 surrogate', 'nul \u0000 title', 'trailing \udc00']) {
      // JSON.stringify writes a lone surrogate as the escape \ud800, as a client would send it.
      const res = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns`).set(auth).set('content-type', 'application/json')
        .send(JSON.stringify({ title, currency: 'usd', goal: '100000' }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    const update = await request(world.apiUrl).patch(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(auth).set('content-type', 'application/json')
      .send(JSON.stringify({ version: 1, summary: 'x\ud800' }));
    expect(update.status).toBe(400);
    // Any other string field too (here the login e-mail): refused before it reaches a column.
    const login = await request(world.apiUrl).post('/api/v1/auth/login').set('content-type', 'application/json').send(JSON.stringify({ email: 'a\ud800@example.org', password: 'x' }));
    expect(login.status).toBe(400);
    expect(await count('campaigns')).toBe(before);
    expect(await count('audit_log')).toBe(auditBefore);
  });

  it('in a three-decimal currency, "1,500" is refused as ambiguous and the page shows both readings; "1.500" is 1.500 KWD', async () => {
    const before = await count('donations');
    const res = await submitDonationForm(world, kwd.slug, { amount: 'other', customAmount: '1,500', donorEmail: 'kw@example.org' });
    expect(res.status).toBe(400);
    // both readings, as the page writes amounts (formatMoney: code, no-break space, the currency's three decimals)
    expect(res.text).toContain('KWD\u00a01.500');
    expect(res.text).toContain('KWD\u00a01,500.000');
    expect(await count('donations')).toBe(before);
    const { donationId } = await startGift(world, kwd.slug, { amount: 'other', customAmount: '1.500', donorEmail: 'kw@example.org' });
    expect((await donationRow(world.db, donationId)).amount).toBe('1500');
  });
});
