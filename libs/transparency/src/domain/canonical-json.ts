/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), for the values public ledger leaves use: objects,
 * arrays, strings, booleans, null and finite numbers. Money travels as strings of digits, so no
 * amount ever depends on floating-point formatting. Written here (not the npm `canonicalize`
 * package) because that package is ESM-import-only and the browser verifier mirrors this code.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // ECMAScript Number-to-String is exactly the RFC 8785 number serialization (and -0 becomes 0).
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot represent NaN or Infinity');
      return JSON.stringify(value);
    case 'string':
      // RFC 8785 strings are ES JSON.stringify strings; lone surrogates are not valid I-JSON.
      if (LONE_SURROGATE.test(value)) throw new TypeError('canonical JSON strings must be well-formed UTF-16');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
      const record = value as Record<string, unknown>;
      // Keys sorted by UTF-16 code units: JavaScript's default string order.
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(record[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot represent a ${typeof value}`);
  }
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
