import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { loadConfig } from '@ataa/config';
import { dataSourceOptions } from '@ataa/database';
import { AuditLogEntry, AuditLogRepository, AuditService, Organization, Principal } from '@ataa/organizations';
import { createTestDatabase, TestDatabase } from '@ataa/testing';
import type { PublicLedgerAppender } from '@ataa/transparency';
import { CampaignsService } from './campaigns.service.js';
import { Campaign } from './persistence/campaign.entity.js';
import { CampaignRepository } from './persistence/campaign.repository.js';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

/** Campaign persistence against real PostgreSQL: constraints, round-trips and concurrent edits. */
describe('campaigns persistence', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let service: CampaignsService;
  let principal: Principal;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({ ...dataSourceOptions(database.url), entities: [Campaign, Organization, AuditLogEntry], logging: false });
    await dataSource.initialize();
    // Term changes' public entries are tested end to end (test/campaigns/campaign-terms.e2e-spec.ts); here they go nowhere.
    const publicLedger = { append: async () => ({ index: 0, leafHash: '', created: true }) } as unknown as PublicLedgerAppender;
    service = new CampaignsService(dataSource, new CampaignRepository(dataSource), new AuditService(new AuditLogRepository(dataSource)), loadConfig({ NODE_ENV: 'test', PLATFORM_FEE_BPS: '300' }), publicLedger);
    const org = await dataSource.getRepository(Organization).save({ name: 'Org' });
    principal = { organizationId: org.id, role: 'owner', userId: null, apiKeyId: null, actor: 'test' };
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const input = (overrides: Record<string, unknown> = {}) => ({ title: 'A campaign', currency: 'usd', goal: '100000', ...overrides }) as never;

  it('round-trips bigint amounts exactly, beyond 2^53', async () => {
    const c = await service.create(principal, input({ currency: 'idr', goal: '900719925474099300', suggestedAmounts: ['800000', '1000000'] }));
    const read = await service.findById(c.id);
    expect(read?.goalAmount).toBe(900719925474099300n);
    expect(read?.suggestedAmounts).toEqual([800000n, 1000000n]);
    expect(read?.platformFeeBps).toBe(300);
  });

  it.each([
    ['a non-positive goal', `UPDATE campaigns SET goal_amount = 0 WHERE id = $1`],
    ['minimum above maximum', `UPDATE campaigns SET minimum_amount = 1000, maximum_amount = 500 WHERE id = $1`],
    ['an end before the start', `UPDATE campaigns SET starts_at = now(), ends_at = now() - interval '1 day' WHERE id = $1`],
    ['an unknown status', `UPDATE campaigns SET status = 'deleted' WHERE id = $1`],
    ['a fee above 100%', `UPDATE campaigns SET platform_fee_bps = 10001 WHERE id = $1`],
    ['an upper-case currency', `UPDATE campaigns SET currency = 'USD' WHERE id = $1`],
    ['a malformed slug', `UPDATE campaigns SET slug = 'Bad Slug' WHERE id = $1`],
    ['published without a publication time', `UPDATE campaigns SET status = 'published' WHERE id = $1`],
  ])('the database refuses %s', async (_label, sql) => {
    const c = await service.create(principal, input());
    await expect(dataSource.query(sql, [c.id])).rejects.toThrow(/violates check constraint/);
  });

  it('slugs are unique in the database', async () => {
    const c = await service.create(principal, input({ slug: 'only-once' }));
    const d = await service.create(principal, input());
    await expect(dataSource.query(`UPDATE campaigns SET slug = 'only-once' WHERE id = $1`, [d.id])).rejects.toThrow(/campaigns_slug_key/);
    expect(c.slug).toBe('only-once');
  });

  it('two concurrent edits of the same version: exactly one wins, the other gets version_conflict', async () => {
    const c = await service.create(principal, input());
    const results = await Promise.allSettled([
      service.update(principal, c.id, { version: 1, title: 'Edit A' } as never),
      service.update(principal, c.id, { version: 1, title: 'Edit B' } as never),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).toBe('version_conflict');
    const read = await service.findById(c.id);
    expect(read?.version).toBe(2);
  });

  it('concurrent publishes: one succeeds, one is an invalid transition; one audit entry', async () => {
    const c = await service.create(principal, input());
    const results = await Promise.allSettled([service.transition(principal, c.id, 'publish'), service.transition(principal, c.id, 'publish')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).code).toBe('invalid_transition');
    const audit = await dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1 AND action = 'campaign.published'`, [c.id]);
    expect(audit[0].n).toBe(1);
  });

  it('end() for close-out is idempotent, and findPublicBySlug hides drafts', async () => {
    const c = await service.create(principal, input({ slug: 'close-out' }));
    expect(await service.findPublicBySlug('close-out')).toBeNull();
    await service.transition(principal, c.id, 'publish');
    expect((await service.findPublicBySlug('close-out'))?.id).toBe(c.id);
    const published = (await service.findById(c.id))!;
    expect(() => service.assertAcceptsDonations(published)).not.toThrow();
    expect((await service.end(c.id, 'system:close-out')).status).toBe('ended');
    expect((await service.end(c.id, 'system:close-out')).status).toBe('ended');
    const ended = (await service.findById(c.id))!;
    expect(() => service.assertAcceptsDonations(ended)).toThrow(expect.objectContaining({ code: 'campaign_not_accepting_donations', status: 409 }));
  });
});
