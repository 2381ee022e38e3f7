import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * Issue 16: Stripe is called through StripeGateway only. Outside libs/payments no code may hold the
 * Stripe client: no value import of the `stripe` package (`import type Stripe from 'stripe'` is fine,
 * for Stripe's types), no `STRIPE_CLIENT`, no `createStripeClient`. Pure scan of the source files.
 *
 * Not scanned: libs/payments/src (the gateway, the client factory, the webhook verifier),
 * apps/stripe-sandbox (a Stripe look-alike, not a caller), tests (`*.spec.ts`, `*.medium-spec.ts`,
 * ...), and libs/testing (test support, left out of the build like the tests).
 */
const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const EXCLUDED_DIRS = ['libs/payments/src', 'apps/stripe-sandbox', 'libs/testing'];
const TEST_FILE = /\.([a-z]+-)?spec\.ts$/;
/** Names that give their holder the client (the Nest token, or the factory that builds one). */
const CLIENT_NAMES = new Set(['STRIPE_CLIENT', 'createStripeClient']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    if (EXCLUDED_DIRS.some((excluded) => rel === excluded || rel.startsWith(`${excluded}/`))) continue;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !TEST_FILE.test(entry.name)) out.push(rel);
  }
  return out;
}

const isStripeModule = (node: ts.Node | undefined) => node !== undefined && ts.isStringLiteralLike(node) && node.text === 'stripe';

/** What in one file gives it the Stripe client; empty when it keeps to types only. */
function stripeClientUses(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => found.push(`${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${what}`);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && isStripeModule(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause !== undefined && (clause.isTypeOnly
        || (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) at(node, "a value import of 'stripe' (use `import type Stripe from 'stripe'` and StripeGateway)");
    } else if (ts.isExportDeclaration(node) && isStripeModule(node.moduleSpecifier) && !node.isTypeOnly) {
      at(node, "a value re-export of 'stripe'");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && isStripeModule(node.moduleReference.expression)) {
      at(node, "`import = require('stripe')`");
    } else if (ts.isCallExpression(node) && isStripeModule(node.arguments[0])
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      at(node, "a dynamic import of 'stripe'");
    } else if (ts.isIdentifier(node) && CLIENT_NAMES.has(node.text)) {
      at(node, `${node.text} (inject StripeGateway instead)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the Stripe client stays inside libs/payments (StripeGateway is the only door)', () => {
  it('no source file under libs/ or apps/ outside libs/payments holds the Stripe client', () => {
    const files = [...sourceFiles('libs'), ...sourceFiles('apps')];
    // The scan reaches the callers (and so would see them go wrong).
    expect(files).toEqual(expect.arrayContaining([
      'libs/donations/src/checkout.service.ts', 'libs/donations/src/donation-sync.service.ts', 'libs/payouts/src/payout-execution.service.ts',
      'libs/reconciliation/src/reconciliation.service.ts', 'libs/organizations/src/stripe-onboarding.service.ts', 'apps/worker/src/worker.module.ts',
    ]));
    expect(files.some((f) => f.startsWith('libs/payments/src/') || f.startsWith('apps/stripe-sandbox/') || TEST_FILE.test(f))).toBe(false);
    const uses = files.flatMap((file) => stripeClientUses(file, readFileSync(path.join(root, file), 'utf8')));
    expect(uses).toEqual([]);
  });

  it('inside libs/payments, only StripeGateway and the webhook verifier inject the client', () => {
    const dir = path.join(root, 'libs/payments/src');
    const injecting = (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !TEST_FILE.test(f))
      .filter((f) => /@Inject\(\s*STRIPE_CLIENT\s*\)/.test(readFileSync(path.join(dir, f), 'utf8')))
      .map((f) => f.split(path.sep).join('/'))
      .sort();
    expect(injecting).toEqual(['gateway/stripe-gateway.ts', 'webhooks/stripe-webhook-verifier.ts']);
  });

  describe('the check itself', () => {
    it.each([
      ["import Stripe from 'stripe';"],
      ["import Stripe, { type Checkout } from 'stripe';"],
      ["import * as stripe from 'stripe';"],
      ["import { Stripe } from 'stripe';"],
      ["import 'stripe';"],
      ["export { default } from 'stripe';"],
      ["import Stripe = require('stripe');"],
      ["const { default: Stripe } = await import('stripe');"],
      ["import { STRIPE_CLIENT } from '@ataa/payments';"],
      ["import { StripeGateway, STRIPE_CLIENT as client } from '@ataa/payments';"],
      ["import { createStripeClient } from '@ataa/payments';"],
      ["import { STRIPE_CLIENT } from '../../payments/src/stripe-client.factory.js';"],
    ])('refuses %s', (line) => {
      expect(stripeClientUses('x.ts', line)).toHaveLength(1);
    });

    it('refuses the injection the services made before the gateway', () => {
      const before = [
        "import { Inject, Injectable } from '@nestjs/common';",
        "import Stripe from 'stripe';",
        "import { STRIPE_CLIENT } from '@ataa/payments';",
        '@Injectable()',
        'export class CheckoutService {',
        '  constructor(@Inject(STRIPE_CLIENT) private readonly stripe: Stripe) {}',
        '}',
      ].join('\n');
      expect(stripeClientUses('checkout.service.ts', before)).toEqual([
        "checkout.service.ts:2: a value import of 'stripe' (use `import type Stripe from 'stripe'` and StripeGateway)",
        'checkout.service.ts:3: STRIPE_CLIENT (inject StripeGateway instead)',
        'checkout.service.ts:6: STRIPE_CLIENT (inject StripeGateway instead)',
      ]);
    });

    it.each([
      ["import type Stripe from 'stripe';"],
      ["import { type Checkout, type Refund } from 'stripe';"],
      ["export type { Stripe } from 'stripe';"],
      ["import { isStripeError, StripeGateway } from '@ataa/payments';"],
      ["const note = 'stripe'; // STRIPE_CLIENT in a comment"],
    ])('allows %s', (line) => {
      expect(stripeClientUses('x.ts', line)).toEqual([]);
    });
  });
});
