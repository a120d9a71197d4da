/**
 * PDF through pdf.js (the legacy build, made for Node): the text layer of every page in the order the
 * PDF draws it, pages separated by a form feed. Printed lines are put back together where the layout
 * shows they belong together: a body line that runs to the right margin continues on the next line
 * unless that one is indented (a new paragraph) or is a numbered heading after a finished sentence (a
 * heading set in the body's font, without indent, as people type them), and a heading that wraps (same larger font, directly
 * below) is one heading. Page numbers, running headers and footers, and sentences broken across pages
 * are left to the cleaner, which handles them for every format. A table (lines of cells set apart by
 * wide gaps, on common columns) is read as one sentence per row with its header (table.ts), across a
 * page break too.
 *
 * With boxes asked for (readPdfLayout), every character of the text keeps where it is drawn, so that a
 * quote can be marked on its page (src/render/page.ts).
 *
 * A PDF without a text layer (a scan) is refused with that reason: OCR is not included.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseHeading } from '../headings.js';
import { type ExtractedText, MAX_TEXT_CHARS, type ReadError, tooMuchText } from './types.js';
import { columnHeaders, isFigure, rowSentence } from './table.js';

/** More pages than any report has; a PDF of 20,000 pages sharing one content stream would read for minutes. */
export const MAX_PDF_PAGES = 2000;
const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** Fewer visible characters than this per page on average: no text layer to speak of. */
const MIN_CHARS_PER_PAGE = 10;
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

/** Where a character is drawn on its page: 1-based page, then x, y (top left) and size in PDF units from the page's top left. */
export interface GlyphBox {
  page: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface PrintedLine {
  text: string;
  /** The box of each character of `text`, when asked for (null for a character with none). */
  boxes?: (GlyphBox | null)[];
  /** Baseline height on the page, font size, left and right ends (PDF units). */
  y: number;
  size: number;
  left: number;
  right: number;
  /** The line's cells: parts of `text` (offsets) set apart by a wide gap, and where each starts. */
  cells: { start: number; end: number; x: number }[];
}

/** Where body text runs: its font size, left margin and right margin. */
interface BodyLayout {
  size: number;
  left: number;
  right: number;
}

/** What this reader uses of pdf.js's text items. */
interface PdfTextItem {
  str: string;
  hasEOL: boolean;
  transform: number[];
  width: number;
  height: number;
}

/** A gap between two pieces of a line wider than this many characters separates table cells. */
const CELL_GAP_EM = 1.5;

/** Share of the font size a character advances: full-width (Chinese) 1, others about half. */
const advanceOf = (ch: string) => (CJK.test(ch) ? 1 : /\s/.test(ch) ? 0.3 : 0.55);

/**
 * The box of each character of a text item. pdf.js gives the item's start, width and font size only, so
 * the width is shared out by each character's usual advance (Chinese text, set in one size, comes out exact).
 */
function itemBoxes(item: PdfTextItem, page: PageFrame): GlyphBox[] {
  const x = item.transform[4] ?? 0;
  const baseline = item.transform[5] ?? 0;
  const size = Math.abs(item.height) || Math.abs(item.transform[3] ?? 0);
  const chars = Array.from(item.str);
  const units = chars.reduce((n, c) => n + advanceOf(c), 0) || 1;
  const boxes: GlyphBox[] = [];
  let at = x;
  for (const ch of chars) {
    const w = (item.width * advanceOf(ch)) / units;
    // From the descender (0.12 em below the baseline) to the ascender (0.88 em above): the glyph's line box.
    const [x1, y1, x2, y2] = page.viewport.convertToViewportRectangle([at, baseline - size * 0.12, at + w, baseline + size * 0.88]) as number[];
    const box = { page: page.number, x: Math.min(x1!, x2!), y: Math.min(y1!, y2!), w: Math.abs(x2! - x1!), h: Math.abs(y2! - y1!) };
    for (let i = 0; i < ch.length; i++) boxes.push(box); // a character outside the BMP is two code units
    at += w;
  }
  return boxes;
}

/** A page and its viewport at scale 1 (PDF units, origin at the top left, the page's rotation applied). */
interface PageFrame {
  number: number;
  viewport: { convertToViewportRectangle(rect: number[]): number[] };
}

/** Groups a page's text items into printed lines; with `page`, each character gets its box. */
function linesOf(items: PdfTextItem[], page?: PageFrame): PrintedLine[] {
  const lines: PrintedLine[] = [];
  let current: PrintedLine | null = null;
  for (const item of items) {
    const x = item.transform[4] ?? 0;
    const y = item.transform[5] ?? 0;
    const size = Math.abs(item.height) || Math.abs(item.transform[3] ?? 0);
    if (current && item.str && Math.abs(current.y - y) > Math.max(current.size, size) / 2) {
      lines.push(current);
      current = null;
    }
    if (item.str) {
      if (!current) current = { text: '', y, size, left: x, right: x, cells: [], ...(page ? { boxes: [] } : {}) };
      // A gap wider than a character or two (drawn as a wide space, or as nothing) separates table cells;
      // a cell being read has end -1.
      const last = current.cells[current.cells.length - 1];
      const open = last !== undefined && last.end === -1;
      if (item.str.trim()) {
        const wide = last !== undefined && x - current.right > size * CELL_GAP_EM;
        if (!open || wide) {
          if (open) last.end = current.text.length;
          current.cells.push({ start: current.text.length, end: -1, x });
        }
      } else if (open && item.width > size * CELL_GAP_EM) {
        last.end = current.text.length;
      }
      current.text += item.str;
      if (page) current.boxes!.push(...itemBoxes(item, page));
      current.size = Math.max(current.size, size);
      current.left = Math.min(current.left, x);
      current.right = Math.max(current.right, x + item.width);
    }
    if (item.hasEOL && current) {
      lines.push(current);
      current = null;
    }
  }
  if (current) lines.push(current);
  for (const line of lines) for (const cell of line.cells) if (cell.end === -1) cell.end = line.text.length;
  return lines.filter((l) => l.text.trim());
}

/** The value that most characters have. */
function mostCommon(lines: PrintedLine[], value: (l: PrintedLine) => number): number {
  const chars = new Map<number, number>();
  for (const line of lines) chars.set(Math.round(value(line)), (chars.get(Math.round(value(line))) ?? 0) + line.text.length);
  return [...chars].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

/** The font size most of the text is set in, and the margins of the lines set in it. */
function bodyLayout(pages: PrintedLine[][]): BodyLayout {
  const all = pages.flat();
  const size = mostCommon(all, (l) => l.size);
  const body = all.filter((l) => Math.abs(l.size - size) < 1);
  return { size, left: mostCommon(body, (l) => l.left), right: Math.max(...body.map((l) => l.right)) };
}

/** Sentence-final punctuation at the end of a printed line, closing quotes and brackets aside. */
const ENDS_SENTENCE = /[。！？；!?;][”’"」』）)】]*$/;

/** A table being read, carried over to the next page (a table across a page break, its header repeated or not). */
interface TableCarry {
  /** The header lines as printed (squeezed), to recognise them repeated at the top of the next page. */
  headerLines: string[];
  headers: string[];
  columns: number[];
}

type Out = { text: string; boxes: (GlyphBox | null)[] };
const boxesOf = (line: PrintedLine, from: number, to: number) => line.boxes?.slice(from, to) ?? new Array<null>(to - from).fill(null);
const squeezed = (t: string) => t.replace(/\s+/g, '');

/**
 * A table starting at lines[from]: consecutive lines of two cells or more, set apart by wide gaps,
 * their cells on common columns. Each data row becomes one sentence with its header (table.ts), its
 * characters keeping their glyph boxes. Returns the index after the table, or `from` when none starts there.
 */
function readTable(lines: PrintedLine[], from: number, out: Out[], carry: { table: TableCarry | null }): number {
  let to = from;
  while (to < lines.length && lines[to]!.cells.length >= 2 && Math.abs(lines[to]!.size - lines[from]!.size) < 1) to++;
  const continued = carry.table !== null && from <= 2; // at the top of a page, after the running header at most
  if (to - from < (continued ? 1 : 2)) return from;
  const block = lines.slice(from, to);
  const size = block[0]!.size;
  // Columns: the cells' left edges, those within a character of each other being one column.
  const xs = block.flatMap((l) => l.cells.map((c) => c.x)).sort((a, b) => a - b);
  let columns: number[] = [];
  for (const x of xs) if (!columns.length || x - columns[columns.length - 1]! > size) columns.push(x);
  if (continued && columns.length <= carry.table!.columns.length) columns = carry.table!.columns;
  if (columns.length < 2) return from;
  const cellText = (line: PrintedLine, c: PrintedLine['cells'][number]) => line.text.slice(c.start, c.end).trim();
  const grid = block.map((line) => {
    const row = new Array<string>(columns.length).fill('');
    const at = new Array<PrintedLine['cells'][number] | undefined>(columns.length);
    for (const c of line.cells) {
      let k = 0;
      for (let j = 1; j < columns.length; j++) if (Math.abs(columns[j]! - c.x) < Math.abs(columns[k]! - c.x)) k = j;
      row[k] = row[k] ? `${row[k]} ${cellText(line, c)}` : cellText(line, c);
      at[k] ??= c;
    }
    return { line, row, at };
  });
  let headers: string[];
  let first = 0;
  if (continued && columns === carry.table!.columns) {
    headers = carry.table!.headers;
    // The header repeated at the top of the page is read once.
    while (first < grid.length && first < carry.table!.headerLines.length && squeezed(grid[first]!.line.text) === carry.table!.headerLines[first]) first++;
  } else {
    // Header rows: the leading rows without figures (at most two), at least the first.
    while (first < Math.min(2, grid.length - 1) && !grid[first]!.row.some(isFigure)) first++;
    first = Math.max(1, first);
    const top = [...grid[0]!.row];
    // A merged cell of the top header row spans the columns to its right that only lower rows name.
    for (let j = 1; j < top.length; j++) if (!top[j] && grid.slice(1, first).some((g) => g.row[j])) top[j] = top[j - 1]!;
    headers = columnHeaders([top, ...grid.slice(1, first).map((g) => g.row)], columns.length);
  }
  for (const { line, row, at } of grid.slice(first)) {
    const sentence: Out = { text: '', boxes: [] };
    for (const piece of rowSentence(headers, row)) {
      const c = piece.cell === undefined ? undefined : at[piece.cell];
      sentence.text += piece.text;
      if (c && cellText(line, c) === piece.text) {
        const lead = line.text.slice(c.start, c.end).search(/\S/);
        sentence.boxes.push(...boxesOf(line, c.start + lead, c.start + lead + piece.text.length));
      } else {
        sentence.boxes.push(...new Array<null>(piece.text.length).fill(null));
      }
    }
    if (sentence.text) out.push(sentence);
  }
  const headerLines = continued && columns === carry.table!.columns ? carry.table!.headerLines : grid.slice(0, first).map((g) => squeezed(g.line.text));
  carry.table = { headerLines, headers, columns };
  return to;
}

/**
 * A page's lines as text, lines that belong together (see the top of this file) joined, tables read as
 * rows; with each character's box when the lines have them. `carry` holds a table running into the next page.
 */
function pageText(lines: PrintedLine[], body: BodyLayout, carry: { table: TableCarry | null }): Out {
  const out: Out[] = [];
  let prev: PrintedLine | null = null;
  let tableEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const after = readTable(lines, i, out, carry);
    if (after > i) {
      tableEnd = after;
      i = after - 1;
      prev = null;
      continue;
    }
    const sameSize = prev !== null && Math.abs(prev.size - line.size) < 0.5;
    const directlyBelow = prev !== null && prev.y > line.y && prev.y - line.y < line.size * 2.5;
    const wrappedHeading = sameSize && directlyBelow && prev!.size > body.size * 1.1 && !/[。！？；:：]$/.test(prev!.text.trim());
    const runOnBody =
      sameSize &&
      directlyBelow &&
      Math.abs(line.size - body.size) < 1 &&
      prev!.right >= body.right - body.size * 1.5 &&
      line.left < body.left + body.size * 0.5 &&
      !(ENDS_SENTENCE.test(prev!.text.trim()) && parseHeading(line.text.trim()) !== null);
    if (wrappedHeading || runOnBody) {
      const last = out[out.length - 1]!;
      const trimmed = line.text.trim();
      const from = line.text.length - line.text.trimStart().length;
      if (!(CJK.test(last.text.slice(-1)) || CJK.test(trimmed[0] ?? ''))) (last.text += ' ', last.boxes.push(null));
      last.text += trimmed;
      last.boxes.push(...boxesOf(line, from, from + trimmed.length));
    } else {
      out.push({ text: line.text, boxes: boxesOf(line, 0, line.text.length) });
    }
    prev = line;
  }
  // A table runs on into the next page only if it ends the page (its footer aside).
  if (tableEnd < lines.length - 1) carry.table = null;
  return { text: out.map((o) => o.text).join('\n'), boxes: out.flatMap((o, i) => (i ? [null, ...o.boxes] : o.boxes)) };
}

/** Starts loading a PDF with pdf.js (the caller destroys the task). */
export async function openPdf(buf: Buffer) {
  // Loaded on first use: pdf.js is large, and most corpora and every bot answer never need it.
  const { getDocument, VerbosityLevel } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  return getDocument({
    data: new Uint8Array(buf),
    cMapUrl: path.join(PDFJS_DIR, 'cmaps') + path.sep,
    cMapPacked: true,
    standardFontDataUrl: path.join(PDFJS_DIR, 'standard_fonts') + path.sep,
    isEvalSupported: false,
    verbosity: VerbosityLevel.ERRORS,
  });
}

export async function readPdf(buf: Buffer): Promise<ExtractedText | ReadError> {
  const read = await readPdfLayout(buf, { boxes: false });
  return 'error' in read ? read : { text: read.text, encoding: 'pdf', pages: read.pages };
}

/** A PDF's text as readPdf gives it, with where each of its characters is drawn. */
export interface PdfLayout {
  text: string;
  /** The box of each character of `text` (null for line and page breaks, and spaces put between lines). */
  boxes: (GlyphBox | null)[];
  pages: number;
  /** Width and height of each page in PDF units. */
  pageSizes: { width: number; height: number }[];
}

/** A PDF opened by pdf.js (its loading task: `promise` gives the document, `destroy()` frees it). */
export type OpenPdf = Awaited<ReturnType<typeof openPdf>>;

/**
 * Reads a PDF's text and where each character is drawn (for marking a quote on its page); `boxes: false`
 * skips the boxes. With `keepOpen`, the document stays open for drawing its pages (its fonts, already
 * parsed, are reused) and is returned as `document`: the caller destroys it.
 */
export async function readPdfLayout(buf: Buffer, options: { boxes?: boolean; keepOpen?: boolean } = {}): Promise<(PdfLayout & { document?: OpenPdf }) | ReadError> {
  if (buf.subarray(0, 1024).indexOf('%PDF-') < 0) return { error: 'not a PDF file (no %PDF header)', code: 'not-pdf' };
  const withBoxes = options.boxes ?? true;
  const task = await openPdf(buf);
  let keep = false;
  try {
    let doc: Awaited<typeof task.promise>;
    try {
      doc = await task.promise;
    } catch (err) {
      if ((err as Error).name === 'PasswordException') return { error: 'the PDF is password-protected', code: 'password' };
      throw new Error(`damaged or not a PDF: ${(err as Error).message}`);
    }
    if (doc.numPages > MAX_PDF_PAGES) return { error: `refused: ${doc.numPages} pages (at most ${MAX_PDF_PAGES})`, code: 'too-complex' };
    const pages: PrintedLine[][] = [];
    const pageSizes: PdfLayout['pageSizes'] = [];
    let chars = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale: 1 });
      pageSizes.push({ width: viewport.width, height: viewport.height });
      const content = await page.getTextContent();
      pages.push(linesOf(content.items.flatMap((i) => ('str' in i ? [i] : [])), withBoxes ? { number: n, viewport } : undefined));
      page.cleanup();
      chars += pages[pages.length - 1]!.reduce((sum, l) => sum + l.text.length, 0);
      if (chars > MAX_TEXT_CHARS) return { error: tooMuchText(), code: 'too-complex' };
    }
    const visible = pages.flat().reduce((n, l) => n + l.text.replace(/\s/g, '').length, 0);
    if (visible < MIN_CHARS_PER_PAGE * doc.numPages) {
      return { error: `no text layer (${visible} characters on ${doc.numPages} page${doc.numPages === 1 ? '' : 's'}): probably a scanned PDF; OCR is not included, so it cannot be quoted`, code: 'scanned' };
    }
    const body = bodyLayout(pages);
    const carry = { table: null as TableCarry | null };
    const read = pages.map((lines) => pageText(lines, body, carry));
    keep = options.keepOpen ?? false;
    return {
      text: read.map((p) => p.text).join('\f'),
      boxes: withBoxes ? read.flatMap((p, i) => (i ? [null, ...p.boxes] : p.boxes)) : [],
      pages: doc.numPages,
      pageSizes,
      ...(keep ? { document: task } : {}),
    };
  } finally {
    if (!keep) await task.destroy();
  }
}
