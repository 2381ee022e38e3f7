import { createValidationPipe } from '../http/validation.js';
import { LedgerQueryDto } from './public-ledger.dto.js';

/** The same DTO with the same decorators (class-validator reads a parent's), but no hand check: the full pipe always. */
class PipedLedgerQuery extends LedgerQueryDto {}

describe('ledger query: the hand check agrees with the validation pipe', () => {
  const pipe = createValidationPipe();
  const outcome = async (query: Record<string, unknown>, metatype: new () => LedgerQueryDto) => {
    try {
      const value = await pipe.transform({ ...query }, { type: 'query', metatype });
      return { ok: { ...(value as object) }, instance: value instanceof LedgerQueryDto };
    } catch (error) {
      const e = error as { code?: string; status?: number; message?: string; details?: unknown };
      return { code: e.code, status: e.status, message: e.message, details: e.details };
    }
  };

  it.each([
    {}, { order: 'asc' }, { order: 'desc', limit: '200', cursor: 'YjUw', kind: 'donation', month: '2026-01', lang: 'ar' }, { limit: '1' }, { limit: '99' },
    { order: 'up' }, { limit: '0' }, { limit: '201' }, { limit: '05' }, { limit: '1e2' }, { cursor: '' }, { cursor: 'x'.repeat(64) }, { cursor: 'x'.repeat(65) },
    { cursor: 'a b' }, { cursor: 'a\u0000b' }, { cursor: '\ud800' }, { kind: 'nope' }, { kind: 'offline_gift_void' }, { month: '2026-13' }, { month: '2026-1' },
    { lang: 'fr' }, { other: '1' }, { order: ['asc', 'desc'] }, { limit: ['5'] }, { order: 'asc', limit: '500', month: 'x', extra: 'y' }, JSON.parse('{"__proto__":"x"}') as Record<string, unknown>,
  ])('%j', async (query) => {
    const fast = await outcome(query, LedgerQueryDto);
    const piped = await outcome(query, PipedLedgerQuery);
    expect(fast).toEqual(piped);
  });
});
