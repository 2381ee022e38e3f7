import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';

/** A running API app (from startTestApi) or the base URL of a listening one. */
export type ApiTarget = NestFastifyApplication | string;

export type MemberRole = 'owner' | 'admin' | 'finance' | 'viewer';

export interface TestOrganization {
  orgId: string;
  ownerToken: string;
  ownerEmail: string;
  ownerPassword: string;
  ownerUserId: string;
}

export const TEST_PASSWORD = 'correct horse battery staple';

function agent(target: ApiTarget) {
  return request(typeof target === 'string' ? target : target.getHttpServer());
}

/**
 * A client address per call, from the documentation range (RFC 5737): sign-up is rate-limited
 * per address, and suites that create many organizations must not trip that limit (it has its
 * own test). The test configuration trusts X-Forwarded-For from loopback (TRUST_PROXY), as the API
 * would from the production proxy.
 */
function clientAddress(): string {
  const b = randomBytes(2);
  return `198.51.${b[0]}.${b[1]}`;
}

function expectStatus(res: request.Response, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.org`;
}

/** Signs a new user up and returns the sign-up answer (tokens and user). */
export async function signUpUser(target: ApiTarget, options: { email?: string; password?: string; displayName?: string } = {}) {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? TEST_PASSWORD;
  const res = await agent(target).post('/api/v1/auth/signup').set('x-forwarded-for', clientAddress())
    .send({ email, password, ...(options.displayName ? { displayName: options.displayName } : {}) });
  expectStatus(res, 201, 'sign-up');
  return { email, password, accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string, userId: res.body.user.id as string };
}

/** A new user who owns a new organization. */
export async function createOrganizationWithOwner(target: ApiTarget, overrides: { name?: string; email?: string; password?: string } = {}): Promise<TestOrganization> {
  const owner = await signUpUser(target, { email: overrides.email, password: overrides.password });
  const res = await agent(target).post('/api/v1/orgs').set('authorization', `Bearer ${owner.accessToken}`).send({ name: overrides.name ?? `Org ${randomBytes(3).toString('hex')}` });
  expectStatus(res, 201, 'create organization');
  return { orgId: res.body.id, ownerToken: owner.accessToken, ownerEmail: owner.email, ownerPassword: owner.password, ownerUserId: owner.userId };
}

/** Invites a new user with `role`, signs them up and accepts: returns their access token. */
export async function addMember(target: ApiTarget, org: Pick<TestOrganization, 'orgId' | 'ownerToken'>, role: MemberRole): Promise<string> {
  return (await addMemberWithDetails(target, org, role)).accessToken;
}

export async function addMemberWithDetails(target: ApiTarget, org: Pick<TestOrganization, 'orgId' | 'ownerToken'>, role: MemberRole) {
  const email = uniqueEmail(role);
  const invite = await agent(target).post(`/api/v1/orgs/${org.orgId}/invitations`).set('authorization', `Bearer ${org.ownerToken}`).send({ email, role });
  expectStatus(invite, 201, 'invite');
  const user = await signUpUser(target, { email });
  const accept = await agent(target).post('/api/v1/invitations/accept').set('authorization', `Bearer ${user.accessToken}`).send({ token: invite.body.token });
  expectStatus(accept, 200, 'accept invitation');
  return { ...user, membershipId: accept.body.id as string, role };
}

/** Creates an organization API key with `role`; returns the key (send it as x-api-key). */
export async function createApiKey(target: ApiTarget, org: Pick<TestOrganization, 'orgId' | 'ownerToken'>, role: 'admin' | 'finance' | 'viewer'): Promise<string> {
  const res = await agent(target).post(`/api/v1/orgs/${org.orgId}/api-keys`).set('authorization', `Bearer ${org.ownerToken}`).send({ name: `${role} key`, role });
  expectStatus(res, 201, 'create API key');
  return res.body.key;
}

/** A campaign body that passes validation; override what the test is about. */
export function campaignInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: `Campaign ${randomBytes(3).toString('hex')}`,
    summary: 'Clean water for a village',
    story: '# Why\nBecause **water** matters.',
    currency: 'usd',
    goal: '500000',
    suggestedAmounts: ['2500', '5000', '10000'],
    ...overrides,
  };
}

/** Creates (and by default publishes) a campaign; returns its JSON. */
export async function createCampaign(target: ApiTarget, org: Pick<TestOrganization, 'orgId' | 'ownerToken'>, overrides: Record<string, unknown> = {}, options: { publish?: boolean } = {}) {
  const res = await agent(target).post(`/api/v1/orgs/${org.orgId}/campaigns`).set('authorization', `Bearer ${org.ownerToken}`).send(campaignInput(overrides));
  expectStatus(res, 201, 'create campaign');
  if (options.publish === false) return res.body;
  const published = await agent(target).post(`/api/v1/orgs/${org.orgId}/campaigns/${res.body.id}/publish`).set('authorization', `Bearer ${org.ownerToken}`).send({});
  expectStatus(published, 200, 'publish campaign');
  return published.body;
}
