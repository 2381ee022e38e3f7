import { ApiProperty } from '@nestjs/swagger';
import { CampaignDto } from '@ataa/campaigns';
import { PledgeFiguresDto } from '@ataa/donations';

/** One campaign for its organization, with its pledges' figures (issue 20, item 2). */
export class CampaignDetailDto extends CampaignDto {
  @ApiProperty({ type: PledgeFiguresDto, nullable: true, description: 'An all-or-nothing campaign taking pledges: pledged (unverified, not in the ledger) and collected, kept apart; null otherwise' })
  pledges: PledgeFiguresDto | null;
}
