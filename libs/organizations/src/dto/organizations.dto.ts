import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsISO8601, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';
import { API_KEY_ROLES, ROLES } from '../domain/roles.js';
import type { ApiKeyRole, Role } from '../domain/roles.js';


export class SignUpDto {
  @ApiProperty({ example: 'amina@example.org', maxLength: 254 })
  @IsString() @MaxLength(254) @IsEmail({ allow_display_name: false, allow_ip_domain: false })
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 256, description: 'At least 12 characters' })
  @IsString() @Length(12, 256)
  password: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional() @UserText({ min: 1, max: TEXT_LIMITS.personName })
  displayName?: string;
}

export class LoginDto {
  @ApiProperty({ maxLength: 254 }) @IsString() @MaxLength(254) email: string;
  @ApiProperty({ maxLength: 256 }) @IsString() @Length(1, 256) password: string;
  @ApiPropertyOptional({ maxLength: 64, description: 'Required when the account has two-factor sign-in on: the current code of the authenticator app, or one of its recovery codes (each works once). Without it: 401 `totp_required`.' })
  @IsOptional() @IsString() @Length(1, 64) totpCode?: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @Length(1, 512) refreshToken: string;
}

export class ChangePasswordDto {
  @ApiProperty({ maxLength: 256 }) @IsString() @Length(1, 256) currentPassword: string;
  @ApiProperty({ minLength: 12, maxLength: 256 }) @IsString() @Length(12, 256) newPassword: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: String, nullable: true }) displayName: string | null;
}

export class TokenPairDto {
  @ApiProperty({ description: 'Bearer access token, valid for expiresIn seconds' }) accessToken: string;
  @ApiProperty({ description: 'Single-use refresh token; every refresh returns a new one' }) refreshToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: 'Bearer';
  @ApiProperty({ example: 900 }) expiresIn: number;
  @ApiProperty({ type: UserDto }) user: UserDto;
}

export class CreateOrganizationDto {
  @ApiProperty({ maxLength: 200, example: 'Amal Relief' })
  @UserText({ min: 1, max: TEXT_LIMITS.organizationName })
  name: string;
}

export class UpdateOrganizationDto {
  // May be left out, not null: @IsOptional() would let null through to a NOT NULL column (a 500).
  @ApiPropertyOptional({ maxLength: 200 })
  @ValidateIf((_dto, value) => value !== undefined) @UserText({ min: 1, max: TEXT_LIMITS.organizationName })
  name?: string;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES, description: 'The caller\'s role' }) role: Role;
  @ApiProperty({ type: String, nullable: true }) stripeAccountId: string | null;
  @ApiProperty() chargesEnabled: boolean;
  @ApiProperty() payoutsEnabled: boolean;
  @ApiProperty() detailsSubmitted: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid', description: 'Membership id' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: String, nullable: true }) displayName: string | null;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role: Role;
}

export class CreateInvitationDto {
  @ApiProperty({ maxLength: 254 }) @IsString() @MaxLength(254) @IsEmail() email: string;
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role: Role;
  @ApiPropertyOptional({ enum: ['en', 'ar'], default: 'en', description: 'Language of the invitation e-mail' }) @IsOptional() @IsIn(['en', 'ar']) language?: 'en' | 'ar';
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status: 'pending' | 'accepted' | 'revoked' | 'expired';
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class CreatedInvitationDto extends InvitationDto {
  @ApiProperty({ description: 'Single-use token for the invitee, shown only now; the invitee also receives it by e-mail, in the accept link' }) token: string;
}

export class AcceptInvitationDto {
  @ApiProperty() @IsString() @Length(1, 512) token: string;
}

export class MembershipDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organizationId: string;
  @ApiProperty({ enum: ROLES }) role: Role;
}

export class CreateApiKeyDto {
  @ApiProperty({ maxLength: 100 })
  @UserText({ min: 1, max: TEXT_LIMITS.apiKeyName })
  name: string;

  @ApiProperty({ enum: API_KEY_ROLES }) @IsIn(API_KEY_ROLES) role: ApiKeyRole;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role: ApiKeyRole;
  @ApiProperty({ description: 'First characters of the key, to tell keys apart' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key, shown only once: send it as the x-api-key header' }) key: string;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'user:6f1c...' }) actor: string;
  @ApiProperty({ example: 'campaign.published' }) action: string;
  @ApiProperty() targetType: string;
  @ApiProperty({ type: String, nullable: true }) targetId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class AuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[1-9][0-9]{0,18}$/) cursor?: string;
  @ApiPropertyOptional({ example: 'campaign.published' }) @IsOptional() @IsString() @Matches(/^[a-z_.]{1,100}$/) action?: string;
  @ApiPropertyOptional({ example: 'user:6f1c…', description: 'Who did it, as the entries name them (user:<id>, api_key:<id>, operator…)' })
  @IsOptional() @IsString() @Matches(/^[a-z_]{1,30}(?::[A-Za-z0-9_.@-]{1,100})?$/) actor?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this instant' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this instant' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 }) @IsOptional() @IsString() @Matches(/^(?:[1-9][0-9]?|100)$/, { message: 'limit must be between 1 and 100' }) limit?: string;
}

export class StripeAccountDto {
  @ApiProperty({ type: String, nullable: true }) stripeAccountId: string | null;
  @ApiProperty() chargesEnabled: boolean;
  @ApiProperty() payoutsEnabled: boolean;
  @ApiProperty() detailsSubmitted: boolean;
}

export class AccountLinkDto {
  @ApiProperty({ description: 'Send the user here to finish onboarding on Stripe' }) url: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}
