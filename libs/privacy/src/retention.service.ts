import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { MetricsService } from '@ataa/observability';
import { retentionCutoff } from './domain/retention.js';
import { RateLimitRecords } from './persistence/rate-limit-records.js';
import { RetentionRepository } from './persistence/retention.repository.js';
import { retentionRules, type RetentionRule } from './retention-rules.js';

export interface RetentionRunResult {
  rule: string;
  cutoff: Date;
  purged: number;
  error?: string;
}

/** A run never loops forever: at most this many batches per rule (the next run goes on). */
const MAX_BATCHES_PER_RULE = 10_000;

/**
 * The retention job: runs every rule (retention-rules.ts) with the cutoff its configured period
 * gives, in batches of RETENTION_BATCH_SIZE, each batch its own short transaction, until a batch
 * removes nothing. Idempotent: a second run removes nothing more. A failing rule is logged and the
 * others still run. Counts go to the log and to `ataa_retention_purged_total{rule}`.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');
  private readonly purged: Counter<'rule'>;
  readonly rules: RetentionRule[];

  constructor(
    private readonly transactions: TransactionRunner,
    repository: RetentionRepository,
    rateLimits: RateLimitRecords,
    metrics: MetricsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.rules = retentionRules(repository, rateLimits);
    this.purged = metrics.counter('ataa_retention_purged_total', 'Records removed or scrubbed by the retention job, per rule', ['rule']);
  }

  async runAll(now: Date = new Date()): Promise<RetentionRunResult[]> {
    const results: RetentionRunResult[] = [];
    for (const rule of this.rules) results.push(await this.runRule(rule, now));
    return results;
  }

  async runRule(rule: RetentionRule, now: Date = new Date()): Promise<RetentionRunResult> {
    const cutoff = retentionCutoff(now, this.config[rule.periodConfigKey]);
    const limit = this.config.RETENTION_BATCH_SIZE;
    let purged = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_RULE; batch++) {
        const n = await this.transactions.run((m) => rule.purge(m, cutoff, limit));
        if (n > 0) this.purged.inc({ rule: rule.name }, n);
        purged += n;
        if (n === 0) break;
      }
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      this.logger.error(`retention rule ${rule.name} failed after ${purged} records: ${message}`);
      return { rule: rule.name, cutoff, purged, error: message };
    }
    this.logger.log(`retention rule ${rule.name}: ${purged} records older than ${cutoff.toISOString()} removed`);
    return { rule: rule.name, cutoff, purged };
  }
}
