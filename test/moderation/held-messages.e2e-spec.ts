import request from 'supertest';
import { jest } from '@jest/globals';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { DonationWorld, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

/**
 * The automatic filter (MODERATION_HOLD_LINKS, MODERATION_HOLD_WORDS): a gift's message with a link
 * or a listed word is held. The gift settles as usual, its public entry carries no message (so the
 * message is never in the public log in clear), the donor wall says a message awaits review, and
 * the organization releases it to the donor wall (or hides it).
 */
jest.setTimeout(60_000);

type Json = Record<string, any>;

describe('held messages (automatic filter)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let other: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  const http = () => request(world.apiUrl);
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    world = await startDonationWorld({ env: { MODERATION_HOLD_LINKS: 'true', MODERATION_HOLD_WORDS: 'casino, lottery' } });
    org = await createOrganizationWithOwner(world.api);
    other = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {});
    for (const publicMessage of ['Great deals at www.pills-shop.example', 'Win the LOTTERY today', 'For the well']) {
      const { sessionId } = await startGift(world, campaign.slug, { publicMessage });
      await world.sandbox.control.paySession(sessionId);
    }
    await settle(world);
  }, 120_000);
  afterAll(async () => world?.close());

  it('holds the link and the listed word out of the public log and off the donor wall; the clean message shows', async () => {
    const ledger = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200)).body;
    const gifts = ledger.entries.filter((e: Json) => e.kind === 'donation');
    expect(gifts).toHaveLength(3);
    expect(gifts.map((e: Json) => e.message).sort()).toEqual(['For the well', null, null]);
    expect(JSON.stringify(ledger)).not.toMatch(/pills-shop|LOTTERY/);
    const page = (await http().get(`/c/${campaign.slug}`).expect(200)).text;
    expect(page).not.toMatch(/pills-shop|LOTTERY/);
    expect(page.match(/Message awaiting review/g)).toHaveLength(2);
    expect(page).toContain('For the well');
  });

  it('the organization lists and releases a held message (another organization cannot); the log still verifies', async () => {
    const held = (await http().get(`/api/v1/orgs/${org.orgId}/held-messages`).set(as(org.ownerToken)).expect(200)).body.items;
    expect(held.map((h: Json) => h.message)).toEqual(['Great deals at www.pills-shop.example', 'Win the LOTTERY today']);
    expect((await http().get(`/api/v1/orgs/${other.orgId}/held-messages`).set(as(other.ownerToken)).expect(200)).body.items).toEqual([]);
    const [link, lottery] = held;
    await http().post(`/api/v1/orgs/${other.orgId}/campaigns/${campaign.id}/messages/${lottery.entryIndex}/release`).set(as(other.ownerToken)).expect(404);

    const released = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${lottery.entryIndex}/release`).set(as(org.ownerToken)).expect(200);
    expect(released.body).toEqual({ campaignId: campaign.id, entryIndex: lottery.entryIndex, released: true });
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${lottery.entryIndex}/release`).set(as(org.ownerToken)).expect(409);
    // The link is hidden instead: it can no longer be released.
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${link.entryIndex}/hide`).set(as(org.ownerToken)).send({ reason: 'spam' }).expect(200);
    const refused = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/messages/${link.entryIndex}/release`).set(as(org.ownerToken)).expect(409);
    expect(refused.body.code).toBe('message_hidden');
    expect((await http().get(`/api/v1/orgs/${org.orgId}/held-messages`).set(as(org.ownerToken)).expect(200)).body.items).toEqual([]);

    const page = (await http().get(`/c/${campaign.slug}`).expect(200)).text;
    expect(page).toContain('Win the LOTTERY today');
    expect(page).toContain('Message hidden: spam');
    expect(page).not.toContain('pills-shop');
    const audit = (await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set(as(org.ownerToken)).expect(200)).body.items;
    expect(audit.map((e: Json) => e.action)).toEqual(expect.arrayContaining(['moderation.message_released', 'moderation.message_hidden']));

    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect({ code, last: out.at(-1) }).toEqual({ code: 0, last: expect.stringMatching(/^VERIFIED: \d+ entries/) });
  });
});
