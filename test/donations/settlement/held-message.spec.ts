import { chargeFacts, pendingGift, planAll, stateOf } from './plan-kit.js';

/**
 * The automatic moderation filter held the gift's message at checkout (a link or a listed word):
 * the gift settles as any other, but its public entry carries no message, so the message is never
 * in the public log in clear (the donor wall shows it only if the organization or operator releases it).
 */
describe('a gift whose message the filter held', () => {
  it('settles with a public entry that has no message; the name still shows', () => {
    const [held] = planAll(stateOf(pendingGift({ publicMessage: 'Buy at cheap-pills.com', messageReview: 'held' })), [chargeFacts()]);
    expect(held.status).toBe('succeeded');
    expect(held.entries[0].public).toMatchObject({ kind: 'donation', donorDisplayName: 'Layla', publicMessage: null });
    expect(held.entries.map((e) => e.public?.publicMessage ?? null)).toEqual(held.entries.map(() => null));
  });

  it('a released or never-held message is published as typed', () => {
    for (const messageReview of [null, 'released'] as const) {
      const [plan] = planAll(stateOf(pendingGift({ publicMessage: 'For the well', messageReview })), [chargeFacts()]);
      expect(plan.entries[0].public).toMatchObject({ publicMessage: 'For the well' });
    }
  });
});
