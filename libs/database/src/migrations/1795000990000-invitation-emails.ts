import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitation e-mails (issue 4): invitations to an organization travel the outbox like receipts,
 * written in the transaction that creates the invitation. Only the outbox's kinds change; the
 * token is never stored (the sender derives it again from the invitation id, see libs/organizations).
 */
export class InvitationEmails1795000990000 implements MigrationInterface {
  name = 'InvitationEmails1795000990000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE kind = 'invitation'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy'))`);
  }
}
