import type { CampaignDto } from './dto/campaign.dto.js';
import type { Campaign } from './persistence/campaign.entity.js';

/** The API shape of a campaign: amounts as digit strings, dates as ISO strings. */
export function toCampaignDto(c: Campaign): CampaignDto {
  return {
    id: c.id,
    organizationId: c.organizationId,
    slug: c.slug,
    title: c.title,
    summary: c.summary,
    story: c.storyMarkdown,
    storyHtml: c.storyHtml,
    coverImageUrl: c.coverImageUrl,
    currency: c.currency,
    goal: c.goalAmount.toString(),
    startsAt: c.startsAt?.toISOString() ?? null,
    endsAt: c.endsAt?.toISOString() ?? null,
    fundingModel: c.fundingModel,
    suggestedAmounts: c.suggestedAmounts.map((a) => a.toString()),
    minimumAmount: c.minimumAmount?.toString() ?? null,
    maximumAmount: c.maximumAmount?.toString() ?? null,
    allowAnonymous: c.allowAnonymous,
    offerCoverFees: c.offerCoverFees,
    language: c.language,
    category: c.category,
    embedOrigins: c.embedOrigins ?? [],
    designations: (c.designations ?? []).map((d) => ({ ...d })),
    platformFeeBps: c.platformFeeBps,
    status: c.status,
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    publishedAt: c.publishedAt?.toISOString() ?? null,
    suspensionReason: c.suspensionReason ?? null,
  };
}
