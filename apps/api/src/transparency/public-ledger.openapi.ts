import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { PUBLIC_ENTRY_KINDS } from '@ataa/transparency';
import { ApiProblems } from '../organizations/api-docs.js';

/*
 * OpenAPI shapes of the public ledger's JSON answers. The handlers write their bodies themselves
 * (ETags, streaming), so the document cannot infer them: they are declared here, next to nothing
 * else, and applied with one decorator per endpoint.
 */

class PublicCampaignRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'clean-water-2026' }) slug: string;
  @ApiProperty() title: string;
  @ApiPropertyOptional({ example: 'usd' }) currency?: string;
}

export class PublicEntryDto {
  @ApiProperty({ example: 3, description: 'leaf format: 1 and 2 (entries before format 3) hash donor and message in clear; 3 (every new entry) hashes their salted commitments donorHash and messageHash' }) v: number;
  @ApiProperty({ format: 'uuid' }) campaign: string;
  @ApiProperty({ example: 0, description: 'leaf index in the Merkle log' }) index: number;
  @ApiProperty({ format: 'date-time' }) time: string;
  @ApiProperty({ enum: PUBLIC_ENTRY_KINDS }) kind: string;
  @ApiProperty({ example: '10000', description: 'signed minor units, from the campaign\'s view' }) amount: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ nullable: true, type: String, description: 'public donor name ("Anonymous" for an anonymous gift); null when none or redacted. Format 3: not hashed, opens donorHash with donorSalt' }) donor: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'format 3: hex SHA-256(donorSalt || UTF-8 donor), hashed into the leaf; null when no name is given' }) donorHash?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'format 3: hex 32-byte salt of donorHash; null when empty or redacted' }) donorSalt?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'format 3: hex SHA-256(messageSalt || UTF-8 message), hashed into the leaf; null when there is no message' }) messageHash?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'format 3: hex 32-byte salt of messageHash; null when empty or redacted' }) messageSalt?: string | null;
  @ApiProperty({
    nullable: true, type: 'object', additionalProperties: true,
    description: 'personal fields removed from the entry (erasure or moderation): { donor?: { reason: erased|hidden, note, at }, message?: … }; null when none',
  }) redacted: Record<string, { reason: string; note: string | null; at: string }> | null;
  @ApiProperty({ nullable: true, type: String, description: 'salted commitment of an anonymous donor (the salt is in their receipt)' }) donorCommitment: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'public message; null when none or redacted. Format 3: not hashed, opens messageHash with messageSalt' }) message: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'what a payout paid for' }) purpose: string | null;
  @ApiProperty({ example: '9480', description: 'running balance in minor units' }) balance: string;
  @ApiProperty({ description: 'hex SHA-256 leaf hash (RFC 9162)' }) leafHash: string;
  @ApiPropertyOptional({
    description: 'terms_changed entries only (leaf format v=2, or 3 since format 3, amount 0): the changes [{ field: goal|fundingModel|startsAt|endsAt, from, to }], hashed into the leaf. Absent from every other entry.',
    type: 'array', items: { type: 'object' },
  }) terms?: { field: string; from: string | null; to: string | null }[];
}

class LedgerPageLinksDto {
  @ApiProperty({ nullable: true, type: String, description: 'cursor of the following page' }) next: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'cursor of the preceding page' }) prev: string | null;
}

class LedgerLinksDto {
  @ApiProperty() checkpoint: string;
  @ApiProperty() report: string;
  @ApiProperty() publicKey: string;
}

class PublicDifferenceResolutionDto {
  @ApiProperty({ format: 'date-time', description: 'when a reconciliation run found both sides agreeing again' }) at: string;
  @ApiProperty({ type: [Number], description: 'public log indexes of the entries now posted for the movement' }) entries: number[];
}

export class PublicDifferenceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['missing_in_ledger', 'missing_on_stripe', 'amount_mismatch', 'duplicate', 'charge_not_posted'] }) kind: string;
  @ApiProperty({ example: 'refund', description: 'the ledger kind the movement posts as (donation, processing_fee, refund, dispute, dispute_fee, dispute_reversal, dispute_fee_refund, payout, payout_reversal)' }) movement: string;
  @ApiProperty({ nullable: true, type: String, example: '-500', description: 'minor units as the payment processor has it, signed like the ledger (money in > 0); null: it has nothing' }) processorAmount: string | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'minor units as the ledger has it; null: nothing posted' }) ledgerAmount: string | null;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ format: 'date-time', description: 'when the movement (or the entry) happened' }) occurredAt: string;
  @ApiProperty({ format: 'date-time', description: 'when reconciliation first saw the difference' }) openedAt: string;
  @ApiProperty({ description: 'seconds open: to its resolution, or to the latest run while open' }) ageSeconds: number;
  @ApiProperty({ type: [Number], description: 'public log indexes of the entries it concerns' }) entries: number[];
  @ApiProperty({ type: PublicDifferenceResolutionDto, nullable: true }) resolution: PublicDifferenceResolutionDto | null;
}

export class PublicReconciliationDto {
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'payment processor movements up to then were compared with the ledger (the latest run\'s end less its grace window); null: never reconciled' }) reconciledUpTo: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastRunAt: string | null;
  @ApiProperty({ description: 'open differences concerning the campaign' }) openCount: number;
  @ApiProperty({ type: [PublicDifferenceDto], description: 'open differences, oldest first (at most 100)' }) open: PublicDifferenceDto[];
  @ApiProperty({ type: [PublicDifferenceDto], description: 'the latest resolved differences, newest first (at most 20)' }) resolved: PublicDifferenceDto[];
}

class PublicEvidenceFileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: "the organization's title of the file" }) title: string;
  @ApiProperty({ enum: ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] }) mediaType: string;
  @ApiProperty() bytes: number;
  @ApiProperty({ description: 'hex SHA-256 of the file, as committed by its `evidence` entry' }) sha256: string;
  @ApiProperty({ example: '/media/evidence/<sha256>.pdf' }) url: string;
  @ApiProperty({ nullable: true, type: Number, description: 'public log index of the payout it evidences' }) payoutIndex: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'public log index of its `evidence` entry' }) entryIndex: number | null;
}

class PublicOutcomeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '1,200 meals served' }) labelEn: string;
  @ApiProperty({ example: '١٬٢٠٠ وجبة' }) labelAr: string;
  @ApiProperty({ format: 'date-time' }) statedAt: string;
  @ApiProperty({ nullable: true, type: Number, description: 'public log index of the payout that evidences it' }) payoutIndex: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'the published campaign update that evidences it (/c/<slug>/updates/<id>)' }) updateId: string | null;
  @ApiProperty({ type: [String], description: "the payout's public evidence files" }) evidenceFiles: string[];
}

export class PublicImpactDto {
  @ApiProperty({ type: [PublicEvidenceFileDto] }) evidence: PublicEvidenceFileDto[];
  @ApiProperty({ type: [PublicOutcomeDto] }) outcomes: PublicOutcomeDto[];
}

export class PublicLedgerPageDto {
  @ApiProperty({ type: PublicCampaignRefDto }) campaign: PublicCampaignRefDto;
  @ApiProperty({ description: 'checkpoint origin line of this log' }) origin: string;
  @ApiProperty({ description: 'tree size the page was read at' }) size: number;
  @ApiProperty({ description: 'base64 root hash at that size' }) rootHash: string;
  @ApiProperty({ type: PublicEntryDto, isArray: true }) entries: PublicEntryDto[];
  @ApiProperty({ type: LedgerPageLinksDto }) page: LedgerPageLinksDto;
  @ApiProperty({ type: LedgerLinksDto }) links: LedgerLinksDto;
  @ApiProperty({ type: PublicReconciliationDto, description: "the platform's reconciliation of this campaign with the payment processor (its statement: not provable from the log)" })
  reconciliation: PublicReconciliationDto;
}

class KindTotalDto {
  @ApiProperty() count: number;
  @ApiProperty({ example: '-2500', description: 'signed minor units' }) amount: string;
}

class MonthTotalsDto {
  @ApiProperty({ example: '2026-03' }) month: string;
  @ApiProperty() raised: string;
  @ApiProperty() gifts: number;
  @ApiProperty({ description: 'signed sum of what left the campaign in the month' }) out: string;
  @ApiProperty({ description: 'offline gifts recorded in the month, net of their voids (not in raised)' }) offline: string;
  @ApiProperty({ description: 'raised + out + offline' }) net: string;
}

class FeeTotalsDto {
  @ApiProperty() processing: string;
  @ApiProperty() platform: string;
  @ApiProperty() total: string;
}

class OpenedReversedDto {
  @ApiProperty({ type: KindTotalDto }) opened: KindTotalDto;
  @ApiProperty({ type: KindTotalDto }) reversed: KindTotalDto;
  @ApiProperty() net: string;
}

class PaidReversedDto {
  @ApiProperty({ type: KindTotalDto }) paid: KindTotalDto;
  @ApiProperty({ type: KindTotalDto }) reversed: KindTotalDto;
  @ApiProperty() net: string;
}

class PublicOfflineTotalsDto {
  @ApiProperty({ type: KindTotalDto }) recorded: KindTotalDto;
  @ApiProperty({ type: KindTotalDto }) voided: KindTotalDto;
  @ApiProperty({ description: 'recorded + voided (voids are negative)' }) net: string;
}

class PublicDesignationTotalsDto {
  @ApiProperty({ example: 'zakat', description: 'the designation code (entries before format 4, and of campaigns that declared none: general)' }) designation: string;
  @ApiProperty({ example: '10000', description: 'card gifts, minor units' }) gifts: string;
  @ApiProperty() giftCount: number;
  @ApiProperty({ example: '0', description: 'offline gifts net of their voids' }) offline: string;
  @ApiProperty({ example: '-520', description: 'processing and platform fees (signed: out is negative)' }) fees: string;
  @ApiProperty({ example: '-1000', description: 'refunds (signed)' }) refunds: string;
  @ApiProperty({ example: '0', description: 'disputes net of their reversals (signed)' }) disputes: string;
  @ApiProperty({ example: '-4000', description: 'payouts net of their reversals (signed)' }) paidOut: string;
  @ApiProperty({ example: '4480', description: 'the sum of all of the above: what the designation holds; the lines add up to balance' }) left: string;
}

class CampaignReportDto {
  @ApiProperty() currency: string;
  @ApiProperty() entries: number;
  @ApiProperty() raised: string;
  @ApiProperty() gifts: number;
  @ApiProperty() donors: number;
  @ApiProperty({ type: FeeTotalsDto }) fees: FeeTotalsDto;
  @ApiProperty({ type: KindTotalDto }) refunds: KindTotalDto;
  @ApiProperty({ type: OpenedReversedDto }) disputes: OpenedReversedDto;
  @ApiProperty({ type: PaidReversedDto }) payouts: PaidReversedDto;
  @ApiProperty({ type: PublicOfflineTotalsDto, description: 'offline gifts (recorded by the organization, not verified by the payment processor), never in raised' }) offline: PublicOfflineTotalsDto;
  @ApiProperty() balance: string;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/KindTotalDto' } }) byKind: Record<string, KindTotalDto>;
  @ApiProperty({ type: MonthTotalsDto, isArray: true }) monthly: MonthTotalsDto[];
  @ApiProperty({ type: PublicDesignationTotalsDto, isArray: true, description: 'money in and out per designation, by code, recomputable from the entries (one general line for a campaign that declared none)' })
  designations: PublicDesignationTotalsDto[];
}

class PublicMatchingCollectionDto {
  @ApiProperty({ enum: ['offline', 'card'], description: 'offline: an offline gift entry; card: the sponsor\'s card payment, a donation entry (counted in raised)' }) kind: string;
  @ApiProperty({ example: '10000' }) amount: string;
  @ApiProperty({ nullable: true, type: Number, description: 'public log index of the offline gift or donation that recorded it' }) entry: number | null;
  @ApiProperty() voided: boolean;
  @ApiProperty({ example: '0', description: 'the part of amount owed again: all of it when voided; for a card payment, what its refunds and lost disputes gave back of it' }) reopened: string;
}

class PublicMatchingOfferDto {
  @ApiProperty() sponsorName: string;
  @ApiProperty({ example: '1:1' }) ratio: string;
  @ApiProperty({ example: '100000' }) cap: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiProperty({ description: 'pledged by matching gifts so far, minor units' }) accrued: string;
  @ApiProperty({ description: 'collected from the sponsor (less what was reopened: voided collections, card payments given back)' }) collected: string;
  @ApiProperty({ type: PublicMatchingCollectionDto, isArray: true }) collections: PublicMatchingCollectionDto[];
}

class PublicMatchingReportDto {
  @ApiProperty({ description: 'collected from sponsors, minor units (offline gifts not voided, and card payments)' }) collected: string;
  @ApiProperty({ description: 'the part of collected the sponsors paid by card: donation entries, so counted in the report\'s raised, not donors\' own gifts' }) collectedByCard: string;
  @ApiProperty({ description: 'accrued and not collected yet: pledged by the sponsors, unverified' }) pledged: string;
  @ApiProperty() notice: string;
  @ApiProperty({ type: PublicMatchingOfferDto, isArray: true }) offers: PublicMatchingOfferDto[];
}

export class FeeExchangeDto {
  @ApiProperty({ description: "The platform's settlement currency Stripe took the fees in", example: 'usd' }) settlementCurrency: string;
  @ApiProperty({ description: "Stripe's exchange_rate: settlement-currency units per campaign-currency unit", example: '3.25' }) rate: string;
  @ApiProperty({ description: 'How many fees were converted at this rate' }) fees: number;
  @ApiProperty({ description: 'Their sum as Stripe took them, minor units of the settlement currency' }) settlementAmount: string;
  @ApiProperty({ description: "Their sum as the campaign bore them (converted back, half to even), minor units of the campaign's currency" }) amount: string;
}

export class PublicReportDto {
  @ApiProperty({ type: PublicCampaignRefDto }) campaign: PublicCampaignRefDto;
  @ApiProperty() size: number;
  @ApiProperty({ type: CampaignReportDto }) report: CampaignReportDto;
  @ApiProperty({ type: FeeExchangeDto, isArray: true, description: "Stripe's fees taken in another currency than the campaign's, per rate (empty when none were)" })
  feeExchange: FeeExchangeDto[];
  @ApiProperty({ type: PublicReconciliationDto, description: "the platform's reconciliation of this campaign with the payment processor (its statement: not provable from the log)" })
  reconciliation: PublicReconciliationDto;
  @ApiProperty({ type: PublicImpactDto, description: "the organization's stated outcomes and its public spending evidence" })
  impact: PublicImpactDto;
  @ApiProperty({ type: PublicMatchingReportDto, nullable: true, description: "sponsors' matching, apart from donors' own gifts (null: no offer)" })
  matching: PublicMatchingReportDto | null;
}

export class CheckpointCosignatureDto {
  @ApiProperty({ description: 'the witness (cosigner) name' }) witness: string;
  @ApiProperty({ format: 'date-time', description: 'when the witness cosigned' }) time: string;
}

export class CheckpointWitnessesDto {
  @ApiProperty({ description: 'witnesses the platform submits checkpoints to' }) configured: number;
  @ApiProperty({ description: 'how many of them cosigned this checkpoint' }) cosigned: number;
}

export class PublicCheckpointDto {
  @ApiProperty() origin: string;
  @ApiProperty() size: number;
  @ApiProperty({ description: 'base64 root hash' }) rootHash: string;
  @ApiProperty({ description: "the signed checkpoint in signed-note format: the platform's signature, then the witnesses' cosignatures (C2SP tlog-cosignature) stored for this size" }) note: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: CheckpointCosignatureDto, isArray: true, description: 'the cosignatures the note carries' }) cosignatures: CheckpointCosignatureDto[];
  @ApiProperty({ type: CheckpointWitnessesDto }) witnesses: CheckpointWitnessesDto;
  @ApiProperty({ example: '/.well-known/ataa-transparency.json' }) publicKey: string;
}

export class InclusionProofDto {
  @ApiProperty() index: number;
  @ApiProperty() size: number;
  @ApiProperty({ description: 'hex leaf hash' }) leafHash: string;
  @ApiProperty({ description: 'base64 root hash of the tree of `size`' }) rootHash: string;
  @ApiProperty({ type: String, isArray: true, description: 'base64 audit path (RFC 9162)' }) proof: string[];
}

class LeafProofDto {
  @ApiProperty() index: number;
  @ApiProperty({ description: 'hex leaf hash' }) leafHash: string;
  @ApiProperty({ type: String, isArray: true, description: 'base64 audit path (RFC 9162)' }) proof: string[];
}

export class InclusionProofsDto {
  @ApiProperty() size: number;
  @ApiProperty({ description: 'base64 root hash of the tree of `size`' }) rootHash: string;
  @ApiProperty({ type: LeafProofDto, isArray: true, description: 'one proof per requested index, in the order asked' }) proofs: LeafProofDto[];
}

export class ConsistencyProofDto {
  @ApiProperty() from: number;
  @ApiProperty() to: number;
  @ApiProperty() fromRoot: string;
  @ApiProperty() toRoot: string;
  @ApiProperty({ type: String, isArray: true, description: 'base64 consistency proof (RFC 9162)' }) proof: string[];
}

export class TransparencyKeyDto {
  @ApiProperty({ example: 'ataa.local' }) keyName: string;
  @ApiProperty({ enum: ['ed25519'] }) algorithm: 'ed25519';
  @ApiProperty({ description: 'base64 raw Ed25519 public key' }) publicKey: string;
  @ApiProperty({ description: 'signed-note key hash' }) keyHash: string;
  @ApiProperty({ description: 'Go note verifier key text' }) verifierKey: string;
}

const SLUG = ApiParam({ name: 'slug', description: 'the campaign\'s public slug (unknown, draft or cancelled campaigns answer 404)' });
const CONDITIONAL = ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' });

/** Decorators of each public ledger endpoint: its answer, and the problems it can give. */
export const PublicLedgerDocs = {
  ledger: () => applyDecorators(SLUG, CONDITIONAL, ApiOkResponse({ type: PublicLedgerPageDto, description: 'A page of entries' }), ApiProblems(400, 404)),
  csv: () => applyDecorators(
    SLUG,
    CONDITIONAL,
    ApiOkResponse({ description: 'Every entry, one CSV row each, streamed', content: { 'text/csv': { schema: { type: 'string' } } } }),
    ApiProblems(404, 503),
  ),
  jsonLines: () => applyDecorators(
    SLUG,
    CONDITIONAL,
    ApiOkResponse({ description: 'Every entry, one JSON object a line (each as the ledger pages serve it), streamed', content: { 'application/x-ndjson': { schema: { type: 'string' } } } }),
    ApiProblems(404, 503),
  ),
  report: () => applyDecorators(SLUG, CONDITIONAL, ApiOkResponse({ type: PublicReportDto, description: 'The report' }), ApiProblems(404)),
  checkpoint: () => applyDecorators(SLUG, ApiOkResponse({ type: PublicCheckpointDto, description: 'The signed checkpoint' }), ApiProblems(400, 404)),
  inclusion: () => applyDecorators(SLUG, ApiOkResponse({ type: InclusionProofDto, description: 'The inclusion proof' }), ApiProblems(400, 404)),
  inclusions: () => applyDecorators(SLUG, CONDITIONAL, ApiOkResponse({ type: InclusionProofsDto, description: 'The inclusion proofs' }), ApiProblems(400, 404)),
  consistency: () => applyDecorators(SLUG, ApiOkResponse({ type: ConsistencyProofDto, description: 'The consistency proof' }), ApiProblems(400, 404)),
  key: () => applyDecorators(
    ApiOperation({ summary: 'The Ed25519 key that signs every checkpoint' }),
    ApiOkResponse({ type: TransparencyKeyDto, description: 'The key' }),
    ApiProblems(500),
  ),
  wellKnownText: () => applyDecorators(
    ApiOperation({ summary: 'The checkpoint key as Go note verifier-key text (for note verifiers)' }),
    ApiOkResponse({ description: 'Verifier key text', content: { 'text/plain': { schema: { type: 'string', example: 'ataa.local+1a2b3c4d+AQ...' } } } }),
    ApiProblems(500),
  ),
  wellKnownJson: () => applyDecorators(
    ApiOperation({ summary: 'The checkpoint key as JSON' }),
    ApiOkResponse({ type: TransparencyKeyDto, description: 'The key' }),
    ApiProblems(500),
  ),
};
