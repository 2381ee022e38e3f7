import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { CampaignLog, PublicLedgerService } from '@ataa/transparency';
import { CheckpointQueryDto, ConsistencyQueryDto, InclusionBatchQueryDto, InclusionQueryDto, LedgerQueryDto } from './public-ledger.dto.js';
import { conditional, LONG_CACHE, PublicLedgerPresenter, sendJson, SHORT_CACHE, toIndex } from './public-ledger.presenter.js';

/** The public ledger's HTTP answers, shared by the pages (/c/:slug/...) and the JSON API (/api/v1/public). */
@Injectable()
export class PublicLedgerHttp {
  constructor(
    readonly service: PublicLedgerService,
    readonly presenter: PublicLedgerPresenter,
  ) {}

  apiBase(log: CampaignLog): string {
    return `/api/v1/public/campaigns/${log.campaign.slug}`;
  }

  async ledgerJson(slug: string, query: LedgerQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug);
    const page = await this.presenter.readPage(log, query);
    if (conditional(request, reply, log, 'ledger.json', page.immutable ? LONG_CACHE : SHORT_CACHE)) return;
    sendJson(reply, this.presenter.ledgerJson(log, page, this.apiBase(log)));
  }

  async ledgerCsv(slug: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug);
    if (conditional(request, reply, log, 'ledger.csv', SHORT_CACHE)) return;
    const service = this.service;
    // Batches by keyset, pulled as the client reads: memory stays flat whatever the size.
    async function* lines() {
      yield PublicLedgerPresenter.csvHeader;
      for await (const batch of service.allEntries(log)) yield batch.map((e) => PublicLedgerPresenter.csvLine(e)).join('');
    }
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${log.campaign.slug}-ledger-${log.size}.csv"`)
      .send(Readable.from(lines()));
  }

  async reportJson(slug: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug);
    if (conditional(request, reply, log, 'report.json', SHORT_CACHE)) return;
    const report = await this.service.report(log);
    sendJson(reply, { campaign: { id: log.campaign.id, slug: log.campaign.slug, title: log.campaign.title }, size: log.size, report });
  }

  async checkpoint(slug: string, query: CheckpointQueryDto, request: FastifyRequest, reply: FastifyReply, json: boolean): Promise<void> {
    const log = await this.service.log(slug);
    const size = query.size !== undefined ? toIndex(query.size) : log.size;
    const checkpoint = await this.service.checkpoint(log, size);
    if (conditional(request, reply, log, `checkpoint.${json}`, query.size !== undefined ? LONG_CACHE : SHORT_CACHE)) return;
    if (json) sendJson(reply, { ...checkpoint, publicKey: '/.well-known/ataa-transparency.json' });
    else void reply.header('content-type', 'text/plain; charset=utf-8').send(checkpoint.note);
  }

  async inclusion(slug: string, query: InclusionQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug);
    const size = query.size !== undefined ? toIndex(query.size) : log.size;
    const proof = await this.service.inclusionProof(log, toIndex(query.index), size);
    if (conditional(request, reply, log, 'inclusion', query.size !== undefined ? LONG_CACHE : SHORT_CACHE)) return;
    sendJson(reply, proof);
  }

  async inclusions(slug: string, query: InclusionBatchQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug);
    const proofs = await this.service.inclusionProofs(log, query.indexes.split(',').map(toIndex), toIndex(query.size));
    // A fixed size: the answer never changes.
    if (conditional(request, reply, log, 'inclusions', LONG_CACHE)) return;
    sendJson(reply, proofs);
  }

  async consistency(slug: string, query: ConsistencyQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug);
    const to = query.to !== undefined ? toIndex(query.to) : log.size;
    const proof = await this.service.consistencyProof(log, toIndex(query.from), to);
    if (conditional(request, reply, log, 'consistency', query.to !== undefined ? LONG_CACHE : SHORT_CACHE)) return;
    sendJson(reply, proof);
  }
}
