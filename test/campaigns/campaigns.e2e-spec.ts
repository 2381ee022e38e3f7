import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { addMember, campaignInput, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

/**
 * From sign-up to a published campaign, then the lifecycle, edits with optimistic concurrency,
 * listing, and every kind of bad input: each bad request is a 4xx with a code and changes nothing.
 */
describe('campaigns over HTTP', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  const http = () => request(app.getHttpServer());
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const base = () => `/api/v1/orgs/${org.orgId}/campaigns`;
  const snapshot = async () => (await db.query('SELECT * FROM campaigns ORDER BY id')).rows;
  const create = async (overrides: Record<string, unknown> = {}) => (await http().post(base()).set(auth(org.ownerToken)).send(campaignInput(overrides)).expect(201)).body;

  beforeAll(async () => {
    env = await createTestEnvironment({ PLATFORM_FEE_BPS: '250' });
    app = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(app);
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  it('sign-up to published campaign', async () => {
    const signup = await http().post('/api/v1/auth/signup').send({ email: 'founder@example.org', password: 'a long enough password' }).expect(201);
    const created = await http().post('/api/v1/orgs').set(auth(signup.body.accessToken)).send({ name: 'Water First' }).expect(201);
    const orgId = created.body.id;
    const draft = await http().post(`/api/v1/orgs/${orgId}/campaigns`).set(auth(signup.body.accessToken)).send({
      title: 'Clean Water for Al-Mafraq',
      summary: 'Wells for 3 villages',
      story: '## The plan\n\nDig **three** wells.',
      coverImageUrl: 'https://images.example.org/well.jpg',
      currency: 'USD',
      goal: '2500000',
      endsAt: new Date(Date.now() + 30 * 86400_000).toISOString(),
      fundingModel: 'all_or_nothing',
      suggestedAmounts: ['2500', '5000', '10000'],
      minimumAmount: '500',
      maximumAmount: '1000000',
      allowAnonymous: true,
      offerCoverFees: false,
      language: 'en',
    }).expect(201);
    expect(draft.body).toMatchObject({
      organizationId: orgId, slug: 'clean-water-for-al-mafraq', status: 'draft', version: 1, currency: 'usd', goal: '2500000',
      suggestedAmounts: ['2500', '5000', '10000'], minimumAmount: '500', maximumAmount: '1000000', platformFeeBps: 250,
      storyHtml: '<h2>The plan</h2>\n<p>Dig <strong>three</strong> wells.</p>\n', fundingModel: 'all_or_nothing', offerCoverFees: false, publishedAt: null,
    });
    const published = await http().post(`/api/v1/orgs/${orgId}/campaigns/${draft.body.id}/publish`).set(auth(signup.body.accessToken)).send({}).expect(200);
    expect(published.body).toMatchObject({ status: 'published', version: 2 });
    expect(published.body.publishedAt).toEqual(expect.any(String));
    const row = (await db.query('SELECT goal_amount, suggested_amounts, status FROM campaigns WHERE id = $1', [draft.body.id])).rows[0];
    expect(row).toEqual({ goal_amount: '2500000', suggested_amounts: ['2500', '5000', '10000'], status: 'published' });
  });

  it('moves only along the lifecycle and records each move in the audit log', async () => {
    const c = await create();
    const act = (action: string) => http().post(`${base()}/${c.id}/${action}`).set(auth(org.ownerToken)).send({});
    expect((await act('pause').expect(409)).body.code).toBe('invalid_transition');
    expect((await act('resume').expect(409)).body.code).toBe('invalid_transition');
    expect((await act('end').expect(409)).body.code).toBe('invalid_transition');
    expect((await act('publish').expect(200)).body.status).toBe('published');
    expect((await act('publish').expect(409)).body.code).toBe('invalid_transition');
    expect((await act('pause').expect(200)).body.status).toBe('paused');
    expect((await act('resume').expect(200)).body.status).toBe('published');
    expect((await act('end').expect(200)).body.status).toBe('ended');
    for (const action of ['publish', 'pause', 'resume', 'end', 'cancel']) expect((await act(action).expect(409)).body.code).toBe('invalid_transition');
    await act('explode').expect(404);
    const d = await create();
    expect((await http().post(`${base()}/${d.id}/cancel`).set(auth(org.ownerToken)).send({}).expect(200)).body.status).toBe('cancelled');
    const audit = (await db.query(`SELECT action FROM audit_log WHERE target_id = $1 ORDER BY seq`, [c.id])).rows.map((r) => r.action);
    expect(audit).toEqual(['campaign.created', 'campaign.published', 'campaign.paused', 'campaign.resumed', 'campaign.ended']);
  });

  it('optimistic concurrency: a stale version gets 409 and changes nothing', async () => {
    const c = await create();
    const first = await http().patch(`${base()}/${c.id}`).set(auth(org.ownerToken)).send({ version: 1, title: 'First edit' }).expect(200);
    expect(first.body.version).toBe(2);
    const before = await snapshot();
    const stale = await http().patch(`${base()}/${c.id}`).set(auth(org.ownerToken)).send({ version: 1, title: 'Lost update' }).expect(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
    expect(await snapshot()).toEqual(before);
    await http().patch(`${base()}/${c.id}`).set(auth(org.ownerToken)).send({ title: 'No version' }).expect(400);
    expect((await http().post(`${base()}/${c.id}/publish`).set(auth(org.ownerToken)).send({ version: 1 }).expect(409)).body.code).toBe('version_conflict');
  });

  it('slug: derived, unique, editable only while draft; currency and funding model fixed once published', async () => {
    const a = await create({ title: 'Winter Coats' });
    const b = await create({ title: 'Winter Coats' });
    expect(a.slug).toBe('winter-coats');
    expect(b.slug).toMatch(/^winter-coats-[0-9a-f]{6}$/);
    const arabic = await create({ title: 'مياه نظيفة للجميع' });
    expect(arabic.slug).toMatch(/^campaign(-[0-9a-f]{6})?$/);
    expect(arabic.title).toBe('مياه نظيفة للجميع');
    const before = await snapshot();
    const dup = await http().post(base()).set(auth(org.ownerToken)).send(campaignInput({ slug: 'winter-coats' })).expect(409);
    expect(dup.body.code).toBe('slug_taken');
    const dupEdit = await http().patch(`${base()}/${b.id}`).set(auth(org.ownerToken)).send({ version: 1, slug: 'winter-coats' }).expect(409);
    expect(dupEdit.body.code).toBe('slug_taken');
    expect(await snapshot()).toEqual(before);
    const renamed = await http().patch(`${base()}/${b.id}`).set(auth(org.ownerToken)).send({ version: 1, slug: 'winter-coats-2027' }).expect(200);
    expect(renamed.body.slug).toBe('winter-coats-2027');
    await http().post(`${base()}/${b.id}/publish`).set(auth(org.ownerToken)).send({}).expect(200);
    for (const change of [{ slug: 'new-slug' }, { currency: 'eur' }, { fundingModel: 'all_or_nothing', endsAt: new Date(Date.now() + 86400_000).toISOString() }]) {
      const res = await http().patch(`${base()}/${b.id}`).set(auth(org.ownerToken)).send({ version: 3, ...change }).expect(409);
      expect(res.body.code).toBe('campaign_field_locked');
    }
    const edited = await http().patch(`${base()}/${b.id}`).set(auth(org.ownerToken)).send({ version: 3, goal: '900000', currency: 'usd' }).expect(200);
    expect(edited.body).toMatchObject({ goal: '900000', version: 4, status: 'published' });
  });

  it('lists with filters and cursor pagination', async () => {
    const other = await createOrganizationWithOwner(app);
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await http().post(`/api/v1/orgs/${other.orgId}/campaigns`).set(auth(other.ownerToken)).send(campaignInput({ title: `Page test ${i}`, currency: i % 2 ? 'eur' : 'usd' })).expect(201));
    await http().post(`/api/v1/orgs/${other.orgId}/campaigns/${mine[0].body.id}/publish`).set(auth(other.ownerToken)).send({}).expect(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await http().get(`/api/v1/orgs/${other.orgId}/campaigns?limit=2${cursor ? `&cursor=${cursor}` : ''}`).set(auth(other.ownerToken)).expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(mine.map((r) => r.body.id).reverse());
    const published = await http().get(`/api/v1/orgs/${other.orgId}/campaigns?status=published`).set(auth(other.ownerToken)).expect(200);
    expect(published.body.items.map((c: { id: string }) => c.id)).toEqual([mine[0].body.id]);
    const eur = await http().get(`/api/v1/orgs/${other.orgId}/campaigns?currency=eur`).set(auth(other.ownerToken)).expect(200);
    expect(eur.body.items).toHaveLength(2);
    const q = await http().get(`/api/v1/orgs/${other.orgId}/campaigns?q=${encodeURIComponent('test 3')}`).set(auth(other.ownerToken)).expect(200);
    expect(q.body.items.map((c: { title: string }) => c.title)).toEqual(['Page test 3']);
    for (const bad of ['limit=0', 'limit=1000', 'status=deleted', 'cursor=abc', 'unknown=1']) {
      expect((await http().get(`/api/v1/orgs/${other.orgId}/campaigns?${bad}`).set(auth(other.ownerToken)).expect(400)).body.code).toBe('validation_failed');
    }
  });

  it('keeps XSS as inert text, sanitizes the story, and keeps Unicode and RTL intact', async () => {
    const title = '<script>alert("x")</script> مياه 🌍 \u202Eevil';
    const c = await create({ title, summary: '<img src=x onerror=alert(1)>', story: 'Hello <script>alert(1)</script> [x](javascript:alert(1)) مرحبا' });
    expect(c.title).toBe(title);
    expect(c.summary).toBe('<img src=x onerror=alert(1)>');
    expect(c.storyHtml).not.toMatch(/<script|href="javascript:/);
    expect(c.storyHtml).toContain('&lt;script&gt;');
    expect(c.storyHtml).toContain('مرحبا');
    const read = await http().get(`${base()}/${c.id}`).set(auth(org.ownerToken)).expect(200);
    expect(read.headers['content-type']).toContain('application/json');
    expect(read.body.title).toBe(title);
  });

  describe('bad input: a 4xx with a code, and nothing changes', () => {
    const future = (days: number) => new Date(Date.now() + days * 86400_000).toISOString();
    const cases: [string, Record<string, unknown>, string][] = [
      ['mass assignment of raised', { raised: '999999' }, 'validation_failed'],
      ['mass assignment of organizationId', { organizationId: '00000000-0000-0000-0000-000000000000' }, 'validation_failed'],
      ['mass assignment of status', { status: 'published' }, 'validation_failed'],
      ['mass assignment of platformFeeBps', { platformFeeBps: 0 }, 'validation_failed'],
      ['mass assignment of version', { version: 7 }, 'validation_failed'],
      ['a numeric goal (no floats or numbers)', { goal: 500000 }, 'validation_failed'],
      ['a fractional goal', { goal: '5000.50' }, 'validation_failed'],
      ['a negative goal', { goal: '-5000' }, 'validation_failed'],
      ['a zero goal', { goal: '0' }, 'validation_failed'],
      ['a goal with leading zeros', { goal: '005000' }, 'validation_failed'],
      ['a three-decimal goal with the wrong precision', { currency: 'kwd', goal: '100005' }, 'amount_wrong_precision'],
      ['a goal below the currency minimum', { currency: 'jpy', goal: '10' }, 'amount_below_minimum'],
      ['an unknown currency', { currency: 'xxx' }, 'unsupported_currency'],
      ['a malformed currency', { currency: 'dollars' }, 'validation_failed'],
      ['a negative suggested amount', { suggestedAmounts: ['-100'] }, 'validation_failed'],
      ['a fractional suggested amount', { suggestedAmounts: ['10.5'] }, 'validation_failed'],
      ['a suggested amount under Stripe minimum', { suggestedAmounts: ['10'] }, 'amount_below_minimum'],
      ['minimum above maximum', { minimumAmount: '5000', maximumAmount: '1000' }, 'invalid_amount_range'],
      ['a minimum below Stripe minimum', { minimumAmount: '1' }, 'amount_below_minimum'],
      ['dates in the wrong order', { startsAt: future(10), endsAt: future(5) }, 'invalid_dates'],
      ['a date that is not ISO 8601', { endsAt: 'next tuesday' }, 'validation_failed'],
      ['a wrong type for a boolean', { allowAnonymous: 'yes' }, 'validation_failed'],
      ['an unknown language', { language: 'fr' }, 'validation_failed'],
      ['an unknown funding model', { fundingModel: 'whatever' }, 'validation_failed'],
      ['a very long title', { title: 'x'.repeat(201) }, 'validation_failed'],
      ['a blank title', { title: '   ' }, 'validation_failed'],
      ['a title with control characters', { title: 'bad\u0000title' }, 'validation_failed'],
      ['a very long story', { story: 'y'.repeat(50_001) }, 'validation_failed'],
      ['a non-https cover image', { coverImageUrl: 'javascript:alert(1)' }, 'validation_failed'],
      ['an invalid slug', { slug: 'Not A Slug!' }, 'validation_failed'],
      ['too many suggested amounts', { suggestedAmounts: ['1000', '2000', '3000', '4000', '5000', '6000', '7000'] }, 'validation_failed'],
    ];

    it.each(cases)('create with %s', async (_label, overrides, code) => {
      const before = await snapshot();
      const res = await http().post(base()).set(auth(org.ownerToken)).send(campaignInput(overrides));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
      expect(await snapshot()).toEqual(before);
    });

    it.each(cases.filter(([label]) => !label.includes('version')))('edit with %s', async (_label, overrides, code) => {
      const c = await create();
      const before = await snapshot();
      const res = await http().patch(`${base()}/${c.id}`).set(auth(org.ownerToken)).send({ version: 1, ...overrides });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.code).toBe(code);
      expect(await snapshot()).toEqual(before);
    });

    it('a publish that would end in the past, and an all-or-nothing campaign without an end date, are refused', async () => {
      const c = await create({ fundingModel: 'all_or_nothing' });
      expect((await http().post(`${base()}/${c.id}/publish`).set(auth(org.ownerToken)).send({}).expect(409)).body.code).toBe('end_date_required');
      const d = await create({ endsAt: future(1) });
      await db.query(`UPDATE campaigns SET ends_at = now() - interval '1 hour' WHERE id = $1`, [d.id]);
      expect((await http().post(`${base()}/${d.id}/publish`).set(auth(org.ownerToken)).send({}).expect(409)).body.code).toBe('campaign_end_in_past');
    });
  });

  it('roles: viewer and finance read; admin and owner manage campaigns', async () => {
    const viewer = await addMember(app, org, 'viewer');
    const finance = await addMember(app, org, 'finance');
    const admin = await addMember(app, org, 'admin');
    const c = await create();
    for (const token of [viewer, finance]) {
      await http().get(base()).set(auth(token)).expect(200);
      await http().get(`${base()}/${c.id}`).set(auth(token)).expect(200);
      expect((await http().post(base()).set(auth(token)).send(campaignInput()).expect(403)).body.code).toBe('forbidden_role');
      await http().patch(`${base()}/${c.id}`).set(auth(token)).send({ version: 1, title: 'nope' }).expect(403);
      await http().post(`${base()}/${c.id}/publish`).set(auth(token)).send({}).expect(403);
    }
    await http().post(base()).set(auth(admin)).send(campaignInput()).expect(201);
    await http().patch(`${base()}/${c.id}`).set(auth(admin)).send({ version: 1, title: 'By the admin' }).expect(200);
    await http().post(`${base()}/${c.id}/publish`).set(auth(admin)).send({}).expect(200);
  });

  it('the operator (and only the operator) sets the platform fee', async () => {
    const c = await create();
    await http().put(`/operator/campaigns/${c.id}/platform-fee`).set(auth(org.ownerToken)).send({ platformFeeBps: 0 }).expect(401);
    await http().put(`/operator/campaigns/${c.id}/platform-fee`).send({ platformFeeBps: 0 }).expect(401);
    const token = env.config.OPERATOR_TOKEN!;
    const res = await http().put(`/operator/campaigns/${c.id}/platform-fee`).set(auth(token)).send({ platformFeeBps: 150 }).expect(200);
    expect(res.body.platformFeeBps).toBe(150);
    await http().put(`/operator/campaigns/${c.id}/platform-fee`).set(auth(token)).send({ platformFeeBps: 1.5 }).expect(400);
    await http().put(`/operator/campaigns/00000000-0000-4000-8000-000000000000/platform-fee`).set(auth(token)).send({ platformFeeBps: 1 }).expect(404);
  });
});
