import { createHash } from 'node:crypto';
import { checkEvidenceInput, checkOutcomeInput, inspectEvidenceFile, sniffEvidenceType } from './evidence.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);

describe('spending evidence files and outcomes (pure rules)', () => {
  it('knows a file by its first bytes: PDF, PNG, JPEG, WebP; anything else (an .exe, HTML, SVG) is no evidence type', () => {
    expect(sniffEvidenceType(PDF)).toBe('pdf');
    expect(sniffEvidenceType(PNG)).toBe('png');
    expect(sniffEvidenceType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('jpeg');
    expect(sniffEvidenceType(Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('webp');
    for (const other of ['MZ\x90\x00', '<html><script>alert(1)</script>', '<svg onload="alert(1)"/>', '%PD']) expect(sniffEvidenceType(Buffer.from(other, 'latin1'))).toBeNull();
  });

  it('accepts a PDF under the limit, named by its SHA-256', () => {
    const accepted = inspectEvidenceFile({ bytes: PDF, truncated: false }, 1024);
    const sha256 = createHash('sha256').update(PDF).digest('hex');
    expect(accepted).toMatchObject({ mediaType: 'application/pdf', sha256, key: `${sha256}.pdf` });
  });

  it('refuses a missing or empty file (400), one over the limit or cut at it (413), and a disallowed type (415)', () => {
    const refusal = (file: { bytes: Buffer; truncated: boolean } | null, max = 1024) => {
      try {
        inspectEvidenceFile(file, max);
        return null;
      } catch (error) {
        return { code: (error as { code: string }).code, status: (error as { status: number }).status };
      }
    };
    expect(refusal(null)).toEqual({ code: 'evidence_file_missing', status: 400 });
    expect(refusal({ bytes: Buffer.alloc(0), truncated: false })).toEqual({ code: 'evidence_file_missing', status: 400 });
    expect(refusal({ bytes: PDF, truncated: false }, PDF.length - 1)).toEqual({ code: 'evidence_file_too_large', status: 413 });
    expect(refusal({ bytes: PDF.subarray(0, 10), truncated: true })).toEqual({ code: 'evidence_file_too_large', status: 413 });
    expect(refusal({ bytes: Buffer.from('MZ\x90\x00this program', 'latin1'), truncated: false })).toEqual({ code: 'evidence_file_type', status: 415 });
  });

  it('a title under the text policy and a visibility of public or operator', () => {
    expect(checkEvidenceInput({ title: '  Invoice 31 ', visibility: 'public' })).toEqual({ title: 'Invoice 31', visibility: 'public' });
    for (const bad of [{ title: '', visibility: 'public' }, { title: 'x'.repeat(201), visibility: 'public' }, { title: 'a\u0000b', visibility: 'operator' }, { title: 'ok', visibility: 'everyone' }, { visibility: 'public' }]) {
      expect(() => checkEvidenceInput(bad)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it('an outcome in both languages with exactly one payout or update as its evidence', () => {
    const payoutId = '0e7c5b8c-1d1e-4a4f-9a1b-7d6e5f4c3b2a';
    expect(checkOutcomeInput({ labelEn: '1,200 meals', labelAr: '١٬٢٠٠ وجبة', payoutId })).toEqual({ labelEn: '1,200 meals', labelAr: '١٬٢٠٠ وجبة', evidence: { payoutId } });
    expect(() => checkOutcomeInput({ labelEn: 'a', labelAr: 'b' })).toThrow(expect.objectContaining({ code: 'outcome_evidence_required' }));
    expect(() => checkOutcomeInput({ labelEn: 'a', labelAr: 'b', payoutId, updateId: payoutId })).toThrow(expect.objectContaining({ code: 'outcome_evidence_required' }));
    expect(() => checkOutcomeInput({ labelEn: ' ', labelAr: 'b', payoutId })).toThrow(expect.objectContaining({ status: 400 }));
  });
});
