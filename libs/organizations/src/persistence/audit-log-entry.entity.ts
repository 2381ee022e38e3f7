import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '@ataa/database';

/** One line of the append-only audit log (the database refuses UPDATE and DELETE). */
@Entity('audit_log')
export class AuditLogEntry {
  @PrimaryColumn('bigint', { transformer: bigintTransformer, generated: 'increment' }) seq: bigint;
  @Column('uuid', { default: () => 'gen_random_uuid()' }) id: string;
  @Column('uuid', { name: 'organization_id', nullable: true }) organizationId: string | null;
  @Column('text') actor: string;
  @Column('text') action: string;
  @Column('text', { name: 'target_type' }) targetType: string;
  @Column('text', { name: 'target_id', nullable: true }) targetId: string | null;
  @Column('jsonb', { default: {} }) details: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
