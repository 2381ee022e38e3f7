/**
 * The donor's data export (GDPR article 20), built from the rows held about one e-mail address
 * (pure). Amounts are strings of digits in minor units (the API's rule), times ISO 8601 in UTC.
 * Every gift carries its campaign, its public-ledger entries (by index), its receipts, refunds,
 * disputes and audit entries; the choices made at checkout are listed as `consents`.
 */
export const EXPORT_FORMAT = 'ataa.donor-data-export/1';

type Row = Record<string, any>;

export interface DonorExportInput {
  email: string;
  generatedAt: Date;
  donations: Row[];
  refunds: Row[];
  disputes: Row[];
  receipts: Row[];
  publicEntries: Row[];
  audit: Row[];
  requests: { id: string; requestedAt: Date; expiresAt: Date; usedAt: Date | null }[];
  /** Scheduled series (Ramadan nights, Fridays), each with its occurrences (absent in exports made before they existed). */
  scheduledGifts?: Row[];
  /** Offline gifts recorded with the address (cash, cheque, bank transfer). */
  offlineGifts?: Row[];
  /** Monthly and weekly series given with the address. */
  recurringGifts?: Row[];
  /** All-or-nothing pledges made with the address. */
  pledges?: Row[];
  /** Campaign update e-mails listed for the address through its gifts. */
  updateDeliveries?: Row[];
}

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : value === null || value === undefined ? null : new Date(String(value)).toISOString());
const digits = (value: unknown): string | null => (value === null || value === undefined ? null : BigInt(value as string).toString());

function groupBy(rows: Row[], key: string): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const row of rows) {
    const k = String(row[key]);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

export function buildDonorExport(input: DonorExportInput) {
  const refunds = groupBy(input.refunds, 'donation_id');
  const disputes = groupBy(input.disputes, 'donation_id');
  const receipts = groupBy(input.receipts, 'donation_id');
  const entries = groupBy(input.publicEntries, 'donation_id');
  const refundIds = new Map(input.refunds.map((r) => [String(r.id), String(r.donation_id)]));
  const audit = groupBy(input.audit.map((a) => ({ ...a, donation_id: a.target_type === 'refund' ? refundIds.get(String(a.target_id)) : a.target_id })), 'donation_id');

  const donations = input.donations.map((d) => ({
    id: d.id as string,
    status: d.status as string,
    currency: d.currency as string,
    amount: digits(d.amount),
    chosenAmount: digits(d.chosen_amount),
    coveredFees: digits(d.covered_fees),
    platformFee: digits(d.platform_fee),
    processingFee: digits(d.processing_fee),
    refundedAmount: digits(d.refunded_amount),
    disputedAmount: digits(d.disputed_amount),
    createdAt: iso(d.created_at),
    settledAt: iso(d.settled_at),
    campaign: { id: d.campaign_id as string, slug: d.campaign_slug as string, title: d.campaign_title as string, organization: d.organization_name as string },
    donor: { name: (d.donor_name as string | null) ?? null, email: (d.donor_email as string | null) ?? null, locale: d.locale as string },
    publicMessage: (d.public_message as string | null) ?? null,
    anonymous: d.anonymous === true,
    stripe: { checkoutSessionId: d.stripe_checkout_session_id ?? null, paymentIntentId: d.stripe_payment_intent_id ?? null, chargeId: d.stripe_charge_id ?? null },
    publicLedger: {
      giftEntryIndex: digits(d.public_leaf_index),
      entries: (entries.get(d.id) ?? []).map((e) => ({ campaignId: e.campaign_id as string, index: digits(e.idx), kind: e.kind as string, amount: digits(e.amount), currency: e.currency as string, occurredAt: iso(e.occurred_at) })),
    },
    receipts: (receipts.get(d.id) ?? []).map((r) => ({ id: r.id as string, kind: r.kind as string, number: (r.receipt_number as string | null) ?? null, recipient: (r.recipient as string | null) ?? null, locale: r.locale as string, status: r.status as string, sentAt: iso(r.sent_at), failedAt: iso(r.failed_at), createdAt: iso(r.created_at) })),
    refunds: (refunds.get(d.id) ?? []).map((r) => ({ id: r.id as string, amount: digits(r.amount), status: r.status as string, reason: (r.reason as string | null) ?? null, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) })),
    disputes: (disputes.get(d.id) ?? []).map((x) => ({ id: x.stripe_dispute_id as string, amount: digits(x.amount), status: x.status as string, outcome: (x.outcome as string | null) ?? null, reason: (x.reason as string | null) ?? null, createdAt: iso(x.created_at), updatedAt: iso(x.updated_at) })),
    auditEntries: (audit.get(d.id) ?? []).map((a) => ({ seq: digits(a.seq), action: a.action as string, targetType: a.target_type as string, targetId: (a.target_id as string | null) ?? null, details: a.details ?? {}, at: iso(a.created_at) })),
  }));

  return {
    format: EXPORT_FORMAT,
    generatedAt: input.generatedAt.toISOString(),
    subject: { email: input.email },
    donations,
    receipts: donations.flatMap((d) => d.receipts.map((r) => ({ donationId: d.id, ...r }))),
    // A scheduled series: the schedule chosen, the card saved for it (Stripe's ids), and every occurrence (each paid one is a gift above).
    scheduledSeries: (input.scheduledGifts ?? []).map((g) => ({
      id: g.id as string, schedule: g.kind as string, weeks: (g.weeks as number | null) ?? null, timeZone: g.time_zone as string,
      amount: digits(g.amount), currency: g.currency as string, status: g.status as string, endReason: (g.end_reason as string | null) ?? null,
      createdAt: iso(g.created_at), endedAt: iso(g.ended_at),
      campaign: { id: g.campaign_id as string, slug: g.campaign_slug as string, title: g.campaign_title as string },
      donor: { name: (g.donor_name as string | null) ?? null, email: (g.donor_email as string | null) ?? null, locale: g.locale as string, anonymous: g.anonymous === true },
      stripe: { customerId: (g.stripe_customer_id as string | null) ?? null, paymentMethodId: (g.stripe_payment_method_id as string | null) ?? null },
      occurrences: ((g.occurrences as Row[] | null) ?? []).map((o) => ({
        occurrence: o.occurrence as number, localDate: o.localDate as string, chargeAt: iso(o.chargeAt), status: o.status as string,
        donationId: (o.donationId as string | null) ?? null, failureCode: (o.failureCode as string | null) ?? null,
      })),
    })),
    // A monthly or weekly series: its terms, state and Stripe's ids (each paid payment is a gift above).
    recurringSeries: (input.recurringGifts ?? []).map((g) => ({
      id: g.id as string, interval: g.interval as string, amount: digits(g.amount), currency: g.currency as string, status: g.status as string,
      endReason: (g.end_reason as string | null) ?? null, endsAt: iso(g.ends_at), maxPayments: (g.max_payments as number | null) ?? null,
      paymentsCount: (g.payments_count as number | null) ?? 0, designation: (g.designation as string | null) ?? null, updatesOptIn: g.updates_opt_in === true,
      createdAt: iso(g.created_at), endedAt: iso(g.ended_at),
      campaign: { id: g.campaign_id as string, slug: g.campaign_slug as string, title: g.campaign_title as string, organization: g.organization_name as string },
      donor: { name: (g.donor_name as string | null) ?? null, email: (g.donor_email as string | null) ?? null, locale: g.locale as string, anonymous: g.anonymous === true },
      publicMessage: (g.public_message as string | null) ?? null,
      stripe: { subscriptionId: (g.stripe_subscription_id as string | null) ?? null, customerId: (g.stripe_customer_id as string | null) ?? null },
    })),
    // A pledge: what was promised and its state (charged only if the campaign met its goal; the collected gift is above).
    pledges: (input.pledges ?? []).map((p) => ({
      id: p.id as string, amount: digits(p.amount), chosenAmount: digits(p.chosen_amount), coveredFees: digits(p.covered_fees), currency: p.currency as string,
      state: p.state as string, designation: (p.designation as string | null) ?? null, updatesOptIn: p.updates_opt_in === true, donationId: (p.donation_id as string | null) ?? null,
      createdAt: iso(p.created_at), pledgedAt: iso(p.pledged_at), decidedAt: iso(p.decided_at),
      campaign: { id: p.campaign_id as string, slug: p.campaign_slug as string, title: p.campaign_title as string, organization: p.organization_name as string },
      donor: { name: (p.donor_name as string | null) ?? null, email: (p.donor_email as string | null) ?? null, locale: p.locale as string, anonymous: p.anonymous === true },
      publicMessage: (p.public_message as string | null) ?? null,
      stripe: { customerId: (p.stripe_customer_id as string | null) ?? null, paymentMethodId: (p.stripe_payment_method_id as string | null) ?? null },
    })),
    // The only consents the platform asks for today are the checkout's: whether the name shows on the
    // public wall and whether a message is published with the gift. There are no marketing opt-ins.
    consents: donations.map((d) => ({ donationId: d.id, givenAt: d.createdAt, showNameOnPublicWall: !d.anonymous, publishMessage: d.publicMessage !== null && d.publicMessage !== '' })),
    // Recorded by the organizations, not verified by the payment processor (docs/offline-gifts.md).
    offlineGifts: (input.offlineGifts ?? []).map((g) => ({
      id: g.id as string, amount: digits(g.amount), currency: g.currency as string, receivedOn: g.received_on as string, method: g.method as string,
      reference: g.reference as string, anonymous: g.anonymous === true, donor: { name: (g.donor_name as string | null) ?? null, email: (g.donor_email as string | null) ?? null },
      message: (g.message as string | null) ?? null, language: g.language as string, publicEntryIndex: digits(g.public_index), recordedAt: iso(g.created_at),
      voidedAt: iso(g.voided_at), voidReason: (g.void_reason as string | null) ?? null,
      campaign: { id: g.campaign_id as string, slug: g.campaign_slug as string, title: g.campaign_title as string, organization: g.organization_name as string },
    })),
    campaignUpdateDeliveries: (input.updateDeliveries ?? []).map((d) => ({
      updateId: d.update_id as string, donationId: d.donation_id as string, campaignId: d.campaign_id as string, title: d.title as string, locale: d.locale as string,
      status: d.status as string, sentAt: iso(d.sent_at), listedAt: iso(d.created_at),
    })),
    privacyRequests: input.requests.map((r) => ({ kind: 'data_export', id: r.id, requestedAt: iso(r.requestedAt), expiresAt: iso(r.expiresAt), usedAt: iso(r.usedAt) })),
  };
}

export type DonorExportDocument = ReturnType<typeof buildDonorExport>;
