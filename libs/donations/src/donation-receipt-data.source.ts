import { Injectable } from '@nestjs/common';
import type { ReceiptData, ReceiptDataRequest, ReceiptDataSource } from '@ataa/notifications';
import { PublicLedgerService } from '@ataa/transparency';
import { DonationRepository } from './persistence/donation.repository.js';
import { RecurringGiftsService } from './recurring-gifts.service.js';
import { ScheduledGiftsService } from './scheduled-gifts.service.js';

/** The receipts pipeline's port (contract 5): what a receipt or refund notice says about a gift. */
@Injectable()
export class DonationReceiptDataSource implements ReceiptDataSource {
  constructor(
    private readonly donations: DonationRepository,
    private readonly publicLedger: PublicLedgerService,
    private readonly recurring: RecurringGiftsService,
    private readonly scheduled: ScheduledGiftsService,
  ) {}

  async load(request: ReceiptDataRequest): Promise<ReceiptData | null> {
    let donationId = request.aggregateId;
    let refund: ReceiptData['refund'];
    if (request.kind === 'refund_notice') {
      const r = await this.donations.succeededRefund(request.aggregateId);
      if (!r) return null;
      donationId = r.donation_id;
      const d = await this.donations.refundedAmounts(donationId);
      refund = { refundId: r.id, amount: BigInt(r.amount), full: (d && BigInt(d.refunded_amount) >= BigInt(d.amount)) as boolean, occurredAt: r.updated_at };
    }
    if (!/^[0-9a-f-]{36}$/i.test(donationId)) return null;
    const row = await this.donations.forReceipt(donationId);
    // An erased gift (libs/privacy) has no donor to write to: nothing is sent.
    if (!row) return null;
    // An anonymous gift's commitment was made over the name, or the e-mail without one (DonationSyncService).
    const commitment = row.donor_commitment_salt ? { salt: row.donor_commitment_salt as string, name: (row.donor_name ?? row.donor_email) as string } : null;
    const proof = row.public_leaf_index === null ? null : await this.publicLedger.receiptVerification(row.campaign_id, Number(row.public_leaf_index), commitment);
    return {
      donationId: row.id,
      organization: { id: row.organization_id, name: row.organization_name },
      campaign: { id: row.campaign_id, title: row.campaign_title, language: row.campaign_language === 'ar' ? 'ar' : 'en' },
      donor: { name: row.donor_name, email: row.donor_email, locale: row.locale },
      amount: BigInt(row.amount),
      currency: row.currency,
      coveredFees: BigInt(row.covered_fees),
      occurredAt: row.settled_at,
      anonymous: row.anonymous,
      publicMessage: row.public_message,
      verification: proof
        ? { leafIndex: proof.leafIndex, leafHash: proof.leafHash, commitmentSalt: row.donor_commitment_salt ?? null, checkpoint: proof.checkpoint, proof: proof.proof }
        : null,
      ...(refund ? { refund } : {}),
      // Every receipt of a recurring series carries its one-click cancel link (signed, for that series only).
      ...(row.recurring_gift_id ? { recurring: { interval: row.recurring_interval, cancelUrl: this.recurring.link('cancel', row.recurring_gift_id) } } : {}),
      // So does every receipt of a scheduled series (Ramadan nights, Fridays).
      ...(row.scheduled_gift_id ? { recurring: { interval: 'scheduled' as const, cancelUrl: this.scheduled.cancelLink(row.scheduled_gift_id) } } : {}),
    };
  }
}
