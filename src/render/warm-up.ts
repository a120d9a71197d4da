/**
 * Makes the first "Show page" of a process fast by doing its fixed costs at start-up, off the critical path:
 * loading pdf.js, its worker code and @napi-rs/canvas (about 0.3–0.5 s), and running their code once on a
 * real report — reading its text layer and fonts, drawing a page small — so that V8 has compiled the font
 * parser, the text layer and the renderer (another 0.5–1 s) before anyone presses the button. The sample
 * document is closed afterwards: what stays is compiled code and loaded modules (about 40 MB).
 *
 * What a warm-up cannot do is the work of the one report asked about: reading its glyph boxes and fonts.
 */
import fs from 'node:fs';
import { readPdfLayout } from '../corpus/formats/pdf.js';

/** pdf.js's worker code (run in this thread in Node), which it imports on its first document; it has no types. */
const PDFJS_WORKER: string = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
/** Width in pixels of the warm-up drawing (small: it is for compiling the code, not for showing). */
const WARM_UP_WIDTH = 200;

export interface WarmUpFigures {
  ms: number;
  /** The report read, or none when there is no PDF to read (then only the modules are loaded). */
  sample?: string;
}

/**
 * Loads the modules "Show page" needs and, given a PDF report, reads it and draws its first page small.
 * Never throws: a sample that cannot be read still leaves the modules loaded.
 */
export async function warmUpPageRendering(samplePdf?: string): Promise<WarmUpFigures> {
  const started = performance.now();
  await Promise.all([import('pdfjs-dist/legacy/build/pdf.mjs'), import(PDFJS_WORKER), import('@napi-rs/canvas')]);
  if (!samplePdf) return { ms: performance.now() - started };
  try {
    const read = await readPdfLayout(fs.readFileSync(samplePdf), { keepOpen: true });
    if (!('error' in read) && read.document) {
      try {
        const doc = await read.document.promise;
        const page = await doc.getPage(1);
        const unit = page.getViewport({ scale: 1 });
        const viewport = page.getViewport({ scale: WARM_UP_WIDTH / unit.width });
        const { canvas, context } = (doc as unknown as { canvasFactory: { create(w: number, h: number): { canvas: { encode(f: 'png'): Promise<Buffer> }; context: unknown } } }).canvasFactory.create(
          Math.ceil(viewport.width),
          Math.ceil(viewport.height),
        );
        await page.render({ canvas: canvas as never, canvasContext: context as never, viewport }).promise;
        await canvas.encode('png');
        page.cleanup();
      } finally {
        await read.document.destroy();
      }
    }
  } catch {
    // A damaged sample: the modules are loaded all the same, and the real request will say what is wrong.
  }
  return { ms: performance.now() - started, sample: samplePdf };
}
