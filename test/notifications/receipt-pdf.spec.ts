import { buildReceiptView, ReceiptPdfRenderer } from '@ataa/notifications';
import { ARABIC_NAME, ARABIC_TITLE, receiptData, variedReceiptViews } from './fixtures.js';
import { inspectPdf } from './pdf-inspect.js';

const A4_WIDTH = 595.28;

describe('PDF receipt: a valid PDF whose pages show the receipt', () => {
  const pdf = new ReceiptPdfRenderer();

  it('is structurally valid and shows the receipt number, organization and amount on the page (not only in metadata)', async () => {
    const bytes = await pdf.render(buildReceiptView('donation_receipt', receiptData(), 'R-2026-000042'));
    const doc = inspectPdf(bytes);
    expect(doc.version).toMatch(/^1\.\d$/);
    expect(doc.pages).toBe(1);
    const page = doc.texts.join(' ');
    expect(page).toContain('R-2026-000042');
    expect(page).toContain('Helping Hands');
    expect(page).toContain('$1,234.50');
    expect(page).toContain('$3.80');
    expect(page).not.toContain('\uFFFD');
    // Left to right: the title starts at the left margin.
    const title = doc.placed.find((p) => p.text.includes('Donation receipt'));
    expect(title?.x).toBeCloseTo(50, 0);
  });

  it('lays an Arabic receipt out right to left: lines end at the right margin, Arabic letters intact', async () => {
    const view = buildReceiptView('donation_receipt', receiptData({ campaign: { id: 'c', title: ARABIC_TITLE, language: 'ar' }, donor: { name: ARABIC_NAME, email: 'l@example.org', locale: null }, currency: 'kwd', amount: 12340n, coveredFees: 0n }), 'R-2026-000007');
    const doc = inspectPdf(await pdf.render(view));
    const page = doc.texts.join(' ');
    expect(page).toContain('R-2026-000007');
    expect(page).not.toContain('\uFFFD');
    // Arabic is drawn (shaped glyphs map back to Arabic letters through ToUnicode).
    expect(page).toMatch(/[\u0600-\u06FF]/);
    for (const letter of ['إ', 'ي', 'ص', 'ا', 'ل']) expect(page).toContain(letter);
    // Right to left: the title ("إيصال تبرع") starts in the right half, and nothing starts at the left margin
    // except lines that fill the width.
    const arabicBlocks = doc.placed.filter((p) => /[\u0600-\u06FF]/.test(p.text));
    expect(arabicBlocks.length).toBeGreaterThan(5);
    const firstLine = doc.placed.filter((p) => p.y === doc.placed[0].y);
    expect(Math.min(...firstLine.map((p) => p.x))).toBeGreaterThan(A4_WIDTH / 2);
  });

  it('draws the proof\'s QR code (vector squares, no image) with its link and the attachment\'s name, text still extractable', async () => {
    const ledgerUrl = `https://give.example/c/clean-water/ledger#leaf=7&size=8&hash=${'ab'.repeat(32)}`;
    const verification = { leafIndex: 7, leafHash: 'ab'.repeat(32), commitmentSalt: null, checkpoint: 'ataa.local/campaigns/c1\n8\nroot=\n', proof: { format: 'ataa-receipt-proof', version: 1, ledgerUrl } };
    const view = buildReceiptView('donation_receipt', receiptData({ verification }), 'R-2026-000043');
    expect(view.verification?.proof).toMatchObject({ fileName: 'ataa-receipt-R-2026-000043.json', ledgerUrl });
    expect(JSON.parse(view.verification?.proof?.json ?? '')).toEqual(verification.proof);
    const withQr = await pdf.render(view);
    const without = await pdf.render(buildReceiptView('donation_receipt', receiptData({ verification: { ...verification, proof: null } }), 'R-2026-000043'));
    const doc = inspectPdf(withQr);
    expect(doc.pages).toBe(1);
    const page = doc.texts.join(' ');
    expect(page).toContain('R-2026-000043');
    expect(page).toContain('ataa-receipt-R-2026-000043.json');
    expect(page.replace(/\s+/g, '')).toContain(ledgerUrl);
    expect(page).not.toContain('\uFFFD');
    // the code is drawn as filled rectangles ("re" operators), not as an image XObject
    expect(withQr.includes('/Subtype /Image')).toBe(false);
    expect(inspectPdf(without).texts.join(' ')).not.toContain('ataa-receipt-');
    expect(withQr.length).toBeGreaterThan(without.length);
  });

  it('is rejected by the inspector when it is not a valid PDF (the checks are real)', async () => {
    const bytes = await pdf.render(buildReceiptView('donation_receipt', receiptData(), 'R-2026-000001'));
    expect(() => inspectPdf(Buffer.from('hello'))).toThrow(/%PDF/);
    expect(() => inspectPdf(bytes.subarray(0, bytes.length - 200))).toThrow();
    const shifted = Buffer.concat([bytes.subarray(0, 20), Buffer.from('  '), bytes.subarray(20)]);
    expect(() => inspectPdf(shifted)).toThrow(/xref|startxref/);
  });

  it('is the same, byte for byte, as rendered with pdfkit\'s defaults, whatever was rendered before', async () => {
    // The fonts are parsed once and kept (only their glyph cache is emptied for each document) and
    // pdfkit's unused default font is not opened; the reference renders as before, parsing the fonts
    // for every document. Same input and creation date: same bytes, in any order, however many
    // receipts came before.
    const creationDate = new Date('2026-06-01T12:00:00Z');
    const views = variedReceiptViews();
    const reference = new ReceiptPdfRenderer({ pdfkitDefaults: true });
    const expected = await Promise.all(views.map((view) => reference.render(view, { creationDate })));
    for (const order of [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 3, 1, 4, 2, 2, 0]]) {
      for (const i of order) expect((await pdf.render(views[i], { creationDate })).equals(expected[i])).toBe(true);
    }
    expect(new Set(expected.map((bytes) => bytes.toString('base64'))).size).toBe(views.length);
    // The creation date is the one given; without one, the time of rendering, as before.
    expect(expected[0].toString('latin1')).toContain('(D:20260601120000Z)');
    expect((await pdf.render(views[0])).toString('latin1')).toContain(`(D:${new Date().getUTCFullYear()}`);
  });
});
