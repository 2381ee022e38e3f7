import { DomainError } from '@ataa/common';
import { validateEntry } from '@ataa/ledger';
import { checkOfflineGift, offlineGiftAmount, offlineGiftDate, OfflineGiftFacts, planOfflineGift, planOfflineGiftVoid } from './offline-gifts.js';

const campaign = { id: '11111111-1111-4111-8111-111111111111', currency: 'usd' };
const now = new Date('2026-03-10T12:00:00Z');
const facts = (over: Partial<OfflineGiftFacts> = {}): OfflineGiftFacts => ({
  giftId: '22222222-2222-4222-8222-222222222222', campaign, amount: '1,250.50', currency: 'USD', receivedOn: '2026-03-09', method: 'cheque',
  reference: 'Cheque 004512', anonymous: false, donorName: 'Amal', donorEmail: 'Amal@Example.org', message: 'For the well', now, ...over,
});
const codeOf = (work: () => unknown): string | null => {
  try {
    work();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a DomainError: ${(error as Error).message}`;
  }
};

describe('offline gifts: checking what staff typed', () => {
  it('reads typed amounts exactly into minor units', () => {
    expect(offlineGiftAmount('1,250.50', 'usd')).toBe(125_050n);
    expect(offlineGiftAmount('١٬٥٠٠', 'usd')).toBe(150_000n);
    expect(offlineGiftAmount('5000', 'jpy')).toBe(5_000n);
    expect(offlineGiftAmount('1.500', 'kwd')).toBe(1_500n);
  });

  it('refuses negative, zero, over-precise, unreadable and absurd amounts', () => {
    expect(codeOf(() => offlineGiftAmount('-25', 'usd'))).toBe('amount_not_positive');
    expect(codeOf(() => offlineGiftAmount('0', 'usd'))).toBe('amount_not_positive');
    expect(codeOf(() => offlineGiftAmount('0.00', 'usd'))).toBe('amount_not_positive');
    expect(codeOf(() => offlineGiftAmount('12.345', 'usd'))).toBe('amount_wrong_precision');
    expect(codeOf(() => offlineGiftAmount('10.5', 'jpy'))).toBe('amount_wrong_precision');
    expect(codeOf(() => offlineGiftAmount('ten', 'usd'))).toBe('amount_invalid');
    expect(codeOf(() => offlineGiftAmount('1e5', 'usd'))).toBe('amount_invalid');
    expect(codeOf(() => offlineGiftAmount('99999999999999', 'usd'))).toBe('amount_too_large');
  });

  it('accepts today anywhere on Earth, refuses the future and non-dates', () => {
    expect(offlineGiftDate('2026-03-10', now)).toBe('2026-03-10');
    // 12:00 UTC is already the 11th in UTC+14 (Kiribati).
    expect(offlineGiftDate('2026-03-11', now)).toBe('2026-03-11');
    expect(codeOf(() => offlineGiftDate('2026-03-12', now))).toBe('received_on_in_future');
    expect(codeOf(() => offlineGiftDate('2026-02-30', now))).toBe('received_on_invalid');
    expect(codeOf(() => offlineGiftDate('10/03/2026', now))).toBe('received_on_invalid');
    expect(codeOf(() => offlineGiftDate('1999-12-31', now))).toBe('received_on_invalid');
  });

  it('refuses a currency other than the campaign\'s with a 422 naming both', () => {
    let error: DomainError | null = null;
    try {
      checkOfflineGift(facts({ currency: 'eur' }));
    } catch (e) {
      error = e as DomainError;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error!.code).toBe('offline_gift_currency_mismatch');
    expect(error!.status).toBe(422);
    expect(error!.details).toEqual({ campaignCurrency: 'usd', currency: 'eur' });
  });

  it('needs a name unless anonymous, a reference and a known method; text under the text policy', () => {
    expect(codeOf(() => checkOfflineGift(facts({ donorName: null })))).toBe('invalid_text');
    expect(codeOf(() => checkOfflineGift(facts({ reference: '  ' })))).toBe('invalid_text');
    expect(codeOf(() => checkOfflineGift(facts({ reference: 'a\u0000b' })))).toBe('invalid_text');
    expect(codeOf(() => checkOfflineGift(facts({ method: 'crypto' })))).toBe('method_invalid');
    expect(codeOf(() => checkOfflineGift(facts({ donorEmail: 'not-an-address' })))).toBe('donor_email_invalid');
    expect(checkOfflineGift(facts({ anonymous: true, donorName: null })).donorName).toBeNull();
    expect(checkOfflineGift(facts()).donorEmail).toBe('amal@example.org');
  });
});

describe('offline gifts: the plans', () => {
  const gift = checkOfflineGift(facts());

  it('posts 1,250.50 between the campaign\'s offline accounts, never its Stripe-backed funds', () => {
    const plan = planOfflineGift(gift, now);
    expect(plan.entries).toHaveLength(1);
    const { input, public: pub } = plan.entries[0];
    expect(() => validateEntry(input)).not.toThrow();
    expect(input.kind).toBe('offline_gift');
    expect(input.postings).toEqual([
      { account: `campaign:${campaign.id}:offline_receipts`, amount: 125_050n },
      { account: `campaign:${campaign.id}:offline_funds`, amount: -125_050n },
    ]);
    expect(input.postings.some((p) => p.account.endsWith(':funds') && !p.account.endsWith(':offline_funds'))).toBe(false);
    expect(pub).toMatchObject({ kind: 'offline_gift', amount: 125_050n, currency: 'usd', donorDisplayName: 'Amal', donorCommitment: null, publicMessage: 'For the well', payoutPurpose: 'cheque' });
    // The donor gave an e-mail: a receipt.
    expect(plan.outbox).toEqual([{ kind: 'offline_receipt', aggregateId: gift.giftId }]);
  });

  it('an anonymous gift shows no name; no e-mail, no receipt', () => {
    const plan = planOfflineGift(checkOfflineGift(facts({ anonymous: true, donorName: 'Kept by the organization', donorEmail: null })), now);
    expect(plan.entries[0].public!.donorDisplayName).toBeNull();
    expect(plan.outbox).toEqual([]);
  });

  it('a void is the exact reverse, public with the entry it voids and the reason; only once', () => {
    const recorded = { id: gift.giftId, campaignId: campaign.id, amount: 125_050n, currency: 'usd', publicIndex: 7, voidedAt: null };
    const plan = planOfflineGiftVoid(recorded, 'Cheque bounced', now);
    const { input, public: pub } = plan.entries[0];
    expect(() => validateEntry(input)).not.toThrow();
    expect(input.kind).toBe('offline_gift_void');
    expect(input.postings).toEqual([
      { account: `campaign:${campaign.id}:offline_receipts`, amount: -125_050n },
      { account: `campaign:${campaign.id}:offline_funds`, amount: 125_050n },
    ]);
    expect(pub).toMatchObject({ kind: 'offline_gift_void', amount: -125_050n, donorDisplayName: null, publicMessage: null, payoutPurpose: 'void of entry 7: Cheque bounced' });
    expect(codeOf(() => planOfflineGiftVoid({ ...recorded, voidedAt: now }, 'again', now))).toBe('offline_gift_already_voided');
  });
});

describe('offline gifts: designations (the card gifts\' rule)', () => {
  const declared = [
    { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر', zakat: false },
    { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
  ];
  const designated = { ...campaign, designations: declared };

  it('takes a declared designation, the first declared when none is given, and refuses any other with 422', () => {
    expect(checkOfflineGift(facts({ campaign: designated, designation: 'zakat' })).designation).toBe('zakat');
    expect(checkOfflineGift(facts({ campaign: designated })).designation).toBe('general');
    expect(checkOfflineGift(facts({ campaign: designated, designation: '' })).designation).toBe('general');
    expect(codeOf(() => checkOfflineGift(facts({ campaign: designated, designation: 'school' })))).toBe('unknown_designation');
    expect(() => checkOfflineGift(facts({ campaign: designated, designation: 'school' }))).toThrow(expect.objectContaining({ status: 422, details: expect.objectContaining({ declared: ['general', 'zakat'] }) }));
    // None declared: the implicit general (null), which `general` also names; anything else is unknown.
    expect(checkOfflineGift(facts()).designation).toBeNull();
    expect(checkOfflineGift(facts({ designation: 'general' })).designation).toBeNull();
    expect(codeOf(() => checkOfflineGift(facts({ designation: 'zakat' })))).toBe('unknown_designation');
  });

  it('its postings and public entry carry the designation (format 4); the void reverses it in the same designation', () => {
    const gift = checkOfflineGift(facts({ campaign: designated, designation: 'zakat' }));
    const [entry] = planOfflineGift(gift, now).entries;
    expect(entry.input.designation).toBe('zakat');
    expect(entry.public?.designation).toBe('zakat');
    expect(() => validateEntry(entry.input)).not.toThrow();
    const [reversal] = planOfflineGiftVoid({ id: gift.giftId, campaignId: campaign.id, amount: gift.amount, currency: 'usd', publicIndex: 4, voidedAt: null, designation: 'zakat' }, 'Cheque bounced', now).entries;
    expect(reversal.input.designation).toBe('zakat');
    expect(reversal.public?.designation).toBe('zakat');
    // A campaign without designations: no designation anywhere (postings general, public entry format 3).
    const [plain] = planOfflineGift(checkOfflineGift(facts()), now).entries;
    expect(plain.input.designation).toBeUndefined();
    expect(plain.public?.designation).toBeNull();
  });
});
