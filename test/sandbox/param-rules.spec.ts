import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import qs from 'qs';
import { PARAM_RULES, STRIPE_ERROR_CODES, STRIPE_PACKAGE_VERSION } from '../../apps/stripe-sandbox/src/core/generated/param-rules.js';
import { validateParams } from '../../apps/stripe-sandbox/src/core/param-validator.js';
import { StripeApiError } from '../../apps/stripe-sandbox/src/core/stripe-error.js';
import { QS_OPTIONS } from '../../apps/stripe-sandbox/src/http/wire.js';

const root = join(import.meta.dirname, '../..');
const RULES_FILE = join(root, 'apps/stripe-sandbox/src/core/generated/param-rules.ts');

describe('the Stripe sandbox\'s generated parameter rules', () => {
  it('come from the installed stripe package (after an upgrade: npm run sandbox:rules, review, commit)', () => {
    const installed = JSON.parse(readFileSync(join(root, 'node_modules/stripe/package.json'), 'utf8')).version;
    expect({ rulesFrom: STRIPE_PACKAGE_VERSION }).toEqual({ rulesFrom: installed });
  });

  it('are what the generator writes today (nobody edited them by hand)', () => {
    const regenerated = execFileSync(process.execPath, [join(root, 'scripts/generate-stripe-param-rules.mjs'), '--stdout'], { encoding: 'utf8', timeout: 120_000 });
    expect(regenerated === readFileSync(RULES_FILE, 'utf8')).toBe(true);
  }, 150_000);

  it('cover every route the sandbox serves', () => {
    const routes = [...readFileSync(join(root, 'apps/stripe-sandbox/src/http/api-routes.ts'), 'utf8').matchAll(/route\('(GET|POST|DELETE)', '([^']+)'/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(routes.length).toBeGreaterThan(20);
    expect(Object.keys(PARAM_RULES).sort()).toEqual([...routes].sort());
  });

  /**
   * Codes Stripe sends that the `stripe` package's list (PaymentIntent.LastPaymentError.Code) lacks,
   * each with where Stripe's own answer was seen. Add one only with such a source.
   */
  const SENT_BY_STRIPE_OUTSIDE_THE_LIST: Record<string, string> = {
    insufficient_capabilities_for_transfer: 'POST /v1/transfers to an account without the transfers capability: recorded Stripe responses (with request_log_url) carry this code and the message the sandbox copies',
  };

  it('the sandbox answers only with error codes Stripe documents (none invented)', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') && !n.includes('generated') ? [join(dir, n)] : []));
    const used = new Set<string>();
    for (const file of files(join(root, 'apps/stripe-sandbox/src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/invalidRequest\(\s*(?:`[^`]*`|'(?:[^'\\]|\\.)*'|"[^"]*"|[^,()]+(?:\([^()]*\))?)\s*,\s*'([a-z_]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bcode: '([a-z_]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/cardError\('([a-z_]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((code) => !STRIPE_ERROR_CODES.includes(code) && !SENT_BY_STRIPE_OUTSIDE_THE_LIST[code]).sort()).toEqual([]);
  });
});

describe('validateParams: requests checked as Stripe checks them', () => {
  const refused = (endpoint: string, body: string) => {
    try {
      validateParams(PARAM_RULES[endpoint], qs.parse(body, QS_OPTIONS) as Record<string, unknown>);
    } catch (error) {
      if (error instanceof StripeApiError) return { status: error.status, ...error.body };
      throw error;
    }
    return null;
  };
  const SESSION = 'mode=payment&line_items[0][quantity]=1&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=x&success_url=https://a.test';

  it('takes what the stripe package sends: nested a[b], arrays a[0], expand[], metadata, created ranges', () => {
    expect(refused('POST /v1/checkout/sessions', `${SESSION}&metadata[k]=v&metadata[n]=&payment_intent_data[metadata][k]=v&locale=auto&expand[0]=line_items&allowed_payment_method_types[0]=card`)).toBeNull();
    expect(refused('POST /v1/checkout/sessions', `${SESSION}&expand[]=line_items`)).toBeNull();
    // '' unsets where the stripe package's type says Emptyable (a refund's metadata), and is refused where it does not (a new session's).
    expect(refused('POST /v1/checkout/sessions', `${SESSION}&metadata=`)).toMatchObject({ code: 'parameter_invalid_empty', param: 'metadata' });
    expect(refused('GET /v1/balance_transactions', 'limit=100&expand[0]=data.source&created[gte]=1700000000&created[lt]=1800000000')).toBeNull();
    expect(refused('GET /v1/balance_transactions', 'created=1700000000&type=charge&source=ch_1')).toBeNull();
    expect(refused('POST /v1/accounts', 'type=express&capabilities[transfers][requested]=true&business_profile[name]=Org&metadata[organization_id]=o1')).toBeNull();
    expect(refused('POST /v1/transfers', 'amount=100&currency=usd&destination=acct_1&transfer_group=g&description=d&metadata[payout_id]=p')).toBeNull();
  });

  it('unknown parameters: parameter_unknown naming the parameter in bracket notation', () => {
    expect(refused('POST /v1/refunds', 'charge=ch_1&foo=1')).toEqual({ status: 400, type: 'invalid_request_error', code: 'parameter_unknown', param: 'foo', message: 'Received unknown parameter: foo' });
    expect(refused('POST /v1/checkout/sessions', `${SESSION}&line_items[0][price_data][product_data][colour]=red`)).toMatchObject({ code: 'parameter_unknown', param: 'line_items[0][price_data][product_data][colour]' });
    expect(refused('GET /v1/balance_transactions', 'created[between]=1')).toMatchObject({ code: 'parameter_unknown', param: 'created[between]' });
  });

  it('missing required parameters: parameter_missing', () => {
    expect(refused('POST /v1/account_links', 'type=account_onboarding')).toEqual({ status: 400, type: 'invalid_request_error', code: 'parameter_missing', param: 'account', message: 'Missing required param: account.' });
    expect(refused('POST /v1/checkout/sessions', SESSION.replace('&line_items[0][price_data][currency]=usd', ''))).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price_data][currency]' });
  });

  it('an empty string where a parameter cannot be unset: parameter_invalid_empty (where it can, e.g. metadata: accepted)', () => {
    expect(refused('POST /v1/refunds', 'charge=ch_1&amount=')).toMatchObject({ code: 'parameter_invalid_empty', param: 'amount', message: expect.stringContaining("You passed an empty string for 'amount'") });
    expect(refused('POST /v1/refunds', 'charge=ch_1&metadata=')).toBeNull();
  });

  it('wrong types: parameter_invalid_integer for integers; booleans, decimals, hashes, arrays and strings without a code', () => {
    expect(refused('POST /v1/transfers', 'amount=12.5&currency=usd&destination=acct_1')).toMatchObject({ code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 12.5' });
    const noCode = (endpoint: string, body: string, param: string, message: string) => {
      const error = refused(endpoint, body);
      expect(error).toMatchObject({ type: 'invalid_request_error', param, message });
      expect(error).not.toHaveProperty('code');
    };
    noCode('POST /v1/refunds', 'charge=ch_1&refund_application_fee=maybe', 'refund_application_fee', 'Invalid boolean: maybe');
    noCode('POST /v1/checkout/sessions', `${SESSION}&line_items[0][price_data][unit_amount_decimal]=1x`, 'line_items[0][price_data][unit_amount_decimal]', 'Invalid decimal: 1x');
    noCode('POST /v1/refunds', 'charge=ch_1&metadata=v', 'metadata', 'Invalid hash');
    noCode('POST /v1/checkout/sessions', `${SESSION}&expand=line_items`, 'expand', 'Invalid array');
    noCode('POST /v1/refunds', 'charge[id]=ch_1', 'charge', 'Invalid string: {"id":"ch_1"}');
  });

  it('values outside an enum: no code, the allowed values listed as Stripe lists them', () => {
    const error = refused('POST /v1/checkout/sessions', `${SESSION}&locale=ar`);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'locale' });
    expect(error).not.toHaveProperty('code');
    expect(error!.message).toMatch(/^Invalid locale: must be one of auto, bg, cs, .*, en, en-GB, .*, zh, zh-HK, or zh-TW$/);
    expect(refused('POST /v1/refunds', 'charge=ch_1&reason=bored')).toMatchObject({ message: 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer' });
    expect(refused('POST /v1/checkout/sessions', `${SESSION}&payment_intent_data[capture_method]=later`)).toMatchObject({ param: 'payment_intent_data[capture_method]' });
  });

  it('arrays past qs\'s index limit (an object with numeric keys) are still arrays', () => {
    const expand = Array.from({ length: 105 }, (_, i) => `expand[${i}]=data.source`).join('&');
    expect(refused('GET /v1/balance_transactions', expand)).toBeNull();
  });
});
