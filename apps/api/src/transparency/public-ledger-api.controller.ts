import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicLedgerService } from '@ataa/transparency';
import { CheckpointQueryDto, ConsistencyQueryDto, InclusionBatchQueryDto, InclusionQueryDto, LedgerQueryDto } from './public-ledger.dto.js';
import { PublicLedgerHttp } from './public-ledger.http.js';
import { sendJson } from './public-ledger.presenter.js';
import { PublicLedgerDocs } from './public-ledger.openapi.js';

/** The public JSON API: the same ledger, report, checkpoints and proofs as the pages, for programs. */
@ApiTags('public ledger')
@Controller('public')
export class PublicLedgerApiController {
  constructor(private readonly http: PublicLedgerHttp) {}

  @Get('campaigns/:slug/ledger')
  @PublicLedgerDocs.ledger()
  @ApiOperation({ summary: 'A page of public ledger entries (keyset pagination, newest or oldest first)' })
  async ledger(@Param('slug') slug: string, @Query() query: LedgerQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.ledgerJson(slug, query, request, reply);
  }

  @Get('campaigns/:slug/ledger.csv')
  @PublicLedgerDocs.csv()
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Every entry as CSV, streamed' })
  async csv(@Param('slug') slug: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.ledgerCsv(slug, request, reply);
  }

  @Get('campaigns/:slug/ledger.ndjson')
  @PublicLedgerDocs.jsonLines()
  @ApiProduces('application/x-ndjson')
  @ApiOperation({ summary: 'Every entry as JSON lines, streamed' })
  async jsonLines(@Param('slug') slug: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.ledgerJsonLines(slug, request, reply);
  }

  @Get('campaigns/:slug/report')
  @PublicLedgerDocs.report()
  @ApiOperation({ summary: 'Totals, fees, refunds, disputes, payouts, balance and monthly breakdown' })
  async report(@Param('slug') slug: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.reportJson(slug, request, reply);
  }

  @Get('campaigns/:slug/checkpoint')
  @PublicLedgerDocs.checkpoint()
  @ApiOperation({ summary: 'The signed checkpoint (signed-note text in `note`) of the current or a given size' })
  async checkpoint(@Param('slug') slug: string, @Query() query: CheckpointQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.checkpoint(slug, query, request, reply, true);
  }

  @Get('campaigns/:slug/proof/inclusion')
  @PublicLedgerDocs.inclusion()
  @ApiOperation({ summary: 'RFC 9162 inclusion proof of a leaf in the tree of a size' })
  async inclusion(@Param('slug') slug: string, @Query() query: InclusionQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.inclusion(slug, query, request, reply);
  }

  @Get('campaigns/:slug/proof/inclusions')
  @PublicLedgerDocs.inclusions()
  @ApiOperation({ summary: 'RFC 9162 inclusion proofs of up to 200 leaves in the tree of a size, in one answer' })
  async inclusions(@Param('slug') slug: string, @Query() query: InclusionBatchQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.inclusions(slug, query, request, reply);
  }

  @Get('campaigns/:slug/proof/consistency')
  @PublicLedgerDocs.consistency()
  @ApiOperation({ summary: 'RFC 9162 consistency proof between two tree sizes' })
  async consistency(@Param('slug') slug: string, @Query() query: ConsistencyQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.consistency(slug, query, request, reply);
  }

  @Get('transparency-key')
  @PublicLedgerDocs.key()
  key(@Res() reply: FastifyReply): void {
    void reply.header('cache-control', 'public, max-age=3600');
    sendJson(reply, this.http.service.publicKey());
  }
}

/** The platform's checkpoint key at a well-known URL: Go note verifier-key text, and JSON. */
@Controller('.well-known')
export class TransparencyWellKnownController {
  constructor(private readonly service: PublicLedgerService) {}

  @Get('ataa-transparency.pub')
  @PublicLedgerDocs.wellKnownText()
  text(@Res() reply: FastifyReply): void {
    void reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(`${this.service.publicKey().verifierKey}\n`);
  }

  @Get('ataa-transparency.json')
  @PublicLedgerDocs.wellKnownJson()
  json(@Res() reply: FastifyReply): void {
    void reply.header('cache-control', 'public, max-age=3600');
    sendJson(reply, this.service.publicKey());
  }
}
