import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { ConflictError, DomainError, truncateCodePoints } from '@ataa/common';
import { StripeGateway } from '@ataa/payments';
import type { Principal } from './domain/roles.js';
import { OrganizationsService } from './organizations.service.js';
import type { Organization } from './persistence/organization.entity.js';

/**
 * Stripe Connect onboarding: one Express account per organization (separate charges and
 * transfers: the account only receives transfers), then account links to Stripe's hosted
 * onboarding. Whether payouts are possible is decided by `account.updated`, never by the redirect.
 */
@Injectable()
export class StripeOnboardingService {
  constructor(
    private readonly stripe: StripeGateway,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly organizations: OrganizationsService,
  ) {}

  async createAccount(principal: Principal, input: { country?: string; email?: string }): Promise<Organization> {
    const organization = await this.organizations.get(principal.organizationId);
    if (organization.stripeAccountId) return organization;
    const account = await this.call(() => this.stripe.createAccount(
      {
        type: 'express',
        ...(input.country ? { country: input.country } : {}),
        ...(input.email ? { email: input.email } : {}),
        capabilities: { transfers: { requested: true } },
        business_profile: { name: truncateCodePoints(organization.name, 100) },
        metadata: { organization_id: organization.id },
      },
      // Our durable id: a retried or concurrent request gets the same account, never a second one.
      `org-${organization.id}-connect-account`,
    ));
    await this.organizations.attachStripeAccount(principal, account.id);
    return (await this.organizations.applyStripeAccountUpdate(account, new Date(0))) ?? organization;
  }

  /**
   * A fresh onboarding link. Stripe sends the person back to `returnTo` (paths on this platform: the
   * dashboard passes its own pages), by default the site's root with the organization in the query.
   */
  async createAccountLink(principal: Principal, returnTo?: { returnPath: string; refreshPath: string }): Promise<{ url: string; expiresAt: Date }> {
    const organization = await this.organizations.get(principal.organizationId);
    if (!organization.stripeAccountId) throw new ConflictError('stripe_account_missing', 'Create the Stripe account first');
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    // Only paths of this platform: never an address a caller could point elsewhere.
    const path = (p: string) => {
      if (!/^\/[A-Za-z0-9/_-]*$/.test(p)) throw new RangeError(`not a path of this platform: ${p}`);
      return `${base}${p}`;
    };
    const link = await this.call(() => this.stripe.createAccountLink({
      account: organization.stripeAccountId!,
      type: 'account_onboarding',
      refresh_url: returnTo ? path(returnTo.refreshPath) : `${base}/?stripe_onboarding=refresh&org=${organization.id}`,
      return_url: returnTo ? path(returnTo.returnPath) : `${base}/?stripe_onboarding=return&org=${organization.id}`,
    }));
    return { url: link.url, expiresAt: new Date(link.expires_at * 1000) };
  }

  /** Reads the account from Stripe now (e.g. after the user returns from onboarding) and records it. */
  async sync(principal: Principal): Promise<Organization> {
    const organization = await this.organizations.get(principal.organizationId);
    if (!organization.stripeAccountId) return organization;
    const account = await this.call(() => this.stripe.retrieveAccount(organization.stripeAccountId!));
    return (await this.organizations.applyStripeAccountUpdate(account)) ?? organization;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // Stripe's message can name internals; the caller gets a stable code, the log gets the rest.
      const stripeError = error as { type?: string; statusCode?: number };
      if (stripeError?.type?.startsWith('Stripe')) {
        throw new DomainError('stripe_unavailable', 'Stripe could not complete the request; try again shortly', 502);
      }
      throw error;
    }
  }
}
