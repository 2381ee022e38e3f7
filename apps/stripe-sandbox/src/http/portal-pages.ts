import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { SandboxBilling } from '../core/billing.js';
import { SandboxEngine } from '../core/engine.js';
import { StripeObject } from '../core/state-store.js';
import { StripeApiError } from '../core/stripe-error.js';
import { amountText, message, page, parseExpiry } from './pages.js';

const portalPage = Handlebars.compile(`<h1>Your subscriptions</h1>
<p class="muted">{{#if email}}{{email}} · {{/if}}Customer {{customer}}</p>
{{#if notice}}<div role="status" id="portal-notice">{{notice}}</div>{{/if}}
{{#if error}}<div class="error" role="alert" id="portal-error">{{error}}</div>{{/if}}
{{#if subscriptions.length}}
<ul id="subscriptions" style="padding:0;list-style:none">
{{#each subscriptions}}
  <li style="border:1px solid #e3e8ee;border-radius:6px;padding:.6rem 1rem;margin:.6rem 0" data-subscription="{{this.id}}">
    <h2 style="font-size:1.05rem;margin:.2rem 0">{{this.amount}}</h2>
    <p class="muted">Status: {{this.status}}{{#if this.ending}} · ends {{this.ending}}{{else}}{{#if this.next}} · next payment {{this.next}}{{/if}}{{/if}}</p>
    {{#if this.cancellable}}
    <form method="post" action="/p/session/{{../token}}/subscriptions/{{this.id}}/cancel">
      <button type="submit" id="cancel-{{this.id}}">Cancel subscription {{this.amount}}</button>
    </form>
    {{/if}}
  </li>
{{/each}}
</ul>
{{else}}<p id="no-subscriptions">No subscriptions.</p>{{/if}}
<h2 style="font-size:1.05rem">Payment method</h2>
<p class="muted" id="current-card">{{#if card}}{{card}}{{else}}No card saved.{{/if}}</p>
<form method="post" action="/p/session/{{token}}/payment_method">
  <label for="card_number">New card number</label>
  <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242">
  <div class="row">
    <div><label for="card_expiry">Expiry (MM / YY)</label><input id="card_expiry" name="card_expiry" placeholder="12 / 34" autocomplete="cc-exp"></div>
    <div><label for="card_cvc">CVC</label><input id="card_cvc" name="card_cvc" placeholder="123" autocomplete="cc-csc" inputmode="numeric"></div>
  </div>
  <button type="submit" id="update-card">Update card</button>
</form>
{{#if returnUrl}}<p><a href="{{returnUrl}}" id="return">← Return</a></p>{{/if}}`);

const date = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

type FormBody = Record<string, unknown>;
const text = (body: FormBody, key: string) => (typeof body[key] === 'string' ? (body[key] as string).trim() : '');

/**
 * The billing portal's hosted page (a billing portal session's url, /p/session/<token>): the
 * customer's subscriptions, cancel (at the end of the period, Stripe's default), update the card.
 * Plain forms, no JavaScript.
 */
export function registerPortalPages(app: FastifyInstance, engine: SandboxEngine, billing: SandboxBilling): void {
  const store = engine.store;

  const render = (reply: FastifyReply, token: string, customerId: string, returnUrl: string | null, status: number, extra: { notice?: string; error?: string } = {}) => {
    const customer = store.get(customerId)!;
    const subscriptions = store.all('subscription', (s) => s.customer === customerId && s.status !== 'incomplete_expired').map((s) => {
      const item = s.items.data[0];
      const every = item.price.recurring.interval_count === 1 ? item.price.recurring.interval : `${item.price.recurring.interval_count} ${item.price.recurring.interval}s`;
      const total = s.items.data.reduce((sum: number, i: StripeObject) => sum + i.price.unit_amount * i.quantity, 0);
      return {
        id: s.id, amount: `${amountText(total, s.currency)} / ${every}`, status: s.status, next: s.status === 'canceled' ? null : date(item.current_period_end),
        ending: s.status === 'canceled' ? null : s.cancel_at ? date(s.cancel_at) : null, cancellable: !['canceled', 'incomplete'].includes(s.status) && !s.cancel_at_period_end,
      };
    });
    const pmId = customer.invoice_settings?.default_payment_method ?? store.all('subscription', (s) => s.customer === customerId && s.default_payment_method)[0]?.default_payment_method;
    const pm = pmId ? store.get(pmId) : null;
    const card = pm ? `${pm.card.brand} ending in ${pm.card.last4}, expires ${String(pm.card.exp_month).padStart(2, '0')}/${pm.card.exp_year}` : null;
    return page(reply, status, 'Billing', portalPage({ token, customer: customerId, email: customer.email, subscriptions, card, returnUrl, ...extra }));
  };

  const sessionOr = (token: string, reply: FastifyReply) => {
    engine.tick();
    const session = billing.portal(token);
    if (!session || session.expired) {
      void page(reply, session ? 410 : 404, 'Not found', message({ heading: session ? 'This link has expired' : 'Link not found', text: 'Open the billing page again from the site you came from.', link: session?.returnUrl, linkText: 'Go back' }));
      return null;
    }
    return session;
  };

  app.get('/p/session/:token', async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    const session = sessionOr(req.params.token, reply);
    if (!session) return reply;
    return render(reply, req.params.token, session.customer, session.returnUrl, 200);
  });

  app.post('/p/session/:token/subscriptions/:sub/cancel', async (req: FastifyRequest<{ Params: { token: string; sub: string } }>, reply) => {
    const session = sessionOr(req.params.token, reply);
    if (!session) return reply;
    try {
      const sub = billing.portalCancel(session.customer, req.params.sub);
      return render(reply, req.params.token, session.customer, session.returnUrl, 200, { notice: `Subscription canceled: it ends on ${date(sub.cancel_at ?? sub.ended_at)}.` });
    } catch (error) {
      if (error instanceof StripeApiError) return render(reply, req.params.token, session.customer, session.returnUrl, error.status, { error: error.message });
      throw error;
    }
  });

  app.post('/p/session/:token/payment_method', async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    const session = sessionOr(req.params.token, reply);
    if (!session) return reply;
    const body = (req.body ?? {}) as FormBody;
    const number = text(body, 'card_number');
    if (number === '') return render(reply, req.params.token, session.customer, session.returnUrl, 402, { error: 'Your card number is incomplete.' });
    const expiry = parseExpiry(text(body, 'card_expiry'));
    const cvc = text(body, 'card_cvc');
    const refused = billing.portalUpdateCard(session.customer, { method: 'card', number, expMonth: expiry.month, expYear: expiry.year, cvc: cvc === '' ? undefined : cvc });
    if (refused) return render(reply, req.params.token, session.customer, session.returnUrl, 402, { error: refused.message });
    return render(reply, req.params.token, session.customer, session.returnUrl, 200, { notice: 'Card updated.' });
  });
}
