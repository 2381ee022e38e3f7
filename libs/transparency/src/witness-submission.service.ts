import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '@ataa/observability';
import { addCheckpointBody, planSubmission, readWitnessAnswer, WitnessLogState } from './domain/index.js';
import { WitnessRepository } from './persistence/witness.repository.js';
import { CampaignLog, PublicLedgerService } from './public-ledger.service.js';
import { WitnessClient } from './witness-client.js';

/** How one witness's part of a submission ended. */
export type WitnessOutcome = 'cosigned' | 'current' | 'conflict' | 'refused' | 'failed' | 'unreachable' | 'ahead';

export interface SubmissionReport {
  campaignId: string;
  /** The size submitted (null when nothing was pending). */
  size: number | null;
  witnesses: { witness: string; outcome: WitnessOutcome; error: string | null }[];
}

/** Thrown when some witness did not cosign: the queue retries the job with backoff. */
export class WitnessSubmissionError extends Error {
  constructor(readonly report: SubmissionReport) {
    super(`checkpoint ${report.size} of campaign ${report.campaignId} not cosigned by ${report.witnesses.filter((w) => w.outcome !== 'cosigned' && w.outcome !== 'current').map((w) => `${w.witness} (${w.outcome}: ${w.error})`).join(', ')}`);
    this.name = 'WitnessSubmissionError';
  }
}

/** A 409 may name a size once or twice in a row (a concurrent submitter); more rounds mean something is wrong. */
const MAX_ROUNDS = 3;

/**
 * Submits a campaign log's latest checkpoint to every configured witness (C2SP tlog-witness) and
 * stores the cosignatures that verify against the witness's configured key. Runs in the worker, off
 * the donation path: the appender only queued the size (transparency_witness_pending) in the append's
 * transaction. The checkpoint is signed here (stored once per size) if no reader signed it first.
 */
@Injectable()
export class WitnessSubmissionService {
  private readonly logger = new Logger('Witnesses');
  private readonly submissions: Counter<'witness' | 'outcome'>;

  constructor(
    private readonly ledger: PublicLedgerService,
    private readonly repository: WitnessRepository,
    private readonly client: WitnessClient,
    metrics: MetricsService,
  ) {
    this.submissions = metrics.counter('ataa_transparency_witness_submissions_total', 'Checkpoint submissions to witnesses, by witness and outcome (cosigned, current, conflict, refused, failed, unreachable, ahead)', ['witness', 'outcome']);
  }

  /**
   * Brings every witness to the log's current size. Deletes the pending row when all have cosigned
   * it (unless a later append queued a larger size: then goes again); throws otherwise, so the job
   * is retried later. A witness that is down costs only its own timeout.
   */
  async submit(campaignId: string): Promise<SubmissionReport> {
    let report: SubmissionReport = { campaignId, size: null, witnesses: [] };
    for (let pass = 0; pass < MAX_ROUNDS; pass++) {
      const pending = await this.repository.pendingSize(campaignId);
      if (pending === null) return report;
      const log = await this.ledger.logById(campaignId);
      if (!log || log.size === 0 || this.ledger.witnesses.length === 0) {
        await this.repository.finishPending(campaignId, pending);
        return report;
      }
      const { note } = await this.ledger.platformCheckpoint(log, log.size);
      const states = await this.repository.states(campaignId);
      const results = await Promise.all(this.ledger.witnesses.map((w) => this.bringUp(log, note, w, states.get(w.vkey) ?? null)));
      report = { campaignId, size: log.size, witnesses: results };
      if (!results.every((r) => r.outcome === 'cosigned' || r.outcome === 'current')) throw new WitnessSubmissionError(report);
      await this.repository.finishPending(campaignId, log.size);
    }
    return report;
  }

  private async bringUp(
    log: CampaignLog, note: string, witness: PublicLedgerService['witnesses'][number], stored: WitnessLogState | null,
  ): Promise<{ witness: string; outcome: WitnessOutcome; error: string | null }> {
    const name = witness.key.name;
    const done = (outcome: WitnessOutcome, error: string | null = null) => {
      this.submissions.inc({ witness: name, outcome });
      return { witness: name, outcome, error };
    };
    let state = stored;
    let lastOld: number | null = null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const plan = planSubmission(log.size, state);
      if (plan.kind === 'current') return { witness: name, outcome: 'current', error: null };
      if (plan.kind === 'ahead') {
        const error = `the witness holds ${plan.witnessSize} entries, more than the log's ${log.size}: it was shown another history`;
        this.logger.error(`campaign ${log.campaign.id}: ${name}: ${error}`);
        await this.repository.recordAttempt(log.campaign.id, witness.vkey, 'ahead', error, null);
        return done('ahead', error);
      }
      if (plan.oldSize === lastOld) break; // the witness named the size we just sent: a loop, not progress
      lastOld = plan.oldSize;
      const proof = plan.oldSize === 0 || plan.oldSize === plan.size
        ? []
        : (await this.ledger.consistencyProof(log, plan.oldSize, plan.size)).proof.map((h) => Buffer.from(h, 'base64'));
      let response;
      try {
        response = await this.client.addCheckpoint(witness.url, addCheckpointBody(plan.oldSize, proof, note));
      } catch (error) {
        const message = (error as Error).message;
        await this.repository.recordAttempt(log.campaign.id, witness.vkey, 'unreachable', message, null);
        return done('unreachable', message);
      }
      const answer = readWitnessAnswer(response.status, response.contentType, response.body, note, witness.key);
      switch (answer.kind) {
        case 'cosigned':
          await this.repository.recordCosignature(log.campaign.id, witness.vkey, plan.size, answer.line, new Date(answer.timestamp * 1000));
          return done('cosigned');
        case 'conflict':
          this.submissions.inc({ witness: name, outcome: 'conflict' });
          await this.repository.recordAttempt(log.campaign.id, witness.vkey, 'conflict', null, answer.witnessSize);
          state = { knownSize: answer.witnessSize, cosignedSize: state?.cosignedSize ?? null };
          continue;
        case 'refused':
          await this.repository.recordAttempt(log.campaign.id, witness.vkey, 'refused', answer.reason, null);
          return done('refused', answer.reason);
        case 'failed':
          await this.repository.recordAttempt(log.campaign.id, witness.vkey, 'failed', answer.reason, null);
          return done('failed', answer.reason);
      }
    }
    const error = 'the witness keeps answering 409 with a size that does not lead anywhere';
    await this.repository.recordAttempt(log.campaign.id, witness.vkey, 'failed', error, null);
    return done('failed', error);
  }
}
