import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { moneyTransformer } from '@ataa/database';

@Entity('organizations')
export class Organization {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  /** ISO 3166-1 alpha-2 (domain/country.ts). */
  @Column('text', { nullable: true }) country: string | null;
  @Column('text', { name: 'stripe_account_id', nullable: true }) stripeAccountId: string | null;
  @Column('boolean', { name: 'charges_enabled', default: false }) chargesEnabled: boolean;
  @Column('boolean', { name: 'payouts_enabled', default: false }) payoutsEnabled: boolean;
  @Column('boolean', { name: 'details_submitted', default: false }) detailsSubmitted: boolean;
  /** When the Stripe account data we hold was observed (older updates are ignored). */
  @Column('timestamptz', { name: 'stripe_account_synced_at', nullable: true }) stripeAccountSyncedAt: Date | null;
  /** Payouts above this need operator approval; null = the platform default. */
  @Column('bigint', { name: 'payout_approval_threshold', nullable: true, transformer: moneyTransformer }) payoutApprovalThreshold: bigint | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
