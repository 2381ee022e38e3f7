import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The hosted donation form (application/x-www-form-urlencoded). Unknown fields are refused. */
export class DonationFormDto {
  @IsString() @MaxLength(200) _csrf: string;
  /** A suggested amount in major units, or "other". */
  @IsOptional() @IsString() @MaxLength(32) amount?: string;
  @IsOptional() @Transform(trim) @IsString() @MaxLength(32) customAmount?: string;
  @IsOptional() @Transform(trim) @IsString() @MaxLength(120) donorName?: string;
  @Transform(trim) @IsEmail({}, { message: 'donorEmail must be an e-mail address' }) @MaxLength(254) donorEmail: string;
  @IsOptional() @IsIn(['on', 'true', '1']) anonymous?: string;
  @IsOptional() @Transform(trim) @IsString() @MaxLength(500) publicMessage?: string;
  @IsOptional() @IsIn(['on', 'true', '1']) coverFees?: string;
  @IsOptional() @IsIn(['en', 'ar']) locale?: string;
}

/** The amount the donor meant: the custom field when filled, else the chosen suggestion. */
export function chosenAmount(form: DonationFormDto): string {
  const custom = form.customAmount?.trim();
  if (custom) return custom;
  return form.amount && form.amount !== 'other' ? form.amount : '';
}

export const DONOR_NAME_PATTERN = /^[^\u0000-\u001f\u007f<>]*$/;
export { Matches };
