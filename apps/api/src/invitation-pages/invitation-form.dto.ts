import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/**
 * The accept page's form (application/x-www-form-urlencoded). `mode` is what the page offered:
 * sign in to an existing account, or sign up. Unknown fields are refused. The e-mail is checked
 * as an e-mail by the auth service (sign-in) or compared with the invited one (sign-up).
 */
export class InvitationFormDto {
  @IsString() @MaxLength(200) _csrf: string;
  @IsString() @Length(1, 512) token: string;
  @IsIn(['signin', 'signup']) mode: 'signin' | 'signup';
  @Transform(trim) @IsString() @Length(1, 254) email: string;
  @IsString() @Length(1, 256) password: string;
  @IsOptional() @UserText({ min: 1, max: TEXT_LIMITS.personName }) displayName?: string;
  @IsOptional() @IsIn(['en', 'ar']) lang?: string;
}
