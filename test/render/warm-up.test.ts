/**
 * What makes the first "Show page" fast: the start-up warm-up (src/render/warm-up.ts) and reading an
 * answer's PDF ahead (PageRenderer.prepare). Both run in the background of a bot: they must never throw,
 * and what they leave behind must draw the same page as a cold renderer. (The time they save is measured
 * by `npm run bench`, not here.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cleanReport, pageAt } from '../../src/corpus/clean.js';
import { chunkReport } from '../../src/corpus/chunk.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { PageError, PageRenderer } from '../../src/render/page.js';
import { warmUpPageRendering } from '../../src/render/warm-up.js';
import type { Result } from '../../src/search/types.js';
import { tempDir } from '../helpers.js';

const PLAIN = path.resolve(import.meta.dirname, '../fixtures/documents/pdf-plain');
const BAISHAN = path.join(PLAIN, '柏山镇-2023年法治政府建设情况报告.pdf');

/** A result quoting the first passage of page 3, as search gives it. */
async function resultOnPage3(file: string): Promise<Result> {
  const read = await extractText('.pdf', fs.readFileSync(file));
  if ('error' in read) throw new Error(read.error);
  const cleaned = cleanReport(read.text);
  const chunk = chunkReport(cleaned).find((c) => pageAt(cleaned.pageStarts, c.start) === 3)!;
  return { corpusDir: path.dirname(file), source: path.basename(file), passage: cleaned.text.slice(chunk.start, chunk.end), passageStart: chunk.start, start: chunk.start, end: chunk.sentences[0]!.end } as Result;
}

describe('warming up "Show page"', () => {
  it('the start-up warm-up reads a sample report and never throws, not even on a damaged one', async () => {
    const warm = await warmUpPageRendering(path.join(PLAIN, '东湖镇-2023年法治政府建设工作报告.pdf'));
    assert.equal(warm.sample, path.join(PLAIN, '东湖镇-2023年法治政府建设工作报告.pdf'));
    assert.ok(warm.ms > 0);
    const damaged = path.join(tempDir('rqb-warm-'), 'damaged.pdf');
    fs.writeFileSync(damaged, '%PDF-1.7\nnot really a PDF');
    assert.equal((await warmUpPageRendering(damaged)).sample, damaged);
    assert.equal((await warmUpPageRendering()).sample, undefined, 'no PDF in the corpus: modules only');
  });

  it('a page read ahead draws the same picture as one read when asked', async () => {
    const result = await resultOnPage3(BAISHAN);
    const ahead = new PageRenderer();
    await ahead.prepare(result, 'g1');
    const asked = await new PageRenderer().show(result, 'g1');
    const shown = await ahead.show(result, 'g1');
    assert.equal(shown.page, 3);
    assert.deepEqual(shown.rects, asked.rects);
    assert.ok(shown.png.equals(asked.png));
  });

  it('reading ahead never throws: a text report, a missing file or a changed one still get their error when asked', async () => {
    const result = await resultOnPage3(BAISHAN);
    const renderer = new PageRenderer();
    await renderer.prepare({ ...result, source: 'report.txt' }, 'g1');
    const moved = { ...result, corpusDir: tempDir('rqb-warm-missing-') };
    await renderer.prepare(moved, 'g1');
    await assert.rejects(renderer.show(moved, 'g1'), PageError);
    const changed = { ...result, passage: `${result.passage.slice(1)}X` };
    await renderer.prepare(changed, 'g2');
    await assert.rejects(renderer.show(changed, 'g2'), /changed since it was indexed/);
  });
});
