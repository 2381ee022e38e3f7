import { readFileSync } from 'node:fs';

/** Stripe's published example objects (../shared/stripe/fixtures3.json), keyed by their `object` value. */
export const fixtures = JSON.parse(readFileSync('/work/shared/stripe/fixtures3.json', 'utf8')).resources as Record<string, Record<string, unknown>>;

const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * How `ours` differs from Stripe's example: keys missing, and JSON types that disagree where both
 * are non-null, into nested objects and the first element of arrays. An expanded reference (an id
 * in the fixture, the object in ours) is the same field. Paths look like `evidence.receipt`.
 */
export function shapeDifferences(ours: unknown, fixture: unknown, path = ''): string[] {
  if (fixture === null || ours === null || ours === undefined) return [];
  const fixtureType = jsonType(fixture);
  const ourType = jsonType(ours);
  if (fixtureType === 'string' && ourType === 'object') return [];
  if (fixtureType !== ourType) return [`${path || '(root)'}: ${ourType} vs ${fixtureType}`];
  if (fixtureType === 'array') {
    const [o] = ours as unknown[];
    // An empty example list (a dispute's balance_transactions) still says what its items are.
    const kind = o && typeof o === 'object' ? (o as { object?: unknown }).object : undefined;
    const f = (fixture as unknown[])[0] ?? (typeof kind === 'string' ? fixtures[kind] : undefined);
    return f === undefined || o === undefined ? [] : shapeDifferences(o, f, `${path}[0]`);
  }
  if (fixtureType !== 'object') return [];
  let f = fixture as Record<string, unknown>;
  const o = ours as Record<string, unknown>;
  // Maps keyed by what the caller chose (metadata, an account's requested capabilities) have no fixed keys.
  if (/(^|\.)(metadata|capabilities)$/.test(path)) return Object.entries(o).filter(([, v]) => typeof v !== 'string').map(([k, v]) => `${path}.${k}: ${jsonType(v)} vs string`);
  // An event's data.object is whatever object the event is about: compare it with that type's fixture.
  if (path === 'data.object' && typeof o.object === 'string' && fixtures[o.object]) f = fixtures[o.object];
  const out: string[] = [];
  for (const key of Object.keys(f)) {
    const at = path ? `${path}.${key}` : key;
    if (!(key in o)) out.push(`${at}: missing`);
    else out.push(...shapeDifferences(o[key], f[key], at));
  }
  return out;
}

/** Every key of Stripe's fixture is present, at every depth, and where both are non-null the JSON types agree. */
export function expectStripeShape(object: object, type: string): void {
  expect(fixtures[type]).toBeDefined();
  expect({ type, differences: shapeDifferences(object, fixtures[type]) }).toEqual({ type, differences: [] });
  expect((object as { object?: string }).object).toBe(type);
}
