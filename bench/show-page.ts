/**
 * "Show page" timing and memory (issue 21 targets: ≤ 1.5 s the first time, ≤ 100 ms cached, ≤ 150 MB
 * extra) on a 4-page LibreOffice PDF: a quote on its page 3 drawn with the quote marked, then again
 * from the cache. Run in its own process (child.ts), so that the extra memory is this work's alone.
 * The result to show is found by the parent (reading the PDF here would load and warm up pdf.js before
 * the clock starts); the step runs cold, or after the bot's start-up warm-up on another report (warm-up.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { chunkReport } from '../src/corpus/chunk.js';
import { cleanReport, pageAt } from '../src/corpus/clean.js';
import { extractText } from '../src/corpus/formats/index.js';
import { PageRenderer } from '../src/render/page.js';
import { warmUpPageRendering } from '../src/render/warm-up.js';
import type { Result } from '../src/search/types.js';
import { round } from './stats.js';

export const SHOW_PAGE_PDF = path.join(PROJECT_ROOT, 'test/fixtures/documents/pdf-plain/柏山镇-2023年法治政府建设情况报告.pdf');
/** What the bot warms up on at start: another report of the corpus (the one asked about is not known yet). */
export const WARM_UP_PDF = path.join(PROJECT_ROOT, 'test/fixtures/documents/pdf-plain/东湖镇-2023年法治政府建设工作报告.pdf');

export interface ShowPageFigures {
  report: string;
  /**
   * How the process got there: cold; after the bot's start-up warm-up (warmUpPageRendering, its time apart);
   * or that and the report read ahead when the answer was sent (PageRenderer.prepare, its time apart too).
   */
  start: ShowPageStart;
  warmUpMs?: number;
  prepareMs?: number;
  /** CPU time of the first picture (this process's user + system): steadier than wall time on a busy machine. */
  firstCpuMs: number;
  pages: number;
  page: number;
  width: number;
  height: number;
  pngKb: number;
  firstMs: number;
  cachedMs: number;
  /**
   * Resident memory at the end minus at the start of the step, and the step's peak minus its start. The peak
   * is sampled every few milliseconds: the process's maxRSS cannot serve, as Linux carries a parent's
   * high-water mark over fork and exec into the child (the bench's parent holds a model and indexes).
   */
  extraRssMb: number;
  peakExtraRssMb: number;
}

/** A result quoting a passage that starts on page 3 of the PDF, as search would return it. */
export async function showPageResult(pdf = SHOW_PAGE_PDF): Promise<Result> {
  const read = await extractText('.pdf', fs.readFileSync(pdf));
  if ('error' in read) throw new Error(`${pdf}: ${read.error}`);
  const cleaned = cleanReport(read.text);
  const chunk = chunkReport(cleaned).find((c) => pageAt(cleaned.pageStarts, c.start) === 3)!;
  const passage = cleaned.text.slice(chunk.start, chunk.end);
  return {
    corpusDir: path.dirname(pdf),
    source: path.basename(pdf),
    passage,
    passageStart: chunk.start,
    start: chunk.sentences[0]!.start,
    end: chunk.sentences[Math.min(2, chunk.sentences.length - 1)]!.end,
    highlights: [chunk.sentences[0]!],
  } as Result;
}

export type ShowPageStart = 'cold' | 'warmed up' | 'warmed up, read ahead';

export async function measureShowPage(args: { result: Result; start: ShowPageStart }): Promise<ShowPageFigures> {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const { result, start } = args;
  const warmUp = start !== 'cold' ? await warmUpPageRendering(WARM_UP_PDF) : undefined;
  const renderer = new PageRenderer();
  let t = performance.now();
  if (start === 'warmed up, read ahead') await renderer.prepare(result, 'bench');
  const prepareMs = performance.now() - t;
  t = performance.now();
  const cpu = process.cpuUsage();
  const image = await renderer.show(result, 'bench');
  const firstMs = performance.now() - t;
  const { user, system } = process.cpuUsage(cpu);
  t = performance.now();
  await renderer.show(result, 'bench');
  const cachedMs = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
  return {
    report: result.source,
    start,
    ...(warmUp ? { warmUpMs: round(warmUp.ms, 1) } : {}),
    ...(start === 'warmed up, read ahead' ? { prepareMs: round(prepareMs, 1) } : {}),
    firstCpuMs: round((user + system) / 1000, 1),
    pages: image.pages,
    page: image.page,
    width: image.width,
    height: image.height,
    pngKb: round(image.png.length / 1024, 1),
    firstMs: round(firstMs, 1),
    cachedMs: round(cachedMs, 2),
    extraRssMb: mb(process.memoryUsage().rss - rss0),
    peakExtraRssMb: mb(peak - rss0),
  };
}
