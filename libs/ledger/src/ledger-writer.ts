import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';
import { OutboxMessage, OutboxService } from '@ataa/notifications';
import { AppendedEntry, PublicEntryInput, PublicLedgerAppender } from '@ataa/transparency';
import { EntryInput } from './domain/entry.js';
import { LedgerService } from './ledger.service.js';

/**
 * The gift a refund or dispute's public entry names: its public index when the gift was appended
 * before, or `donationSource`, the source id of the gift's `donation` journal entry recorded in the
 * same batch (its index is known only once appended, in the same call). A source not in the batch
 * (a gift settled before gifts kept their public index) names nothing: the entry then reduces its
 * designation only, as entries before this rule do.
 */
export type PlannedGiftRef = ({ index: number } | { donationSource: string }) & { refunded?: bigint };

/** A journal entry a planner decided on and, when it is campaign-facing, the public entry that shows it. */
export interface PlannedEntry {
  input: EntryInput;
  /** The public entry (its sourceRef is the journal entry's id, filled in here); none for entries the public never sees. */
  public?: (Omit<PublicEntryInput, 'sourceRef' | 'gift'> & { gift?: PlannedGiftRef | null }) | null;
}

/** What a money-moving use case records: its journal entries (with their public entries) and its messages. */
export interface MoneyPlan {
  entries: PlannedEntry[];
  outbox: OutboxMessage[];
}

export interface RecordedEntry {
  entryId: string;
  /** The public entry appended for it, or null. */
  public: AppendedEntry | null;
}

/**
 * The one writer of planned money movements: records a batch of plans in the caller's transaction
 * with multi-row statements — all journal entries with their postings and the outbox rows (one
 * statement), then each entry's public entry (one append per campaign). "One public entry per
 * campaign-facing journal entry, in the same transaction" holds by construction: a planned entry
 * carries its public entry, and both are written here or neither is.
 */
@Injectable()
export class LedgerWriter {
  constructor(
    private readonly ledger: LedgerService,
    private readonly appender: PublicLedgerAppender,
    private readonly outbox: OutboxService,
  ) {}

  /** Answers, per plan, its recorded entries in plan order. A fact already posted fails the whole batch (the caller's row locks make that a bug or a race to retry). */
  async record(manager: EntityManager, plans: readonly MoneyPlan[]): Promise<RecordedEntry[][]> {
    return (await this.recordWith(manager, plans, [])).recorded;
  }

  /**
   * `record`, with the use case's own writes (its state, its audit record: `SqlWrite`s from their
   * repositories) run in the same statement as the postings and the outbox rows: one round trip
   * when no entry is public (a payout request's hold, under the campaign's funds lock). `rows`: what
   * the write marked `returning` returned.
   */
  async recordWith(manager: EntityManager, plans: readonly MoneyPlan[], alongside: readonly SqlWrite[]): Promise<{ recorded: RecordedEntry[][]; rows: Record<string, any>[] }> {
    const flat = plans.flatMap((p) => p.entries);
    const messages = plans.flatMap((p) => p.outbox);
    if (flat.length === 0 && alongside.length === 0) {
      // Only messages (a notice): their plain insert.
      await this.outbox.enqueueMany(manager, messages);
      return { recorded: plans.map(() => []), rows: [] };
    }
    const outbox = this.outbox.write(messages);
    const { results: posted, rows } = await this.ledger.postWith(manager, flat.map((e) => e.input), outbox ? [...alongside, outbox] : alongside);
    const lost = posted.findIndex((r) => !r.created);
    if (lost >= 0) throw new Error(`ledger fact ${flat[lost].input.kind}:${flat[lost].input.sourceId} was posted concurrently; retrying`);

    const publicAt: number[] = [];
    const publicInputs: PublicEntryInput[] = [];
    // The gifts made public in this batch, by campaign and source id (a refund or dispute may name one).
    const giftInputs = new Map<string, number>();
    for (const [i, e] of flat.entries()) {
      if (!e.public || (e.public.amount === 0n && e.public.kind !== 'terms_changed')) continue;
      const { gift, ...rest } = e.public;
      let ref: PublicEntryInput['gift'] = null;
      if (gift && 'donationSource' in gift) {
        const target = giftInputs.get(`${e.input.campaignId}\u0000${gift.donationSource}`);
        if (target !== undefined) ref = { input: target, ...(gift.refunded !== undefined ? { refunded: gift.refunded } : {}) };
      } else if (gift) {
        ref = gift;
      }
      if (e.input.kind === 'donation' && rest.kind === 'donation') giftInputs.set(`${e.input.campaignId}\u0000${e.input.sourceId}`, publicInputs.length);
      publicAt.push(i);
      publicInputs.push({ ...rest, ...(ref ? { gift: ref } : {}), sourceRef: posted[i].entry.id });
    }
    const appended = await this.appender.appendMany(manager, publicInputs);
    const publicOf = new Map(publicAt.map((i, n) => [i, appended[n]]));

    const out: RecordedEntry[][] = [];
    let i = 0;
    for (const plan of plans) {
      out.push(plan.entries.map(() => {
        const recorded = { entryId: posted[i].entry.id, public: publicOf.get(i) ?? null };
        i++;
        return recorded;
      }));
    }
    return { recorded: out, rows };
  }
}
