import { Body, Controller, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { CampaignDto, CampaignsService, toCampaignDto } from '@ataa/campaigns';
import { IdParamPipe, OperatorGuard } from '@ataa/organizations';
import { ApiProblems } from '../organizations/api-docs.js';

export class SetPlatformFeeDto {
  @ApiProperty({ minimum: 0, maximum: 5000, example: 200, description: 'Basis points (200 = 2%)' })
  @IsInt() @Min(0) @Max(5000)
  platformFeeBps: number;
}

/** Platform operator endpoints (outside /api/v1, bearer OPERATOR_TOKEN). */
@ApiTags('operator')
@Controller('operator/campaigns')
@UseGuards(OperatorGuard)
export class OperatorCampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Put(':campaignId/platform-fee')
  @ApiBearerAuth()
  @ApiProblems(400, 401, 404)
  @ApiOperation({ summary: 'Set a campaign\'s platform fee (operator only)' })
  @ApiOkResponse({ type: CampaignDto })
  async setPlatformFee(@Param('campaignId', IdParamPipe) campaignId: string, @Body() body: SetPlatformFeeDto): Promise<CampaignDto> {
    return toCampaignDto(await this.campaigns.setPlatformFee(campaignId, body.platformFeeBps, 'operator'));
  }
}
