/**
 * Corpora as they come from PDF exports and old office machines: GBK and UTF-16 files, a report with no
 * headings, a file name with markup in it, copies in another encoding, empty, blank, binary, undecodable
 * and over-large files, all in one folder. The good ones are indexed and answer; each bad one is skipped
 * with a warning naming it; none stops the others. And sizes: a 5 MB report, and text with no punctuation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { renderResult } from '../../src/bot/format.js';
import { html } from '../../src/bot/telegram-html.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { chunkReport, PASSAGE_MAX_CHARS, SENTENCE_HARD_MAX_CHARS } from '../../src/corpus/chunk.js';
import { cleanReport } from '../../src/corpus/clean.js';
import { listCorpusFiles, MAX_FILE_BYTES, readReport } from '../../src/corpus/load.js';
import { ingest, type IngestSummary } from '../../src/index/ingest.js';
import { readManifest } from '../../src/index/store.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { checkTelegramHtml } from '../helpers/telegram-html.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

const GBK_REPORT = [
  '东岭乡人民政府关于2023年水利建设情况的报告',
  '一、工程建设',
  '（一）山塘水库',
  '东岭乡共修缮山塘水库十二座，新建护林防火通道四十公里，受益群众三千余户。',
  '二、存在问题',
  '部分村组管护资金不足，个别工程进度滞后。',
].join('\r\n');

const UTF16_REPORT = ['南湖街道2023年工作报告', '一、社区治理', '南湖街道建成智慧停车泊位六百个，化解物业纠纷四十三起。'].join('\n');

const NO_HEADINGS = '青石村全年举办农民夜校二十二期，培训种植能手三百人次。\n\n村里还修通了一条通往后山茶园的机耕路。';

describe('a messy corpus', () => {
  const corpus = copyOfSeeds();
  const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-messy-') });
  const warnings: string[] = [];
  let summary: IngestSummary;
  let searcher: Searcher;

  before(async () => {
    const put = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(corpus, name), data);
    put('东岭乡-2023年水利报告.txt', iconv.encode(GBK_REPORT, 'gbk'));
    put('南湖街道-2023年工作报告.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(UTF16_REPORT, 'utf16le')]));
    put('青石村-记录.md', NO_HEADINGS);
    put('a&b <i>报告.txt', '一、<b>标签</b>\n白沙村&amp;黑水村合办了"法律夜市"五场。');
    // The same report again, in GB18030: the bytes differ, the text does not.
    put('柏山镇-副本-gbk.txt', iconv.encode(fs.readFileSync(path.join(corpus, '柏山镇-2023年法治政府建设情况报告.txt'), 'utf8'), 'gb18030'));
    put('empty.txt', '');
    put('blank.md', '\r\n  \n\t\n');
    put('scan.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    put('garbled.txt', Buffer.from(Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 0xff : 0x80 + (i % 50)))));
    fs.writeFileSync(path.join(corpus, 'huge.txt'), '');
    fs.truncateSync(path.join(corpus, 'huge.txt'), MAX_FILE_BYTES + 1); // sparse: no disk used
    summary = await ingest(config, { log: (m) => warnings.push(m) });
    searcher = await openSearcher(config, { log: () => {} });
  });

  it('indexes every good file and skips each bad one with a warning naming it', () => {
    assert.equal(summary.files, 6);
    const skipped = Object.fromEntries(summary.skipped.map((s) => [s.file, s.reason]));
    assert.deepEqual(skipped, {
      'huge.txt': 'larger than 20 MB',
      'blank.md': 'no text',
      'empty.txt': 'empty file',
      'garbled.txt': 'undetected encoding (not UTF-8, GB18030, Big5 or UTF-16); save it as UTF-8',
      'scan.txt': 'binary file (contains NUL bytes)',
      '柏山镇-副本-gbk.txt': 'duplicate of 柏山镇-2023年法治政府建设情况报告.txt',
    });
    for (const [file, reason] of Object.entries(skipped)) assert.ok(warnings.includes(`warning: skipped ${file}: ${reason}`), file);
    // What the chat words in the user's language (bot/i18n.ts).
    assert.deepEqual(Object.fromEntries(summary.skipped.map((s) => [s.file, [s.code, s.duplicateOf]])), {
      'huge.txt': ['too-large', undefined],
      'blank.md': ['no-text', undefined],
      'empty.txt': ['empty', undefined],
      'garbled.txt': ['encoding', undefined],
      'scan.txt': ['binary', undefined],
      '柏山镇-副本-gbk.txt': ['duplicate', '柏山镇-2023年法治政府建设情况报告.txt'],
    });
    const encodings = Object.fromEntries(readManifest(config.indexDir)!.files.map((f) => [f.source, f.encoding]));
    assert.equal(encodings['东岭乡-2023年水利报告.txt'], 'gb18030');
    assert.equal(encodings['南湖街道-2023年工作报告.txt'], 'utf-16le');
  });

  it('answers from the GBK report, quoting it decoded, with its headings', async () => {
    const a = await searcher.search('东岭乡修缮了多少座山塘水库？');
    const top = a.results[0]!;
    assert.equal(top.source, '东岭乡-2023年水利报告.txt');
    assert.ok(top.quote.includes('东岭乡共修缮山塘水库十二座'), top.quote);
    assert.deepEqual(top.sectionPath, ['一、工程建设', '（一）山塘水库']);
  });

  it('answers from the UTF-16 report', async () => {
    const top = (await searcher.search('南湖街道建成了多少个智慧停车泊位？')).results[0]!;
    assert.equal(top.source, '南湖街道-2023年工作报告.txt');
    assert.ok(top.quote.includes('六百个'));
  });

  it('answers from a report with no headings, and cites it by its title alone', async () => {
    const top = (await searcher.search('青石村举办了几期农民夜校？')).results[0]!;
    assert.equal(top.source, '青石村-记录.md');
    assert.deepEqual(top.sectionPath, []);
    const text = renderResult({ q: 'x', abstained: false, results: [top], notices: [], confidence: 1, level: 'high' }, 0, { s: stringsFor('zh'), markup: html });
    checkTelegramHtml(text);
    assert.ok(text.includes('<code>〔青石村〕</code>'), text);
  });

  it('escapes markup that comes from a file name or a heading', async () => {
    const top = (await searcher.search('白沙村和黑水村合办了几场法律夜市？')).results[0]!;
    assert.equal(top.source, 'a&b <i>报告.txt');
    for (const mode of ['quote', 'full'] as const) {
      const text = renderResult({ q: 'x', abstained: false, results: [top], notices: [], confidence: 1, level: 'high' }, 0, { s: stringsFor('zh'), markup: html, mode });
      const visible = checkTelegramHtml(text);
      // The short view names the report by its reference; the full view adds title and headings.
      assert.ok(visible.includes(mode === 'full' ? 'a&b <i>报告' : '〔a&b · 一、〕'), visible);
      if (mode === 'full') assert.ok(visible.includes('<b>标签</b>'), text);
      assert.ok(visible.includes('白沙村&amp;黑水村') && text.includes('白沙村&amp;amp;'), text);
    }
  });
});

describe('sizes', () => {
  it('a 5 MB report is read, cleaned and cut into bounded passages in a few seconds', async () => {
    const dir = tempDir('rqb-big-');
    const numerals = '一二三四五六七八九十';
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 5 * 1024 * 1024; i++) {
      const line = i % 40 === 0 ? `${numerals[(i / 40) % 10]}、第${i / 40 + 1}部分工作` : `第${i}项：本镇组织开展各类活动${i % 97}次，群众满意度达到${i % 100}%。同时加强监督检查，确保措施落实到位；对发现的问题及时整改。`;
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
    }
    fs.writeFileSync(path.join(dir, 'big.txt'), lines.join('\n'));
    const started = performance.now();
    const report = await readReport(listCorpusFiles([dir]).files[0]!);
    assert.ok('text' in report);
    const cleaned = cleanReport(report.text);
    const chunks = chunkReport(cleaned);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 15, `${seconds} s`);
    assert.ok(chunks.length > 5000, `${chunks.length} passages`);
    assert.ok(chunks.every((c) => c.end - c.start <= PASSAGE_MAX_CHARS * 1.25 && c.sectionPath.length === 1));
  });

  it('text with no sentence punctuation is cut into pieces of passage size, at a comma when there is one', () => {
    const flat = cleanReport('表格'.repeat(60_000)); // 120,000 characters, not one 。
    const chunks = chunkReport(flat);
    assert.equal(chunks.length, 120_000 / PASSAGE_MAX_CHARS);
    assert.ok(chunks.every((c) => c.end - c.start <= SENTENCE_HARD_MAX_CHARS));
    assert.equal(chunks.map((c) => c.end - c.start).reduce((a, b) => a + b), 120_000);
    // Cut at a comma when there is one near the limit; never inside a surrogate pair.
    const mixed = cleanReport('数据，'.repeat(5000) + '😀'.repeat(8000));
    const pieces = chunkReport(mixed).map((c) => mixed.text.slice(c.start, c.end));
    assert.ok(pieces.every((p) => p.length <= SENTENCE_HARD_MAX_CHARS));
    assert.ok(pieces[0]!.endsWith('，'), 'cut after a comma');
    for (const p of pieces) assert.doesNotMatch(p, /^[\udc00-\udfff]|[\ud800-\udbff]$/);
    // A "sentence" of 6,008 characters with commas only is cut at commas into passages of the usual size.
    const long = cleanReport(`档案室登记${'甲乙丙丁，'.repeat(1200)}完毕。`);
    const parts = chunkReport(long);
    assert.equal(parts.length, Math.floor(6_008 / PASSAGE_MAX_CHARS));
    for (const c of parts) {
      assert.ok(c.end - c.start <= PASSAGE_MAX_CHARS * 1.25);
      assert.match(long.text.slice(c.start, c.end), /[，。]$/);
    }
  });
});
