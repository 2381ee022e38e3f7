import { makeJpegHeader, makePng, makeWebpHeader } from '@ataa/testing';
import { coverImageUrl, inspectCoverImage, isCoverImageKey, sniffImageType, uploadedCoverKey } from './cover-image.js';

const MB = 1024 * 1024;

describe('cover image sniffing', () => {
  it('knows JPEG, PNG and WebP by their first bytes, nothing else', () => {
    expect(sniffImageType(makePng(20, 20))).toBe('png');
    expect(sniffImageType(makeJpegHeader(20, 20))).toBe('jpeg');
    expect(sniffImageType(makeWebpHeader(20, 20))).toBe('webp');
    const gif = Buffer.from('GIF89a\x14\x00\x14\x00', 'latin1');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"/>');
    const riffWave = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1');
    for (const other of [gif, svg, riffWave, Buffer.from('just some text, named cover.png'), Buffer.from([0x89, 0x50, 0x4e]), Buffer.alloc(0)]) expect(sniffImageType(other)).toBeNull();
  });

  it('accepts an image of sane size and dimensions, named by its content hash', () => {
    const png = makePng(40, 30);
    const result = inspectCoverImage(png, 2 * MB);
    expect(result).toMatchObject({ ok: true, image: { type: 'png', mime: 'image/png', width: 40, height: 30 } });
    if (!result.ok) throw new Error('refused');
    expect(result.image.key).toMatch(/^[0-9a-f]{64}\.png$/);
    expect(inspectCoverImage(Buffer.from(png), 2 * MB)).toMatchObject({ ok: true, image: { key: result.image.key } }); // same bytes, same name
    expect(inspectCoverImage(makeJpegHeader(1200, 630), 2 * MB)).toMatchObject({ ok: true, image: { type: 'jpeg', mime: 'image/jpeg', width: 1200, height: 630 } });
    expect(inspectCoverImage(makeWebpHeader(800, 400), 2 * MB)).toMatchObject({ ok: true, image: { type: 'webp', mime: 'image/webp', width: 800, height: 400 } });
    expect((inspectCoverImage(makeWebpHeader(800, 400), 2 * MB) as { image: { key: string } }).image.key).toMatch(/\.webp$/);
  });

  it('refuses text named .png, a bare signature, files over the limit, empty files and absurd dimensions', () => {
    expect(inspectCoverImage(Buffer.from('this is text, not a picture'), 2 * MB)).toEqual({ ok: false, problem: 'image_type' });
    expect(inspectCoverImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 2 * MB)).toEqual({ ok: false, problem: 'image_type' });
    expect(inspectCoverImage(makePng(40, 30), 100)).toEqual({ ok: false, problem: 'image_too_large' });
    expect(inspectCoverImage(Buffer.alloc(0), 2 * MB)).toEqual({ ok: false, problem: 'image_empty' });
    expect(inspectCoverImage(makePng(4, 4), 2 * MB)).toEqual({ ok: false, problem: 'image_dimensions' });
    expect(inspectCoverImage(makeJpegHeader(9000, 100), 2 * MB)).toEqual({ ok: false, problem: 'image_dimensions' });
    expect(inspectCoverImage(makeWebpHeader(7000, 7000), 2 * MB)).toEqual({ ok: false, problem: 'image_dimensions' }); // 49 MP
  });

  it('serves only content-hash keys, and tells its own uploads from typed addresses', () => {
    const key = `${'a'.repeat(64)}.png`;
    expect(isCoverImageKey(key)).toBe(true);
    for (const bad of ['../etc/passwd', `${'a'.repeat(64)}.svg`, `${'A'.repeat(64)}.png`, `${'a'.repeat(63)}.png`, `x/${key}`]) expect(isCoverImageKey(bad)).toBe(false);
    const url = coverImageUrl('https://ataa.example/', key);
    expect(url).toBe(`https://ataa.example/media/covers/${key}`);
    expect(uploadedCoverKey('https://ataa.example', url)).toBe(key);
    expect(uploadedCoverKey('https://ataa.example', 'https://images.example.org/cover.jpg')).toBeNull();
    expect(uploadedCoverKey('https://ataa.example', `https://ataa.example/media/covers/../${key}`)).toBeNull();
    expect(uploadedCoverKey('https://ataa.example', null)).toBeNull();
  });
});
