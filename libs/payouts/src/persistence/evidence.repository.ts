import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { EvidenceMediaType, EvidenceVisibility } from '../domain/evidence.js';

export interface PayoutEvidence {
  id: string;
  organizationId: string;
  campaignId: string;
  payoutId: string;
  title: string;
  visibility: EvidenceVisibility;
  mediaType: EvidenceMediaType;
  bytes: number;
  sha256: string;
  storageKey: string;
  publicIndex: number | null;
  createdBy: string;
  createdAt: Date;
}

export interface CampaignOutcome {
  id: string;
  organizationId: string;
  campaignId: string;
  labelEn: string;
  labelAr: string;
  payoutId: string | null;
  updateId: string | null;
  createdBy: string;
  createdAt: Date;
}

/** The payout evidence is about: its campaign and, once paid, its public entry. */
export interface EvidencePayout {
  id: string;
  organizationId: string;
  campaignId: string;
  currency: string;
  status: string;
  publicIndex: number | null;
}

const toEvidence = (r: Record<string, any>): PayoutEvidence => ({
  id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, payoutId: r.payout_id, title: r.title, visibility: r.visibility,
  mediaType: r.media_type, bytes: Number(r.bytes), sha256: r.sha256, storageKey: r.storage_key, publicIndex: r.public_index === null ? null : Number(r.public_index),
  createdBy: r.created_by, createdAt: r.created_at,
});
const toOutcome = (r: Record<string, any>): CampaignOutcome => ({
  id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, labelEn: r.label_en, labelAr: r.label_ar, payoutId: r.payout_id,
  updateId: r.update_id, createdBy: r.created_by, createdAt: r.created_at,
});

/** A payout's public entry index (a `payout` entry exists once it was paid), as a column of `payouts p`. */
const PAYOUT_PUBLIC_INDEX = `(SELECT pe.idx FROM journal_entries j JOIN public_ledger_entries pe ON pe.campaign_id = p.campaign_id AND pe.source_ref = j.id::text
  WHERE j.source_id = p.id::text AND j.kind = 'payout' LIMIT 1) AS public_index`;

/** Payout evidence files and stated outcomes (plain SQL; both tables append-only). */
@Injectable()
export class EvidenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's payout with its public entry index (a `payout` entry exists once it was paid); null if not theirs. */
  async payout(organizationId: string, payoutId: string, manager?: EntityManager): Promise<EvidencePayout | null> {
    const [row] = await (manager ?? this.dataSource.manager).query(
      `SELECT p.id, p.organization_id, p.campaign_id, p.currency, p.status,
              ${PAYOUT_PUBLIC_INDEX}
         FROM payouts p WHERE p.id = $1 AND p.organization_id = $2`,
      [payoutId, organizationId],
    );
    return row ? { id: row.id, organizationId: row.organization_id, campaignId: row.campaign_id, currency: row.currency, status: row.status, publicIndex: row.public_index === null ? null : Number(row.public_index) } : null;
  }

  /** Public entry indexes of a campaign's payouts, in one query (the report's outcomes name payouts without public files). */
  async payoutPublicIndexes(campaignId: string, payoutIds: readonly string[]): Promise<Map<string, number | null>> {
    if (payoutIds.length === 0) return new Map();
    const rows: { id: string; public_index: string | null }[] = await this.dataSource.query(
      `SELECT p.id,
              ${PAYOUT_PUBLIC_INDEX}
         FROM payouts p WHERE p.id = ANY($1::uuid[]) AND p.campaign_id = $2`,
      [payoutIds, campaignId],
    );
    return new Map(rows.map((r) => [r.id, r.public_index === null ? null : Number(r.public_index)]));
  }

  async campaign(organizationId: string, campaignId: string): Promise<{ id: string; currency: string } | null> {
    const [row] = await this.dataSource.query(`SELECT id, currency FROM campaigns WHERE id = $1 AND organization_id = $2`, [campaignId, organizationId]);
    return row ?? null;
  }

  /** A published update of the campaign (an outcome's evidence must be public). */
  async publishedUpdate(campaignId: string, updateId: string, manager?: EntityManager): Promise<boolean> {
    const rows = await (manager ?? this.dataSource.manager).query(`SELECT 1 FROM campaign_updates WHERE id = $1 AND campaign_id = $2 AND status = 'published'`, [updateId, campaignId]);
    return rows.length > 0;
  }

  async insertEvidence(manager: EntityManager, e: PayoutEvidence): Promise<void> {
    await manager.query(
      `INSERT INTO payout_evidence (id, organization_id, campaign_id, payout_id, title, visibility, media_type, bytes, sha256, storage_key, public_index, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [e.id, e.organizationId, e.campaignId, e.payoutId, e.title, e.visibility, e.mediaType, e.bytes, e.sha256, e.storageKey, e.publicIndex, e.createdBy, e.createdAt],
    );
  }

  async evidenceOfPayout(organizationId: string, payoutId: string): Promise<PayoutEvidence[]> {
    const rows = await this.dataSource.query(`SELECT * FROM payout_evidence WHERE payout_id = $1 AND organization_id = $2 ORDER BY created_at, id`, [payoutId, organizationId]);
    return rows.map(toEvidence);
  }

  async findEvidence(organizationId: string, payoutId: string, evidenceId: string): Promise<PayoutEvidence | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM payout_evidence WHERE id = $1 AND payout_id = $2 AND organization_id = $3`, [evidenceId, payoutId, organizationId]);
    return row ? toEvidence(row) : null;
  }

  /** A payout's evidence whatever its organization: only the operator console's reads (EvidenceService.forOperator*) use it. */
  async evidenceOfPayoutForOperator(payoutId: string): Promise<PayoutEvidence[]> {
    const rows = await this.dataSource.query(`SELECT * FROM payout_evidence WHERE payout_id = $1 ORDER BY created_at, id`, [payoutId]);
    return rows.map(toEvidence);
  }

  /** One evidence file of this payout whatever its organization (the operator console's; another payout's file is null). */
  async findEvidenceForOperator(payoutId: string, evidenceId: string): Promise<PayoutEvidence | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM payout_evidence WHERE id = $1 AND payout_id = $2`, [evidenceId, payoutId]);
    return row ? toEvidence(row) : null;
  }

  /** Whether a stored file is public evidence (only those are served to anyone). */
  async isPublicFile(storageKey: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM payout_evidence WHERE storage_key = $1 AND visibility = 'public' LIMIT 1`, [storageKey]);
    return rows.length > 0;
  }

  async publicEvidenceOfCampaign(campaignId: string): Promise<(PayoutEvidence & { payoutIndex: number | null })[]> {
    const rows = await this.dataSource.query(
      `SELECT e.*, (SELECT pe.idx FROM journal_entries j JOIN public_ledger_entries pe ON pe.campaign_id = e.campaign_id AND pe.source_ref = j.id::text
                     WHERE j.source_id = e.payout_id::text AND j.kind = 'payout' LIMIT 1) AS payout_index
         FROM payout_evidence e WHERE e.campaign_id = $1 AND e.visibility = 'public' ORDER BY e.created_at, e.id LIMIT 500`,
      [campaignId],
    );
    return rows.map((r: Record<string, any>) => ({ ...toEvidence(r), payoutIndex: r.payout_index === null ? null : Number(r.payout_index) }));
  }

  async insertOutcome(manager: EntityManager, o: CampaignOutcome): Promise<void> {
    await manager.query(
      `INSERT INTO campaign_outcomes (id, organization_id, campaign_id, label_en, label_ar, payout_id, update_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [o.id, o.organizationId, o.campaignId, o.labelEn, o.labelAr, o.payoutId, o.updateId, o.createdBy, o.createdAt],
    );
  }

  async outcomesOfCampaign(campaignId: string): Promise<CampaignOutcome[]> {
    const rows = await this.dataSource.query(`SELECT * FROM campaign_outcomes WHERE campaign_id = $1 ORDER BY created_at, id LIMIT 500`, [campaignId]);
    return rows.map(toOutcome);
  }

  /** Changes whenever a campaign's public impact section may change (both tables are append-only). */
  async impactVersion(campaignId: string): Promise<string> {
    const [row] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM campaign_outcomes WHERE campaign_id = $1)::int AS outcomes, (SELECT count(*) FROM payout_evidence WHERE campaign_id = $1 AND visibility = 'public')::int AS files`,
      [campaignId],
    );
    return `${row.outcomes}.${row.files}`;
  }
}
