import request from 'supertest';
import { jest } from '@jest/globals';
import { addMember, createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { DonationWorld, settle, startDonationWorld, startGift, submitDonationForm } from '../donations/donation-test-kit.js';

/**
 * Moderation end to end: a visitor reports a donor-wall message from the campaign page, the
 * organization hides it (another organization cannot), the page shows the reason in its place and
 * the public log still verifies; the operator suspends a campaign (checkout refused, the page says
 * why) and lifts the suspension. Every action is in the audit log.
 */
jest.setTimeout(60_000);

type Json = Record<string, any>;
const MESSAGE = 'Call me on 555-0101, my home is 12 Palm Street';

describe('moderation (real sandbox, API, worker)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let other: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string; slug: string };
  let viewerToken: string;
  let entryIndex: number;
  const http = () => request(world.apiUrl);
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const operator = () => as(world.config.OPERATOR_TOKEN!);

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    other = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { title: 'Wells for Gaza villages' });
    otherCampaign = await createCampaign(world.api, other, { title: 'Another campaign' });
    viewerToken = await addMember(world.api, org, 'viewer');
    const { sessionId } = await startGift(world, campaign.slug, { publicMessage: MESSAGE });
    const second = await startGift(world, campaign.slug, { publicMessage: 'For the well', donorName: 'Omar', donorEmail: 'omar@example.org' });
    await world.sandbox.control.paySession(sessionId);
    await world.sandbox.control.paySession(second.sessionId);
    await settle(world);
    const ledger = await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200);
    entryIndex = ledger.body.entries.find((e: Json) => e.kind === 'donation' && e.message === MESSAGE).index;
  }, 120_000);
  afterAll(async () => world?.close());

  async function report(slug: string, fields: Record<string, string>, entry?: number): Promise<request.Response> {
    const agent = request.agent(world.apiUrl);
    const form = await agent.get(`/c/${slug}/flag${entry === undefined ? '' : `?entry=${entry}`}`).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
    return agent.post(`/c/${slug}/flag`).type('form').send({ _csrf: token ?? '', ...fields });
  }

  it('a visitor reports a message from the campaign page; bad reasons and forged forms change nothing', async () => {
    const page = await http().get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toContain(`href="/c/${campaign.slug}/flag?entry&#x3D;${entryIndex}"`); // Handlebars escapes '='
    expect(page.text).toContain(`href="/c/${campaign.slug}/flag"`);

    const bad = await report(campaign.slug, { target: 'message', entry: String(entryIndex), reason: 'because' }, entryIndex);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('role="alert"');
    const forged = await http().post(`/c/${campaign.slug}/flag`).type('form').send({ _csrf: 'x', target: 'message', entry: String(entryIndex), reason: 'spam' });
    expect(forged.status).toBe(403);
    expect((await report(campaign.slug, { target: 'message', entry: '99999', reason: 'spam' })).status).toBe(404);
    expect((await world.db.query(`SELECT count(*)::int AS n FROM moderation_reports`))[0].n).toBe(0);

    const sent = await report(campaign.slug, { target: 'message', entry: String(entryIndex), reason: 'personal_data', details: 'Their address is posted' }, entryIndex);
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('data-testid="report-sent"');
    expect((await report(campaign.slug, { target: 'campaign', reason: 'fraud' })).status).toBe(200);

    const listed = await http().get(`/api/v1/orgs/${org.orgId}/reports`).set(as(org.ownerToken)).expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ target: 'campaign', entryIndex: null, reason: 'fraud', status: 'open', campaignId: campaign.id }),
      expect.objectContaining({ target: 'message', entryIndex, reason: 'personal_data', details: 'Their address is posted', status: 'open', campaignSlug: campaign.slug }),
    ]);
    // Another organization sees none of them; the operator sees every open one.
    expect((await http().get(`/api/v1/orgs/${other.orgId}/reports`).set(as(other.ownerToken)).expect(200)).body.items).toEqual([]);
    expect((await http().get('/operator/reports').set(operator()).expect(200)).body.items).toHaveLength(2);
    await http().get('/operator/reports').expect(401);
    // The reporter's address is kept nowhere.
    const stored = JSON.stringify(await world.db.query(`SELECT * FROM moderation_reports`)) + JSON.stringify(await world.db.query(`SELECT details FROM audit_log WHERE action LIKE 'moderation.%'`));
    expect(stored).not.toMatch(/127\.0\.0\.1|::1|::ffff/);
  });

  it('another organization cannot hide the message or dismiss its report (404); a viewer may not (403)', async () => {
    await http().post(`/api/v1/orgs/${other.orgId}/campaigns/${campaign.id}/messages/${entryIndex}/hide`).set(as(other.ownerToken)).send({ reason: 'abuse' }).expect(404);
    // Another organization's campaign is a 404 whatever the body says.
    await http().post(`/api/v1/orgs/${other.orgId}/campaigns/${campaign.id}/messages/${entryIndex}/hide`).set(as(other.ownerToken)).send({ reason: 'nonsense' }).expect(404);
    const [open] = (await http().get(`/api/v1/orgs/${org.orgId}/reports`).set(as(org.ownerToken)).query({ status: 'open' }).expect(200)).body.items;
    await http().post(`/api/v1/orgs/${other.orgId}/reports/${open.id}/dismiss`).set(as(other.ownerToken)).expect(404);
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${entryIndex}/hide`).set(as(viewerToken)).send({ reason: 'abuse' }).expect(403);
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${otherCampaign.id}/messages/0/hide`).set(as(org.ownerToken)).send({ reason: 'abuse' }).expect(404);
    expect((await world.db.query(`SELECT count(*)::int AS n FROM moderated_messages`))[0].n).toBe(0);
    expect((await http().get(`/c/${campaign.slug}`).expect(200)).text).toContain(MESSAGE.replace(/'/g, '&#x27;'));
  });

  it('the organization hides the message: the page shows the reason in its place, the report is closed, the log still verifies', async () => {
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${entryIndex}/hide`).set(as(org.ownerToken)).send({ reason: 'unknown' }).expect(400);
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/999/hide`).set(as(org.ownerToken)).send({ reason: 'abuse' }).expect(404);
    const hidden = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${entryIndex}/hide`).set(as(org.ownerToken))
      .send({ reason: 'personal_data', note: 'phone number and address' }).expect(200);
    expect(hidden.body).toMatchObject({ campaignId: campaign.id, entryIndex, reason: 'personal_data', note: 'phone number and address' });
    // Hiding again changes nothing.
    const again = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${entryIndex}/hide`).set(as(org.ownerToken)).send({ reason: 'spam' }).expect(200);
    expect(again.body).toMatchObject({ reason: 'personal_data', hiddenAt: hidden.body.hiddenAt });

    const page = await http().get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).not.toContain('555-0101');
    expect(page.text).toContain('Message hidden: personal data');
    expect(page.text).toContain('For the well'); // the other gift's message stays

    const reports = (await http().get(`/api/v1/orgs/${org.orgId}/reports`).set(as(org.ownerToken)).expect(200)).body.items;
    expect(reports.find((r: Json) => r.target === 'message')).toMatchObject({ status: 'actioned' });
    const campaignReport = reports.find((r: Json) => r.target === 'campaign');
    expect(campaignReport).toMatchObject({ status: 'open' });
    const dismissed = await http().post(`/api/v1/orgs/${org.orgId}/reports/${campaignReport.id}/dismiss`).set(as(org.ownerToken)).expect(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed' });
    await http().post(`/api/v1/orgs/${org.orgId}/reports/${campaignReport.id}/dismiss`).set(as(org.ownerToken)).expect(409);

    const audit = (await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set(as(org.ownerToken)).expect(200)).body.items;
    const actions = audit.map((e: Json) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['moderation.report_received', 'moderation.message_hidden', 'moderation.report_dismissed']));
    expect(actions.filter((a: string) => a === 'moderation.message_hidden')).toHaveLength(1);
    expect(audit.find((e: Json) => e.action === 'moderation.message_hidden')).toMatchObject({
      actor: `user:${org.ownerUserId}`, details: expect.objectContaining({ entryIndex, reason: 'personal_data', note: 'phone number and address', reportsActioned: 1, redactedInLog: true }),
    });

    // The public log: the value and its salt are gone, the commitment stays, the entry says why.
    const ledger = await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200);
    const entry = ledger.body.entries.find((e: Json) => e.index === entryIndex);
    expect(entry).toMatchObject({ message: null, redacted: { message: expect.objectContaining({ reason: 'hidden', note: 'personal data' }) } });
    expect(entry.messageHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.messageSalt ?? null).toBeNull();
    expect(JSON.stringify(ledger.body)).not.toContain('555-0101');
    const ledgerPage = await http().get(`/c/${campaign.slug}/ledger`).expect(200);
    expect(ledgerPage.text).toContain('Hidden by moderation: personal data');
    expect(ledgerPage.text).not.toContain('555-0101');
    const csv = await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger.csv`).expect(200);
    expect(csv.text).toContain('message:hidden');
    expect(csv.text).not.toContain('555-0101');
    const jsonLines = await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger.ndjson`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => done(null, text));
    }).expect(200);
    const exported = (jsonLines.body as string).trim().split('\n').map((line) => JSON.parse(line) as Json).find((e) => e.index === entry.index);
    expect(exported).toEqual(entry);
    expect(jsonLines.body as string).not.toContain('555-0101');

    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect({ code, last: out.at(-1) }).toEqual({ code: 0, last: expect.stringMatching(/^VERIFIED: \d+ entries/) });
  });

  it('the operator hides a message on any campaign and suspends a campaign: checkout refused with a code, the page says why; unsuspend reopens it', async () => {
    const omar = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200))
      .body.entries.find((e: Json) => e.kind === 'donation' && e.index !== entryIndex).index;
    await http().post(`/operator/campaigns/${campaign.id}/messages/${omar}/hide`).set(operator()).send({ reason: 'off_topic' }).expect(200);
    expect((await http().get(`/c/${campaign.slug}`).expect(200)).text).toContain('Message hidden: off topic');

    await http().post(`/operator/campaigns/${campaign.id}/suspend`).set(operator()).send({ reason: '   ' }).expect(400);
    await http().post(`/operator/campaigns/${campaign.id}/suspend`).send({ reason: 'x' }).expect(401);
    await http().post(`/operator/campaigns/${campaign.id}/unsuspend`).set(operator()).expect(409);
    const suspended = await http().post(`/operator/campaigns/${campaign.id}/suspend`).set(operator()).send({ reason: 'Under review: the beneficiary could not be confirmed' }).expect(200);
    expect(suspended.body).toMatchObject({ campaignId: campaign.id, status: 'published', suspended: true, suspensionReason: 'Under review: the beneficiary could not be confirmed' });

    const page = await http().get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toContain('data-testid="suspension"');
    expect(page.text).toContain('Under review: the beneficiary could not be confirmed');
    expect(page.text).not.toContain('action="/c/' + campaign.slug + '/donate"');
    // The form posted anyway (an old tab) is refused with the code, and no gift is started.
    const before = (await world.db.query(`SELECT count(*)::int AS n FROM donations`))[0].n;
    const agent = request.agent(world.apiUrl);
    const token = /name="_csrf" value="([^"]+)"/.exec((await agent.get(`/c/${campaign.slug}/flag`).expect(200)).text)?.[1];
    const refused = await agent.post(`/c/${campaign.slug}/donate`).type('form').send({ _csrf: token, amount: '50.00', donorEmail: 'late@example.org' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This campaign is suspended and is not accepting gifts.');
    expect((await world.db.query(`SELECT count(*)::int AS n FROM donations`))[0].n).toBe(before);
    // The campaign's own lifecycle is unchanged.
    const seen = await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(as(org.ownerToken)).expect(200);
    expect(seen.body).toMatchObject({ status: 'published', suspensionReason: 'Under review: the beneficiary could not be confirmed' });

    const lifted = await http().post(`/operator/campaigns/${campaign.id}/unsuspend`).set(operator()).expect(200);
    expect(lifted.body).toMatchObject({ suspended: false, suspensionReason: null });
    const reopened = await http().get(`/c/${campaign.slug}`).expect(200);
    expect(reopened.text).not.toContain('data-testid="suspension"');
    expect(reopened.text).toContain(`action="/c/${campaign.slug}/donate"`);
    expect((await submitDonationForm(world, campaign.slug, { amount: '50.00', donorEmail: 'again@example.org' })).status).toBe(303);

    const audit = (await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set(as(org.ownerToken)).expect(200)).body.items;
    expect(audit.filter((e: Json) => e.actor === 'operator').map((e: Json) => e.action)).toEqual(['campaign.unsuspended', 'campaign.suspended', 'moderation.message_hidden']);
  });
});
