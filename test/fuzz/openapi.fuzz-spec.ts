import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  addMemberWithDetails, baseUrlOf, createApiKey, createCampaign, createOrganizationWithOwner, createTestEnvironment, signUpUser,
  startTestApi, startTestSandbox, startTestWorker, TEST_PASSWORD, TestEnvironment, TestOrganization, TestSandbox,
} from '@ataa/testing';
import { DonationWorld, settle, startGift } from '../donations/donation-test-kit.js';

/**
 * Fuzz tier: every operation of the API's own OpenAPI document (every path x method, operator routes
 * included) gets requests generated from its schema by fast-check, with a fixed seed and a bounded
 * number of runs (FUZZ_RUNS, default below): valid-ish bodies with one field mutated (boundary
 * lengths in code points, boundary numbers, wrong types, null, huge strings, bad Unicode sent as JSON
 * escapes), extra fields, missing fields, junk bodies (malformed JSON, invalid UTF-8, deep nesting,
 * over the body limit), bad path and query parameters, and different callers (the owner, an API key,
 * nobody, another organization's owner, a forged token, the operator). For every answer:
 * - no 5xx;
 * - a 4xx is a problem document (application/problem+json) with a `code`;
 * - a 4xx changed nothing in the database (see `fingerprint`), apart from ALLOWED_WRITES_ON_4XX.
 */

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(600_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_140_010);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

type Schema = {
  $ref?: string; type?: string; format?: string; enum?: unknown[]; nullable?: boolean; pattern?: string; example?: unknown;
  minLength?: number; maxLength?: number; minimum?: number; maximum?: number; maxItems?: number; minItems?: number;
  items?: Schema; properties?: Record<string, Schema>; required?: string[]; description?: string;
};
type Parameter = { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: Schema };
type OperationDoc = { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; security?: Record<string, unknown>[] };
type OpenApiDoc = { paths: Record<string, Record<string, OperationDoc>>; components: { schemas: Record<string, Schema> } };
type Operation = { key: string; method: string; path: string; doc: OperationDoc };

/**
 * 4xx answers that write to the database on purpose. Everything else that answers 4xx must leave
 * every table as it was.
 */
const ALLOWED_WRITES_ON_4XX: Record<string, string> = {
  // A refresh token used a second time has leaked: the answer is 401 and its session is revoked
  // (RFC 9700 section 4.14.2), which is a write by design. The fuzzer sends such a token on purpose.
  'POST /api/v1/auth/refresh': 'reuse of a rotated refresh token revokes its session (401)',
};

/** A request, as sent. `body` is the exact bytes (JSON built by hand, see `serialize`). */
interface FuzzRequest { method: string; url: string; headers: Record<string, string>; body?: Buffer; note: string }

// ---------------------------------------------------------------------------------------------
// Values

/** A JSON token written as is into the body text (JSON.stringify cannot write 1e999 or -0). */
class Raw { constructor(readonly text: string) {} }

const EMOJI = '\u{1F600}';
const COMBINING = 'e' + '\u0301'.repeat(64);
/** Strings no column should store or that renderers choke on; lone surrogates leave as \uD800 escapes. */
const BAD_TEXT = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\udc00\ud800y', '\u202Eevil.exe', EMOJI, EMOJI.repeat(300), COMBINING,
  '\u200b', '\ufeff', '\r\n\t', '\u0085\u2028\u2029', 'عطاء', '<script>alert(1)</script>', "' OR 1=1 --", '{{7*7}}', '../../etc/passwd',
  '%00', '\\', '"', '-1', '0', '1e309', '0x10', ' 12 ', '9'.repeat(400), 'NaN', 'null', 'true', '2026-13-45T99:99:99Z',
];
const HUGE = 'x'.repeat(1_048_576);
const LARGE = 'ä'.repeat(40_000); // under the 100 kB body limit in characters, 80 kB in UTF-8

function codePoints(n: number, unit = EMOJI): string {
  return unit.repeat(Math.max(0, n));
}

function resolve(doc: OpenApiDoc, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
  return schema;
}

/** Plausible values for fields by name, so that mutating one field leaves the others valid. */
function knownValue(name: string, fx: Fixtures): fc.Arbitrary<unknown> | null {
  const amount = fc.constantFrom('500', '1500', '25000', '1');
  switch (name) {
    case 'email': return fc.constant('x').map(() => `fuzz-${randomUUID().slice(0, 8)}@example.org`);
    case 'password': case 'newPassword': return fc.constantFrom(TEST_PASSWORD, 'another correct horse');
    case 'currentPassword': return fc.constantFrom(fx.selfPassword, 'wrong password here');
    case 'refreshToken': return fc.constantFrom(fx.usedRefreshToken, 'not-a-token', fx.usedRefreshToken.slice(0, -2));
    case 'token': return fc.constantFrom(fx.invitationToken, 'not-a-token', randomUUID());
    case 'currency': return fc.constantFrom('usd', 'eur', 'jpy', 'kwd');
    case 'goal': case 'amount': case 'minimumAmount': case 'maximumAmount': return amount;
    case 'suggestedAmounts': return fc.array(amount, { maxLength: 6 });
    case 'country': return fc.constantFrom('US', 'GB', 'JO');
    case 'since': case 'startsAt': case 'endsAt': case 'from': case 'to': return fc.constantFrom('2026-01-01T00:00:00Z', new Date(Date.now() + 86_400_000).toISOString());
    case 'coverImageUrl': return fc.constantFrom('https://images.example.org/cover.jpg', null);
    case 'slug': return fc.constant('x').map(() => `fuzz-${randomUUID().slice(0, 8)}`);
    case 'version': return fc.integer({ min: 1, max: 4 });
    case 'campaignId': return fc.constantFrom(fx.campaignId, randomUUID());
    case 'donationId': return fc.constantFrom(fx.donationId, randomUUID());
    default: return null;
  }
}

function validish(doc: OpenApiDoc, raw: Schema | undefined, name: string, fx: Fixtures, depth = 0): fc.Arbitrary<unknown> {
  const known = knownValue(name, fx);
  if (known) return known;
  const schema = resolve(doc, raw);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'date-time') return fc.constant('2026-06-01T12:00:00Z');
      if (schema.example !== undefined && typeof schema.example === 'string') return fc.constant(schema.example);
      const min = schema.minLength ?? 1;
      const max = Math.min(schema.maxLength ?? 40, min + 40);
      return fc.string({ minLength: min, maxLength: max, unit: 'grapheme-ascii' }).filter((s) => s.trim().length >= min);
    }
    case 'number': case 'integer': return fc.integer({ min: schema.minimum ?? 1, max: Math.min(schema.maximum ?? 100, (schema.minimum ?? 1) + 100) });
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(validish(doc, schema.items, '', fx, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
    default: {
      if (!schema.properties || depth > 3) return fc.constant(schema.example ?? {});
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(schema.properties).map(([key, sub]) => [key, validish(doc, sub, key, fx, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries), { requiredKeys: entries.map(([k]) => k).filter((k) => required.has(k)) });
    }
  }
}

/** Boundary values and wrong types for one field of this schema. */
function hostile(doc: OpenApiDoc, raw: Schema | undefined): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const wrongTypes = fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, [], {}, ['a'], { $gt: '' }, { nested: { deeper: [null, { x: '\u0000' }] } }, new Raw('1e999'), new Raw('-0'), new Raw('12345678901234567890123'));
  const texts = fc.constantFrom<unknown>(...BAD_TEXT, HUGE, LARGE);
  const options: fc.Arbitrary<unknown>[] = [wrongTypes, texts];
  if (schema.type === 'string' || !schema.type) {
    const min = schema.minLength ?? 0;
    const lengths = [min - 1, min, min + 1];
    if (schema.maxLength !== undefined) lengths.push(schema.maxLength - 1, schema.maxLength, schema.maxLength + 1);
    // Lengths in code points (the policy's unit) with astral characters: twice as many UTF-16 units.
    options.push(fc.constantFrom(...lengths.filter((n) => n >= 0)).chain((n) => fc.constantFrom(codePoints(n), 'a'.repeat(n), codePoints(n, 'é'), codePoints(n, 'e\u0301'))));
    if (schema.pattern) options.push(fc.constantFrom('UPPER-case', 'a--b', '-a', 'a_b', 'a'.repeat(81)));
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    const lo = schema.minimum ?? 0;
    const hi = schema.maximum ?? 2 ** 31;
    options.push(fc.constantFrom<unknown>(lo - 1, lo, hi, hi + 1, 2 ** 53 + 1, -(2 ** 53), 1e308, 0.5, '5', '1e3', new Raw('1e999')));
  }
  if (schema.type === 'array') {
    options.push(fc.constantFrom<unknown>([], Array.from({ length: (schema.maxItems ?? 10) + 1 }, () => '1'), Array.from({ length: 10_000 }, () => '9'), [null], [[]], [{}], ['\ud800'], 'not-an-array'));
  }
  if (schema.type === 'boolean') options.push(fc.constantFrom<unknown>('true', 'false', 1, 0, 'on'));
  return fc.oneof(...options);
}

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** JSON text with the Raw tokens in place; lone surrogates leave as \uXXXX escapes (well-formed JSON.stringify). */
function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `@@RAW${raws.length - 1}@@`;
    }
    return v;
  });
  return raws.reduce((out, raw, i) => out.replace(`"@@RAW${i}@@"`, raw), text ?? 'null');
}

type BodyPlan = { kind: 'json'; value: unknown } | { kind: 'bytes'; contentType: string; bytes: Buffer; note: string } | { kind: 'none' };

function bodies(doc: OpenApiDoc, op: Operation, fx: Fixtures): fc.Arbitrary<BodyPlan> {
  const content = op.doc.requestBody?.content['application/json'];
  const junk: fc.Arbitrary<BodyPlan> = fc.constantFrom<BodyPlan>(
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from('{"a":'), note: 'malformed JSON' },
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from(''), note: 'empty JSON body' },
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]), note: 'invalid UTF-8' },
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from('\uFEFF{}'), note: 'byte order mark' },
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from(nested(5_000)), note: 'deep nesting' },
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from(`{"a":"${'x'.repeat(1_048_576)}"}`), note: '1 MB body' },
    { kind: 'bytes', contentType: 'text/plain', bytes: Buffer.from('hello'), note: 'text/plain' },
    { kind: 'bytes', contentType: 'application/x-www-form-urlencoded', bytes: Buffer.from('a=1&a=2&b[c]=3'), note: 'form body' },
    { kind: 'bytes', contentType: 'application/json', bytes: Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'), note: 'prototype keys' },
    { kind: 'json', value: null }, { kind: 'json', value: [] }, { kind: 'json', value: 'string' }, { kind: 'json', value: 42 },
  );
  // fetch sends no body with GET.
  if (op.method === 'get') return fc.constant<BodyPlan>({ kind: 'none' });
  if (!content) {
    return fc.oneof({ arbitrary: fc.constant<BodyPlan>({ kind: 'none' }), weight: 6 }, { arbitrary: junk, weight: 1 }, { arbitrary: fc.constant<BodyPlan>({ kind: 'json', value: { unexpected: '\ud800' } }), weight: 1 });
  }
  const schema = resolve(doc, content.schema);
  const keys = Object.keys(schema.properties ?? {});
  const valid = validish(doc, schema, '', fx) as fc.Arbitrary<Record<string, unknown>>;
  const plans: { arbitrary: fc.Arbitrary<BodyPlan>; weight: number }[] = [
    { arbitrary: valid.map((value) => ({ kind: 'json' as const, value })), weight: 2 },
    { arbitrary: junk, weight: 1 },
    { arbitrary: valid.chain((value) => fc.constantFrom('__proto__', 'constructor', 'organizationId', 'id', 'status', 'role', '\ud800', '', 'x'.repeat(10_000)).chain((extra) => fc.constant({ kind: 'json' as const, value: { ...value, [extra]: 'injected' } }))), weight: 1 },
    { arbitrary: fc.constant<BodyPlan>({ kind: 'json', value: {} }), weight: 1 },
  ];
  if (keys.length > 0) {
    const mutateOne = fc.tuple(valid, fc.constantFrom(...keys)).chain(([value, key]) => hostile(doc, schema.properties![key]).map((bad) => ({ kind: 'json' as const, value: { ...value, [key]: bad } })));
    const mutateAll = fc.record(Object.fromEntries(keys.map((k) => [k, hostile(doc, schema.properties![k])]))).map((value) => ({ kind: 'json' as const, value }));
    plans.push({ arbitrary: mutateOne, weight: 8 }, { arbitrary: mutateAll, weight: 1 });
  }
  return fc.oneof(...plans);
}

// ---------------------------------------------------------------------------------------------
// Parameters and callers

interface Fixtures {
  org: TestOrganization;
  other: TestOrganization;
  apiKey: string;
  operatorToken: string;
  campaignId: string;
  campaignSlug: string;
  draftCampaignId: string;
  otherCampaignId: string;
  otherCampaignSlug: string;
  donationId: string;
  membershipId: string;
  invitationId: string;
  invitationToken: string;
  apiKeyId: string;
  selfToken: string;
  selfPassword: string;
  usedRefreshToken: string;
}

/** Path segments, already percent-encoded as a client would send them (some deliberately broken). */
const BAD_SEGMENTS = [
  'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0', '-1', '1e309', 'a'.repeat(2_000),
  '%00', '%ED%A0%80', '%C0%AF', '%FF', '%E2%80%AE', '%F0%9F%98%80', '%2F..%2F', '..', '%25', 'null', 'undefined', '%27%20OR%201%3D1',
  `${randomUUID()}%00`, `${randomUUID().toUpperCase()}`, ` ${randomUUID()}`.replace(' ', '%20'),
];

function ownSegments(name: string, op: Operation, fx: Fixtures): string[] {
  const mutating = op.method !== 'get';
  const own: Record<string, string[]> = {
    orgId: [fx.org.orgId],
    organizationId: [fx.org.orgId, fx.other.orgId],
    // Transitions and edits go to a draft campaign of the fuzzer's own, so the published one (with the
    // donation, read by the public routes) stays as it is.
    campaignId: mutating ? [fx.draftCampaignId] : [fx.campaignId, fx.draftCampaignId],
    donationId: [fx.donationId],
    membershipId: [fx.membershipId],
    invitationId: [fx.invitationId],
    apiKeyId: [fx.apiKeyId],
    payoutId: [],
    slug: [fx.campaignSlug],
    action: ['publish', 'pause', 'resume', 'end', 'cancel'],
  };
  return own[name]?.length ? own[name] : [randomUUID()];
}

function segments(name: string, op: Operation, fx: Fixtures): fc.Arbitrary<string> {
  const foreign: Record<string, string[]> = {
    orgId: [fx.other.orgId], campaignId: [fx.otherCampaignId], slug: [fx.otherCampaignSlug, 'no-such-campaign'], action: ['delete', 'PUBLISH', 'constructor'],
  };
  return fc.oneof(
    { arbitrary: fc.constantFrom(...ownSegments(name, op, fx)), weight: 6 },
    { arbitrary: fc.constantFrom(...(foreign[name] ?? [randomUUID()]), randomUUID()), weight: 1 },
    { arbitrary: fc.constantFrom(...BAD_SEGMENTS), weight: 2 },
  );
}

function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // Lone surrogates: send the bytes a broken client would (CESU-8 of the surrogate).
    return [...text].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

function queryValue(doc: OpenApiDoc, p: Parameter, fx: Fixtures): fc.Arbitrary<string | string[]> {
  const schema = resolve(doc, p.schema);
  const plausible = knownValue(p.name, fx) ?? validish(doc, schema, p.name, fx);
  return fc.oneof(
    { arbitrary: plausible.map((v) => (Array.isArray(v) ? v.map((x) => encodeText(String(x))) : encodeText(String(v)))), weight: 4 },
    { arbitrary: fc.constantFrom(...BAD_TEXT.filter((t) => t.length < 1_000), 'x'.repeat(4_000), '-5', '0', '101', '1000000', '2.5').map(encodeText), weight: 3 },
    { arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', '%E2%80%AE'), weight: 1 },
    { arbitrary: fc.constant(['1', '2'].map(encodeText)), weight: 1 },
  );
}

function queries(doc: OpenApiDoc, op: Operation, fx: Fixtures): fc.Arbitrary<string> {
  const params = (op.doc.parameters ?? []).filter((p) => p.in === 'query');
  const chosen = params.map((p) => fc.option(queryValue(doc, p, fx), { freq: p.required ? 6 : 2 }).map((v) => [p.name, v] as const));
  const extra = fc.option(fc.constantFrom('unknown=1', '__proto__[x]=1', 'limit[]=1', 'a'.repeat(100) + '=1', '%00=%00', 'constructor=1'), { freq: 4 });
  return fc.tuple(fc.tuple(...chosen), extra).map(([pairs, more]) => {
    const parts = pairs.flatMap(([name, v]) => (v === null ? [] : Array.isArray(v) ? v.map((x) => `${name}=${x}`) : [`${name}=${v}`]));
    if (more) parts.push(more);
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

type Caller = { label: string; headers: Record<string, string> };

function callers(op: Operation, fx: Fixtures): fc.Arbitrary<Caller> {
  const owner: Caller = { label: 'owner', headers: { authorization: `Bearer ${fx.org.ownerToken}` } };
  const none: Caller = { label: 'anonymous', headers: {} };
  const forged: Caller = { label: 'forged bearer', headers: { authorization: `Bearer ${fx.org.ownerToken.slice(0, -4)}AAAA` } };
  const junk: Caller = { label: 'junk authorization', headers: { authorization: 'Bearer \u00ff\u00fe', 'x-api-key': 'k'.repeat(5_000) } };
  const otherOwner: Caller = { label: 'other organization owner', headers: { authorization: `Bearer ${fx.other.ownerToken}` } };
  const apiKey: Caller = { label: 'admin API key', headers: { 'x-api-key': fx.apiKey } };
  const operator: Caller = { label: 'operator', headers: { authorization: `Bearer ${fx.operatorToken}` } };
  const operatorBasic: Caller = { label: 'operator (basic)', headers: { authorization: `Basic ${Buffer.from(`ops:${fx.operatorToken}`).toString('base64')}` } };
  // Sign-out and password changes act on the caller's own session: a user of the fuzzer's own.
  const self: Caller = { label: 'self user', headers: { authorization: `Bearer ${fx.selfToken}` } };
  const w = (arbitrary: Caller, weight: number) => ({ arbitrary: fc.constant(arbitrary), weight });
  if (op.path.startsWith('/operator/')) return fc.oneof(w(operator, 8), w(operatorBasic, 1), w(none, 1), w(owner, 1), w(forged, 1));
  if (op.path.startsWith('/api/v1/auth/logout') || op.path.startsWith('/api/v1/auth/password')) return fc.oneof(w(self, 8), w(none, 1), w(forged, 1), w(junk, 1));
  if (!op.doc.security) return fc.oneof(w(none, 6), w(owner, 1), w(junk, 1));
  return fc.oneof(w(owner, 8), w(apiKey, 2), w(none, 1), w(otherOwner, 1), w(forged, 1), w(junk, 1));
}

function requests(doc: OpenApiDoc, op: Operation, fx: Fixtures): fc.Arbitrary<FuzzRequest> {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const headerParams = (op.doc.parameters ?? []).filter((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
  const idempotency = headerParams.length
    ? fc.option(fc.constantFrom(randomUUID(), randomUUID(), '', 'k'.repeat(1_000), 'not a uuid', '\u00e9\u00e8'), { freq: 6 })
    : fc.constant(null);
  return fc.record({
    segs: fc.tuple(...names.map((n) => segments(n, op, fx))),
    query: queries(doc, op, fx),
    body: bodies(doc, op, fx),
    caller: callers(op, fx),
    idempotency,
  }).map(({ segs, query, body, caller, idempotency: key }) => {
    let i = 0;
    const path = op.path.replace(/\{(\w+)\}/g, () => segs[i++]);
    const headers: Record<string, string> = { ...caller.headers };
    if (key !== null) headers['idempotency-key'] = key;
    let bytes: Buffer | undefined;
    let note = caller.label;
    if (body.kind === 'json') {
      bytes = Buffer.from(serialize(body.value), 'utf8');
      headers['content-type'] = 'application/json';
    } else if (body.kind === 'bytes') {
      bytes = body.bytes;
      headers['content-type'] = body.contentType;
      note += `, ${body.note}`;
    }
    return { method: op.method.toUpperCase(), url: path + query, headers, body: bytes, note };
  });
}

/** The owner's request with a valid-ish body and one field set to null, once per field of the body. */
function nullInEachField(doc: OpenApiDoc, op: Operation, fx: Fixtures): FuzzRequest[] {
  const content = op.doc.requestBody?.content['application/json'];
  if (!content || op.method === 'get') return [];
  const schema = resolve(doc, content.schema);
  const token = op.path.startsWith('/operator/') ? fx.operatorToken : op.path.startsWith('/api/v1/auth/') ? fx.selfToken : fx.org.ownerToken;
  const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => ownSegments(name, op, fx)[0]);
  const [valid] = fc.sample(validish(doc, schema, '', fx) as fc.Arbitrary<Record<string, unknown>>, { seed: SEED, numRuns: 1 });
  return Object.keys(schema.properties ?? {}).map((key) => ({
    method: op.method.toUpperCase(), url, note: `${key}: null`, body: Buffer.from(serialize({ ...valid, [key]: null })),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
  }));
}

// ---------------------------------------------------------------------------------------------
// The database fingerprint

/**
 * Per table: the row count and the sum of a 64-bit hash of every row's content (as jsonb). Any
 * insert or delete changes the count or the sum, and any update that changes a value changes the
 * sum; only a collision of 64-bit hash sums could hide a change. Why not cheaper signals:
 * pg_stat_user_tables counters are reported asynchronously (at transaction end, flushed later), so a
 * write can show up a request late; max(xmin) is the id of the transaction that wrote first, not of
 * the one that committed last, so a transaction that started earlier but committed later can change
 * rows without raising it. Reading every row is fine at the fuzz database's size (hundreds of rows).
 * A write that leaves every value as it was is not a change here, which is what "no change" means.
 * Excluded: api_keys.last_used_at, the authentication's own bookkeeping (an API key's use is
 * recorded at most once a minute, whatever the answer to the request).
 */
async function fingerprintQuery(db: pg.Client): Promise<string> {
  const tables = (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename as string);
  const excluded: Record<string, string[]> = { api_keys: ['last_used_at'] };
  return tables.map((t) => {
    const minus = (excluded[t] ?? []).map((c) => ` - '${c}'`).join('');
    return `SELECT '${t}' AS t, count(*)::text AS n, coalesce(sum(hashtextextended((to_jsonb(x)${minus})::text, 0)), 0)::text AS h FROM "${t}" x`;
  }).join(' UNION ALL ');
}

async function fingerprint(db: pg.Client, sql: string): Promise<Map<string, string>> {
  return new Map((await db.query(sql)).rows.map((r) => [r.t as string, `${r.n}/${r.h}`]));
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((t) => before.get(t) !== after.get(t));
}

// ---------------------------------------------------------------------------------------------

function show(req: FuzzRequest): string {
  const body = req.body ? req.body.toString('utf8') : '';
  const shownUrl = req.url.length > 300 ? `${req.url.slice(0, 300)}... (${req.url.length} chars)` : req.url;
  const shownBody = body.length > 400 ? `${body.slice(0, 400)}... (${body.length} bytes)` : body;
  return `${req.method} ${shownUrl} [${req.note}] ${JSON.stringify(shownBody)}`;
}

describe('fuzz: every operation of the OpenAPI document', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext | null = null;
  let apiUrl: string;
  let db: pg.Client;
  let doc: OpenApiDoc;
  let operations: Operation[];
  let fx: Fixtures;

  beforeAll(async () => {
    env = await createTestEnvironment();
    sandbox = await startTestSandbox();
    const config = env.configWith(sandbox.env());
    api = await startTestApi(config, { listen: true });
    apiUrl = await baseUrlOf(api);
    const endpoint = await sandbox.control.setWebhookEndpoint(`${apiUrl}/webhooks/stripe`, sandbox.webhookSecret);
    worker = await startTestWorker(config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    const http = () => request(apiUrl);

    // Fixtures, so that path parameters can be real ids: two organizations, a published campaign with
    // a paid gift, a draft campaign for the transitions, a member, an invitation, API keys.
    const org = await createOrganizationWithOwner(api);
    const other = await createOrganizationWithOwner(api);
    const campaign = await createCampaign(api, org);
    const draft = await createCampaign(api, org, {}, { publish: false });
    const otherCampaign = await createCampaign(api, other);
    const world = { env, sandbox, config, api, apiUrl, worker, db: api.get(DataSource), close: async () => undefined } as DonationWorld;
    const gift = await startGift(world, campaign.slug);
    await sandbox.control.paySession(gift.sessionId);
    await settle(world);
    const member = await addMemberWithDetails(api, org, 'viewer');
    const owner = { authorization: `Bearer ${org.ownerToken}` };
    const invitation = (await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(owner).send({ email: 'invitee@example.org', role: 'finance' }).expect(201)).body;
    const victimKey = (await http().post(`/api/v1/orgs/${org.orgId}/api-keys`).set(owner).send({ name: 'victim', role: 'viewer' }).expect(201)).body;
    const self = await signUpUser(api);
    // A rotated refresh token: sending it again is reuse (see ALLOWED_WRITES_ON_4XX).
    await http().post('/api/v1/auth/refresh').send({ refreshToken: self.refreshToken }).expect(200);
    fx = {
      org, other, apiKey: await createApiKey(api, org, 'admin'), operatorToken: config.OPERATOR_TOKEN!,
      campaignId: campaign.id, campaignSlug: campaign.slug, draftCampaignId: draft.id, otherCampaignId: otherCampaign.id, otherCampaignSlug: otherCampaign.slug,
      donationId: gift.donationId, membershipId: member.membershipId, invitationId: invitation.id, invitationToken: invitation.token, apiKeyId: victimKey.id,
      selfToken: self.accessToken, selfPassword: self.password, usedRefreshToken: self.refreshToken,
    };
    // From here on nothing writes in the background: no worker, and the sandbox's webhooks go nowhere.
    await worker.close();
    worker = null;
    await sandbox.control.removeWebhookEndpoint(endpoint.id);

    doc = (await http().get('/docs/openapi.json').expect(200)).body as OpenApiDoc;
    operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, doc: op })));
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await sandbox?.close();
    await env?.cleanup();
  }, 60_000);

  it('reads every operation from the document, the operator routes included', () => {
    expect(operations.length).toBeGreaterThanOrEqual(55);
    expect(operations.map((o) => o.key)).toEqual(expect.arrayContaining([
      'POST /api/v1/auth/signup', 'POST /api/v1/orgs/{orgId}/campaigns', 'POST /api/v1/orgs/{orgId}/donations/{donationId}/refunds',
      'GET /api/v1/public/campaigns/{slug}/ledger', 'PUT /operator/campaigns/{campaignId}/platform-fee', 'POST /operator/reconciliation/runs',
    ]));
  });

  it('the fingerprint sees a write to any table', async () => {
    const sql = await fingerprintQuery(db);
    const before = await fingerprint(db, sql);
    await db.query(`UPDATE organizations SET name = name || '.' WHERE id = $1`, [fx.other.orgId]);
    const after = await fingerprint(db, sql);
    await db.query(`UPDATE organizations SET name = left(name, -1) WHERE id = $1`, [fx.other.orgId]);
    expect(changedTables(before, after)).toEqual(['organizations']);
    expect(changedTables(before, await fingerprint(db, sql))).toEqual([]);
  });

  it('answers every generated request without a 5xx; 4xx are problem documents and change nothing in the database', async () => {
    const sql = await fingerprintQuery(db);
    const failures: string[] = [];
    const counts = { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0 };
    let state = await fingerprint(db, sql);
    for (const [index, op] of operations.entries()) {
      // Null in each field of a body that is otherwise valid: optional is not nullable (found: a null
      // organization name reached a NOT NULL column), then the random requests.
      const samples = [...nullInEachField(doc, op, fx), ...fc.sample(requests(doc, op, fx), { seed: SEED + index, numRuns: RUNS })];
      for (const req of samples) {
        const res = await fetch(apiUrl + req.url, { method: req.method, headers: req.headers, body: req.body ? new Uint8Array(req.body) : undefined, redirect: 'manual' });
        const text = await res.text();
        counts.requests++;
        const after = await fingerprint(db, sql);
        const changed = changedTables(state, after);
        state = after;
        const shown = `${op.key}: ${show(req)} -> ${res.status} ${text.slice(0, 600)}`;
        if (res.status >= 500) {
          failures.push(`5xx ${shown}`);
          continue;
        }
        if (res.status >= 400) {
          counts['4xx']++;
          let code: unknown;
          try {
            code = (JSON.parse(text) as { code?: unknown }).code;
          } catch { /* reported below */ }
          if (!(res.headers.get('content-type') ?? '').startsWith('application/problem+json') || typeof code !== 'string') failures.push(`not a problem document ${shown}`);
          if (changed.length > 0 && !ALLOWED_WRITES_ON_4XX[op.key]) failures.push(`4xx changed ${changed.join(', ')}: ${shown}`);
        } else {
          counts[res.status >= 300 ? '3xx' : '2xx']++;
          // The fuzzer's own user signed out or changed its password: sign a new one up.
          if (op.key === 'POST /api/v1/auth/logout' || op.key === 'POST /api/v1/auth/password') {
            const self = await signUpUser(api);
            fx.selfToken = self.accessToken;
            fx.selfPassword = self.password;
            state = await fingerprint(db, sql);
          }
        }
      }
    }
    // Reported once, with every finding (the request and the answer), rather than at the first.
    expect(failures).toEqual([]);
    // The generator reaches the handlers, not only the validation: some requests succeed.
    expect(counts['2xx']).toBeGreaterThan(counts.requests / 10);
    console.log(`fuzz: ${operations.length} operations, ${JSON.stringify(counts)}`);
  });

  // What the fuzzer found (fixed), asserted by name so that a change of seed cannot lose them.
  it('findings: a path that is not UTF-8, a deeply nested body and a null organization name are 4xx problem documents', async () => {
    for (const url of [`/api/v1/orgs/%ED%A0%80`, `/api/v1/orgs/${fx.org.orgId}/members/%FF`, '/operator/payouts/%C0%AF/reject']) {
      const res = await fetch(apiUrl + url, { method: 'GET', headers: { authorization: `Bearer ${fx.org.ownerToken}` } });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('content-security-policy')).toBeTruthy();
      expect(await res.json()).toMatchObject({ code: 'malformed_url' });
    }
    const deep = await request(apiUrl).post(`/api/v1/orgs/${fx.org.orgId}/donations/${fx.donationId}/refunds`).set('authorization', `Bearer ${fx.org.ownerToken}`)
      .set('content-type', 'application/json').send('['.repeat(5_000) + ']'.repeat(5_000));
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('validation_failed');
    const nullName = await request(apiUrl).patch(`/api/v1/orgs/${fx.org.orgId}`).set('authorization', `Bearer ${fx.org.ownerToken}`).send({ name: null });
    expect(nullName.status).toBe(400);
    expect(nullName.body.code).toBe('validation_failed');
  });

  it('leaves the fixtures usable: the owner is still signed in and the organization is there', async () => {
    const res = await request(apiUrl).get(`/api/v1/orgs/${fx.org.orgId}`).set('authorization', `Bearer ${fx.org.ownerToken}`);
    expect(res.status).toBe(200);
  });
});
