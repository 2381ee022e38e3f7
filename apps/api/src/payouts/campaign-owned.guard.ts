import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { NotFoundError } from '@ataa/common';
import { isUuid, type Principal } from '@ataa/organizations';
import { FundsService } from '@ataa/payouts';

/**
 * Runs after AuthGuard and before body validation: another organization's campaign is a 404
 * whatever the body says (a 400 would tell the caller the id reached the handler).
 */
@Injectable()
export class CampaignOwnedGuard implements CanActivate {
  constructor(private readonly funds: FundsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; principal?: Principal }>();
    const campaignId = request.params.campaignId;
    if (!request.principal || !isUuid(campaignId)) throw new NotFoundError('Campaign');
    await this.funds.campaignOf(request.principal.organizationId, campaignId);
    return true;
  }
}
