import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Refund requests (`donation_refunds`) made through the API: reserved under the gift's lock, then made on Stripe. */
@Injectable()
export class RefundRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's gift, its row locked FOR UPDATE (refunds of one gift queue here), or null. */
  async lockDonation(manager: EntityManager, donationId: string, organizationId: string): Promise<Record<string, any> | null> {
    const [row] = await manager.query(`SELECT * FROM donations WHERE id = $1 AND organization_id = $2 FOR UPDATE`, [donationId, organizationId]);
    return row ?? null;
  }

  /** A gift, or undefined. */
  async donation(donationId: string): Promise<Record<string, any> | undefined> {
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1`, [donationId]);
    return row;
  }

  /** A refund request by id, or undefined. */
  async find(refundId: string, manager: EntityManager = this.dataSource.manager): Promise<Record<string, any> | undefined> {
    const [row] = await manager.query(`SELECT * FROM donation_refunds WHERE id = $1`, [refundId]);
    return row;
  }

  /** What the gift's refunds in these statuses reserve (text). */
  async reserved(manager: EntityManager, donationId: string, statuses: readonly string[]): Promise<string> {
    const [{ reserved }] = await manager.query(
      `SELECT coalesce(sum(amount), 0)::text AS reserved FROM donation_refunds WHERE donation_id = $1 AND status = ANY($2::text[])`, [donationId, statuses],
    );
    return reserved;
  }

  /** Reserves a refund: the request row, `requested`. */
  async insertRequest(manager: EntityManager, r: { id: string; donationId: string; amount: bigint; reason: string; requestedBy: string }): Promise<void> {
    await manager.query(
      `INSERT INTO donation_refunds (id, donation_id, amount, status, reason, requested_by) VALUES ($1, $2, $3, 'requested', $4, $5)`,
      [r.id, r.donationId, r.amount.toString(), r.reason, r.requestedBy],
    );
  }

  /**
   * Takes up to `limit` requests still `requested` and never linked to Stripe since `olderThanSeconds`
   * (their `updated_at` moved on, so another sweep leaves them as long; SKIP LOCKED).
   */
  async takeStranded(olderThanSeconds: number, limit: number): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `WITH taken AS (
         UPDATE donation_refunds SET updated_at = now() WHERE id IN (
           SELECT id FROM donation_refunds WHERE status = 'requested' AND stripe_refund_id IS NULL AND updated_at < now() - make_interval(secs => $1)
           ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *)
       SELECT * FROM taken`,
      [olderThanSeconds, limit],
    );
  }

  /** The platform fee already returned by the gift's other refunds (text). */
  async platformFeeReturnedBesides(donationId: string, refundId: string): Promise<string> {
    const [{ returned }] = await this.dataSource.query(
      `SELECT coalesce(sum(platform_fee_returned), 0)::text AS returned FROM donation_refunds WHERE donation_id = $1 AND id <> $2`, [donationId, refundId],
    );
    return returned;
  }

  /** Releases a reservation still `requested`: the request failed for good. */
  async fail(refundId: string, reason: string): Promise<void> {
    await this.dataSource.query(`UPDATE donation_refunds SET status = 'failed', failure_reason = $2, updated_at = now() WHERE id = $1 AND status = 'requested'`, [refundId, reason]);
  }

  /** Links the request to the refund Stripe made (`pending` unless a webhook moved it on already). */
  async linkStripeRefund(refundId: string, stripeRefundId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE donation_refunds SET stripe_refund_id = $2, status = CASE WHEN status = 'requested' THEN 'pending' ELSE status END, updated_at = now() WHERE id = $1`,
      [refundId, stripeRefundId],
    );
  }
}
