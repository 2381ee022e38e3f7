import { ApiProperty } from '@nestjs/swagger';
import { IsUUID, ValidateIf } from 'class-validator';
import type { Period, RecurringFigures } from '../domain/recurring-figures.js';
import { RECURRING_END_REASONS, RECURRING_INTERVALS, RECURRING_STATUSES } from '../domain/recurring-gift.js';
import type { OrganizationFailure, OrganizationSeries } from '../persistence/recurring-gifts.repository.js';

const day = (d: Date) => d.toISOString().slice(0, 10);
const lastDay = (to: Date) => day(new Date(to.getTime() - 86_400_000));

export class RecurringPeriodDto {
  @ApiProperty({ example: '2026-11-06', description: 'First day (UTC), included' }) from: string;
  @ApiProperty({ example: '2026-12-05', description: 'Last day (UTC), included' }) to: string;
}

export class RecurringSeriesCountsDto {
  @ApiProperty() active: number;
  @ApiProperty() pastDue: number;
  @ApiProperty() paused: number;
}

export class MonthlyRecurringRevenueDto {
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '14333', description: 'Minor units, digits: monthly series as they are plus weekly ones × 52 / 12, rounded half up per currency; active and past-due series (paused ones bring nothing in)' })
  amount: string;
  @ApiProperty({ description: 'Collecting series in this currency' }) series: number;
}

export class RecurringChurnDto {
  @ApiProperty({ description: 'Series that had made a payment and ended within the period' }) ended: number;
  @ApiProperty({ description: 'Ended series by reason', example: { donor: 1, payment_failed: 1 }, type: 'object', additionalProperties: { type: 'integer' } })
  endedByReason: Record<string, number>;
  @ApiProperty({ description: 'Series live (started, not ended) at the start of the period' }) liveAtStart: number;
  @ApiProperty({ nullable: true, type: 'integer', example: 833, description: 'ended / liveAtStart in basis points (833 = 8.33 %), rounded half up; null when nothing was live at the start' })
  rateBasisPoints: number | null;
}

export class FailedAmountDto {
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '2500', description: 'Minor units, digits' }) amount: string;
}

export class FailedPaymentsDto {
  @ApiProperty({ description: 'Failed attempts in the period (every failed retry counts)' }) attempts: number;
  @ApiProperty({ description: 'Series with a failed attempt in the period' }) series: number;
  @ApiProperty({ description: 'Attempts whose invoice was paid later (a retry, or the donor updated the card)' }) recovered: number;
  @ApiProperty({ type: [FailedAmountDto] }) amounts: FailedAmountDto[];
}

export class ScheduledActiveDto {
  @ApiProperty({ description: 'Active "last ten nights of Ramadan" series' }) ramadanLastTen: number;
  @ApiProperty({ description: 'Active "every Friday" series' }) fridays: number;
}

export class ScheduledPlannedDto {
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '6000', description: 'Minor units, digits: what the active series\' planned occurrences will charge' }) amount: string;
  @ApiProperty() occurrences: number;
}

export class ScheduledOccurrencesDto {
  @ApiProperty({ description: 'Occurrences due in the period' }) occurrences: number;
  @ApiProperty({ type: [FailedAmountDto] }) amounts: FailedAmountDto[];
}

export class ScheduledFailedDto extends ScheduledOccurrencesDto {
  @ApiProperty({ description: 'Failed occurrences the donor paid since on their link' }) recovered: number;
}

export class ScheduledFiguresDto {
  @ApiProperty({ description: 'Distinct donor e-mails with an active scheduled series' }) donors: number;
  @ApiProperty({ type: ScheduledActiveDto }) active: ScheduledActiveDto;
  @ApiProperty({ description: 'Series cancelled in the period' }) cancelled: number;
  @ApiProperty({ example: { donor: 1 }, type: 'object', additionalProperties: { type: 'integer' } }) cancelledByReason: Record<string, number>;
  @ApiProperty({ type: [ScheduledPlannedDto], description: 'Per currency, never converted' }) stillPlanned: ScheduledPlannedDto[];
  @ApiProperty({ type: ScheduledOccurrencesDto, description: 'Occurrences due in the period whose gift was paid' }) paid: ScheduledOccurrencesDto;
  @ApiProperty({ type: ScheduledFailedDto, description: 'Occurrences due in the period whose off-session charge failed' }) failed: ScheduledFailedDto;
}

export class RecurringFiguresDto {
  @ApiProperty({ type: RecurringPeriodDto }) period: RecurringPeriodDto;
  @ApiProperty({ description: 'Distinct donor e-mails with a live series (active, past due or paused) or an active scheduled series' }) recurringDonors: number;
  @ApiProperty({ type: ScheduledFiguresDto, description: 'Scheduled series (last ten nights of Ramadan, every Friday): not in the monthly recurring revenue' }) scheduled: ScheduledFiguresDto;
  @ApiProperty({ type: RecurringSeriesCountsDto }) series: RecurringSeriesCountsDto;
  @ApiProperty({ type: [MonthlyRecurringRevenueDto], description: 'Per currency, never converted' }) monthlyRecurringRevenue: MonthlyRecurringRevenueDto[];
  @ApiProperty({ type: RecurringChurnDto }) churn: RecurringChurnDto;
  @ApiProperty({ type: FailedPaymentsDto }) failedPayments: FailedPaymentsDto;
}

export const periodDto = (p: Period): RecurringPeriodDto => ({ from: day(p.from), to: lastDay(p.to) });

export function toRecurringFiguresDto(f: RecurringFigures): RecurringFiguresDto {
  return {
    period: periodDto(f.period),
    recurringDonors: f.recurringDonors,
    scheduled: {
      donors: f.scheduled.donors, active: f.scheduled.active, cancelled: f.scheduled.cancelled, cancelledByReason: { ...f.scheduled.cancelledByReason } as Record<string, number>,
      stillPlanned: f.scheduled.stillPlanned.map((p) => ({ currency: p.currency, amount: p.amount.toString(), occurrences: p.occurrences })),
      paid: { occurrences: f.scheduled.paid.occurrences, amounts: f.scheduled.paid.amounts.map((a) => ({ currency: a.currency, amount: a.amount.toString() })) },
      failed: { occurrences: f.scheduled.failed.occurrences, recovered: f.scheduled.failed.recovered, amounts: f.scheduled.failed.amounts.map((a) => ({ currency: a.currency, amount: a.amount.toString() })) },
    },
    series: f.series,
    monthlyRecurringRevenue: f.monthlyRecurringRevenue.map((m) => ({ currency: m.currency, amount: m.amount.toString(), series: m.series })),
    churn: { ...f.churn, endedByReason: { ...f.churn.endedByReason } as Record<string, number> },
    failedPayments: { ...f.failedPayments, amounts: f.failedPayments.amounts.map((a) => ({ currency: a.currency, amount: a.amount.toString() })) },
  };
}

export class RecurringSeriesDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty() campaignTitle: string;
  @ApiProperty({ nullable: true, type: String }) donorName: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'null once the donor was erased' }) donorEmail: string | null;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ example: '2500', description: 'Minor units, digits: each payment' }) amount: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ enum: RECURRING_INTERVALS }) interval: string;
  @ApiProperty({ enum: RECURRING_STATUSES }) status: string;
  @ApiProperty({ description: 'Paid invoices (gifts) so far' }) paymentsCount: number;
  @ApiProperty({ nullable: true, type: Number }) maxPayments: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) endsAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastPaidAt: string | null;
  @ApiProperty({ nullable: true, enum: RECURRING_END_REASONS }) endReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) endedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class RecurringSeriesPageDto {
  @ApiProperty({ type: [RecurringSeriesDto] }) items: RecurringSeriesDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' }) nextCursor: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toRecurringSeriesDto(s: OrganizationSeries): RecurringSeriesDto {
  return {
    id: s.id, campaignId: s.campaignId, campaignTitle: s.campaignTitle, donorName: s.donorName, donorEmail: s.donorEmail, anonymous: s.anonymous,
    amount: s.amount.toString(), currency: s.currency, interval: s.interval, status: s.status, paymentsCount: s.paymentsCount, maxPayments: s.maxPayments,
    endsAt: iso(s.endsAt), lastPaidAt: iso(s.lastPaidAt), endReason: s.endReason, endedAt: iso(s.endedAt), createdAt: iso(s.createdAt)!,
  };
}

export class RecurringFailureDto {
  @ApiProperty() recurringGiftId: string;
  @ApiProperty() campaignId: string;
  @ApiProperty() campaignTitle: string;
  @ApiProperty({ nullable: true, type: String }) donorName: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'null once the donor was erased' }) donorEmail: string | null;
  @ApiProperty({ enum: RECURRING_STATUSES, description: "The series' status now" }) seriesStatus: string;
  @ApiProperty({ example: 'in_1Abc' }) invoiceId: string;
  @ApiProperty({ description: "Stripe's attempt count for the invoice" }) attempt: number;
  @ApiProperty({ example: '2500', description: 'Minor units, digits' }) amount: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ description: 'Stripe said it would try again' }) willRetry: boolean;
  @ApiProperty({ description: 'The invoice was paid later' }) recovered: boolean;
  @ApiProperty({ format: 'date-time' }) failedAt: string;
}

export class RecurringFailureListDto {
  @ApiProperty({ type: RecurringPeriodDto }) period: RecurringPeriodDto;
  @ApiProperty({ type: [RecurringFailureDto], description: 'Newest first, at most 100' }) items: RecurringFailureDto[];
}

export function toRecurringFailureDto(f: OrganizationFailure): RecurringFailureDto {
  return {
    recurringGiftId: f.recurringGiftId, campaignId: f.campaignId, campaignTitle: f.campaignTitle, donorName: f.donorName, donorEmail: f.donorEmail,
    seriesStatus: f.seriesStatus, invoiceId: f.invoiceId, attempt: f.attempt, amount: f.amount.toString(), currency: f.currency, willRetry: f.willRetry,
    recovered: f.recovered, failedAt: iso(f.failedAt)!,
  };
}

export class SetGeneralFundDto {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: "One of the organization's published, open campaigns; null: a closed campaign's recurring gifts are cancelled" })
  @ValidateIf((o: SetGeneralFundDto) => o.campaignId !== null)
  @IsUUID()
  campaignId: string | null;
}

export class GeneralFundDto {
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) campaignId: string | null;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'usd', description: 'Only series in this currency move; others are cancelled' }) currency: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The fund's status now: a series moves only while it is published and open" }) status: string | null;
}

export const toGeneralFundDto = (c: { id: string; title: string; currency: string; status: string } | null): GeneralFundDto =>
  ({ campaignId: c?.id ?? null, title: c?.title ?? null, currency: c?.currency ?? null, status: c?.status ?? null });

export class PledgeFiguresDto {
  @ApiProperty({ description: 'Pledges with a saved card, not charged yet: an unverified figure (not in the ledger)' }) pledgedCount: number;
  @ApiProperty({ example: '10500', description: 'Minor units, digits: the amount pledged and not charged yet (unverified)' }) pledgedAmount: string;
  @ApiProperty({ description: 'Pledges charged: their gifts are in the ledger (and counted in the raised amount)' }) collectedCount: number;
  @ApiProperty({ example: '7000', description: 'Minor units, digits: collected from pledges' }) collectedAmount: string;
  @ApiProperty({ description: 'Charges that failed, the donor being asked to pay within the grace period' }) awaitingCount: number;
}

export const toPledgeFiguresDto = (f: { pledgedCount: number; pledgedAmount: bigint; collectedCount: number; collectedAmount: bigint; awaitingCount: number }): PledgeFiguresDto => ({
  pledgedCount: f.pledgedCount, pledgedAmount: f.pledgedAmount.toString(), collectedCount: f.collectedCount, collectedAmount: f.collectedAmount.toString(), awaitingCount: f.awaitingCount,
});
