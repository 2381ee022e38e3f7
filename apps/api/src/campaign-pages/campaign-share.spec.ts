import sharp from 'sharp';
import { campaignUrl, deadlineView, goalReached, progressPercent, shareCardKey, shareLinks, type ShareCardFigures } from './campaign-share.js';
import { CARD_HEIGHT, CARD_WIDTH, escapeMarkup, renderShareCard } from './share-card.renderer.js';

describe('share links', () => {
  const url = 'https://ataa.example/c/water-for-mafraq';

  it('encodes the campaign URL and title into each network\'s share URL (spaces as %20, & and # escaped)', () => {
    const links = shareLinks({ url, title: 'Water & wells #1 ?', summary: 'Clean water', language: 'en' });
    const by = Object.fromEntries(links.map((l) => [l.id, l.href]));
    expect(links.map((l) => l.id)).toEqual(['whatsapp', 'x', 'facebook', 'telegram', 'email']);
    expect(by.facebook).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(url)}`);
    expect(by.x).toBe('https://x.com/intent/tweet?text=Support%20this%20campaign%3A%20Water%20%26%20wells%20%231%20%3F&url=https%3A%2F%2Fataa.example%2Fc%2Fwater-for-mafraq');
    expect(by.telegram).toContain('url=https%3A%2F%2Fataa.example%2Fc%2Fwater-for-mafraq&text=Support%20this%20campaign');
    expect(by.whatsapp).toBe(`https://wa.me/?text=${encodeURIComponent('Support this campaign: Water & wells #1 ? ' + url)}`);
    expect(by.email).toMatch(/^mailto:\?subject=Water%20%26%20wells%20%231%20%3F&body=Clean%20water%0A%0AGive%20or%20read%20more%3A%20https%3A%2F%2Fataa/);
    // Every link parses and gives back exactly the text put in.
    const x = new URL(by.x);
    expect(x.searchParams.get('url')).toBe(url);
    expect(x.searchParams.get('text')).toBe('Support this campaign: Water & wells #1 ?');
    for (const link of links) expect(link.href).not.toMatch(/[\s<>"]/);
  });

  it('keeps an Arabic title intact through the encoding, with Arabic labels', () => {
    const links = shareLinks({ url, title: 'مياه نظيفة للمفرق', summary: '', language: 'ar' });
    const telegram = new URL(links.find((l) => l.id === 'telegram')!.href);
    expect(telegram.searchParams.get('text')).toBe('ادعم هذه الحملة: مياه نظيفة للمفرق');
    expect(links[0].label).toBe('شارك على WhatsApp');
    const mail = links.find((l) => l.id === 'email')!.href;
    expect(decodeURIComponent(mail.split('body=')[1])).toBe(`مياه نظيفة للمفرق\n\nتبرّع أو اقرأ المزيد: ${url}`);
  });

  it('builds the campaign URL on PUBLIC_BASE_URL with or without a trailing slash', () => {
    expect(campaignUrl('https://ataa.example/', 'a-b')).toBe('https://ataa.example/c/a-b');
    expect(campaignUrl('https://ataa.example', 'a-b')).toBe('https://ataa.example/c/a-b');
  });
});

describe('deadline', () => {
  const ends = new Date('2027-03-12T18:00:00Z');
  const before = (ms: number) => new Date(ends.getTime() - ms);
  const H = 3_600_000;

  it('says days while two or more remain, then hours, then less than an hour, then ended', () => {
    expect(deadlineView(null, new Date(), 'en', 'en-US')).toBeNull();
    expect(deadlineView(ends, before(10 * 24 * H + 5 * H), 'en', 'en-US')).toEqual({ iso: '2027-03-12T18:00:00.000Z', text: 'Ends March 12, 2027 at 6:00 PM UTC', left: '10 days left', ended: false });
    expect(deadlineView(ends, before(47 * H + 59 * 60_000), 'en', 'en-US')!.left).toBe('47 hours left');
    expect(deadlineView(ends, before(H), 'en', 'en-US')!.left).toBe('1 hour left');
    expect(deadlineView(ends, before(59 * 60_000), 'en', 'en-US')!.left).toBe('Less than an hour left');
    expect(deadlineView(ends, ends, 'en', 'en-US')).toMatchObject({ left: null, ended: true, text: 'Ended March 12, 2027 at 6:00 PM UTC' });
  });

  it('uses Arabic plural forms and Arabic formatting', () => {
    const ar = (ms: number) => deadlineView(ends, before(ms), 'ar', 'ar')!;
    // Digits as Intl writes them for Arabic (this ICU's default numbering system).
    const n = (value: number) => new Intl.NumberFormat('ar').format(value);
    expect(ar(2 * 24 * H).left).toBe('بقي يومان');
    expect(ar(5 * 24 * H).left).toBe(`بقيت ${n(5)} أيام`);
    expect(ar(11 * 24 * H).left).toBe(`بقي ${n(11)} يومًا`);
    expect(ar(3 * H).left).toBe(`بقيت ${n(3)} ساعات`);
    expect(ar(5 * 24 * H).text).toContain(new Intl.DateTimeFormat('ar', { year: 'numeric' }).format(ends));
    expect(ar(5 * 24 * H).text.startsWith('تنتهي في')).toBe(true);
  });

  it('changes its text at most once an hour (the page cache keys on it)', () => {
    const texts = new Set<string | null>();
    for (let minute = 0; minute < 60; minute++) texts.add(deadlineView(ends, before(5 * H + minute * 60_000 + 1), 'en', 'en-US')!.left);
    expect(texts).toEqual(new Set(['5 hours left']));
  });
});

describe('goal and progress', () => {
  it('counts the goal reached at the goal, never over 100%', () => {
    expect(goalReached(999n, 1000n)).toBe(false);
    expect(goalReached(1000n, 1000n)).toBe(true);
    expect(goalReached(5n, 0n)).toBe(false);
    expect(progressPercent(1500n, 1000n)).toBe(100);
    expect(progressPercent(333n, 1000n)).toBe(33);
    expect(progressPercent(-5n, 1000n)).toBe(0);
  });
});

describe('share card', () => {
  const figures: ShareCardFigures = { slug: 'water', title: 'مياه نظيفة للمفرق', language: 'ar', organization: 'جمعية العطاء', raised: 250000n, goal: 1000000n, currency: 'usd' };

  it('keys the cache on everything drawn: same figures same key, any change another', () => {
    const key = shareCardKey(figures, 'v1');
    expect(shareCardKey({ ...figures }, 'v1')).toBe(key);
    expect(key).toMatch(/^[A-Za-z0-9_-]{27}$/);
    for (const change of [{ raised: 250001n }, { goal: 1n }, { title: 'x' }, { organization: 'y' }, { language: 'en' as const }, { currency: 'eur' }, { slug: 'other' }]) {
      expect(shareCardKey({ ...figures, ...change }, 'v1')).not.toBe(key);
    }
    expect(shareCardKey(figures, 'v2')).not.toBe(key);
  });

  it('escapes the campaign\'s words for Pango markup', () => {
    expect(escapeMarkup('<b>A & "B"</b>')).toBe('&lt;b&gt;A &amp; &quot;B&quot;&lt;/b&gt;');
  });

  /** Columns of the band that hold dark (text) pixels: [first, last], or null when none. */
  async function inkColumns(png: Buffer, top: number, height: number): Promise<[number, number] | null> {
    const { data, info } = await sharp(png).extract({ left: 0, top, width: CARD_WIDTH, height }).greyscale().raw().toBuffer({ resolveWithObject: true });
    let first = -1;
    let last = -1;
    for (let x = 0; x < info.width; x++) {
      for (let y = 0; y < info.height; y++) {
        if (data[y * info.width + x] < 100) {
          if (first < 0) first = x;
          last = x;
          break;
        }
      }
    }
    return first < 0 ? null : [first, last];
  }

  it('renders a 1200×630 PNG with the Arabic title drawn right-aligned, and the English one left-aligned', async () => {
    const ar = await renderShareCard(figures);
    expect(ar.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const meta = await sharp(ar).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'png', width: CARD_WIDTH, height: CARD_HEIGHT });
    const arInk = await inkColumns(ar, 64, 250);
    expect(arInk).not.toBeNull();
    // A short Arabic title ends at the right margin and starts well past the middle.
    expect(arInk![1]).toBeGreaterThan(CARD_WIDTH - 72 - 10);
    expect(arInk![0]).toBeGreaterThan(CARD_WIDTH / 2);

    const en = await renderShareCard({ ...figures, title: 'Clean water', language: 'en', organization: 'Ataa Relief' });
    const enInk = await inkColumns(en, 64, 250);
    expect(enInk![0]).toBeLessThan(72 + 10);
    expect(enInk![1]).toBeLessThan(CARD_WIDTH / 2);
  });

  it('draws Arabic letters joined (shaped), not as isolated forms', async () => {
    // The same letters with and without joining: shaped text is narrower than isolated letters spaced apart.
    const joined = await inkColumns(await renderShareCard({ ...figures, title: 'بيت' }), 64, 250);
    const isolated = await inkColumns(await renderShareCard({ ...figures, title: 'ب ي ت' }), 64, 250);
    expect(joined![1] - joined![0]).toBeLessThan(isolated![1] - isolated![0]);
  });
});
