/**
 * "Show page": the page of a PDF report as a picture, the quoted sentences marked with a translucent
 * highlight over their glyph boxes. The boxes come from pdf.js's text layer (formats/pdf.ts), the
 * picture from pdf.js drawing on @napi-rs/canvas (prebuilt, installed from the registry with pdf.js).
 *
 * The quote is found on the page through the same reading ingest did: the PDF is read and cleaned again,
 * the cleaned text checked against the indexed passage (a file changed since it was indexed is refused,
 * never marked wrongly), and the quote's cleaned offsets led back to the characters pdf.js drew.
 *
 * Bounds: the picture's longer side is at most RENDER_MAX_SIDE pixels (an A4 page ≈ 0.9 megapixels,
 * ~4 MB of canvas), one page is drawn at a time in a process, and a page that takes longer than
 * RENDER_TIMEOUT_MS is given up with a clear error. Pictures are cached per index generation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cleanReport } from '../corpus/clean.js';
import { type GlyphBox, type OpenPdf, readPdfLayout } from '../corpus/formats/pdf.js';
import type { Result } from '../search/types.js';

/** A marked area of a page: PDF units (1/72 inch) from the page's top left. */
export interface QuoteRect {
  page: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageImage {
  png: Buffer;
  /** The page shown (1-based) and how many the report has. */
  page: number;
  pages: number;
  width: number;
  height: number;
  /** The marked areas on this page. */
  rects: QuoteRect[];
}

/** Why a page cannot be shown, in words for the person who asked. */
export class PageError extends Error {
  override name = 'PageError';
}

/** Longer side of a page picture, in pixels (Telegram shows photos at most 1280 pixels wide). */
export const RENDER_MAX_SIDE = 1280;
/** A page that takes longer to draw than this is given up. */
export const RENDER_TIMEOUT_MS = 10_000;
/** Page pictures kept, in bytes of PNG, per process. */
const CACHE_BYTES = 24 * 1024 * 1024;
/** Read-and-cleaned PDFs kept open (their glyph boxes, and pdf.js's document with its fonts), per process. */
const LAYOUTS_KEPT = 2;
const HIGHLIGHT_FILL = 'rgba(255, 196, 0, 0.38)';
const HIGHLIGHT_EDGE = 'rgba(214, 120, 0, 0.85)';

type Span = { start: number; end: number };
type ReportRef = Pick<Result, 'corpusDir' | 'source' | 'passage' | 'passageStart'>;

/** Glyph boxes of characters on one line of one page, merged into one rectangle. */
export function mergeBoxes(boxes: readonly GlyphBox[]): QuoteRect[] {
  const rects: QuoteRect[] = [];
  for (const b of boxes) {
    const last = rects[rects.length - 1];
    const sameLine = last && last.page === b.page && Math.abs(last.y - b.y) < b.h * 0.5 && b.x >= last.x - 0.5 && b.x <= last.x + last.w + b.h;
    if (sameLine) {
      const right = Math.max(last.x + last.w, b.x + b.w);
      last.y = Math.min(last.y, b.y);
      last.h = Math.max(last.h, b.h);
      last.w = right - last.x;
    } else {
      rects.push({ page: b.page, x: b.x, y: b.y, w: b.w, h: b.h });
    }
  }
  return rects.map((r) => ({ page: r.page, x: round(r.x), y: round(r.y), w: round(r.w), h: round(r.h) }));
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A PDF report read again: its cleaned text, each cleaned character's glyph box, its pages, and the document still open to draw them. */
interface Layout {
  text: string;
  boxAt: (offset: number) => GlyphBox | null;
  pages: number;
  document: OpenPdf;
}

async function readLayout(file: string): Promise<Layout> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new PageError(`the report's file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const read = await readPdfLayout(buf, { keepOpen: true });
  if ('error' in read) throw new PageError(read.error);
  const cleaned = cleanReport(read.text);
  return { text: cleaned.text, boxAt: (offset) => read.boxes[cleaned.toSource[offset]!] ?? null, pages: read.pages, document: read.document! };
}

/** Draws pages of PDF reports with their quotes marked; one per process is enough. */
export class PageRenderer {
  private generation = '';
  private layouts = new Map<string, Promise<Layout>>();
  private pictures = new Map<string, PageImage>();
  private cachedBytes = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly limits: { maxSide?: number; timeoutMs?: number } = {}) {}

  /** Everything cached belongs to one index generation: another one starts afresh. */
  private follow(generation: string): void {
    if (generation === this.generation) return;
    this.generation = generation;
    for (const file of [...this.layouts.keys()]) this.forget(file);
    this.pictures.clear();
    this.cachedBytes = 0;
  }

  /** Drops a read PDF, and closes its document once any drawing under way is done. */
  private forget(file: string): void {
    const layout = this.layouts.get(file);
    this.layouts.delete(file);
    if (layout) void this.queue.then(() => layout.then((l) => l.document.destroy()).catch(() => {}));
  }

  private layout(r: ReportRef): Promise<Layout> {
    const file = path.join(r.corpusDir, r.source);
    if (path.extname(file).toLowerCase() !== '.pdf') throw new PageError('only PDF reports have pages to show');
    let layout = this.layouts.get(file);
    if (!layout) {
      layout = readLayout(file).then(async (l) => {
        // The file must still be the one indexed: its passage where the index has it.
        if (l.text.slice(r.passageStart, r.passageStart + r.passage.length) !== r.passage) {
          await l.document.destroy();
          throw new PageError(`${r.source} changed since it was indexed; run the ingest again`);
        }
        return l;
      });
      const mine = layout;
      layout.catch(() => this.layouts.get(file) === mine && this.layouts.delete(file));
      this.layouts.set(file, layout);
      while (this.layouts.size > LAYOUTS_KEPT) this.forget(this.layouts.keys().next().value!);
    }
    return layout;
  }

  /**
   * Reads a result's PDF ahead of "Show page" (the bot calls it when it sends an answer, while the reader
   * reads): the press then only draws. Never throws; a report that cannot be shown says so when asked.
   */
  async prepare(r: ReportRef, generation: string): Promise<void> {
    this.follow(generation);
    if (path.extname(r.source).toLowerCase() !== '.pdf') return;
    await this.layout(r).catch(() => {});
  }

  /** The areas of the page(s) the spans (cleaned-text offsets of the report) are drawn on, one per printed line. */
  async rects(r: ReportRef, spans: readonly Span[], generation: string): Promise<QuoteRect[]> {
    this.follow(generation);
    const layout = await this.layout(r);
    const boxes: GlyphBox[] = [];
    for (const s of spans) {
      for (let i = s.start; i < s.end; i++) {
        const box = layout.boxAt(i);
        if (box && !/\s/.test(layout.text[i]!)) boxes.push(box);
      }
    }
    return mergeBoxes(boxes);
  }

  /**
   * The page of a result as a PNG with its quote marked: `page` if given (it must hold part of the
   * quote), else the page of the quote's answering sentence (its first highlight), else of its start.
   */
  async show(r: Result, generation: string, page?: number): Promise<PageImage> {
    this.follow(generation);
    const all = await this.rects(r, [{ start: r.start, end: r.end }], generation);
    if (all.length === 0) throw new PageError('the quote was not found on the pages of the PDF');
    const focus = r.highlights?.[0] ? await this.rects(r, [r.highlights[0]], generation) : [];
    const shown = page ?? focus[0]?.page ?? all[0]!.page;
    const rects = all.filter((x) => x.page === shown);
    if (rects.length === 0) throw new PageError(`the quote is not on page ${shown}`);
    const key = [generation, r.corpusDir, r.source, shown, r.start, r.end].join('\0');
    const cached = this.pictures.get(key);
    if (cached) return cached;
    const layout = await this.layout(r);
    // One page drawn at a time: the canvas and pdf.js's page objects are the memory that counts.
    const run = this.queue.then(() => this.draw(layout, shown, rects));
    this.queue = run.catch(() => {});
    const picture = await run;
    this.pictures.set(key, picture);
    this.cachedBytes += picture.png.length;
    for (const [k, p] of this.pictures) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.pictures.delete(k);
      this.cachedBytes -= p.png.length;
    }
    return picture;
  }

  private async draw(layout: Layout, pageNumber: number, rects: QuoteRect[]): Promise<PageImage> {
    const maxSide = this.limits.maxSide ?? RENDER_MAX_SIDE;
    const timeoutMs = this.limits.timeoutMs ?? RENDER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const doc = await layout.document.promise;
      const page = await doc.getPage(pageNumber);
      const unit = page.getViewport({ scale: 1 });
      const scale = maxSide / Math.max(unit.width, unit.height);
      const viewport = page.getViewport({ scale });
      const width = Math.floor(viewport.width);
      const height = Math.floor(viewport.height);
      // pdf.js's own canvas factory: in Node it makes @napi-rs/canvas canvases, the kind its renderer draws on.
      const { canvas, context } = (doc as unknown as { canvasFactory: CanvasFactory }).canvasFactory.create(width, height);
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
      const rendering = page.render({ canvas: canvas as never, canvasContext: context as never, viewport });
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          rendering.cancel();
          reject(new PageError(`drawing page ${pageNumber} took longer than ${timeoutMs / 1000} s`));
        }, timeoutMs);
      });
      await Promise.race([rendering.promise, timedOut]);
      const barred: number[] = [];
      for (const r of rects) {
        const pad = r.h * 0.08;
        context.fillStyle = HIGHLIGHT_FILL;
        context.fillRect((r.x - pad) * scale, (r.y - pad) * scale, (r.w + 2 * pad) * scale, (r.h + 2 * pad) * scale);
        // A bar in the margin left of each marked line (one per line: a table row has a rectangle per cell),
        // so that the eye finds it at a glance.
        if (barred.some((y) => Math.abs(y - r.y) < r.h / 2)) continue;
        barred.push(r.y);
        const left = Math.min(...rects.filter((o) => Math.abs(o.y - r.y) < r.h / 2).map((o) => o.x));
        context.fillStyle = HIGHLIGHT_EDGE;
        context.fillRect(Math.max(0, (left - r.h * 0.7) * scale), r.y * scale, Math.max(2, r.h * 0.2 * scale), r.h * scale);
      }
      const png = await canvas.encode('png');
      page.cleanup();
      return { png, page: pageNumber, pages: layout.pages, width, height, rects };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What this module uses of @napi-rs/canvas (made by pdf.js's canvas factory in Node). */
interface CanvasFactory {
  create(width: number, height: number): { canvas: CanvasLike; context: ContextLike };
}
interface CanvasLike {
  encode(format: 'png'): Promise<Buffer>;
}
interface ContextLike {
  fillStyle: string;
  fillRect(x: number, y: number, w: number, h: number): void;
}
