import { inflateSync } from 'node:zlib';

/**
 * A small, strict reader for the PDFs the receipts carry (no PDF library in the project): it checks
 * the file's structure the way a viewer finds its way through it, and extracts the text drawn on
 * the pages through each font's ToUnicode map, so a test can assert what a reader of the PDF sees
 * (metadata such as /Title does not count).
 */
export interface PdfInspection {
  version: string;
  pages: number;
  /** Text shown on the pages, in drawing order, one entry per text object (BT ... ET). */
  texts: string[];
  /** The same, with where each text object starts (PDF user space: points from the bottom left). */
  placed: { text: string; x: number; y: number; page: number }[];
  info: Record<string, string>;
}

const latin1 = (b: Buffer) => b.toString('latin1');

function objectsOf(pdf: Buffer): Map<number, { dict: string; stream: Buffer | null; offset: number }> {
  const text = latin1(pdf);
  const objects = new Map<number, { dict: string; stream: Buffer | null; offset: number }>();
  const header = /(\d+) 0 obj\s*/g;
  let match: RegExpExecArray | null;
  while ((match = header.exec(text))) {
    const start = match.index + match[0].length;
    const end = text.indexOf('endobj', start);
    if (end < 0) throw new Error(`object ${match[1]} has no endobj`);
    const body = text.slice(start, end);
    const streamAt = body.indexOf('stream');
    let stream: Buffer | null = null;
    let dict = body;
    if (streamAt >= 0 && /\/Length\s+(\d+)/.test(body.slice(0, streamAt))) {
      dict = body.slice(0, streamAt);
      const length = Number(/\/Length\s+(\d+)/.exec(dict)![1]);
      let dataStart = start + streamAt + 'stream'.length;
      if (text[dataStart] === '\r') dataStart++;
      if (text[dataStart] === '\n') dataStart++;
      const raw = pdf.subarray(dataStart, dataStart + length);
      if (!latin1(pdf.subarray(dataStart + length, dataStart + length + 12)).trimStart().startsWith('endstream')) {
        throw new Error(`object ${match[1]}: stream /Length ${length} does not end at endstream`);
      }
      stream = /\/FlateDecode/.test(dict) ? inflateSync(raw) : raw;
    }
    objects.set(Number(match[1]), { dict, stream, offset: match.index });
    header.lastIndex = end;
  }
  return objects;
}

function hexToUnicode(hex: string): string {
  let out = '';
  for (let i = 0; i + 4 <= hex.length; i += 4) out += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return out;
}

/** Parses a ToUnicode CMap: code (hex) -> text. */
function parseCMap(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, src, dst] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>/g)) map.set(src.toLowerCase(), hexToUnicode(dst));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, rest] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]*>)/g)) {
      const from = parseInt(lo, 16);
      const to = parseInt(hi, 16);
      const width = lo.length;
      if (rest.startsWith('[')) {
        // A ligature maps to several code units, written with spaces (<0066 0066 006c>): hex strings may hold whitespace.
        const targets = [...rest.matchAll(/<([0-9a-fA-F\s]*)>/g)].map((m) => m[1].replace(/\s+/g, ''));
        for (let code = from; code <= to; code++) map.set(code.toString(16).padStart(width, '0'), hexToUnicode(targets[code - from] ?? ''));
      } else {
        const base = parseInt(rest.slice(1, -1), 16);
        for (let code = from; code <= to; code++) map.set(code.toString(16).padStart(width, '0'), String.fromCharCode(base + code - from));
      }
    }
  }
  return map;
}

/** Validates the structure (header, xref offsets, trailer, catalog, page tree) and extracts the page text. */
export function inspectPdf(pdf: Buffer): PdfInspection {
  const text = latin1(pdf);
  const version = /^%PDF-(\d\.\d)/.exec(text)?.[1];
  if (!version) throw new Error('no %PDF- header');
  if (!text.trimEnd().endsWith('%%EOF')) throw new Error('no %%EOF trailer');
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  if (!Number.isInteger(startxref) || !text.startsWith('xref', startxref)) throw new Error('startxref does not point at the xref table');

  const objects = objectsOf(pdf);
  // Every in-use xref entry points exactly at its object's header.
  const xref = /xref\s+(\d+)\s+(\d+)\s+([\s\S]*?)trailer/.exec(text.slice(startxref));
  if (!xref) throw new Error('malformed xref table');
  const first = Number(xref[1]);
  const entries = xref[3].trim().split(/\s*\n\s*/).map((line) => line.trim().split(/\s+/));
  if (entries.length !== Number(xref[2])) throw new Error(`xref announces ${xref[2]} entries, has ${entries.length}`);
  entries.forEach(([offset, , kind], i) => {
    if (kind !== 'n') return;
    const id = first + i;
    if (!text.startsWith(`${id} 0 obj`, Number(offset))) throw new Error(`xref entry ${id} points at offset ${offset}, where object ${id} is not`);
  });
  const trailer = text.slice(startxref + xref[0].length, text.lastIndexOf('startxref'));
  const rootId = Number(/\/Root\s+(\d+)\s+0\s+R/.exec(trailer)?.[1]);
  const root = objects.get(rootId);
  if (!root || !/\/Type\s*\/Catalog/.test(root.dict)) throw new Error('trailer /Root is not a catalog');
  const pagesId = Number(/\/Pages\s+(\d+)\s+0\s+R/.exec(root.dict)?.[1]);
  const pageTree = objects.get(pagesId);
  const pages = Number(/\/Count\s+(\d+)/.exec(pageTree?.dict ?? '')?.[1]);
  if (!pageTree || !(pages >= 1)) throw new Error('no page tree with pages');

  const info: Record<string, string> = {};
  const infoId = Number(/\/Info\s+(\d+)\s+0\s+R/.exec(trailer)?.[1]);
  for (const [, key, value] of (objects.get(infoId)?.dict ?? '').matchAll(/\/(\w+)\s*\(([^)]*)\)/g)) info[key] = value;

  // Font resource names (/F1 ...) -> ToUnicode maps.
  const cmaps = new Map<string, Map<string, string>>();
  for (const object of objects.values()) {
    for (const [, name, id] of object.dict.matchAll(/\/(F\d+)\s+(\d+)\s+0\s+R/g)) {
      const font = objects.get(Number(id));
      const toUnicode = Number(/\/ToUnicode\s+(\d+)\s+0\s+R/.exec(font?.dict ?? '')?.[1]);
      const stream = objects.get(toUnicode)?.stream;
      if (stream) cmaps.set(name, parseCMap(latin1(stream)));
    }
  }

  // Page content streams, in page order.
  const placed: PdfInspection['placed'] = [];
  const kids = (id: number): number[] => {
    const node = objects.get(id)!;
    if (/\/Type\s*\/Page\b/.test(node.dict)) return [id];
    const list = /\/Kids\s*\[([^\]]*)\]/.exec(node.dict)?.[1] ?? '';
    return [...list.matchAll(/(\d+)\s+0\s+R/g)].flatMap((m) => kids(Number(m[1])));
  };
  for (const [page, pageId] of kids(pagesId).entries()) {
    const contents = /\/Contents\s+(\d+)\s+0\s+R/.exec(objects.get(pageId)!.dict)?.[1];
    const content = contents ? objects.get(Number(contents))?.stream : null;
    if (!content) continue;
    for (const block of latin1(content).matchAll(/BT([\s\S]*?)ET/g)) {
      let font: Map<string, string> | undefined;
      let shown = '';
      for (const op of block[1].matchAll(/\/(F\d+)\s+[\d.]+\s+Tf|\[((?:[^\]])*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
        if (op[1]) font = cmaps.get(op[1]);
        const hexes = op[2] !== undefined ? [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((m) => m[1]) : op[3] !== undefined ? [op[3]] : [];
        for (const hex of hexes) for (let i = 0; i + 4 <= hex.length; i += 4) shown += font?.get(hex.slice(i, i + 4).toLowerCase()) ?? '\uFFFD';
      }
      const at = /([-\d.]+)\s+([-\d.]+)\s+Tm/.exec(block[1]) ?? /([-\d.]+)\s+([-\d.]+)\s+Td/.exec(block[1]);
      placed.push({ text: shown, x: Number(at?.[1] ?? NaN), y: Number(at?.[2] ?? NaN), page });
    }
  }
  return { version, pages, texts: placed.map((p) => p.text), placed, info };
}
