import { EndpointRules, ParamRule } from './param-rule-types.js';
import { invalidRequest, missingParam, unknownParam } from './stripe-error.js';

/**
 * Checks a request's parameters against the endpoint's rules generated from the `stripe` package
 * (generated/param-rules.ts) before the engine sees them, and answers as Stripe does:
 *
 * | what | code | message |
 * |---|---|---|
 * | a parameter the endpoint does not have | `parameter_unknown` | Received unknown parameter: line_items[0][foo] |
 * | a required parameter missing | `parameter_missing` | Missing required param: account. |
 * | '' for a parameter that cannot be unset | `parameter_invalid_empty` | You passed an empty string for 'amount'. ... |
 * | not an integer | `parameter_invalid_integer` | Invalid integer: abc |
 * | a value outside an enum | (none) | Invalid locale: must be one of auto, bg, ..., or zh-TW |
 * | not a boolean / decimal / string / hash / array | (none) | Invalid boolean: maybe, Invalid decimal: x, Invalid string: ..., Invalid hash, Invalid array |
 *
 * Parameters are named in Stripe's bracket notation. Semantic checks (amounts per currency, URLs,
 * ids that exist, lengths) stay in the engine.
 */
export function validateParams(rules: EndpointRules, raw: Record<string, unknown>): void {
  checkObject(rules.params, raw, '');
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;

type Kind = 'string' | 'object' | 'array' | 'other';

const kindOf = (value: unknown): Kind =>
  typeof value === 'string' ? 'string' : Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'other';

const nameOf = (prefix: string, key: string | number) => (prefix ? `${prefix}[${key}]` : String(key));

/** "a, b, or c", as Stripe lists allowed values. */
const orList = (values: readonly string[]) =>
  values.length <= 1 ? values.join('') : values.length === 2 ? `${values[0]} or ${values[1]}` : `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`;

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function checkObject(properties: Record<string, ParamRule>, raw: Record<string, unknown>, prefix: string): void {
  for (const key of Object.keys(raw)) {
    if (!Object.prototype.hasOwnProperty.call(properties, key)) throw unknownParam(nameOf(prefix, key));
  }
  for (const [key, rule] of Object.entries(properties)) {
    if (rule.required && raw[key] === undefined) throw missingParam(nameOf(prefix, key));
  }
  for (const [key, value] of Object.entries(raw)) checkValue(properties[key], value, nameOf(prefix, key));
}

/** qs gives an array for `a[0]`..`a[100]`, and an object with numeric keys past its index limit. */
function asArray(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (kindOf(value) === 'object') {
    const keys = Object.keys(value as object);
    if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => Number(a) - Number(b)).map((k) => (value as Record<string, unknown>)[k]);
  }
  return null;
}

function accepts(rule: ParamRule, kind: Kind): boolean {
  switch (rule.type) {
    case 'object':
    case 'map':
    case 'metadata':
      return kind === 'object';
    case 'array':
      return kind === 'array' || kind === 'object';
    case 'anyOf':
      return rule.options.some((option) => accepts(option, kind));
    default:
      return kind === 'string';
  }
}

export function checkValue(rule: ParamRule, value: unknown, name: string): void {
  if (value === '') {
    if (rule.emptyable) return;
    throw invalidRequest(
      `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
      'parameter_invalid_empty', name,
    );
  }
  const kind = kindOf(value);
  switch (rule.type) {
    case 'anyOf': {
      const option = rule.options.find((o) => accepts(o, kind)) ?? rule.options[0];
      return checkValue({ ...option, emptyable: rule.emptyable }, value, name);
    }
    case 'string':
      if (kind !== 'string') throw invalidRequest(`Invalid string: ${shown(value)}`, undefined, name);
      return;
    case 'enum':
      if (kind !== 'string' || !rule.values.includes(value as string)) {
        throw invalidRequest(`Invalid ${name}: must be one of ${orList(rule.values)}`, undefined, name);
      }
      return;
    case 'integer':
      if (kind !== 'string' || !INTEGER.test(value as string) || !Number.isSafeInteger(Number(value))) {
        throw invalidRequest(`Invalid integer: ${shown(value)}`, 'parameter_invalid_integer', name);
      }
      return;
    case 'float':
    case 'decimal':
      if (kind !== 'string' || !DECIMAL.test(value as string)) throw invalidRequest(`Invalid decimal: ${shown(value)}`, undefined, name);
      return;
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${shown(value)}`, undefined, name);
      return;
    case 'metadata':
    case 'map': {
      if (kind !== 'object') throw invalidRequest('Invalid hash', undefined, name);
      const values: ParamRule = rule.type === 'map' ? rule.values : { type: 'string', emptyable: true };
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) checkValue(values, item, nameOf(name, key));
      return;
    }
    case 'object':
      if (kind !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid hash', undefined, name);
      return checkObject(rule.properties, value as Record<string, unknown>, name);
    case 'array': {
      const items = asArray(value);
      if (!items) throw invalidRequest('Invalid array', undefined, name);
      items.forEach((item, index) => checkValue(rule.items, item, nameOf(name, index)));
      return;
    }
  }
}
