import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/**
 * The hosted donation form (application/x-www-form-urlencoded). Unknown fields are refused. The name
 * and message follow the platform's text policy with the same limits the public ledger uses, so a
 * gift the form accepts can always be posted once it is paid.
 */
export class DonationFormDto {
  @IsString() @MaxLength(200) _csrf: string;
  /** A suggested amount in major units, or "other". */
  @IsOptional() @IsString() @MaxLength(32) amount?: string;
  @IsOptional() @Transform(trim) @IsString() @MaxLength(32) customAmount?: string;
  @IsOptional() @UserText({ max: TEXT_LIMITS.donorName }) donorName?: string;
  @Transform(trim) @IsEmail({}, { message: 'donorEmail must be an e-mail address' }) @MaxLength(254) donorEmail: string;
  @IsOptional() @IsIn(['on', 'true', '1']) anonymous?: string;
  @IsOptional() @UserText({ max: TEXT_LIMITS.publicMessage, multiline: true }) publicMessage?: string;
  @IsOptional() @IsIn(['on', 'true', '1']) coverFees?: string;
  /** "E-mail me this campaign's updates" (unticked: absent). */
  @IsOptional() @IsIn(['on', 'true', '1']) updatesOptIn?: string;
  @IsOptional() @IsIn(['en', 'ar']) locale?: string;
  /** once (default), monthly or weekly; anything else is refused by the recurring terms (interval_not_offered). */
  @IsOptional() @IsString() @MaxLength(16) frequency?: string;
  /** A recurring gift's optional end: a last day (YYYY-MM-DD) or a number of payments. */
  @IsOptional() @Transform(trim) @IsString() @MaxLength(10) endDate?: string;
  @IsOptional() @Transform(trim) @IsString() @MaxLength(4) payments?: string;
  /** A scheduled series: every Friday for this many weeks (checked by scheduledFormTerms: 1-52). */
  @IsOptional() @Transform(trim) @IsString() @MaxLength(4) weeks?: string;
  /** A scheduled series: the donor's IANA time zone (checked with Intl). */
  @IsOptional() @IsString() @MaxLength(64) timeZone?: string;
  /** The designation the donor chose (one the campaign declared; checked by the checkout: unknown_designation). */
  @IsOptional() @IsString() @MaxLength(40) designation?: string;
}

/** The form's fields a refusal can name, in the order the form shows them. */
export const DONATION_FORM_FIELDS = ['amount', 'donorName', 'donorEmail', 'publicMessage', 'frequency', 'endDate', 'payments', 'weeks', 'timeZone'] as const;

/** The amount the donor meant: the custom field when filled, else the chosen suggestion. */
export function chosenAmount(form: DonationFormDto): string {
  const custom = form.customAmount?.trim();
  if (custom) return custom;
  return form.amount && form.amount !== 'other' ? form.amount : '';
}
