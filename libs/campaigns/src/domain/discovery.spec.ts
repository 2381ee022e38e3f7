import { foldText, FOLD_REMOVED } from './arabic-folding.js';
import { cleanSearchText, decodeDiscoveryCursor, encodeDiscoveryCursor, parseDiscoveryQuery, searchWords } from './discovery.js';

const ID = '0b7d4c1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e';

describe('Arabic folding', () => {
  it('removes tashkeel and tatweel and unifies alef forms, taa marbuta and alef maqsura', () => {
    expect(foldText('مَدْرَسَةُ')).toBe('مدرسه');
    expect(foldText('مدرســـة')).toBe('مدرسه');
    expect(foldText('أإآٱ')).toBe('اااا');
    expect(foldText('مستشفى')).toBe('مستشفي');
    expect(foldText('الرَّحْمٰن')).toBe('الرحمن');
    expect(foldText('بِئْرُ الْمَاءِ لِلْأَطْفَالِ')).toBe(foldText('بئر الماء للاطفال'));
  });
  it('lower-cases Latin text and leaves other letters alone', () => {
    expect(foldText('Clean WATER')).toBe('clean water');
    expect(foldText('école 123')).toBe('école 123');
  });
  it('removes every listed mark', () => {
    for (const c of FOLD_REMOVED) expect(foldText(`ب${c}ا`)).toBe('با');
  });
});

describe('search text', () => {
  it('drops controls, NUL, direction overrides and lone surrogates', () => {
    expect(cleanSearchText('a\u0000b\u202Ec\u2066d\uD800e  f')).toBe('a b c d e f');
  });
  it('keeps letters and digits only, 3 or more per word, folded, without duplicates', () => {
    expect(searchWords("water' OR 1=1 --; %_\\ .*")).toEqual(['water']);
    expect(searchWords('مَدْرَسَة مدرسة في القرية')).toEqual(['مدرسه', 'القريه']);
  });
});

describe('cursor', () => {
  it('round-trips and is tied to its sort order', () => {
    const text = encodeDiscoveryCursor({ sort: 'newest', value: '2026-12-05 13:11:28.123456+00', id: ID });
    expect(decodeDiscoveryCursor(text, 'newest')).toEqual({ sort: 'newest', value: '2026-12-05 13:11:28.123456+00', id: ID });
    expect(() => decodeDiscoveryCursor(text, 'most_raised')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });
  it.each([
    ['not base64', '!!!'],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['wrong shape', Buffer.from(JSON.stringify({ a: 1 })).toString('base64url')],
    ['bad id', Buffer.from(JSON.stringify(['newest', '2026-12-05 13:11:28+00', "x' OR 1=1"])).toString('base64url')],
    ['bad value', Buffer.from(JSON.stringify(['newest', 'yesterday', ID])).toString('base64url')],
    ['huge number', Buffer.from(JSON.stringify(['most_raised', '99999999999999999999', ID])).toString('base64url')],
    ['too long', 'A'.repeat(400)],
  ])('refuses a forged cursor: %s', (_, text) => {
    const sort = _ === 'huge number' ? 'most_raised' : 'newest';
    expect(() => decodeDiscoveryCursor(text, sort)).toThrow(expect.objectContaining({ code: 'invalid_cursor', status: 400 }));
  });
  it('accepts the sort values each order prints', () => {
    expect(decodeDiscoveryCursor(encodeDiscoveryCursor({ sort: 'ending_soon', value: 'infinity', id: ID }), 'ending_soon').value).toBe('infinity');
    expect(decodeDiscoveryCursor(encodeDiscoveryCursor({ sort: 'closest_to_goal', value: '-1', id: ID }), 'closest_to_goal').value).toBe('-1');
  });
});

describe('parseDiscoveryQuery', () => {
  it('defaults: published, newest, 20', () => {
    expect(parseDiscoveryQuery({}, true)).toMatchObject({ words: [], status: 'published', sort: 'newest', limit: 20 });
  });
  it('strict: every wrong parameter is a 400 naming its field', () => {
    for (const [raw, field] of [
      [{ limit: '100000' }, 'limit'], [{ limit: '-1' }, 'limit'], [{ sort: 'random()' }, 'sort'], [{ category: 'x' }, 'category'],
      [{ currency: 'dollars' }, 'currency'], [{ status: 'draft' }, 'status'], [{ funding: 'yes' }, 'funding'], [{ q: 'x'.repeat(201) }, 'q'],
      [{ q: 'ab' }, 'q'], [{ q: ['a', 'b'] }, 'q'], [{ cursor: 'zzz' }, 'cursor'],
    ] as [Record<string, unknown>, string][]) {
      expect(() => parseDiscoveryQuery(raw, true)).toThrow(expect.objectContaining({ status: 400, details: { field } }));
    }
  });
  it('lenient (the page): wrong filters are ignored, the search text cut', () => {
    const q = parseDiscoveryQuery({ limit: '100000', sort: 'random()', category: 'x', currency: 'dollars', cursor: 'zzz', q: 'water '.repeat(50) }, false);
    expect(q).toMatchObject({ limit: 20, sort: 'newest', category: undefined, currency: undefined, after: undefined, words: ['water'] });
    expect([...q.text].length).toBe(200);
  });
  it('accepts the filters', () => {
    expect(parseDiscoveryQuery({ category: 'water', currency: 'KWD', funding: 'all_or_nothing', status: 'ended', sort: 'closest_to_goal', limit: '5' }, true))
      .toMatchObject({ category: 'water', currency: 'kwd', fundingModel: 'all_or_nothing', status: 'ended', sort: 'closest_to_goal', limit: 5 });
  });
});
