import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsUUID, MaxLength } from 'class-validator';
import { IdParamPipe, OperatorGuard } from '@ataa/organizations';
import { ErasureService, type ErasureRequestView } from '@ataa/privacy';
import { ApiProblems } from '../organizations/api-docs.js';

export class CreateErasureDto {
  @ApiPropertyOptional({ description: 'Erase every gift made with this e-mail address', maxLength: 254 })
  @IsOptional() @IsEmail() @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Erase this one gift', format: 'uuid' })
  @IsOptional() @IsUUID()
  donationId?: string;
}

export class ErasureRequestDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['operator', 'donor_link'] }) source: string;
  @ApiProperty({ enum: ['awaiting_confirmation', 'confirmed', 'completed', 'expired'] }) state: string;
  @ApiProperty({ type: [String], description: 'The gifts erased (ids only)' }) donationIds: string[];
  @ApiProperty({ type: [String], description: 'The recurring series erased (ids only)' }) recurringGiftIds: string[];
  @ApiProperty({ type: [String], description: 'The scheduled series erased (ids only)' }) scheduledGiftIds: string[];
  @ApiProperty({ type: [String], description: 'The pledges erased (ids only)' }) pledgeIds: string[];
  @ApiProperty({ type: [String] }) completedSteps: string[];
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true }) lastError: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true }) confirmedAt: string | null;
  @ApiProperty({ nullable: true }) completedAt: string | null;
}

/**
 * The operator erases a donor's personal data on a request made to them (outside /api/v1, bearer
 * OPERATOR_TOKEN). The erasure runs in the worker; GET shows how far it got.
 */
@ApiTags('operator')
@Controller('operator/erasures')
@UseGuards(OperatorGuard)
export class OperatorErasuresController {
  constructor(private readonly erasures: ErasureService) {}

  @Post()
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiProblems(400, 401, 404)
  @ApiOperation({ summary: "Erase a donor's personal data: every gift of an e-mail address, or one gift (operator only)" })
  @ApiAcceptedResponse({ type: ErasureRequestDto })
  async create(@Body() body: CreateErasureDto): Promise<ErasureRequestView> {
    return this.erasures.requestByOperator({ email: body.email, donationId: body.donationId });
  }

  @Get(':erasureId')
  @ApiBearerAuth()
  @ApiProblems(400, 401, 404)
  @ApiOperation({ summary: 'An erasure request and how far it got (operator only)' })
  @ApiOkResponse({ type: ErasureRequestDto })
  async find(@Param('erasureId', IdParamPipe) id: string): Promise<ErasureRequestView> {
    return this.erasures.find(id);
  }
}
