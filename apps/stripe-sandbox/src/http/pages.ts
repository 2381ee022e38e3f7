import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { formatMajorUnits } from '@ataa/common';
import { PaymentInput, SandboxEngine } from '../core/engine.js';
import { StripeObject } from '../core/state-store.js';
import { StripeApiError } from '../core/stripe-error.js';

export const layout = Handlebars.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Stripe sandbox</title>
<style>
body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}
main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.08);padding:1.5rem 2rem}
.banner{background:#ffde92;color:#5c3b00;text-align:center;font-size:.85rem;padding:.4rem}
label{display:block;margin:.8rem 0 .2rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #cfd7df;border-radius:4px;font-size:1rem}
fieldset{border:1px solid #e3e8ee;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.row{display:flex;gap:.8rem}.row>div{flex:1}
button{margin-top:1.2rem;width:100%;padding:.8rem;background:#635bff;color:#fff;border:0;border-radius:4px;font-size:1rem;cursor:pointer}
.amount{font-size:2rem;font-weight:600;margin:.3rem 0 1rem}
.error{background:#fde8e8;color:#9b1c1c;border-radius:4px;padding:.6rem;margin:.8rem 0}
.muted{color:#697386;font-size:.85rem}
h1,p{overflow-wrap:anywhere}
</style></head>
<body><div class="banner">TEST MODE · Ataa's Stripe sandbox · no real money moves</div><main>{{{body}}}</main></body></html>`);

const checkoutForm = Handlebars.compile(`
<p class="muted">{{#each items}}{{this.description}} × {{this.quantity}}<br>{{/each}}</p>
<div class="amount" data-testid="amount">{{amount}}</div>
{{#if note}}<p class="muted" id="mode-note">{{note}}</p>{{/if}}
{{#if error}}<div class="error" role="alert" id="payment-error">{{error}}</div>{{/if}}
<form method="post" action="/c/pay/{{id}}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" value="{{email}}">
  <fieldset>
    <legend><label style="display:inline;margin:0"><input style="width:auto" type="radio" name="method" value="card" {{#unless bankChosen}}checked{{/unless}}> Card</label></legend>
    <label for="card_number">Card number</label>
    <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" value="{{cardNumber}}">
    <div class="row">
      <div><label for="card_expiry">Expiry (MM / YY)</label><input id="card_expiry" name="card_expiry" placeholder="12 / 34" autocomplete="cc-exp" value="{{cardExpiry}}"></div>
      <div><label for="card_cvc">CVC</label><input id="card_cvc" name="card_cvc" placeholder="123" autocomplete="cc-csc" inputmode="numeric"></div>
    </div>
    <label for="name">Name on card</label>
    <input id="name" name="name" autocomplete="cc-name" value="{{name}}">
  </fieldset>
  {{#if bankAllowed}}
  <fieldset>
    <legend><label style="display:inline;margin:0"><input style="width:auto" type="radio" name="method" value="bank_debit" id="method_bank" {{#if bankChosen}}checked{{/if}}> US bank account (settles later)</label></legend>
    <label for="routing_number">Routing number</label><input id="routing_number" name="routing_number" value="110000000">
    <label for="account_number">Account number</label><input id="account_number" name="account_number" placeholder="000123456789">
    <p class="muted">000123456789 succeeds after a day; 000111111113 fails after a day.</p>
  </fieldset>
  {{/if}}
  <button type="submit" id="submit">{{button}}</button>
</form>
{{#if cancelUrl}}<p><a href="/c/pay/{{id}}/cancel" id="cancel">← Cancel and go back</a></p>{{/if}}
<p class="muted">Test cards: 4242 4242 4242 4242 succeeds · 4000 0000 0000 0002 is declined · 4000 0000 0000 9995 has insufficient funds · 4000 0000 0000 0259 is disputed later · 4000 0000 0000 0077 is available at once · 4000 0000 0000 0341 is saved but declined when charged · 4000 0027 6000 3184 asks for 3-D Secure every time (done here; off-session payments fail).</p>`);

/** What the page says about a session: the amount (per period for a subscription) and the button. */
function sessionTerms(session: StripeObject, items: StripeObject[]): { amount: string; button: string; note?: string } {
  if (session.mode === 'setup') return { amount: 'Save a card', button: 'Save card', note: 'Nothing is charged now: the card is saved for later payments.' };
  const amount = amountText(session.amount_total, session.currency);
  if (session.mode === 'subscription') {
    const recurring = items[0]?.price?.recurring;
    const every = recurring ? (recurring.interval_count === 1 ? recurring.interval : `${recurring.interval_count} ${recurring.interval}s`) : 'period';
    return { amount: `${amount} / ${every}`, button: `Subscribe: ${amount} / ${every}`, note: 'Charged now, then at the start of each period until cancelled.' };
  }
  return { amount, button: `Pay ${amount}` };
}

export const message = Handlebars.compile(`<h1>{{heading}}</h1><p>{{text}}</p>{{#if link}}<p><a href="{{link}}">{{linkText}}</a></p>{{/if}}`);

const onboardingForm = Handlebars.compile(`<h1>Set up payouts</h1>
<p>Connected account <code>{{account}}</code>. The sandbox collects nothing: finishing marks the account as verified, with charges and payouts enabled.</p>
<form method="post" action="/c/connect/{{token}}"><button type="submit" id="complete">Agree and finish</button></form>`);

export function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'")
    .type('text/html; charset=utf-8')
    .send(layout({ title, body }));
}

export function amountText(amount: number, currency: string): string {
  return `${formatMajorUnits(BigInt(amount), currency)} ${currency.toUpperCase()}`;
}

function successTarget(session: StripeObject): string | null {
  return session.success_url ? String(session.success_url).replaceAll('{CHECKOUT_SESSION_ID}', session.id) : null;
}

type FormBody = Record<string, unknown>;
const text = (body: FormBody, key: string) => (typeof body[key] === 'string' ? (body[key] as string).trim() : '');

/** Reads "12 / 34", "12/34" or "1234" into month and year. */
export function parseExpiry(value: string): { month?: number; year?: number } {
  const match = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(value.replace(/\s+/g, ' ').trim());
  if (!match) return value === '' ? {} : { month: 0, year: 0 };
  return { month: Number(match[1]), year: Number(match[2]) };
}

/** The hosted payment page (session.url) and the hosted onboarding page (account link url). */
export function registerPages(app: FastifyInstance, engine: SandboxEngine): void {
  const store = engine.store;

  const renderForm = (reply: FastifyReply, session: StripeObject, status: number, values: { error?: string; email?: string; name?: string; cardNumber?: string; cardExpiry?: string; bankChosen?: boolean }) =>
    page(reply, status, session.mode === 'setup' ? 'Save a card' : session.mode === 'subscription' ? 'Subscribe' : 'Pay', checkoutForm({
      id: session.id, ...sessionTerms(session, engine.lineItemsOf(session.id)), items: engine.lineItemsOf(session.id),
      email: values.email ?? session.customer_email ?? '', name: values.name ?? '', cardNumber: values.cardNumber ?? '', cardExpiry: values.cardExpiry ?? '',
      error: values.error, cancelUrl: session.cancel_url, bankAllowed: session.payment_method_types.includes('us_bank_account'), bankChosen: values.bankChosen ?? false,
    }));

  const closedPage = (reply: FastifyReply, session: StripeObject) => {
    if (session.status === 'complete') {
      const target = successTarget(session);
      if (target) return reply.redirect(target, 303);
      return page(reply, 200, 'Paid', message({ heading: 'Payment received', text: 'Thank you. You can close this page.' }));
    }
    return page(reply, 410, 'Expired', message({ heading: 'This checkout has expired', text: 'Start again from the site you came from.', link: session.cancel_url, linkText: 'Go back' }));
  };

  const sessionOr404 = (id: string, reply: FastifyReply): StripeObject | null => {
    engine.tick();
    const session = store.getOf('checkout.session', id);
    if (!session) {
      void page(reply, 404, 'Not found', message({ heading: 'Checkout not found', text: 'This payment link is not valid.' }));
      return null;
    }
    return session;
  };

  app.get('/c/pay/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const session = sessionOr404(req.params.id, reply);
    if (!session) return reply;
    if (session.status !== 'open') return closedPage(reply, session);
    return renderForm(reply, session, 200, {});
  });

  app.post('/c/pay/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const session = sessionOr404(req.params.id, reply);
    if (!session) return reply;
    if (session.status !== 'open') return closedPage(reply, session);
    const body = (req.body ?? {}) as FormBody;
    const email = text(body, 'email');
    const name = text(body, 'name');
    const bankChosen = text(body, 'method') === 'bank_debit';
    let input: PaymentInput;
    if (bankChosen) {
      input = { method: 'bank_debit', accountNumber: text(body, 'account_number'), routingNumber: text(body, 'routing_number'), email, name };
    } else {
      const number = text(body, 'card_number');
      if (number === '') return renderForm(reply, session, 402, { error: 'Your card number is incomplete.', email, name });
      const expiry = parseExpiry(text(body, 'card_expiry'));
      const cvc = text(body, 'card_cvc');
      input = { method: 'card', number, expMonth: expiry.month, expYear: expiry.year, cvc: cvc === '' ? undefined : cvc, email, name };
    }
    try {
      const result = engine.paySession(session.id, input);
      if (!result.ok) {
        return renderForm(reply, session, 402, { error: result.error.message, email, name, cardNumber: bankChosen ? '' : text(body, 'card_number'), cardExpiry: text(body, 'card_expiry'), bankChosen });
      }
      return closedPage(reply, result.session);
    } catch (error) {
      if (error instanceof StripeApiError) return renderForm(reply, session, error.status, { error: error.message, email, name, bankChosen });
      throw error;
    }
  });

  app.get('/c/pay/:id/cancel', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const session = sessionOr404(req.params.id, reply);
    if (!session) return reply;
    if (session.cancel_url) return reply.redirect(session.cancel_url, 303);
    return page(reply, 200, 'Cancelled', message({ heading: 'Payment cancelled', text: 'Nothing was charged.' }));
  });

  app.get('/c/receipts/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const charge = store.getOf('charge', req.params.id);
    if (!charge) return page(reply, 404, 'Not found', message({ heading: 'Receipt not found', text: '' }));
    return page(reply, 200, 'Receipt', message({ heading: `Receipt ${charge.id}`, text: `${amountText(charge.amount, charge.currency)} · ${charge.status}${charge.amount_refunded ? ` · refunded ${amountText(charge.amount_refunded, charge.currency)}` : ''}` }));
  });

  // An invoice's hosted_invoice_url: what it is for and whether it is paid (read-only; the billing portal updates the card).
  app.get('/c/invoices/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    engine.tick();
    const invoice = store.getOf('invoice', req.params.id);
    if (!invoice || invoice.status === 'draft') return page(reply, 404, 'Not found', message({ heading: 'Invoice not found', text: '' }));
    const status = invoice.status === 'paid' ? 'paid' : invoice.status === 'open' ? `due${invoice.next_payment_attempt ? ' (the card is tried again automatically)' : ''}` : invoice.status;
    return page(reply, 200, 'Invoice', message({ heading: `Invoice ${invoice.number}`, text: `${amountText(invoice.amount_due, invoice.currency)} · ${status}` }));
  });

  app.get('/c/connect/:token', async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    engine.tick();
    const link = engine.accountLink(req.params.token);
    if (!link) return page(reply, 404, 'Not found', message({ heading: 'Link not found', text: 'This onboarding link is not valid.' }));
    if (link.expired) return reply.redirect(link.refreshUrl, 303);
    return page(reply, 200, 'Onboarding', onboardingForm({ account: link.account, token: req.params.token }));
  });

  app.post('/c/connect/:token', async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    engine.tick();
    const link = engine.accountLink(req.params.token);
    if (!link) return page(reply, 404, 'Not found', message({ heading: 'Link not found', text: 'This onboarding link is not valid.' }));
    if (link.expired) return reply.redirect(link.refreshUrl, 303);
    engine.completeOnboarding(link.account);
    return reply.redirect(link.returnUrl, 303);
  });
}
