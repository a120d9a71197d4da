/**
 * "Show page" (issue 21): the page of a PDF report as a picture with the quote marked over its glyphs,
 * on real LibreOffice PDFs (test/fixtures/documents/pdf-plain), read back pixel by pixel.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { before, describe, it } from 'node:test';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { runTerminal } from '../../src/bot/terminal.js';
import { type Config, PROJECT_ROOT } from '../../src/config.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { PageError, PageRenderer, RENDER_MAX_SIDE } from '../../src/render/page.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import type { Result } from '../../src/search/types.js';
import { copyOfSeeds, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const PLAIN = path.resolve(import.meta.dirname, '../fixtures/documents/pdf-plain');
const quiet = () => {};

/** RGBA of a picture's pixel. */
async function pixels(png: Buffer) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  return { width: image.width, height: image.height, at: (x: number, y: number) => Array.from(data.subarray((Math.round(y) * image.width + Math.round(x)) * 4, (Math.round(y) * image.width + Math.round(x)) * 4 + 4)) };
}

describe('the page of a PDF quote, marked', () => {
  let searcher: Searcher;
  let config: Config;
  let corpus: string;
  let generation = '';
  let best: Result;
  before(async () => {
    corpus = tempDir('rqb-show-');
    for (const f of fs.readdirSync(PLAIN)) fs.copyFileSync(path.join(PLAIN, f), path.join(corpus, f));
    const embedder = await loadEmbedder(testConfig().model, quiet);
    config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-show-index-') });
    await ingest(config, { embedder, log: quiet });
    searcher = await openSearcher(config, { embedder, log: quiet });
    generation = searcher.info().generation;
    best = (await searcher.search('东湖镇培育了多少名法律明白人？', { k: 3 })).results.find((r) => r.quote.includes('186'))!;
    assert.ok(best);
  });

  it('draws the page of the answering sentence (page 2, though the quote starts on page 1), quote marked over its glyphs, bounded in size; cached the second time', async () => {
    const renderer = new PageRenderer();
    let t = performance.now();
    const image = await renderer.show(best, generation);
    const first = performance.now() - t;
    assert.equal(image.page, 2);
    assert.equal(image.pages, 2);
    assert.equal(best.page, 1);
    assert.ok(Math.max(image.width, image.height) <= RENDER_MAX_SIDE);
    assert.deepEqual([...image.png.subarray(1, 4)], [...Buffer.from('PNG')]);
    // The quote's part on page 2 is its first five printed lines there, each a rectangle across the text column.
    assert.ok(image.rects.length >= 4 && image.rects.every((r) => r.page === 2), JSON.stringify(image.rects));
    assert.ok(image.rects[0]!.y < 100, 'the first marked line is at the top of page 2');
    const scale = image.width / 595.3;
    const px = await pixels(image.png);
    assert.equal(px.width, image.width);
    // Along the top of a marked line, above the glyphs: the highlight (yellow: blue well below red); the
    // same spot on an unmarked line further down, and the margin: white paper.
    const yellow = ([r, g, b]: number[]) => r! > 230 && g! > 200 && b! < r! - 50;
    const line = image.rects[1]!;
    const marked = [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => px.at((line.x + line.w * f) * scale, (line.y + line.h * 0.05) * scale));
    assert.ok(marked.every(yellow), JSON.stringify(marked));
    const below = image.rects[image.rects.length - 1]!.y + 200;
    const unmarked = [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => px.at((line.x + line.w * f) * scale, below * scale));
    assert.ok(!unmarked.some(yellow), JSON.stringify(unmarked));
    assert.deepEqual(px.at(image.width - 5, image.height / 2), [255, 255, 255, 255]);
    t = performance.now();
    const again = await renderer.show(best, generation);
    const cached = performance.now() - t;
    assert.equal(again, image);
    console.log(`# show page: first ${first.toFixed(0)} ms, cached ${cached.toFixed(1)} ms`);
    assert.ok(cached < 100);
  });

  it('gives the glyph boxes of the quote on every page it is on (for ask --json)', async () => {
    const rects = await new PageRenderer().rects(best, [{ start: best.start, end: best.end }], generation);
    assert.deepEqual([...new Set(rects.map((r) => r.page))], [1, 2]);
    for (const r of rects) assert.ok(r.x > 50 && r.x + r.w < 545 && r.h > 10 && r.h < 14, JSON.stringify(r));
  });

  it('ask --json --rects gives the glyph boxes of each PDF quote (a real process)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'ask.ts'), '--json', '--rects', '-k', '2', '--corpus', corpus, '--index', config.indexDir, '东湖镇培育了多少名法律明白人？'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...STANDIN_ENV, CI: 'true' },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { results: { quote: string; page: number; rects?: { page: number; x: number; y: number; w: number; h: number }[] }[] };
    const withAnswer = json.results.find((x) => x.quote.includes('186'))!;
    assert.equal(withAnswer.page, 1);
    assert.deepEqual([...new Set(withAnswer.rects!.map((x) => x.page))], [1, 2]);
    assert.ok(json.results.every((x) => x.rects && x.rects.length > 0));
  });

  it('the terminal chat writes the page picture with /page and prints its path', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (d) => (out += d));
    const done = runTerminal(searcher, config, { input, output, lang: 'zh' });
    input.end('东湖镇培育了多少名法律明白人？\n/page\n');
    await done;
    const saved = /第2页（引文已标出）已存为图片：(\S+\.png)/.exec(out);
    assert.ok(saved, out);
    assert.deepEqual([...fs.readFileSync(saved[1]!).subarray(1, 4)], [...Buffer.from('PNG')]);
  });

  it('refuses with a clear error: a report that is not a PDF, a PDF changed since it was indexed', async () => {
    const seeds = copyOfSeeds();
    const text: Result = { ...best, corpusDir: seeds, source: '柏山镇-2023年法治政府建设情况报告.txt' };
    await assert.rejects(new PageRenderer().show(text, generation), (err: Error) => err instanceof PageError && /only PDF reports/.test(err.message));
    const renamed = path.join(corpus, '东湖镇-2023年法治政府建设工作报告.pdf');
    fs.copyFileSync(path.join(PLAIN, '柏山镇-2023年法治政府建设情况报告.pdf'), renamed);
    await assert.rejects(new PageRenderer().show(best, generation), (err: Error) => err instanceof PageError && /changed since it was indexed/.test(err.message));
  });
});
