import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  AccountLinkDto, AuthGuard, CurrentPrincipal, Organization, OrganizationsService, Roles, StripeAccountDto, StripeOnboardingService, type Principal,
} from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from './api-docs.js';

export class CreateStripeAccountDto {
  @ApiPropertyOptional({ example: 'US', description: 'Two-letter country of the organization' })
  @IsOptional() @IsString() @Matches(/^[A-Z]{2}$/, { message: 'country must be a two-letter ISO 3166 code in capitals' })
  country?: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @IsOptional() @IsString() @MaxLength(254) @IsEmail()
  email?: string;
}

const toStripeAccountDto = (o: Organization): StripeAccountDto => ({
  stripeAccountId: o.stripeAccountId, chargesEnabled: o.chargesEnabled, payoutsEnabled: o.payoutsEnabled, detailsSubmitted: o.detailsSubmitted,
});

@ApiTags('stripe-onboarding')
@Controller('orgs/:orgId/stripe')
@UseGuards(AuthGuard)
export class StripeOnboardingController {
  constructor(
    private readonly onboarding: StripeOnboardingService,
    private readonly organizations: OrganizationsService,
  ) {}

  @Post('account')
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(400, 502)
  @ApiOperation({ summary: 'Create the organization\'s Stripe Express account, idempotently (owner only)' })
  @ApiCreatedResponse({ type: StripeAccountDto })
  async createAccount(@CurrentPrincipal() principal: Principal, @Body() body: CreateStripeAccountDto): Promise<StripeAccountDto> {
    return toStripeAccountDto(await this.onboarding.createAccount(principal, body));
  }

  @Post('account-link')
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(409, 502)
  @ApiOperation({ summary: 'A fresh Stripe onboarding link for the account (owner)' })
  @ApiCreatedResponse({ type: AccountLinkDto })
  async createAccountLink(@CurrentPrincipal() principal: Principal): Promise<AccountLinkDto> {
    const link = await this.onboarding.createAccountLink(principal);
    return { url: link.url, expiresAt: link.expiresAt.toISOString() };
  }

  @Get('account')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'Whether charges and payouts are enabled, as last reported by Stripe (any member)' })
  @ApiOkResponse({ type: StripeAccountDto })
  async getAccount(@CurrentPrincipal() principal: Principal): Promise<StripeAccountDto> {
    return toStripeAccountDto(await this.organizations.get(principal.organizationId));
  }

  @Post('account/sync')
  @HttpCode(200)
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(502)
  @ApiOperation({ summary: 'Read the account from Stripe now, e.g. after returning from onboarding (owner, finance)' })
  @ApiOkResponse({ type: StripeAccountDto })
  async sync(@CurrentPrincipal() principal: Principal): Promise<StripeAccountDto> {
    return toStripeAccountDto(await this.onboarding.sync(principal));
  }
}
