import 'reflect-metadata';
import { createPrivateKey } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { plainToInstance, Transform } from 'class-transformer';
import { parseWitnessList, WitnessSetting } from './witness-list.js';
import { parseReplicaUrls } from './replica-urls.js';
import { parseRedisTopology } from './redis-topology.js';
import {
  IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, validateSync, ValidateBy,
} from 'class-validator';

// Not-a-number strings stay strings so the message says "must be an integer", not a range error.
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toList = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : String(value).split(',').map((s) => s.trim()).filter(Boolean);

const urlOptions = { require_tld: false, require_protocol: true };

/** TRANSPARENCY_WITNESSES parsed, or the reason it is not (reported by IsWitnessList). */
const toWitnesses = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '' || Array.isArray(value)) return value === '' ? undefined : value;
  try {
    return parseWitnessList(String(value));
  } catch (error) {
    return { invalid: (error as Error).message };
  }
};

const IsWitnessList = () => ValidateBy({
  name: 'isWitnessList',
  validator: {
    validate: (value: unknown) => Array.isArray(value),
    defaultMessage: (args) => (args?.value as { invalid?: string } | undefined)?.invalid ?? 'must be comma-separated "<url> <cosigner key>" pairs',
  },
});

/** TRUST_PROXY as Fastify's trustProxy takes it: a boolean, a hop count, or a list of addresses. */
const toTrustProxy = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(',').map((s) => s.trim()).filter(Boolean);
};

const NAMED_SUBNETS = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (NAMED_SUBNETS.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (version === 4 ? 32 : 128);
}

const IsTrustProxy = () => ValidateBy({
  name: 'isTrustProxy',
  validator: {
    validate: (value: unknown) => typeof value === 'boolean'
      || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100)
      || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && isProxyAddress(v))),
    defaultMessage: () => 'must be true, false, a hop count, or a comma-separated list of proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal)',
  },
});

/** The signer (libs/transparency) reads an Ed25519 private key, PKCS#8 DER in base64: check it here so a bad one stops the boot. */
const IsEd25519Pkcs8Base64 = () => ValidateBy({
  name: 'isEd25519Pkcs8Base64',
  validator: {
    validate: (value: unknown) => {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return false;
      try {
        return createPrivateKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'pkcs8' }).asymmetricKeyType === 'ed25519';
      } catch {
        return false;
      }
    },
    defaultMessage: () => 'must be an Ed25519 private key, PKCS#8 DER in base64',
  },
});

/**
 * The whole configuration, read once from the environment and validated. Variable names are the
 * property names; see .env.example for what each means.
 */
export class AppConfig {
  @IsIn(['development', 'test', 'production']) NODE_ENV: 'development' | 'test' | 'production' = 'development';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  /** Share (percent) of the API's fast successful requests given a "request completed" line; errors, 5xx and slow requests always are. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100) LOG_REQUEST_SAMPLE_PERCENT = 100;
  /** Requests slower than this many milliseconds are always logged. */
  @Transform(toInt) @IsInt() @Min(0) LOG_SLOW_REQUEST_MS = 1000;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535) API_PORT = 3000;
  @IsString() API_HOST = '127.0.0.1';
  /** Where people reach the API and public pages; used in links, checkout return URLs and e-mails. */
  @IsUrl(urlOptions) PUBLIC_BASE_URL = 'http://127.0.0.1:3000';
  @Transform(toInt) @IsInt() @Min(1024) @Max(10_485_760) BODY_LIMIT_BYTES = 102_400;
  /**
   * Which proxies may tell the client's address in X-Forwarded-For (rate limits are keyed on it).
   * false: nobody, the address is the connection's; true: any; a hop count; or proxy addresses/CIDRs.
   */
  @Transform(toTrustProxy) @IsTrustProxy() TRUST_PROXY: boolean | number | string[] = false;

  @IsUrl({ ...urlOptions, protocols: ['postgres', 'postgresql'] }) DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ataa';
  @Transform(toInt) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  /**
   * Streaming replicas of DATABASE_URL that serve the public reads (docs/replicas.md), comma-separated
   * PostgreSQL URLs; empty: every read goes to the primary. Checked as URLs here (loadConfig) and at
   * boot against the primary (same system identifier, in recovery): a wrong one stops the process.
   */
  @IsString({ each: true }) DATABASE_REPLICA_URLS: string[] = [];
  /** A replica further behind the primary than this (milliseconds) is skipped: its reads go to the primary. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) REPLICA_MAX_LAG_MS = 5000;
  /** How often each process measures its replicas' lag and health (milliseconds). */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000) REPLICA_CHECK_INTERVAL_MS = 1000;
  /**
   * One Redis server (redis:// or rediss://), a Redis Cluster (redis+cluster://host:port,host:port)
   * or a master behind Redis Sentinel (redis+sentinel://host:port,host:port/<master name>[/<db>]).
   * Checked in loadConfig by parseRedisTopology, with the three variables below (docs/redis-cluster.md).
   */
  @IsString() REDIS_URL = 'redis://127.0.0.1:6379';
  /** Redis Cluster seed nodes, comma-separated host:port; REDIS_URL then only gives user, password and TLS. */
  @Transform(toList) @IsOptional() @IsString({ each: true }) REDIS_CLUSTER_NODES?: string[];
  /** Redis Sentinel: the sentinels, comma-separated host:port (default port 26379), and the master's name. */
  @Transform(toList) @IsOptional() @IsString({ each: true }) REDIS_SENTINELS?: string[];
  @IsOptional() @IsString() REDIS_SENTINEL_NAME?: string;
  /**
   * Key prefix for every BullMQ queue, so several deployments (or test runs) share one Redis. On a
   * Redis Cluster it is hash-tagged (`ataa` becomes `{ataa}`) unless it already holds a `{tag}`.
   */
  @Matches(/^[A-Za-z0-9:_{}-]+$/) QUEUE_PREFIX = 'ataa';
  /**
   * Command timeout of the Redis connections used while answering a request (rate limits, readiness):
   * a stalled Redis costs a request at most this, then the limit's stated failure policy applies.
   * Keep it at most 200 ms in production; tests of other behaviour on a loaded machine may raise it.
   */
  @Transform(toInt) @IsInt() @Min(10) @Max(10_000) REDIS_REQUEST_TIMEOUT_MS = 200;

  /** Secret key for Stripe (or for the sandbox, which accepts any sk_test_ key). */
  @IsOptional() @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/) STRIPE_SECRET_KEY?: string;
  /** The sandbox's base URL. Unset with a real key: the platform talks to Stripe itself. */
  @IsOptional() @IsUrl(urlOptions) STRIPE_API_BASE?: string;
  /**
   * Origins the donor's browser is sent to for payment (the campaign page's CSP form-action, which
   * also governs the form's redirect). Default: the sandbox's STRIPE_API_BASE when set, and Stripe
   * Checkout. Set it when the sandbox's address seen by browsers differs (docker compose).
   */
  @Transform(toList) @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { each: true })
  CHECKOUT_ORIGINS?: string[];
  /** Webhook signing secrets, comma-separated, so a secret can be rotated without downtime. */
  @Transform(toList) @IsOptional() @IsString({ each: true }) @Matches(/^whsec_[A-Za-z0-9_]+$/, { each: true })
  STRIPE_WEBHOOK_SECRETS?: string[];

  @Transform(toInt) @IsInt() @Min(0) @Max(65535) SANDBOX_PORT = 12111;
  @Transform(toBool) @IsBoolean() SANDBOX_TEST_MODE = false;
  @IsOptional() @IsUrl(urlOptions) SANDBOX_WEBHOOK_URL?: string;
  @IsOptional() @IsString() SANDBOX_STATE_FILE?: string;

  @IsUrl({ ...urlOptions, protocols: ['smtp', 'smtps'] }) SMTP_URL = 'smtp://127.0.0.1:1025';
  @IsString() @MinLength(3) MAIL_FROM = 'Ataa Receipts <receipts@ataa.local>';
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) MAIL_CATCHER_PORT = 1080;
  /** How long one worker may hold the right to send a receipt (longer than any SMTP timeout); a crashed sender's receipt waits this long. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600) RECEIPT_SEND_LEASE_SECONDS = 120;
  /** Campaign update e-mails: recipients per BullMQ job (one outbox row per batch). */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) UPDATE_MAIL_BATCH_SIZE = 100;
  /** BullMQ lock on a notifications job; a job whose worker died is taken back once the lock has lapsed and a stalled check ran. */
  @Transform(toInt) @IsInt() @Min(500) @Max(600_000) NOTIFICATIONS_JOB_LOCK_MS = 30_000;
  @Transform(toInt) @IsInt() @Min(200) @Max(600_000) NOTIFICATIONS_STALLED_INTERVAL_MS = 30_000;
  /**
   * Threads rendering receipt PDFs in each worker process (started with its first receipt), so the
   * event loop that settles Stripe events never renders; default: one per CPU but one, at least one.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) RECEIPT_RENDER_THREADS = Math.max(1, availableParallelism() - 1);

  /** HMAC secret for access tokens. Required in production. */
  @IsOptional() @IsString() @MinLength(32) AUTH_SECRET?: string;
  /** Bearer token for operator endpoints (payout approval, queue dashboard). Required in production. */
  @IsOptional() @IsString() @MinLength(24) OPERATOR_TOKEN?: string;
  /** Ed25519 private key (PKCS#8 DER, base64) that signs transparency checkpoints. */
  @IsOptional() @IsString() @IsEd25519Pkcs8Base64() TRANSPARENCY_SIGNING_KEY?: string;
  @IsString() @Matches(/^[\x21-\x7e]+$/) TRANSPARENCY_ORIGIN = 'ataa.local';
  /**
   * Megabytes of public entries' JSON each API keeps for the JSON ledger's pages (outside V8's heap):
   * 64 holds about 180,000 entries of leaf format 1 or 120,000 of format 3, across campaigns.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(16_384) PUBLIC_ENTRY_CACHE_MB = 64;

  /**
   * Whole-log exports (ledger.csv, ledger.ndjson) each API streams at once. Each holds a database
   * connection of the pool (DATABASE_POOL_SIZE) until its last row, seconds for a large log: beyond
   * this many, an export is refused with 503 `exports_busy` and Retry-After, so that exports never
   * take the connections the pages need.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) PUBLIC_EXPORTS_IN_FLIGHT = 4;
  /**
   * Witnesses (C2SP tlog-witness) that get every new checkpoint of every campaign log and cosign it:
   * comma-separated `<submission URL> <cosigner vkey>` pairs. Empty: checkpoints are signed by the platform alone.
   */
  @Transform(toWitnesses) @IsWitnessList() TRANSPARENCY_WITNESSES: WitnessSetting[] = [];
  /** Bound on each call to a witness (connect, send, answer), in milliseconds. */
  @Transform(toInt) @IsInt() @Min(100) @Max(120_000) TRANSPARENCY_WITNESS_TIMEOUT_MS = 10_000;
  /** First retry delay of a submission some witness did not cosign (doubling on each retry), in milliseconds. */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000) TRANSPARENCY_WITNESS_RETRY_MS = 5_000;

  /** Failed logins for one e-mail, from any address, before it is locked; the lock ends this many seconds after the last failure. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000) LOGIN_FAILURES_PER_ACCOUNT = 20;
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400) LOGIN_FAILURE_WINDOW_SECONDS = 900;
  /**
   * Dashboard two-factor sign-in: when true, an owner of an organization whose Stripe account has
   * payouts enabled must turn on two-factor sign-in before using that organization's pages.
   */
  @Transform(toBool) @IsBoolean() REQUIRE_TOTP_FOR_PAYOUT_OWNERS = false;
  /** Checkout attempts (the campaign page's donation form) per client address per window: slows card testing. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) CHECKOUTS_PER_ADDRESS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400) CHECKOUT_WINDOW_SECONDS = 600;

  /** Platform fee applied to new campaigns, in basis points (200 = 2%). */
  @Transform(toInt) @IsInt() @Min(0) @Max(5000) PLATFORM_FEE_BPS = 200;
  @Transform(toInt) @IsInt() @Min(1) @Max(3600) SHUTDOWN_GRACE_SECONDS = 10;

  /** Campaign close-out: gifts refunded per batch job, how often the worker looks for campaigns past their end date, pause between batches. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) CLOSEOUT_BATCH_SIZE = 50;
  @Transform(toInt) @IsInt() @Min(1000) @Max(86_400_000) CLOSEOUT_SWEEP_INTERVAL_MS = 60_000;
  @Transform(toInt) @IsInt() @Min(0) @Max(86_400_000) CLOSEOUT_BATCH_DELAY_MS = 0;
  /**
   * All-or-nothing campaigns take pledges (the card saved, charged at the close-out only if the goal
   * is met; docs/recurring.md "Pledges"). False: their form charges at once and a missed goal
   * refunds every gift (Stripe keeps its fees), as before pledges.
   */
  @Transform(toBool) @IsBoolean() ALL_OR_NOTHING_PLEDGES = true;

  /** Reconciliation with Stripe: how often it runs, and how long a Stripe movement may wait for its ledger entry before it is a difference. */
  @Transform(toInt) @IsInt() @Min(60_000) @Max(604_800_000) RECONCILIATION_INTERVAL_MS = 3_600_000;
  @Transform(toInt) @IsInt() @Min(0) @Max(604_800_000) RECONCILIATION_GRACE_MS = 3_600_000;
  /** Invariant checked by reconciliation: a succeeded charge has its gift posted in the ledger within this many seconds (else `charge_not_posted`). */
  @Transform(toInt) @IsInt() @Min(0) @Max(604_800) RECONCILIATION_POSTING_DEADLINE_SECONDS = 600;

  /** Stripe event inbox: after this many failed attempts an event is dead-lettered (no more retries; operators list and retry it). */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) INBOX_MAX_ATTEMPTS = 8;

  /**
   * Donor data export (issue 17): how long the e-mailed download link works, and how many export
   * requests the public form takes per e-mail address and per client address in a window.
   */
  @Transform(toInt) @IsInt() @Min(300) @Max(604_800) DATA_EXPORT_LINK_TTL_SECONDS = 86_400;
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) DATA_EXPORT_REQUESTS_PER_EMAIL = 3;
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) DATA_EXPORT_REQUESTS_PER_ADDRESS = 20;
  @Transform(toInt) @IsInt() @Min(60) @Max(604_800) DATA_EXPORT_WINDOW_SECONDS = 3600;

  /**
   * Donor page (issue 20): how long a signed-in donor's session cookie lasts (short: it shows every
   * gift of the address), and how many sign-in links the public form sends per e-mail address and
   * per client address in a window. The link itself always expires after 15 minutes (not configurable).
   */
  @Transform(toInt) @IsInt() @Min(60) @Max(86_400) DONOR_SESSION_TTL_SECONDS = 1800;
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) DONOR_SIGN_IN_LINKS_PER_EMAIL = 3;
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) DONOR_SIGN_IN_LINKS_PER_ADDRESS = 20;
  @Transform(toInt) @IsInt() @Min(60) @Max(604_800) DONOR_SIGN_IN_LINK_WINDOW_SECONDS = 3600;

  /**
   * Retention (issue 17): what the worker's retention job removes, each after its own period in days.
   * Checkout sessions never completed (the unpaid donation rows, deleted), Stripe webhook payloads of
   * processed events (nulled; id, type and times kept for dedupe), client addresses in rate-limit
   * records, mail bodies and recipients of delivered messages, spent or expired export requests.
   */
  @Transform(toInt) @IsInt() @Min(2) @Max(3650) RETENTION_CHECKOUT_DAYS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_WEBHOOK_PAYLOAD_DAYS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_IP_DAYS = 7;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_MAIL_BODY_DAYS = 90;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_EXPORT_REQUEST_DAYS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_SIGN_IN_TOKEN_DAYS = 7;
  /** How often the retention job runs, and the rows one statement touches (bounded so it never holds big locks). */
  @Transform(toInt) @IsInt() @Min(60_000) @Max(604_800_000) RETENTION_INTERVAL_MS = 3_600_000;
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000) RETENTION_BATCH_SIZE = 500;

  /**
   * Erasure (issue 17): an erased gift keeps its accounting facts (amount, currency, dates, Stripe ids)
   * this many days after the erasure (`donations.retain_until`); the e-mailed confirmation link
   * lasts this many minutes; link requests per client address and per e-mail address per window.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(36_500) ERASURE_ACCOUNTING_RETENTION_DAYS = 3650;
  @Transform(toInt) @IsInt() @Min(5) @Max(10_080) ERASURE_LINK_TTL_MINUTES = 1440;
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) ERASURE_REQUESTS_PER_ADDRESS = 20;
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) ERASURE_REQUESTS_PER_EMAIL = 3;
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400) ERASURE_REQUEST_WINDOW_SECONDS = 3600;
  /** Reports (donor-wall messages, campaigns) per client address per window: a report flood is refused with 429 `rate_limited`. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) REPORTS_PER_ADDRESS = 10;
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400) REPORT_WINDOW_SECONDS = 3600;
  /** Uploaded files (campaign cover images) for the disk storage adapter: a directory, made when missing. */
  @IsString() @MinLength(1) UPLOAD_DIR = './var/uploads';
  /** Largest cover image accepted by the dashboard's upload, in bytes (JPEG, PNG or WebP). */
  @Transform(toInt) @IsInt() @Min(10_240) @Max(20_971_520) COVER_IMAGE_MAX_BYTES = 2_097_152;
  /** Largest spending evidence file accepted (PDF, JPEG, PNG or WebP, checked by their bytes), in bytes. */
  @Transform(toInt) @IsInt() @Min(10_240) @Max(52_428_800) EVIDENCE_FILE_MAX_BYTES = 10_485_760;
  /** Automatic filter: hold gift messages with a link for review before they show on the donor wall. */
  @Transform(toBool) @IsBoolean() MODERATION_HOLD_LINKS = false;
  /** Automatic filter: words (comma-separated, whole words, case-insensitive) that hold a gift message for review. */
  @Transform(toList) @IsString({ each: true }) @MaxLength(100, { each: true }) MODERATION_HOLD_WORDS: string[] = [];

  /**
   * The worker's fee sweep posts the Stripe fees of gifts settled with their fee pending, listing
   * balance transactions 100 a page: as soon as 100 gifts wait, else once the oldest has waited this
   * many seconds. 0 turns the worker's sweep off (tests run it themselves).
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(86_400) FEE_SWEEP_SECONDS = 30;

  /**
   * Tests and demos only: the Stripe test clock (`clock_...`) the Customers of new recurring gifts
   * are placed on, so a year of renewals runs in seconds. Refused in production.
   */
  @IsOptional() @Matches(/^clock_[A-Za-z0-9]+$/) STRIPE_TEST_CLOCK?: string;
}

/** Secrets that must be set explicitly in production; development and tests get local defaults. */
const PRODUCTION_SECRETS = ['AUTH_SECRET', 'OPERATOR_TOKEN', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS', 'TRANSPARENCY_SIGNING_KEY'] as const;
export type ProductionSecret = (typeof PRODUCTION_SECRETS)[number];

/**
 * The secrets each process uses, so a process is never asked for one it has no feature for: the API
 * signs sessions and invitations, authenticates operators, calls Stripe, verifies webhooks and signs
 * checkpoints; the worker calls Stripe, derives invitation links and signs the checkpoints receipts
 * carry; the Stripe sandbox and the mail catcher need none (the sandbox signs webhooks with
 * STRIPE_WEBHOOK_SECRETS only when it delivers them, which its own start-up checks).
 */
export const SECRETS_USED_BY = {
  api: PRODUCTION_SECRETS,
  worker: ['AUTH_SECRET', 'STRIPE_SECRET_KEY', 'TRANSPARENCY_SIGNING_KEY'],
  'stripe-sandbox': [],
  'mail-catcher': [],
} as const satisfies Record<string, readonly ProductionSecret[]>;

const DEVELOPMENT_DEFAULTS: Partial<Record<(typeof PRODUCTION_SECRETS)[number], string>> = {
  AUTH_SECRET: 'development-only-auth-secret-change-me-000000',
  OPERATOR_TOKEN: 'development-operator-token-000000',
  STRIPE_SECRET_KEY: 'sk_test_ataa_sandbox',
  STRIPE_WEBHOOK_SECRETS: 'whsec_ataa_sandbox_development',
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration. Throws a ConfigError whose message is one clear line.
 * `requiredSecrets`: the secrets this process uses (every one unless told), required in production.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, requiredSecrets: readonly ProductionSecret[] = PRODUCTION_SECRETS): AppConfig {
  const raw: Record<string, unknown> = {};
  const known = Object.keys(new AppConfig());
  const optional = ['STRIPE_API_BASE', 'CHECKOUT_ORIGINS', 'SANDBOX_WEBHOOK_URL', 'SANDBOX_STATE_FILE', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME'];
  for (const key of [...known, ...PRODUCTION_SECRETS, ...optional]) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const nodeEnv = (raw.NODE_ENV as string | undefined) ?? 'development';
  for (const key of PRODUCTION_SECRETS) {
    if (raw[key] !== undefined) continue;
    if (nodeEnv === 'production') {
      // A secret this process does not use stays unset (never a development default in production).
      if (requiredSecrets.includes(key)) throw new ConfigError(`Configuration error: ${key} is required when NODE_ENV=production`);
      continue;
    }
    if (DEVELOPMENT_DEFAULTS[key] !== undefined) raw[key] = DEVELOPMENT_DEFAULTS[key];
  }
  if (nodeEnv !== 'production' && raw.STRIPE_API_BASE === undefined && String(raw.STRIPE_SECRET_KEY ?? '').includes('ataa_sandbox')) {
    // The development key only works against the local sandbox.
    raw.STRIPE_API_BASE = `http://127.0.0.1:${raw.SANDBOX_PORT ?? 12111}`;
  }
  if (nodeEnv === 'production' && raw.STRIPE_TEST_CLOCK !== undefined) {
    throw new ConfigError('Configuration error: STRIPE_TEST_CLOCK is for tests and demos and is refused when NODE_ENV=production');
  }
  if (raw.DATABASE_REPLICA_URLS !== undefined) {
    // Checked here rather than by a decorator: the message names the wrong entry with its password
    // masked (the "(got …)" of other variables would print it) and compares with DATABASE_URL.
    try {
      raw.DATABASE_REPLICA_URLS = parseReplicaUrls(String(raw.DATABASE_REPLICA_URLS), String(raw.DATABASE_URL ?? new AppConfig().DATABASE_URL));
    } catch (error) {
      throw new ConfigError(`Configuration error: DATABASE_REPLICA_URLS ${(error as Error).message}`);
    }
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    const constraints = first.constraints ?? {};
    // The type constraint says the most; range constraints only make sense once the type is right.
    const typeKey = ['isInt', 'isBoolean', 'isUrl', 'isString', 'isIn', 'matches'].find((k) => k in constraints);
    const reason = (typeKey ? constraints[typeKey] : Object.values(constraints)[0]) ?? 'is invalid';
    const shown = PRODUCTION_SECRETS.includes(first.property as never) ? '(hidden)' : JSON.stringify(raw[first.property] ?? null);
    throw new ConfigError(`Configuration error: ${first.property} ${reason.replace(`${first.property} `, '')} (got ${shown})`);
  }
  try {
    parseRedisTopology(config);
  } catch (error) {
    throw new ConfigError(`Configuration error: ${(error as Error).message}`);
  }
  return config;
}
