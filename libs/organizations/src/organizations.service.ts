import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { NotFoundError } from '@ataa/common';
import { AuditService } from './audit.service.js';
import type { Principal, Role, UserPrincipal } from './domain/roles.js';
import { Organization } from './persistence/organization.entity.js';
import { MembershipRepository } from './persistence/membership.repository.js';
import { OrganizationRepository } from './persistence/organization.repository.js';

export interface OrganizationWithRole {
  organization: Organization;
  role: Role;
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly organizations: OrganizationRepository,
    private readonly memberships: MembershipRepository,
    private readonly audit: AuditService,
  ) {}

  /** The creator becomes the owner, in the same transaction. */
  async create(user: UserPrincipal, input: { name: string; country?: string }): Promise<OrganizationWithRole> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.insert(manager, { name: input.name, country: input.country ?? null });
      const membership = await this.memberships.insertMembership(manager, { organizationId: organization.id, userId: user.userId, role: 'owner' });
      await this.audit.record(manager, { organizationId: organization.id, actor: user.actor, action: 'organization.created', targetType: 'organization', targetId: organization.id, details: { name: input.name, ...(input.country ? { country: input.country } : {}) } });
      await this.audit.record(manager, { organizationId: organization.id, actor: user.actor, action: 'membership.created', targetType: 'membership', targetId: membership.id, details: { userId: user.userId, role: 'owner' } });
      return { organization, role: 'owner' as const };
    });
  }

  async listForUser(userId: string): Promise<OrganizationWithRole[]> {
    const memberships = await this.memberships.membershipsOfUser(userId);
    if (memberships.length === 0) return [];
    const organizations = await this.organizations.findByIds(memberships.map((m) => m.organizationId));
    const byId = new Map(organizations.map((o) => [o.id, o]));
    return memberships.filter((m) => byId.has(m.organizationId)).map((m) => ({ organization: byId.get(m.organizationId)!, role: m.role }));
  }

  findById(id: string): Promise<Organization | null> {
    return this.organizations.findById(id);
  }

  async get(id: string): Promise<Organization> {
    const organization = await this.findById(id);
    if (!organization) throw new NotFoundError('Organization');
    return organization;
  }

  async update(principal: Principal, input: { name?: string; country?: string | null }): Promise<Organization> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.lock(manager, principal.organizationId);
      if (!organization) throw new NotFoundError('Organization');
      const changes: Record<string, unknown> = {};
      if (input.name !== undefined && input.name !== organization.name) {
        changes.name = { from: organization.name, to: input.name };
        organization.name = input.name;
      }
      if (input.country !== undefined && input.country !== organization.country) {
        changes.country = { from: organization.country, to: input.country };
        organization.country = input.country;
      }
      if (Object.keys(changes).length > 0) {
        await this.organizations.save(manager, organization);
        await this.audit.record(manager, { organizationId: organization.id, actor: principal.actor, action: 'organization.updated', targetType: 'organization', targetId: organization.id, details: changes });
      }
      return organization;
    });
  }

  /** Remembers the connected account created for the organization (once). */
  async attachStripeAccount(principal: Principal, accountId: string): Promise<Organization> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.lock(manager, principal.organizationId);
      if (!organization) throw new NotFoundError('Organization');
      if (organization.stripeAccountId) return organization;
      organization.stripeAccountId = accountId;
      await this.organizations.save(manager, organization);
      await this.audit.record(manager, { organizationId: organization.id, actor: principal.actor, action: 'stripe_account.created', targetType: 'organization', targetId: organization.id, details: { stripeAccountId: accountId } });
      return organization;
    });
  }

  /**
   * Applies an `account.updated` (or a fresh retrieval) to the organization that owns the
   * account. Idempotent; data observed before what we already hold is ignored, because Stripe
   * delivers events out of order. Returns the organization, or null when no organization has the account.
   */
  async applyStripeAccountUpdate(account: Pick<Stripe.Account, 'id' | 'charges_enabled' | 'payouts_enabled' | 'details_submitted'>, observedAt: Date = new Date()): Promise<Organization | null> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.lockByStripeAccount(manager, account.id);
      if (!organization) return null;
      if (organization.stripeAccountSyncedAt && organization.stripeAccountSyncedAt.getTime() > observedAt.getTime()) return organization;
      const next = { chargesEnabled: Boolean(account.charges_enabled), payoutsEnabled: Boolean(account.payouts_enabled), detailsSubmitted: Boolean(account.details_submitted) };
      const changed = next.chargesEnabled !== organization.chargesEnabled || next.payoutsEnabled !== organization.payoutsEnabled || next.detailsSubmitted !== organization.detailsSubmitted;
      Object.assign(organization, next, { stripeAccountSyncedAt: observedAt });
      await this.organizations.save(manager, organization);
      if (changed) {
        await this.audit.record(manager, { organizationId: organization.id, actor: 'stripe', action: 'stripe_account.updated', targetType: 'organization', targetId: organization.id, details: next });
      }
      return organization;
    });
  }
}
