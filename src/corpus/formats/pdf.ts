/**
 * PDF through pdf.js (the legacy build, made for Node): the text layer of every page in the order the
 * PDF draws it, pages separated by a form feed. Printed lines are put back together where the layout
 * shows they belong together: a body line that runs to the right margin continues on the next line
 * unless that one is indented (a new paragraph) or is a numbered heading after a finished sentence (a
 * heading set in the body's font, without indent, as people type them), and a heading that wraps (same larger font, directly
 * below) is one heading. Page numbers, running headers and footers, and sentences broken across pages
 * are left to the cleaner, which handles them for every format.
 *
 * A PDF without a text layer (a scan) is refused with that reason: OCR is not included.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseHeading } from '../headings.js';
import type { ExtractedText, ReadError } from './index.js';

const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** Fewer visible characters than this per page on average: no text layer to speak of. */
const MIN_CHARS_PER_PAGE = 10;
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

interface PrintedLine {
  text: string;
  /** Baseline height on the page, font size, left and right ends (PDF units). */
  y: number;
  size: number;
  left: number;
  right: number;
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

/** Groups a page's text items into printed lines. */
function linesOf(items: PdfTextItem[]): PrintedLine[] {
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
      if (!current) current = { text: '', y, size, left: x, right: x };
      current.text += item.str;
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

/** A page's lines as text, lines that belong together (see the top of this file) joined. */
function pageText(lines: PrintedLine[], body: BodyLayout): string {
  const out: string[] = [];
  let prev: PrintedLine | null = null;
  for (const line of lines) {
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
      out[out.length - 1] = last + (CJK.test(last.slice(-1)) || CJK.test(line.text.trim()[0] ?? '') ? '' : ' ') + line.text.trim();
    } else {
      out.push(line.text);
    }
    prev = line;
  }
  return out.join('\n');
}

export async function readPdf(buf: Buffer): Promise<ExtractedText | ReadError> {
  if (buf.subarray(0, 1024).indexOf('%PDF-') < 0) return { error: 'not a PDF file (no %PDF header)' };
  // Loaded on first use: pdf.js is large, and most corpora and every bot answer never need it.
  const { getDocument, VerbosityLevel } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({
    data: new Uint8Array(buf),
    cMapUrl: path.join(PDFJS_DIR, 'cmaps') + path.sep,
    cMapPacked: true,
    standardFontDataUrl: path.join(PDFJS_DIR, 'standard_fonts') + path.sep,
    isEvalSupported: false,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    const doc = await task.promise.catch((err: Error) => {
      throw new Error(err.name === 'PasswordException' ? 'the PDF is password-protected' : `damaged or not a PDF: ${err.message}`);
    });
    const pages: PrintedLine[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(linesOf(content.items.flatMap((i) => ('str' in i ? [i] : []))));
      page.cleanup();
    }
    const visible = pages.flat().reduce((n, l) => n + l.text.replace(/\s/g, '').length, 0);
    if (visible < MIN_CHARS_PER_PAGE * doc.numPages) {
      return { error: `no text layer (${visible} characters on ${doc.numPages} page${doc.numPages === 1 ? '' : 's'}): probably a scanned PDF; OCR is not included, so it cannot be quoted` };
    }
    const body = bodyLayout(pages);
    return { text: pages.map((lines) => pageText(lines, body)).join('\f'), encoding: 'pdf', pages: doc.numPages };
  } finally {
    await task.destroy();
  }
}
