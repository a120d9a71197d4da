/**
 * "Show page" timing and memory (issue 21 targets: ≤ 1.5 s the first time, ≤ 100 ms cached, ≤ 150 MB
 * extra) on a 4-page LibreOffice PDF: a quote on its page 3 drawn with the quote marked, then again
 * from the cache. Run in its own process (child.ts), so that the extra memory is this work's alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { chunkReport } from '../src/corpus/chunk.js';
import { cleanReport, pageAt } from '../src/corpus/clean.js';
import { extractText } from '../src/corpus/formats/index.js';
import { PageRenderer } from '../src/render/page.js';
import type { Result } from '../src/search/types.js';
import { round } from './stats.js';

export const SHOW_PAGE_PDF = path.join(PROJECT_ROOT, 'test/fixtures/documents/pdf-plain/柏山镇-2023年法治政府建设情况报告.pdf');

export interface ShowPageFigures {
  report: string;
  pages: number;
  page: number;
  width: number;
  height: number;
  pngKb: number;
  firstMs: number;
  cachedMs: number;
  /** Resident memory at the end minus at the start of the step, and the step's peak minus its start. */
  extraRssMb: number;
  peakExtraRssMb: number;
}

export async function measureShowPage(pdf = SHOW_PAGE_PDF): Promise<ShowPageFigures> {
  const rss0 = process.memoryUsage().rss;
  const read = await extractText('.pdf', fs.readFileSync(pdf));
  if ('error' in read) throw new Error(`${pdf}: ${read.error}`);
  const cleaned = cleanReport(read.text);
  // A passage that starts on page 3, as search would return it.
  const chunk = chunkReport(cleaned).find((c) => pageAt(cleaned.pageStarts, c.start) === 3)!;
  const passage = cleaned.text.slice(chunk.start, chunk.end);
  const result = {
    corpusDir: path.dirname(pdf),
    source: path.basename(pdf),
    passage,
    passageStart: chunk.start,
    start: chunk.sentences[0]!.start,
    end: chunk.sentences[Math.min(2, chunk.sentences.length - 1)]!.end,
    highlights: [chunk.sentences[0]!],
  } as Result;
  const renderer = new PageRenderer();
  let t = performance.now();
  const image = await renderer.show(result, 'bench');
  const firstMs = performance.now() - t;
  t = performance.now();
  await renderer.show(result, 'bench');
  const cachedMs = performance.now() - t;
  const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
  return {
    report: path.basename(pdf),
    pages: image.pages,
    page: image.page,
    width: image.width,
    height: image.height,
    pngKb: round(image.png.length / 1024, 1),
    firstMs: round(firstMs, 1),
    cachedMs: round(cachedMs, 2),
    extraRssMb: mb(process.memoryUsage().rss - rss0),
    peakExtraRssMb: mb(process.resourceUsage().maxRSS * 1024 - rss0),
  };
}
