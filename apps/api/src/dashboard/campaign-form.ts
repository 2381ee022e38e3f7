import type { Campaign } from '@ataa/campaigns';
import { formatMajorUnits, isSupportedCurrency, parseTypedAmount } from '@ataa/common';

/**
 * The campaign form of the dashboard: what people type (amounts in the currency's units, dates as
 * `datetime-local` in UTC, suggested amounts one per line) turned into the body the campaigns API
 * takes (CreateCampaignDto / UpdateCampaignDto), which then goes through the API's own validation
 * pipe and CampaignsService. Only the typing is read here; every rule is the lib's. Pure: no I/O.
 */
export interface CampaignFormValues {
  title: string;
  slug: string;
  summary: string;
  story: string;
  language: string;
  currency: string;
  goal: string;
  fundingModel: string;
  /** One of CAMPAIGN_CATEGORIES (discovery's filter). */
  category: string;
  startsAt: string;
  endsAt: string;
  suggestedAmounts: string;
  minimumAmount: string;
  maximumAmount: string;
  coverImageUrl: string;
  /** Edit form: take the uploaded cover off (a typed address or a new upload replaces it anyway). */
  removeCover: boolean;
  allowAnonymous: boolean;
  offerCoverFees: boolean;
  /** Sites allowed to frame the donate widget, one origin per line. */
  embedOrigins: string;
  /** Declared designations, one per line: `code | English label | Arabic label`, then `| zakat` for a zakat-eligible use. */
  designations: string;
}

/** Field (the DTO's property name) → error code. */
export type FieldErrors = Record<string, string>;

export const MAX_SUGGESTED = 6;
const DATETIME_LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const checked = (value: unknown): boolean => value === 'on' || value === 'true' || value === '1';

export function readCampaignForm(body: Record<string, unknown> | undefined): CampaignFormValues {
  const b = body ?? {};
  return {
    title: text(b.title), slug: text(b.slug).trim(), summary: text(b.summary), story: text(b.story), language: text(b.language),
    currency: text(b.currency).trim(), goal: text(b.goal), fundingModel: text(b.fundingModel), category: text(b.category).trim(), startsAt: text(b.startsAt).trim(), endsAt: text(b.endsAt).trim(),
    suggestedAmounts: text(b.suggestedAmounts), minimumAmount: text(b.minimumAmount), maximumAmount: text(b.maximumAmount),
    coverImageUrl: text(b.coverImageUrl).trim(), removeCover: checked(b.removeCover), allowAnonymous: checked(b.allowAnonymous), offerCoverFees: checked(b.offerCoverFees),
    embedOrigins: text(b.embedOrigins), designations: text(b.designations),
  };
}

/** The form of a new campaign. */
export function emptyCampaignForm(language: 'en' | 'ar'): CampaignFormValues {
  return {
    title: '', slug: '', summary: '', story: '', language, currency: language === 'ar' ? 'KWD' : 'USD', goal: '', fundingModel: 'flexible', category: 'other', startsAt: '', endsAt: '',
    suggestedAmounts: '', minimumAmount: '', maximumAmount: '', coverImageUrl: '', removeCover: false, allowAnonymous: true, offerCoverFees: true, embedOrigins: '', designations: '',
  };
}

/** A UTC instant as a `datetime-local` value (seconds only when there are some). */
export function toDateTimeLocal(date: Date | null): string {
  if (!date) return '';
  const iso = date.toISOString();
  return iso.slice(16, 19) === ':00' ? iso.slice(0, 16) : iso.slice(0, 19);
}

/**
 * The form of an existing campaign, as it would be typed. A cover uploaded here (`coverUploaded`) is
 * shown as a picture, not as an address to retype.
 */
export function campaignFormOf(c: Campaign, coverUploaded = false): CampaignFormValues {
  const major = (amount: bigint | null) => (amount === null ? '' : formatMajorUnits(amount, c.currency));
  return {
    title: c.title, slug: c.slug, summary: c.summary, story: c.storyMarkdown, language: c.language, currency: c.currency.toUpperCase(),
    goal: major(c.goalAmount), fundingModel: c.fundingModel, category: c.category, startsAt: toDateTimeLocal(c.startsAt), endsAt: toDateTimeLocal(c.endsAt),
    suggestedAmounts: c.suggestedAmounts.map((a) => formatMajorUnits(a, c.currency)).join('\n'),
    minimumAmount: major(c.minimumAmount), maximumAmount: major(c.maximumAmount), coverImageUrl: coverUploaded ? '' : c.coverImageUrl ?? '', removeCover: false,
    allowAnonymous: c.allowAnonymous, offerCoverFees: c.offerCoverFees, embedOrigins: (c.embedOrigins ?? []).join('\n'),
    designations: (c.designations ?? []).map((d) => `${d.code} | ${d.labelEn} | ${d.labelAr}${d.zakat ? ' | zakat' : ''}`).join('\n'),
  };
}

function readAmount(typed: string, currency: string | null, field: string, errors: FieldErrors): string | undefined {
  if (currency === null) return undefined; // the currency's own error says it
  const parsed = parseTypedAmount(typed, currency);
  if (!parsed.ok) {
    errors[field] = parsed.problem;
    return undefined;
  }
  if (parsed.minor <= 0n) {
    errors[field] = 'amount_not_positive';
    return undefined;
  }
  return parsed.minor.toString();
}

function readDate(typed: string, field: string, errors: FieldErrors): string | undefined {
  const match = DATETIME_LOCAL.exec(typed);
  const iso = match ? `${match[1]}T${match[2]}${match[3] ?? ':00'}Z` : '';
  if (!match || Number.isNaN(new Date(iso).getTime()) || new Date(iso).toISOString().slice(0, 19) !== iso.slice(0, 19)) {
    errors[field] = 'invalid_date';
    return undefined;
  }
  return iso;
}

/**
 * The API body for the typed form, or the typing errors (then nothing is sent to the service).
 * `current`: the campaign being edited. While it is not a draft, slug, currency and funding model are
 * fixed (the form does not send them); a date typed as it was shown is left unchanged (the form shows
 * minutes, the stored instant may carry milliseconds).
 */
export function campaignInputOf(values: CampaignFormValues, current?: Campaign, options: { coverUploaded?: boolean } = {}): { input: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const input: Record<string, unknown> = {};
  const editing = current !== undefined;
  const fixed = editing && current.status !== 'draft';
  const empty = (value: string) => value.trim() === '';
  const clear = editing ? null : undefined;

  input.title = values.title;
  input.summary = values.summary;
  input.story = values.story;
  input.language = values.language;
  input.allowAnonymous = values.allowAnonymous;
  input.offerCoverFees = values.offerCoverFees;
  if (!empty(values.category)) input.category = values.category;
  // One origin per line; the API's DTO judges each (https, no path).
  input.embedOrigins = values.embedOrigins.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  input.designations = readDesignations(values.designations);
  // The cover: a typed address; else, editing, "remove" clears it and an uploaded one stays as it is
  // (its address is not on the form). A new upload is set by the caller once the file is stored.
  if (!empty(values.coverImageUrl)) input.coverImageUrl = values.coverImageUrl;
  else if (!editing) input.coverImageUrl = undefined;
  else input.coverImageUrl = values.removeCover || !options.coverUploaded ? null : undefined;
  if (!fixed) {
    if (!empty(values.slug)) input.slug = values.slug;
    input.fundingModel = values.fundingModel;
  }

  let currency: string | null = fixed ? current.currency : null;
  if (!fixed) {
    const code = values.currency.toLowerCase();
    if (!/^[a-z]{3}$/.test(code)) errors.currency = empty(values.currency) ? 'invalid_currency' : 'invalid_currency';
    else if (!isSupportedCurrency(code)) errors.currency = 'unsupported_currency';
    else currency = code;
    if (currency) input.currency = currency;
  }

  if (empty(values.goal)) errors.goal = 'amount_required';
  else input.goal = readAmount(values.goal, currency, 'goal', errors);
  for (const field of ['minimumAmount', 'maximumAmount'] as const) {
    input[field] = empty(values[field]) ? clear : readAmount(values[field], currency, field, errors);
  }
  const lines = values.suggestedAmounts.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length > MAX_SUGGESTED) errors.suggestedAmounts = 'too_many_amounts';
  else {
    const amounts: string[] = [];
    for (const line of lines) {
      const amount = readAmount(line, currency, 'suggestedAmounts', errors);
      if (amount === undefined) break;
      amounts.push(amount);
    }
    if (!errors.suggestedAmounts) input.suggestedAmounts = amounts;
  }

  for (const field of ['startsAt', 'endsAt'] as const) {
    if (editing && values[field] === toDateTimeLocal(current[field])) continue; // unchanged
    input[field] = empty(values[field]) ? clear : readDate(values[field], field, errors);
  }

  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  if (editing) input.version = current.version;
  return { input, errors };
}

/**
 * The designations as typed, one per line: `code | English label | Arabic label [| zakat]` (the
 * fourth part `zakat` or `زكاة` marks a zakat-eligible use). Only the typing is read here: the API
 * judges the list (422 invalid_designations), so a line missing a part is sent as it is and refused there.
 */
export function readDesignations(typed: string): { code: string; labelEn: string; labelAr: string; zakat: boolean }[] {
  return typed.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l.length > 0).map((line) => {
    const [code = '', labelEn = '', labelAr = '', mark = ''] = line.split('|').map((p) => p.trim());
    return { code, labelEn, labelAr, zakat: ['zakat', 'زكاة'].includes(mark.toLowerCase()) };
  });
}
