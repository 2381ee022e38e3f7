import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, TtlCache } from '@ataa/common';
import type { CoverImageStorage } from '@ataa/campaigns';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { AuditService, type Principal } from '@ataa/organizations';
import { evidenceFilePath, evidencePurpose, PublicLedgerAppender } from '@ataa/transparency';
import { checkEvidenceInput, checkOutcomeInput, evidenceMediaTypeOf, inspectEvidenceFile, type EvidenceMediaType } from './domain/evidence.js';
import { CampaignOutcome, EvidencePayout, EvidenceRepository, PayoutEvidence } from './persistence/evidence.repository.js';

/** The upload adapter campaign covers use (COVER_IMAGE_STORAGE's class), keeping evidence files in an area of their own. */
export const EVIDENCE_FILE_STORAGE = Symbol('EVIDENCE_FILE_STORAGE');
/** Only these roles attach evidence and state outcomes (issue 21: "only owner/finance"). */
export const EVIDENCE_ROLES = ['owner', 'finance'] as const;

export interface UploadedEvidenceFile {
  bytes: Buffer;
  /** Cut at the size limit by the upload. */
  truncated: boolean;
}

/** What the public report shows of a campaign's spending evidence and stated outcomes. */
export interface PublicImpact {
  evidence: { id: string; title: string; mediaType: EvidenceMediaType; bytes: number; sha256: string; url: string; payoutIndex: number | null; entryIndex: number | null }[];
  outcomes: { id: string; labelEn: string; labelAr: string; statedAt: string; payoutIndex: number | null; updateId: string | null; evidenceFiles: string[] }[];
}

function requireRole(principal: Principal): void {
  if (!(EVIDENCE_ROLES as readonly string[]).includes(principal.role)) throw new ForbiddenError('Only owners and finance members attach evidence and state outcomes');
}

/**
 * Spending evidence (files attached to a payout, public or for the operator) and impact figures
 * (outcomes stated per campaign, each evidenced by a payout or an update). A public file's SHA-256
 * is appended to the campaign's public log (kind `evidence`) in the transaction that records it,
 * with the audit entry; the file is stored first, by its hash, and taken back if that fails.
 */
/** How long a campaign's impact version is trusted before it is read again, and how many are kept. */
const IMPACT_VERSION_TTL_MS = 1000;
const IMPACT_VERSIONS_KEPT = 10_000;

@Injectable()
export class EvidenceService {
  /** Each campaign's impact version, read at most once per IMPACT_VERSION_TTL_MS (see impactVersion). */
  private readonly impactVersions = new TtlCache<string, string>(IMPACT_VERSION_TTL_MS, IMPACT_VERSIONS_KEPT);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: EvidenceRepository,
    private readonly appender: PublicLedgerAppender,
    private readonly audit: AuditService,
    @Inject(EVIDENCE_FILE_STORAGE) private readonly storage: CoverImageStorage,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  get maxBytes(): number {
    return this.config.EVIDENCE_FILE_MAX_BYTES;
  }

  /** The organization's payout, or 404 (another organization's too). */
  async payoutOf(organizationId: string, payoutId: string): Promise<EvidencePayout> {
    const payout = await this.repository.payout(organizationId, payoutId);
    if (!payout) throw new NotFoundError('Payout');
    return payout;
  }

  async campaignOf(organizationId: string, campaignId: string): Promise<{ id: string; currency: string }> {
    const campaign = await this.repository.campaign(organizationId, campaignId);
    if (!campaign) throw new NotFoundError('Campaign');
    return campaign;
  }

  async attach(principal: Principal, payoutId: string, fields: { title?: unknown; visibility?: unknown }, file: UploadedEvidenceFile | null): Promise<PayoutEvidence> {
    requireRole(principal);
    await this.payoutOf(principal.organizationId, payoutId);
    const input = checkEvidenceInput(fields);
    const accepted = inspectEvidenceFile(file, this.maxBytes);
    const stored = await this.storage.put(accepted.key, accepted.bytes, accepted.mediaType);
    try {
      const attached = await this.tx.run(async (m) => {
        const payout = await this.repository.payout(principal.organizationId, payoutId, m);
        if (!payout) throw new NotFoundError('Payout');
        if (input.visibility === 'public' && payout.publicIndex === null) {
          throw new ConflictError('payout_not_public', 'Public evidence is for a payout in the public ledger: this one is not paid yet (attach it for the operator, or once it is paid)');
        }
        const id = randomUUID();
        const now = new Date();
        let publicIndex: number | null = null;
        if (input.visibility === 'public') {
          const appended = await this.appender.append(m, {
            campaignId: payout.campaignId, kind: 'evidence', amount: 0n, currency: payout.currency, occurredAt: now, donorDisplayName: null, donorCommitment: null,
            publicMessage: null, payoutPurpose: evidencePurpose({ index: payout.publicIndex!, sha256: accepted.sha256, mediaType: accepted.mediaType, bytes: accepted.bytes.length }),
            sourceRef: `evidence:${id}`,
          });
          publicIndex = appended.index;
        }
        const evidence: PayoutEvidence = {
          id, organizationId: principal.organizationId, campaignId: payout.campaignId, payoutId, title: input.title, visibility: input.visibility,
          mediaType: accepted.mediaType, bytes: accepted.bytes.length, sha256: accepted.sha256, storageKey: accepted.key, publicIndex, createdBy: principal.actor, createdAt: now,
        };
        await this.repository.insertEvidence(m, evidence);
        await this.audit.record(m, {
          organizationId: principal.organizationId, actor: principal.actor, action: 'payout_evidence.attached', targetType: 'payout', targetId: payoutId,
          details: { evidenceId: id, campaignId: payout.campaignId, visibility: input.visibility, mediaType: accepted.mediaType, bytes: accepted.bytes.length, sha256: accepted.sha256, publicIndex },
        });
        return evidence;
      });
      this.impactVersions.drop(attached.campaignId);
      return attached;
    } catch (error) {
      // Another row may hold the same bytes (same hash, same name): only a file this call created is taken back.
      if (stored.created) await this.storage.delete(accepted.key);
      throw error;
    }
  }

  async list(organizationId: string, payoutId: string): Promise<PayoutEvidence[]> {
    await this.payoutOf(organizationId, payoutId);
    return this.repository.evidenceOfPayout(organizationId, payoutId);
  }

  /** One evidence file for the organization's members (public or operator-only). */
  async file(organizationId: string, payoutId: string, evidenceId: string): Promise<{ evidence: PayoutEvidence; bytes: Buffer }> {
    const evidence = await this.repository.findEvidence(organizationId, payoutId, evidenceId);
    if (!evidence) throw new NotFoundError('Evidence');
    const bytes = await this.storage.get(evidence.storageKey);
    if (!bytes) throw new NotFoundError('Evidence');
    return { evidence, bytes };
  }

  /**
   * A payout's evidence files, public and operator-only, for the platform's operators (the console):
   * not scoped to an organization, so never reachable from an organization's principal.
   */
  async forOperatorList(payoutId: string): Promise<PayoutEvidence[]> {
    return this.repository.evidenceOfPayoutForOperator(payoutId);
  }

  /**
   * One evidence file of the payout for an operator (`operator:<id>`), whatever its organization; a file
   * of another payout is a 404. Reading an operator-only file is audited (in the organization's log, so
   * its members see which operator read what) before its bytes are handed out.
   */
  async forOperatorFile(operatorActor: string, payoutId: string, evidenceId: string): Promise<{ evidence: PayoutEvidence; bytes: Buffer }> {
    if (!/^operator(:|$)/.test(operatorActor)) throw new ForbiddenError('Only operators read evidence across organizations');
    const evidence = await this.repository.findEvidenceForOperator(payoutId, evidenceId);
    if (!evidence) throw new NotFoundError('Evidence');
    const bytes = await this.storage.get(evidence.storageKey);
    if (!bytes) throw new NotFoundError('Evidence');
    if (evidence.visibility !== 'public') {
      await this.audit.record(null, {
        organizationId: evidence.organizationId, actor: operatorActor, action: 'payout_evidence.read_by_operator', targetType: 'payout', targetId: payoutId,
        details: { evidenceId: evidence.id, sha256: evidence.sha256, mediaType: evidence.mediaType, bytes: evidence.bytes },
      });
    }
    return { evidence, bytes };
  }

  /** A public evidence file by its name (`<sha256>.<ext>`), or null: operator-only files are never served here. */
  async publicFile(key: string): Promise<{ bytes: Buffer; mediaType: EvidenceMediaType } | null> {
    const mediaType = evidenceMediaTypeOf(key);
    if (!mediaType || !(await this.repository.isPublicFile(key))) return null;
    const bytes = await this.storage.get(key);
    return bytes ? { bytes, mediaType } : null;
  }

  async stateOutcome(principal: Principal, campaignId: string, input: { labelEn: string; labelAr: string; payoutId?: string | null; updateId?: string | null }): Promise<CampaignOutcome> {
    requireRole(principal);
    await this.campaignOf(principal.organizationId, campaignId);
    const checked = checkOutcomeInput(input);
    const stated = await this.tx.run(async (m) => {
      if ('payoutId' in checked.evidence) {
        const payout = await this.repository.payout(principal.organizationId, checked.evidence.payoutId, m);
        if (!payout || payout.campaignId !== campaignId) throw new NotFoundError('Payout');
        if (payout.publicIndex === null) throw new ConflictError('payout_not_public', 'An outcome is evidenced by a payout in the public ledger: this one is not paid yet');
      } else if (!(await this.repository.publishedUpdate(campaignId, checked.evidence.updateId, m))) {
        throw new NotFoundError('Update');
      }
      const outcome: CampaignOutcome = {
        id: randomUUID(), organizationId: principal.organizationId, campaignId, labelEn: checked.labelEn, labelAr: checked.labelAr,
        payoutId: 'payoutId' in checked.evidence ? checked.evidence.payoutId : null, updateId: 'updateId' in checked.evidence ? checked.evidence.updateId : null,
        createdBy: principal.actor, createdAt: new Date(),
      };
      await this.repository.insertOutcome(m, outcome);
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'campaign_outcome.stated', targetType: 'campaign', targetId: campaignId,
        details: { outcomeId: outcome.id, labelEn: outcome.labelEn, labelAr: outcome.labelAr, payoutId: outcome.payoutId, updateId: outcome.updateId },
      });
      return outcome;
    });
    this.impactVersions.drop(campaignId);
    return stated;
  }

  async outcomes(organizationId: string, campaignId: string): Promise<CampaignOutcome[]> {
    await this.campaignOf(organizationId, campaignId);
    return this.repository.outcomesOfCampaign(campaignId);
  }

  /**
   * Part of the report's cache key. Public pages ask on every request, so it is read at most once per
   * IMPACT_VERSION_TTL_MS per campaign and process; this process's own writes drop it at once (another
   * process's show within that second).
   */
  impactVersion(campaignId: string): Promise<string> {
    return this.impactVersions.get(campaignId, () => this.repository.impactVersion(campaignId));
  }

  /** The public report's impact section: public evidence files, and the outcomes with what evidences each. */
  async publicImpact(campaignId: string): Promise<PublicImpact> {
    const [files, outcomes] = await Promise.all([this.repository.publicEvidenceOfCampaign(campaignId), this.repository.outcomesOfCampaign(campaignId)]);
    const payoutIndexOf = new Map(files.map((f) => [f.payoutId, f.payoutIndex]));
    const missing = outcomes.filter((o) => o.payoutId && !payoutIndexOf.has(o.payoutId)).map((o) => o.payoutId!);
    for (const [payoutId, index] of await this.repository.payoutPublicIndexes(campaignId, [...new Set(missing)])) payoutIndexOf.set(payoutId, index);
    return {
      evidence: files.map((f) => ({
        id: f.id, title: f.title, mediaType: f.mediaType, bytes: f.bytes, sha256: f.sha256, url: evidenceFilePath(f), payoutIndex: f.payoutIndex, entryIndex: f.publicIndex,
      })),
      outcomes: outcomes.map((o) => ({
        id: o.id, labelEn: o.labelEn, labelAr: o.labelAr, statedAt: o.createdAt.toISOString(), payoutIndex: o.payoutId ? payoutIndexOf.get(o.payoutId) ?? null : null, updateId: o.updateId,
        evidenceFiles: o.payoutId ? files.filter((f) => f.payoutId === o.payoutId).map((f) => evidenceFilePath(f)) : [],
      })),
    };
  }
}
