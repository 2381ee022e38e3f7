import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** A Stripe-shaped JSON object as the API returns it (references to other objects as ids). */
export type StripeObject = Record<string, any>;

export interface IdempotencyRecord {
  scope: string;
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  createdAt: number;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  enabledEvents: string[];
}

interface PersistedState {
  version: 1;
  clockOffset: number;
  seq: number;
  objects: Array<{ seq: number; value: StripeObject }>;
  internal: Array<[string, unknown]>;
  idempotency: IdempotencyRecord[];
  endpoints: WebhookEndpoint[];
  undelivered: Array<[string, string[]]>;
}

/**
 * Everything the sandbox knows, in memory, optionally saved to a JSON file after each change so a
 * demo survives a restart. Objects are stored once, keyed by id, in creation order.
 */
export class StateStore {
  private readonly objects = new Map<string, { seq: number; value: StripeObject }>();
  /** Private per-object data that Stripe does not show (test scenario, settlement times, ...). */
  readonly internal = new Map<string, unknown>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  endpoints: WebhookEndpoint[] = [];
  /** Event id -> endpoint ids still waiting for a successful delivery (re-sent after a restart). */
  readonly undelivered = new Map<string, string[]>();
  clockOffset = 0;
  private seq = 0;
  private dirty = false;

  constructor(private readonly file?: string) {}

  put<T extends StripeObject>(value: T): T {
    const existing = this.objects.get(value.id);
    this.objects.set(value.id, { seq: existing?.seq ?? ++this.seq, value });
    this.dirty = true;
    return value;
  }

  get(id: string): StripeObject | undefined {
    return this.objects.get(id)?.value;
  }

  /** The object with this id when it is of this type (`object` field). */
  getOf(type: string, id: string): StripeObject | undefined {
    const value = this.get(id);
    return value && value.object === type ? value : undefined;
  }

  /** Objects of a type, newest first (Stripe's list order). */
  all(type: string, filter: (value: StripeObject) => boolean = () => true): StripeObject[] {
    const out: Array<{ seq: number; value: StripeObject }> = [];
    for (const entry of this.objects.values()) {
      if (entry.value.object === type && filter(entry.value)) out.push(entry);
    }
    return out.sort((a, b) => b.seq - a.seq).map((entry) => entry.value);
  }

  /** The latest `created` of any stored object (null when the sandbox holds none). */
  newestCreated(): number | null {
    let newest: number | null = null;
    for (const { value } of this.objects.values()) {
      if (typeof value.created === 'number' && (newest === null || value.created > newest)) newest = value.created;
    }
    return newest;
  }

  /** Applies changes to a stored object and returns the previous values (for `previous_attributes`). */
  update(id: string, changes: StripeObject): StripeObject {
    const value = this.get(id);
    if (!value) throw new Error(`no object ${id}`);
    const previous: StripeObject = {};
    for (const [key, next] of Object.entries(changes)) {
      if (JSON.stringify(value[key]) !== JSON.stringify(next)) previous[key] = structuredClone(value[key]);
      value[key] = next;
    }
    this.dirty = true;
    return previous;
  }

  getInternal<T>(id: string): T | undefined {
    return this.internal.get(id) as T | undefined;
  }

  setInternal(id: string, value: unknown): void {
    this.internal.set(id, value);
    this.dirty = true;
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Writes the state file when something changed (atomically: temp file, then rename). */
  save(): void {
    if (!this.file || !this.dirty) return;
    const state: PersistedState = {
      version: 1,
      clockOffset: this.clockOffset,
      seq: this.seq,
      objects: [...this.objects.values()],
      internal: [...this.internal.entries()],
      idempotency: [...this.idempotency.values()],
      endpoints: this.endpoints,
      undelivered: [...this.undelivered.entries()],
    };
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state));
    renameSync(temp, this.file);
    this.dirty = false;
  }

  /** Loads the state file if there is one; returns whether it did. */
  load(): boolean {
    if (!this.file || !existsSync(this.file)) return false;
    const state = JSON.parse(readFileSync(this.file, 'utf8')) as PersistedState;
    if (state.version !== 1) throw new Error(`unsupported sandbox state file version ${String(state.version)}`);
    this.objects.clear();
    for (const entry of state.objects) this.objects.set(entry.value.id, entry);
    this.internal.clear();
    for (const [key, value] of state.internal) this.internal.set(key, value);
    this.idempotency.clear();
    for (const record of state.idempotency) this.idempotency.set(`${record.scope}:${record.key}`, record);
    this.undelivered.clear();
    for (const [key, value] of state.undelivered ?? []) this.undelivered.set(key, value);
    this.endpoints = state.endpoints ?? [];
    this.clockOffset = state.clockOffset;
    this.seq = state.seq;
    this.dirty = false;
    return true;
  }
}
