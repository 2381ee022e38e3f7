import { join } from 'node:path';
import ts from 'typescript';
import * as bshapes from '../../apps/stripe-sandbox/src/core/billing-shapes.js';
import * as shapes from '../../apps/stripe-sandbox/src/core/shapes.js';
import { StripeObject } from '../../apps/stripe-sandbox/src/core/state-store.js';

const resources = join(import.meta.dirname, '../../node_modules/stripe/esm/resources');

/** The `stripe` package's response interfaces, read with the TypeScript compiler. */
function typesOf(files: Record<string, string>) {
  const paths = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, join(resources, file)]));
  const program = ts.createProgram({ rootNames: Object.values(paths), options: { strict: true, noEmit: true, skipLibCheck: true, types: [] } });
  const checker = program.getTypeChecker();
  const find = (name: string): ts.Type => {
    const source = program.getSourceFile(paths[name])!;
    const declaration = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name.split('.').pop());
    if (!declaration) throw new Error(`interface ${name} not found`);
    return checker.getTypeAtLocation(declaration);
  };
  return { checker, find };
}

/**
 * How an object differs from the `stripe` package's type for it: keys the type does not declare
 * (invented), and keys the type requires that are missing, into nested objects, lists and arrays.
 * Expandable fields (an id or the object), maps (metadata) and primitives are not walked.
 */
function differences(checker: ts.TypeChecker, value: unknown, type: ts.Type, path: string, depth = 0): string[] {
  if (value === null || value === undefined || typeof value !== 'object' || depth > 6) return [];
  const target = checker.getNonNullableType(type);
  if (Array.isArray(value)) {
    if (!checker.isArrayType(target) || value.length === 0) return [];
    return differences(checker, value[0], checker.getTypeArguments(target as ts.TypeReference)[0], `${path}[0]`, depth + 1);
  }
  const parts = target.isUnion() ? target.types : [target];
  // An id or the object it names (expandable), a primitive or an object: not walked.
  if (parts.some((p) => p.flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral | ts.TypeFlags.Number | ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral))) return [];
  const objects = parts.filter((p) => p.flags & ts.TypeFlags.Object);
  if (objects.length !== 1 || checker.getIndexInfosOfType(objects[0]).length > 0) return [];
  const properties = checker.getPropertiesOfType(objects[0]);
  const out: string[] = [];
  const ours = value as Record<string, unknown>;
  for (const key of Object.keys(ours)) {
    const property = properties.find((p) => p.getName() === key);
    if (!property) out.push(`${path}.${key}: not in the stripe package's type`);
    else out.push(...differences(checker, ours[key], checker.getTypeOfSymbol(property), `${path}.${key}`, depth + 1));
  }
  for (const property of properties) {
    if (!(property.flags & ts.SymbolFlags.Optional) && !(property.getName() in ours)) out.push(`${path}.${property.getName()}: missing`);
  }
  return out;
}

describe('the sandbox\'s billing objects against the stripe package\'s types', () => {
  const { checker, find } = typesOf({
    Customer: 'Customers.d.ts', PaymentMethod: 'PaymentMethods.d.ts', SetupIntent: 'SetupIntents.d.ts', Product: 'Products.d.ts', Price: 'Prices.d.ts',
    Subscription: 'Subscriptions.d.ts', Invoice: 'Invoices.d.ts', InvoicePayment: 'InvoicePayments.d.ts', Session: 'BillingPortal/Sessions.d.ts',
    TestClock: 'TestHelpers/TestClocks.d.ts',
  });
  const now = 1_800_000_000;
  const price = bshapes.price({ id: 'price_1', created: now, currency: 'usd', unitAmount: 2_500, product: 'prod_1', recurring: { interval: 'month', interval_count: 1 }, metadata: {}, nickname: null, lookupKey: null, active: true });
  const item = bshapes.subscriptionItem({ id: 'si_1', created: now, price, quantity: 1, subscription: 'sub_1', periodStart: now, periodEnd: now + 2_592_000, metadata: {} });
  const sub = bshapes.subscription({ id: 'sub_1', created: now, customer: 'cus_1', currency: 'usd', items: [item], metadata: { gift: 'rg_1' }, description: null, defaultPaymentMethod: 'pm_1', cancelAt: null, testClock: null });
  const customer = shapes.customer({ id: 'cus_1', created: now, email: 'd@example.com', name: 'D' });
  const line = bshapes.invoiceLine({ id: 'il_1', invoice: 'in_1', amount: 2_500, currency: 'usd', description: '1 × Gift', quantity: 1, price, subscription: 'sub_1', subscriptionItem: 'si_1', periodStart: now, periodEnd: now + 1 });
  const objects: Array<[string, StripeObject]> = [
    ['Customer', customer],
    ['PaymentMethod', bshapes.paymentMethod({ id: 'pm_1', created: now, customer: 'cus_1', email: null, name: null, card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030, fingerprint: 'f' } })],
    ['SetupIntent', bshapes.setupIntent({ id: 'seti_1', created: now, customer: 'cus_1', description: null, metadata: {}, usage: 'off_session', paymentMethodTypes: ['card'] })],
    ['Product', bshapes.product({ id: 'prod_1', created: now, name: 'Gift', description: null, metadata: {}, active: true })],
    ['Price', price],
    ['Subscription', sub],
    ['Invoice', bshapes.invoice({ id: 'in_1', created: now, customer, currency: 'usd', subscription: sub, billingReason: 'subscription_cycle', lines: [line], periodStart: now, periodEnd: now, baseUrl: 'http://x' })],
    ['InvoicePayment', bshapes.invoicePayment({ id: 'inpay_1', created: now, invoice: 'in_1', amount: 2_500, currency: 'usd', paymentIntent: 'pi_1' })],
    ['Session', bshapes.billingPortalSession({ id: 'bps_1', created: now, customer: 'cus_1', returnUrl: null, locale: null, url: 'http://x/p/session/t', configuration: 'bpc_1' })],
    ['TestClock', bshapes.testClock({ id: 'clock_1', created: now, frozenTime: now, name: null })],
  ];

  it.each(objects)('%s has every key the type requires and none it does not declare', (name, object) => {
    expect({ name, differences: differences(checker, object, find(name), name) }).toEqual({ name, differences: [] });
  });
});
