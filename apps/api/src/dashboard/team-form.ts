/**
 * The Team section's pure pieces: what people type into the invitation and API-key forms (as the
 * API's bodies, which then go through the API's own DTOs), and the audit log's filters read from a
 * GET query (dates as whole UTC days, `to` included).
 */

export type FieldErrors = Record<string, string>;

export interface InviteFormValues { email: string; role: string; language: string }
export interface ApiKeyFormValues { name: string; role: string }
export interface AuditFilterValues { actor: string; action: string; from: string; to: string }

export interface AuditFilterReading {
  values: AuditFilterValues;
  /** What the audit lib filters on (only the valid values). */
  filter: { actor?: string; action?: string; from?: Date; to?: Date; cursor?: string };
  errors: FieldErrors;
}

const text = (value: unknown, max = 1000): string => (typeof value === 'string' ? value.slice(0, max) : '');

export function readInviteForm(body: Record<string, unknown> | undefined, defaultLanguage: 'en' | 'ar'): InviteFormValues {
  return { email: text(body?.email, 320).trim(), role: text(body?.role, 20), language: text(body?.language, 5) || defaultLanguage };
}

export function readApiKeyForm(body: Record<string, unknown> | undefined): ApiKeyFormValues {
  return { name: text(body?.name, 300), role: text(body?.role, 20) };
}

/** The codes of the fields the API's validation pipe refused, for the invitation form. */
export function inviteFieldCode(field: string, values: InviteFormValues): string | null {
  switch (field) {
    case 'email': return values.email === '' ? 'email_required' : 'invalid_email';
    case 'role': return 'invalid_role';
    case 'language': return 'invalid_choice';
    default: return null;
  }
}

/** The codes of the fields the API's validation pipe refused, for the API-key form. */
export function apiKeyFieldCode(field: string, values: ApiKeyFormValues): string | null {
  switch (field) {
    case 'name': return values.name.trim() === '' ? 'name_required' : 'invalid_text';
    case 'role': return 'invalid_role';
    default: return null;
  }
}

/** The API's rule for an audit action (AuditQueryDto) and cursor. */
const ACTION = /^[a-z_.]{1,100}$/;
const CURSOR = /^[1-9][0-9]{0,18}$/;
/** `user:<uuid>`, `api_key:<uuid>`, or a word (`operator`, `stripe`, `system`...). */
const ACTOR = /^(?:(?:user|api_key):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z_]{1,40})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` day as its first instant in UTC, or null when it is not a real day. */
export function parseDay(value: string): Date | null {
  const match = DAY.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 2000 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date;
}

/**
 * The audit log's filters from the query string. A wrong value is marked (and not applied); an empty
 * one means "any". `to` is a day included in the range: the lib gets the next day's start, exclusive.
 */
export function readAuditFilter(query: Record<string, unknown>): AuditFilterReading {
  const values: AuditFilterValues = { actor: text(query.actor, 250).trim(), action: text(query.action, 150).trim(), from: text(query.from, 30).trim(), to: text(query.to, 30).trim() };
  const filter: AuditFilterReading['filter'] = {};
  const errors: FieldErrors = {};
  if (values.actor) {
    if (ACTOR.test(values.actor)) filter.actor = values.actor;
    else errors.actor = 'invalid_filter';
  }
  if (values.action) {
    if (ACTION.test(values.action)) filter.action = values.action;
    else errors.action = 'invalid_filter';
  }
  if (values.from) {
    const from = parseDay(values.from);
    if (from) filter.from = from;
    else errors.from = 'invalid_date';
  }
  if (values.to) {
    const to = parseDay(values.to);
    if (to) filter.to = new Date(to.getTime() + 86_400_000);
    else errors.to = 'invalid_date';
  }
  if (filter.from && filter.to && filter.to <= filter.from) {
    errors.to = 'invalid_date_range';
    delete filter.to;
  }
  const cursor = text(query.cursor, 30);
  if (CURSOR.test(cursor)) filter.cursor = cursor;
  return { values, filter, errors };
}

/** The query string of a filtered audit page (empty values left out), e.g. for the next page's link. */
export function auditQuery(values: AuditFilterValues, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const key of ['actor', 'action', 'from', 'to'] as const) if (values[key]) params.set(key, values[key]);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** An audit entry's details as short `key: value` lines (nested values as JSON), at most `max` of them. */
export function detailLines(details: Record<string, unknown>, max = 6): { key: string; value: string }[] {
  return Object.entries(details ?? {}).slice(0, max).map(([key, value]) => ({
    key, value: typeof value === 'string' ? value : JSON.stringify(value) ?? '',
  }));
}
