import { Body, CanActivate, Controller, ExecutionContext, Get, Injectable, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiExcludeController, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, NotFoundError } from '@ataa/common';
import { AuthGuard, CurrentPrincipal, IdParamPipe, isUuid, Roles, type Principal } from '@ataa/organizations';
import {
  AttachEvidenceFormDto, EvidenceDto, EvidenceListDto, EvidenceService, OutcomeDto, OutcomeListDto, StateOutcomeDto, toEvidenceDto, toOutcomeDto, type PayoutEvidence, type UploadedEvidenceFile,
} from '@ataa/payouts';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

/** Runs after AuthGuard, before the body is read: another organization's payout is a 404 whatever is sent. */
@Injectable()
export class EvidencePayoutGuard implements CanActivate {
  constructor(private readonly evidence: EvidenceService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; principal?: Principal }>();
    if (!request.principal || !isUuid(request.params.payoutId)) throw new NotFoundError('Payout');
    await this.evidence.payoutOf(request.principal.organizationId, request.params.payoutId);
    return true;
  }
}

/** The same for a campaign's outcomes. */
@Injectable()
export class OutcomeCampaignGuard implements CanActivate {
  constructor(private readonly evidence: EvidenceService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; principal?: Principal }>();
    if (!request.principal || !isUuid(request.params.campaignId)) throw new NotFoundError('Campaign');
    await this.evidence.campaignOf(request.principal.organizationId, request.params.campaignId);
    return true;
  }
}

export const evidenceDto = (e: PayoutEvidence) => toEvidenceDto(e, e.visibility === 'public' ? `/media/evidence/${e.storageKey}` : null);

/**
 * Sends a member's or an operator's evidence file (public or operator-only): the type its bytes were
 * sniffed as, always as a download, never cached, never sniffed again by the browser.
 */
export function sendEvidenceFile(reply: FastifyReply, evidence: PayoutEvidence, bytes: Buffer): void {
  void reply.status(200).header('content-type', evidence.mediaType).header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff')
    .header('content-disposition', `attachment; filename="${evidence.storageKey}"`).send(bytes);
}

/**
 * Reads an upload's fields and its one file (multipart/form-data), the file held in memory up to
 * EVIDENCE_FILE_MAX_BYTES: a longer one is cut and marked truncated (refused as too large), not thrown.
 */
export async function readEvidenceForm(request: FastifyRequest, maxBytes: number): Promise<{ fields: Record<string, string>; file: UploadedEvidenceFile | null }> {
  if (!request.isMultipart()) throw new DomainError('validation_failed', 'send multipart/form-data with the fields file, title and visibility', 415);
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let file: UploadedEvidenceFile | null = null;
  for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096 } })) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (part.fieldname === 'file' && (part.filename !== '' || bytes.length > 0)) file = { bytes, truncated: part.file.truncated };
    } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
      fields[part.fieldname] = part.value;
    }
  }
  return { fields, file };
}

@ApiTags('spending evidence')
@Controller('orgs/:orgId/payouts/:payoutId/evidence')
@UseGuards(AuthGuard, EvidencePayoutGuard)
export class PayoutEvidenceController {
  constructor(private readonly evidence: EvidenceService) {}

  @Post()
  @Roles('finance')
  @ApiOrgAuth()
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: AttachEvidenceFormDto })
  @ApiProblems(400, 409, 413, 415)
  @ApiOperation({
    summary: 'Attach spending evidence to a payout: an invoice, a photo, a short report (owner, finance)',
    description: 'A public file is served at /media/evidence/<sha256>.<ext> and its SHA-256 appended to the campaign\'s public log (kind `evidence`), so it cannot be swapped; an operator file is kept for the organization and the platform\'s operators. Personal data in the file is the organization\'s responsibility.',
  })
  @ApiCreatedResponse({ type: EvidenceDto })
  async attach(
    @CurrentPrincipal() principal: Principal, @Param('payoutId', IdParamPipe) payoutId: string, @Req() request: FastifyRequest,
    // The multipart form is read from the request itself (readEvidenceForm, file size bounded while it
    // streams); declared so the handler's body is the one the document describes (nothing is parsed into it).
    @Body() _form: unknown,
  ): Promise<EvidenceDto> {
    const { fields, file } = await readEvidenceForm(request, this.evidence.maxBytes);
    return evidenceDto(await this.evidence.attach(principal, payoutId, fields, file));
  }

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'The payout\'s evidence files, public and operator-only (any member)' })
  @ApiOkResponse({ type: EvidenceListDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('payoutId', IdParamPipe) payoutId: string): Promise<EvidenceListDto> {
    return { items: (await this.evidence.list(principal.organizationId, payoutId)).map(evidenceDto) };
  }

  @Get(':evidenceId/file')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProduces('application/pdf', 'image/jpeg', 'image/png', 'image/webp')
  @ApiOperation({ summary: 'One evidence file\'s bytes, public or operator-only (any member)' })
  @ApiOkResponse({
    description: 'The file, as an attachment, of the type its bytes were found to be',
    content: Object.fromEntries(['application/pdf', 'image/jpeg', 'image/png', 'image/webp'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
  })
  async file(
    @CurrentPrincipal() principal: Principal, @Param('payoutId', IdParamPipe) payoutId: string, @Param('evidenceId', IdParamPipe) evidenceId: string, @Res() reply: FastifyReply,
  ): Promise<void> {
    const { evidence, bytes } = await this.evidence.file(principal.organizationId, payoutId, evidenceId);
    sendEvidenceFile(reply, evidence, bytes);
  }
}

@ApiTags('impact')
@Controller('orgs/:orgId/campaigns/:campaignId/outcomes')
@UseGuards(AuthGuard, OutcomeCampaignGuard)
export class CampaignOutcomesController {
  constructor(private readonly evidence: EvidenceService) {}

  @Post()
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiOperation({ summary: 'State an outcome of the campaign ("1,200 meals"), en and ar, with the paid payout or published update that evidences it (owner, finance)' })
  @ApiCreatedResponse({ type: OutcomeDto })
  async state(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Body() body: StateOutcomeDto): Promise<OutcomeDto> {
    return toOutcomeDto(await this.evidence.stateOutcome(principal, campaignId, body));
  }

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'The campaign\'s stated outcomes, oldest first (any member)' })
  @ApiOkResponse({ type: OutcomeListDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<OutcomeListDto> {
    return { items: (await this.evidence.outcomes(principal.organizationId, campaignId)).map(toOutcomeDto) };
  }
}

/**
 * Public evidence files at a stable path (outside /api/v1): `/media/evidence/<sha256>.<ext>`. The
 * name is the content's hash (the one in the public log), so the answer never changes; operator-only
 * files are never served here (404, as for a name nobody uploaded).
 */
@ApiExcludeController()
@Controller('media')
export class PublicEvidenceFilesController {
  constructor(private readonly evidence: EvidenceService) {}

  @Get('evidence/:key')
  async file(@Param('key') key: string, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.evidence.publicFile(key);
    if (!found) throw new NotFoundError('Evidence');
    void reply.status(200).header('content-type', found.mediaType).header('content-length', String(found.bytes.length))
      .header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff')
      // Never rendered as a page of this site (a PDF or image opens as a download or in its viewer).
      .header('content-disposition', `attachment; filename="${key}"`).header('content-security-policy', "default-src 'none'; sandbox").send(found.bytes);
  }
}
