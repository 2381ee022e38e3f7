import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { ReceiptsService } from '@ataa/notifications';
import { AuditService, AuthGuard, CurrentPrincipal, IdParamPipe, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

export class ListReceiptsQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'sent', 'failed'], description: '`failed`: receipts the mail server refused for good' })
  @IsOptional() @IsIn(['pending', 'sent', 'failed'])
  status?: 'pending' | 'sent' | 'failed';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  donationId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
}

export class ReceiptDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['donation_receipt', 'refund_notice', 'receipt_copy'] }) kind: string;
  @ApiProperty() donationId: string;
  @ApiProperty({ nullable: true, example: 'R-2026-000042' }) receiptNumber: string | null;
  @ApiProperty({ nullable: true, description: 'For copies: the original receipt' }) copyOf: string | null;
  @ApiProperty({ enum: ['pending', 'sent', 'failed'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, description: 'The mail server\'s last answer when delivery failed' }) lastError: string | null;
  @ApiProperty({ nullable: true }) sentAt: string | null;
  @ApiProperty({ nullable: true }) failedAt: string | null;
  @ApiProperty() createdAt: string;
}

export class ResendReceiptResponseDto {
  @ApiProperty({ example: 'R-2026-000042', description: 'The copy carries the original receipt number' }) receiptNumber: string;
  @ApiProperty({ enum: ['queued'] }) status: 'queued';
}

@ApiTags('receipts')
@Controller('orgs/:orgId')
@UseGuards(AuthGuard)
export class ReceiptsController {
  constructor(
    private readonly receipts: ReceiptsService,
    private readonly audit: AuditService,
  ) {}

  @Get('receipts')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiOperation({ summary: 'Receipts and notices sent to donors, newest first, including failed deliveries (any member)' })
  @ApiOkResponse({ type: ReceiptDto, isArray: true })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListReceiptsQueryDto): Promise<ReceiptDto[]> {
    return this.receipts.list(principal.organizationId, { status: query.status, donationId: query.donationId, limit: query.limit });
  }

  @Post('donations/:donationId/receipt/resend')
  @HttpCode(202)
  @Roles('admin', 'finance')
  @ApiOrgAuth()
  @ApiProblems(404, 409)
  @ApiOperation({
    summary: 'E-mail the donor a copy of the receipt (owner, admin, finance)',
    description: 'The copy has the same receipt number and is marked as a copy. 404 `receipt_not_found` when the donation has no receipt in this organization; 409 `receipt_not_sent_yet` while the original is still being delivered.',
  })
  @ApiAcceptedResponse({ type: ResendReceiptResponseDto })
  async resend(@CurrentPrincipal() principal: Principal, @Param('donationId', IdParamPipe) donationId: string): Promise<ResendReceiptResponseDto> {
    const { receiptNumber, outboxId } = await this.receipts.resend(principal.organizationId, donationId, principal.actor);
    await this.audit.record(null, {
      organizationId: principal.organizationId, actor: principal.actor, action: 'receipt.resend', targetType: 'donation', targetId: donationId,
      details: { receiptNumber, outboxId },
    });
    return { receiptNumber, status: 'queued' };
  }
}
