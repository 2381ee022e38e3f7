import { isSupportedCurrency } from '@ataa/common';
import { invalidRequest, missingParam } from './stripe-error.js';

/** A parsed form body (qs output): strings, arrays and nested objects. */
export type RawParams = Record<string, unknown>;

const INTEGER = /^-?\d+$/;

/**
 * Reads request parameters the way Stripe validates them, naming each parameter in errors with
 * Stripe's bracket notation (`line_items[0][price_data][currency]`). An empty string means "not given".
 */
export class Params {
  constructor(
    readonly raw: RawParams,
    private readonly prefix = '',
  ) {}

  static of(value: unknown, prefix = ''): Params {
    return new Params(value && typeof value === 'object' && !Array.isArray(value) ? (value as RawParams) : {}, prefix);
  }

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    const value = this.raw[key];
    return value !== undefined && value !== '';
  }

  /**
   * Refuses parameters the sandbox does not model. Parameters Stripe does not know were refused
   * before (validateParams, parameter_unknown); these are ones Stripe takes, so the answer carries
   * no Stripe code: it says the sandbox cannot honour the request instead of silently ignoring part of it.
   */
  allow(keys: readonly string[]): this {
    for (const key of Object.keys(this.raw)) {
      if (!keys.includes(key)) throw invalidRequest(`The Stripe sandbox does not model the parameter ${this.name(key)} (Stripe accepts it).`, undefined, this.name(key));
    }
    return this;
  }

  string(key: string, options: { required: true; oneOf?: readonly string[]; max?: number }): string;
  string(key: string, options?: { required?: false; oneOf?: readonly string[]; max?: number }): string | undefined;
  string(key: string, options: { required?: boolean; oneOf?: readonly string[]; max?: number } = {}): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === '') {
      if (options.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, undefined, this.name(key));
    if (options.oneOf && !options.oneOf.includes(value)) {
      throw invalidRequest(`Invalid ${this.name(key)}: must be one of ${options.oneOf.join(', ')}`, undefined, this.name(key));
    }
    if (options.max !== undefined && value.length > options.max) {
      throw invalidRequest(`Invalid ${this.name(key)}: must be at most ${options.max} characters`, undefined, this.name(key));
    }
    return value;
  }

  integer(key: string, options: { required: true; min?: number; max?: number }): number;
  integer(key: string, options?: { required?: false; min?: number; max?: number }): number | undefined;
  integer(key: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.raw[key];
    if (value === undefined || value === '') {
      if (options.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (typeof value !== 'string' || !INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
      throw invalidRequest(`Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, 'parameter_invalid_integer', this.name(key));
    }
    const n = Number(value);
    if (options.min !== undefined && n < options.min) {
      const what = options.min === 1 ? 'positive integer' : options.min === 0 ? 'non-negative integer' : `integer (at least ${options.min})`;
      throw invalidRequest(`Invalid ${what}: ${this.name(key)} must be greater than or equal to ${options.min}`, 'parameter_invalid_integer', this.name(key));
    }
    if (options.max !== undefined && n > options.max) {
      throw invalidRequest(`Invalid integer: ${this.name(key)} must be less than or equal to ${options.max}`, 'parameter_invalid_integer', this.name(key));
    }
    return n;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw[key];
    if (value === undefined || value === '') return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw invalidRequest(`Invalid boolean: ${String(value)}`, undefined, this.name(key));
  }

  currency(key: string, options: { required: true }): string;
  currency(key: string, options?: { required?: boolean }): string | undefined;
  currency(key: string, options: { required?: boolean } = {}): string | undefined {
    const value = options.required ? this.string(key, { required: true }) : this.string(key);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (!isSupportedCurrency(lower)) {
      throw invalidRequest(`Invalid currency: ${value}. Stripe currently supports these currencies: see https://stripe.com/docs/currencies`, undefined, this.name(key));
    }
    return lower;
  }

  /** Stripe's metadata: at most 50 keys, keys up to 40 characters, values up to 500. */
  metadata(key = 'metadata'): Record<string, string> | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidRequest('Invalid object', undefined, this.name(key));
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', undefined, this.name(key));
    const out: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (k.length > 40) throw invalidRequest(`Metadata keys can have up to 40 characters (${k}).`, undefined, `${this.name(key)}[${k}]`);
      if (typeof v !== 'string') throw invalidRequest('Metadata values must be strings.', undefined, `${this.name(key)}[${k}]`);
      if (v.length > 500) throw invalidRequest('Metadata values can have up to 500 characters.', undefined, `${this.name(key)}[${k}]`);
      if (v !== '') out[k] = v;
    }
    return out;
  }

  object(key: string, options: { required?: boolean } = {}): Params | undefined {
    const value = this.raw[key];
    if (value === undefined || value === '') {
      if (options.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidRequest('Invalid object', undefined, this.name(key));
    }
    return new Params(value as RawParams, this.name(key));
  }

  /** Arrays arrive as `key[0][...]` (qs gives an array) or, past qs's index limit, as an object. */
  array(key: string, options: { required?: boolean } = {}): unknown[] | undefined {
    const value = this.raw[key];
    if (value === undefined || value === '') {
      if (options.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (Array.isArray(value)) return value;
    if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      if (keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => Number(a) - Number(b)).map((k) => (value as RawParams)[k]);
    }
    if (typeof value === 'string') return [value];
    throw invalidRequest('Invalid array', undefined, this.name(key));
  }

  objects(key: string, options: { required?: boolean } = {}): Params[] | undefined {
    const items = this.array(key, options);
    if (items === undefined) return undefined;
    if (options.required && items.length === 0) throw missingParam(this.name(key));
    return items.map((item, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw invalidRequest('Invalid object', undefined, `${this.name(key)}[${index}]`);
      }
      return new Params(item as RawParams, `${this.name(key)}[${index}]`);
    });
  }

  strings(key: string): string[] | undefined {
    const items = this.array(key);
    if (items === undefined) return undefined;
    return items.map((item, index) => {
      if (typeof item !== 'string') throw invalidRequest('Invalid string', undefined, `${this.name(key)}[${index}]`);
      return item;
    });
  }

  /** The `expand[]` list every endpoint accepts. */
  expand(): string[] {
    return this.strings('expand') ?? [];
  }
}
