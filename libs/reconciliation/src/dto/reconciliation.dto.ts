import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { DIFFERENCE_KINDS } from '../domain/reconcile.js';
import type { ReconciliationRun, StoredDifference } from '../persistence/reconciliation.repository.js';

export class StartReconciliationRunDto {
  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', description: 'Compare Stripe objects created from this time on; default: from the previous run (all history on the first run)' })
  @IsOptional() @IsISO8601({ strict: true })
  since?: string;
}

export class ReconciliationRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['schedule', 'operator', 'job'] }) trigger: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'] }) status: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Stripe objects created from then on were compared; null: all history' }) windowStart: string | null;
  @ApiProperty({ format: 'date-time' }) windowEnd: string;
  @ApiProperty({ description: 'Movements younger than this (ms) without a ledger entry were in flight, not differences' }) graceMs: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: string | null;
  @ApiProperty() stripeMovements: number;
  @ApiProperty() ledgerEntries: number;
  @ApiProperty() matched: number;
  @ApiProperty() inFlight: number;
  @ApiProperty({ description: 'Differences seen by this run (new and still open)' }) differences: number;
  @ApiProperty() newDifferences: number;
  @ApiProperty() resolvedDifferences: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class ReconciliationDifferenceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: DIFFERENCE_KINDS }) kind: string;
  @ApiProperty({ example: 'refund', description: 'The ledger entry kind the Stripe movement posts as' }) ledgerKind: string;
  @ApiProperty({ example: 're_3Nk...' }) stripeObjectId: string;
  @ApiProperty({ type: [String], description: 'Ledger entries matched to it (none when missing in the ledger)' }) ledgerEntryIds: string[];
  @ApiProperty({ nullable: true, type: String, example: '-2000', description: 'Minor units, signed as it moves the platform\'s Stripe balance' }) stripeAmount: string | null;
  @ApiProperty({ nullable: true, type: String, example: '-2000' }) ledgerAmount: string | null;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) campaignId: string | null;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ type: Object }) details: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) firstSeenAt: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) resolvedAt: string | null;
}

export class ReconciliationOverviewDto {
  @ApiProperty({ type: [ReconciliationRunDto], description: 'The latest runs, newest first' }) runs: ReconciliationRunDto[];
  @ApiProperty({ description: 'How many differences are open' }) openCount: number;
  @ApiProperty({ type: [ReconciliationDifferenceDto], description: 'Open differences, oldest first (at most 500)' }) openDifferences: ReconciliationDifferenceDto[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRunDto(r: ReconciliationRun): ReconciliationRunDto {
  return {
    id: r.id, trigger: r.trigger, status: r.status, windowStart: iso(r.windowStart), windowEnd: r.windowEnd.toISOString(), graceMs: r.graceMs,
    startedAt: r.startedAt.toISOString(), finishedAt: iso(r.finishedAt), stripeMovements: r.stripeMovements, ledgerEntries: r.ledgerEntries,
    matched: r.matched, inFlight: r.inFlight, differences: r.differences, newDifferences: r.newDifferences, resolvedDifferences: r.resolvedDifferences, error: r.error,
  };
}

export function toDifferenceDto(d: StoredDifference): ReconciliationDifferenceDto {
  return {
    id: d.id, kind: d.kind, ledgerKind: d.ledgerKind, stripeObjectId: d.stripeObjectId, ledgerEntryIds: d.ledgerEntryIds,
    stripeAmount: d.stripeAmount?.toString() ?? null, ledgerAmount: d.ledgerAmount?.toString() ?? null, currency: d.currency, campaignId: d.campaignId,
    occurredAt: d.occurredAt.toISOString(), details: d.details, firstSeenAt: d.firstSeenAt.toISOString(), lastSeenAt: d.lastSeenAt.toISOString(), resolvedAt: iso(d.resolvedAt),
  };
}
