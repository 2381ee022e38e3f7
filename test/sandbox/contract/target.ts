import Stripe from 'stripe';
import { loadConfig } from '@ataa/config';
import { createStripeClient } from '@ataa/payments';
import { startTestSandbox, TestSandbox } from '@ataa/testing';
import type { SandboxControlClient } from '../../../apps/stripe-sandbox/src/index.js';

/**
 * The Stripe contract suite runs against two targets: the local sandbox (always), and Stripe's own
 * test mode when STRIPE_TEST_SECRET_KEY holds a test key (sk_test_... or rk_test_...). Both go
 * through the platform's client factory (`createStripeClient`), so the API version and options are
 * the ones production uses. Stripe has no control API: tests that need it are `sandboxOnly`.
 */
export interface ContractTarget {
  name: 'sandbox' | 'stripe';
  stripe: Stripe;
  /** The sandbox's control API; absent on Stripe. */
  control?: SandboxControlClient;
  /** Marks what this run created (metadata), so runs on a shared Stripe account can be told apart. */
  runId: string;
}

const STRIPE_KEY = process.env.STRIPE_TEST_SECRET_KEY ?? '';

export type ContractBody = (target: () => ContractTarget, only: { sandboxOnly: (name: string, fn: () => Promise<void>) => void }) => void;

let noticePrinted = false;

/**
 * `describe` once per target. Without STRIPE_TEST_SECRET_KEY the Stripe-target block is not
 * registered at all (no skipped or empty test) and one line says so.
 */
export function describeContract(title: string, body: ContractBody): void {
  registerTarget('sandbox', title, body);
  if (STRIPE_KEY && !/^(sk|rk)_test_/.test(STRIPE_KEY)) {
    throw new Error('STRIPE_TEST_SECRET_KEY must be a test mode key (sk_test_... or rk_test_...): the contract suite creates objects');
  }
  if (STRIPE_KEY) {
    registerTarget('stripe', title, body);
  } else if (!noticePrinted) {
    noticePrinted = true;
    console.info(`Stripe contract suite: the Stripe test mode target was not run (STRIPE_TEST_SECRET_KEY is not set); only the local sandbox was checked.`);
  }
}

function registerTarget(name: ContractTarget['name'], title: string, body: ContractBody): void {
  describe(`${title} [${name === 'sandbox' ? 'local sandbox' : 'Stripe test mode'}]`, () => {
    let sandbox: TestSandbox | undefined;
    let target: ContractTarget | undefined;
    beforeAll(async () => {
      const runId = `ataa-contract-${Date.now().toString(36)}`;
      if (name === 'sandbox') {
        sandbox = await startTestSandbox();
        target = { name, stripe: sandbox.stripe({ maxNetworkRetries: 0 }), control: sandbox.control, runId };
      } else {
        target = { name, stripe: createStripeClient(loadConfig({ NODE_ENV: 'test', STRIPE_SECRET_KEY: STRIPE_KEY }), { maxNetworkRetries: 2 }), runId };
      }
    });
    afterAll(async () => {
      await sandbox?.close();
    });
    const current = () => {
      if (!target) throw new Error('contract target not started');
      return target;
    };
    body(current, {
      // Registered for the sandbox only: Stripe has no control API (paying a session, moving the clock).
      sandboxOnly: (testName, fn) => {
        if (name === 'sandbox') it(`${testName} (sandbox only: uses the control API)`, fn);
      },
    });
  });
}

/** The error a call answered with (Stripe's fields as the `stripe` package exposes them). */
export async function stripeErrorOf(call: Promise<unknown>): Promise<{ type: string; statusCode?: number; code?: string; param?: string; message: string; raw: Record<string, unknown> }> {
  const error = await call.then(() => null, (e: unknown) => e);
  if (!(error instanceof Stripe.errors.StripeError)) throw new Error(`expected a Stripe error, got ${error === null ? 'a success' : String(error)}`);
  return { type: error.type, statusCode: error.statusCode, code: error.code, param: error.param, message: error.message, raw: error.raw as Record<string, unknown> };
}
