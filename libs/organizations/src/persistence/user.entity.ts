import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text', { name: 'password_hash', select: false }) passwordHash: string;
  @Column('text', { name: 'display_name', nullable: true }) displayName: string | null;
  @Column('timestamptz', { name: 'password_changed_at' }) passwordChangedAt: Date;
  @Column('timestamptz', { name: 'email_verified_at', nullable: true }) emailVerifiedAt?: Date | null;
  /** The TOTP secret, sealed (domain/two-factor.ts); never selected unless asked for. */
  @Column('text', { name: 'totp_secret', nullable: true, select: false }) totpSecret?: string | null;
  @Column('timestamptz', { name: 'totp_enabled_at', nullable: true }) totpEnabledAt?: Date | null;
  /** RFC 6238 time step of the last code accepted: later codes only. */
  @Column('bigint', { name: 'totp_last_step', nullable: true, transformer: { to: (v: number | null | undefined) => v, from: (v: string | null) => (v === null ? null : Number(v)) } }) totpLastStep?: number | null;
  @Column('text', { name: 'totp_pending_secret', nullable: true, select: false }) totpPendingSecret?: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
