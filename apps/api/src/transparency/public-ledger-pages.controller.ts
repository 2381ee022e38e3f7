import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CheckpointQueryDto, ConsistencyQueryDto, InclusionBatchQueryDto, InclusionQueryDto, LangQueryDto, LedgerQueryDto } from './public-ledger.dto.js';
import { PublicLedgerHttp } from './public-ledger.http.js';
import { wantsJson } from './public-ledger.presenter.js';

/**
 * The public transparency pages of a campaign, HTML by default and JSON for clients that ask for it
 * (Accept: application/json). Drafts and unknown campaigns are 404.
 */
@ApiExcludeController()
@Controller('c')
export class PublicLedgerPagesController {
  constructor(private readonly http: PublicLedgerHttp) {}

  @Get(':slug/ledger')
  async ledger(@Param('slug') slug: string, @Query() query: LedgerQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (wantsJson(request)) return this.http.ledgerJson(slug, query, request, reply);
    return this.http.ledgerHtml(slug, query, request, reply);
  }

  @Get(':slug/ledger.csv')
  async csv(@Param('slug') slug: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.ledgerCsv(slug, request, reply);
  }

  @Get(':slug/ledger.ndjson')
  async jsonLines(@Param('slug') slug: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.ledgerJsonLines(slug, request, reply);
  }

  @Get(':slug/report')
  async report(@Param('slug') slug: string, @Query() query: LangQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (wantsJson(request)) return this.http.reportJson(slug, request, reply);
    return this.http.reportHtml(slug, request, reply);
  }

  @Get(':slug/checkpoint')
  async checkpoint(@Param('slug') slug: string, @Query() query: CheckpointQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.checkpoint(slug, query, request, reply, wantsJson(request));
  }

  // The log's tiles (`/c/<slug>/tile/…`) are served by a plain Fastify route (registerTileRoute in
  // create-api-app.ts): immutable bytes at the speed of the machine, without Nest's per-request pipeline.

  @Get(':slug/proof/inclusion')
  async inclusion(@Param('slug') slug: string, @Query() query: InclusionQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.inclusion(slug, query, request, reply);
  }

  @Get(':slug/proof/inclusions')
  async inclusions(@Param('slug') slug: string, @Query() query: InclusionBatchQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.inclusions(slug, query, request, reply);
  }

  @Get(':slug/proof/consistency')
  async consistency(@Param('slug') slug: string, @Query() query: ConsistencyQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.consistency(slug, query, request, reply);
  }
}
