/**
 * Reports as people have them: the two seed reports as real PDF, Word and HTML files (made by LibreOffice,
 * see test/fixtures/documents/README.md) answer the dev questions with the same quotes as the text
 * versions, and PDF quotes carry the page they stand on (checked against pdftotext when the fixtures were made).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cleanReport, pageAt } from '../../src/corpus/clean.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { chineseNumber } from '../../src/corpus/formats/docx.js';
import { htmlToText } from '../../src/corpus/formats/html.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';
import { ingest, type IngestSummary } from '../../src/index/ingest.js';
import { currentGeneration, type PassageStore, readManifest } from '../../src/index/store.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { shortRef } from '../../src/bot/format.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { toJson } from '../../src/cli/ask.js';
import { DEV_SET, SEED_CORPUS, tempDir, testConfig } from '../helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/documents');
const DEV = fs
  .readFileSync(DEV_SET, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { id: string; q: string });
const EXPECTED_PAGES = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected-pages.json'), 'utf8')) as {
  id: string;
  rank: number;
  source: string;
  page: number;
  quoteHead: string;
}[];
const squeeze = (t: string) => t.replace(/\s+/g, '');
const quiet = () => {};

async function indexOf(corpusDir: string, embedder: Embedder): Promise<{ searcher: Searcher; summary: IngestSummary; store: PassageStore; indexDir: string }> {
  const config = testConfig({ corpusDirs: [corpusDir], indexDir: tempDir('rqb-formats-') });
  const summary = await ingest(config, { embedder, log: quiet });
  const store = JSON.parse(fs.readFileSync(path.join(currentGeneration(config.indexDir)!, 'passages.json'), 'utf8')) as PassageStore;
  return { searcher: await openSearcher(config, { embedder, log: quiet }), summary, store, indexDir: config.indexDir };
}

describe('PDF, Word and HTML versions of the seed reports', () => {
  let embedder: Embedder;
  let text: Searcher;
  before(async () => {
    embedder = await loadEmbedder(testConfig().model, quiet);
    text = (await indexOf(SEED_CORPUS, embedder)).searcher;
  });

  for (const format of ['pdf', 'docx', 'docx-autonumbered', 'html']) {
    it(`${format}: every dev question gets the same quote, section and report as from the text version`, async () => {
      const { searcher, summary } = await indexOf(path.join(FIXTURES, format), embedder);
      assert.equal(summary.files, 2);
      assert.deepEqual(summary.skipped, []);
      for (const { id, q } of DEV) {
        const [want] = (await text.search(q, { k: 1 })).results;
        const [got] = (await searcher.search(q, { k: 1 })).results;
        if (!want) {
          assert.equal(got, undefined, `${id}: the text version abstains, so must this one`);
          continue;
        }
        assert.ok(got, id);
        assert.equal(got.quote, want.quote, `${id}: quote`);
        assert.deepEqual(got.sectionPath, want.sectionPath, `${id}: section`);
        assert.equal(got.title, want.title, `${id}: title`);
        assert.equal(path.extname(got.source), `.${format.replace(/-.*/, '')}`);
        assert.equal(got.page === undefined, format !== 'pdf', `${id}: only PDF quotes have pages`);
      }
    });
  }

  it('pdf: quotes carry the page they start on (as pdftotext read the fixture), in results and in ask --json', async () => {
    const { searcher, store, indexDir } = await indexOf(path.join(FIXTURES, 'pdf'), embedder);
    assert.ok(EXPECTED_PAGES.length >= 40);
    // The recorded pages are keyed by where a quote starts, so that they hold whatever the ranking.
    const pageOf = new Map(EXPECTED_PAGES.map((e) => [`${e.source}\0${e.quoteHead}`, e.page]));
    const pages = new Set<number>();
    let checked = 0;
    for (const q of DEV) {
      for (const r of (await searcher.search(q.q, { k: 5 })).results) {
        const key = [...pageOf.keys()].find((k) => k.startsWith(`${r.source}\0`) && squeeze(r.quote).startsWith(k.split('\0')[1]!));
        if (!key) continue;
        assert.equal(r.page, pageOf.get(key), `${q.id}: ${key}: page`);
        pages.add(r.page!);
        checked++;
      }
    }
    assert.ok(checked >= 30, `${checked} quotes checked against the recorded pages`);
    assert.ok(pages.size >= 3, 'the expectations span several pages');
    const json = toJson('d1', await searcher.search(DEV[0]!.q, { k: 1 }));
    assert.equal(typeof json.results[0]!.page, 'number');
    // The short reference names the page, in the reader's language.
    const [fraud] = (await searcher.search('柏山镇召开了几次防范电信诈骗专项会议？', { k: 1 })).results;
    assert.equal(shortRef(fraud!), '〔柏山镇 2023 · 二、（二）4. · 第3页〕');
    assert.equal(shortRef(fraud!, '', stringsFor('en').page), '〔柏山镇 2023 · 二、（二）4. · p. 3〕');
    // The running header (the report's name) and footer ("柏山镇人民政府 第 2 页") of every page are gone.
    for (const doc of store.docs) {
      assert.ok(doc.pageStarts && doc.pageStarts.length >= 3, `${doc.source} has pages`);
      assert.doesNotMatch(doc.text, /人民政府第\d+页/, doc.source);
      const seed = fs.readdirSync(SEED_CORPUS).find((f) => f.startsWith(path.basename(doc.source, '.pdf')))!;
      const inSeed = squeeze(fs.readFileSync(path.join(SEED_CORPUS, seed), 'utf8')).split(squeeze(doc.title)).length - 1;
      assert.equal(doc.text.split(squeeze(doc.title)).length - 1, inSeed, `${doc.source}: the running header is left in`);
    }
    // Page counts as pdfinfo gives them.
    const files = readManifest(indexDir)!.files.map((f) => [f.source, f.encoding, f.pages]);
    assert.deepEqual(files, [
      ['史村镇-2023年度法治政府建设报告.pdf', 'pdf', 3],
      ['柏山镇-2023年法治政府建设情况报告.pdf', 'pdf', 4],
    ]);
  });

  it('a scanned PDF (no text layer) is skipped, named, with the reason', async () => {
    const dir = tempDir('rqb-scan-');
    fs.copyFileSync(path.join(FIXTURES, 'pdf', '柏山镇-2023年法治政府建设情况报告.pdf'), path.join(dir, 'ok.pdf'));
    fs.copyFileSync(path.join(FIXTURES, 'scanned', '扫描件-柏山镇报告第1页.pdf'), path.join(dir, '扫描件.pdf'));
    const warnings: string[] = [];
    const config = testConfig({ corpusDirs: [dir], indexDir: tempDir('rqb-scan-index-') });
    const summary = await ingest(config, { embedder, log: (m) => warnings.push(m) });
    assert.equal(summary.files, 1);
    assert.equal(summary.skipped.length, 1);
    assert.equal(summary.skipped[0]!.file, '扫描件.pdf');
    assert.match(summary.skipped[0]!.reason, /no text layer .*scanned PDF; OCR is not included/);
    assert.ok(warnings.some((w) => w.startsWith('warning: skipped 扫描件.pdf: no text layer')));
  });
});

describe('format readers', () => {
  it('Word headings numbered automatically get their numbers back, as Word shows them (一、 （一） 1.)', async () => {
    const docx = await extractText('.docx', fs.readFileSync(path.join(FIXTURES, 'docx-autonumbered', '柏山镇-2023年法治政府建设情况报告.docx')));
    assert.ok('text' in docx);
    const headings = docx.text.split('\n\n').filter((l) => l.startsWith('#'));
    assert.deepEqual(
      headings.map((h) => h.replace(/^(#+ \S+?[、）.]).*$/, '$1')),
      ['# 一、', '# 二、', '## （一）', '## （二）', '### 1.', '### 2.', '### 3.', '### 4.', '## （三）', '### 1.', '### 2.', '### 3.', '# 三、', '# 四、'],
    );
    assert.equal(chineseNumber(10), '十');
    assert.equal(chineseNumber(12), '十二');
    assert.equal(chineseNumber(35), '三十五');
  });

  it('a damaged, a fake and a password-less truncated PDF get a clear reason, never an exception', async () => {
    const pdf = fs.readFileSync(path.join(FIXTURES, 'pdf', '史村镇-2023年度法治政府建设报告.pdf'));
    const cut = await extractText('.pdf', pdf.subarray(0, 2000));
    assert.ok('error' in cut && /cannot read this PDF file|damaged/.test(cut.error), JSON.stringify(cut));
    assert.deepEqual(await extractText('.pdf', Buffer.from('just text, named .pdf')), { error: 'not a PDF file (no %PDF header)', code: 'not-pdf' });
    const fakeDocx = await extractText('.docx', Buffer.from('not a zip'));
    assert.ok('error' in fakeDocx && /not a Word document/.test(fakeDocx.error));
    const brokenZip = await extractText('.docx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)]));
    assert.ok('error' in brokenZip && /cannot read this DOCX file/.test(brokenZip.error), JSON.stringify(brokenZip));
    assert.match((await extractText('.exe', Buffer.from('x')) as { error: string }).error, /unsupported file type \.exe/);
  });

  it('HTML: the visible body text, headings marked, list items numbered, page furniture and scripts left out', () => {
    const text = htmlToText(`<!doctype html><html><head><title>T</title><style>p{}</style></head><body>
      <nav>首页 | 新闻</nav><div title="header">页眉</div>
      <h1>东岭乡 2023 年工作报告</h1>
      <h2>一、工程建设</h2>
      <p>东岭乡共修缮山塘水库十二座，
         受益群众三千余户。</p>
      <ol><li>新建护林防火通道</li><li>整修机耕路</li></ol>
      <ul><li>项目甲</li></ul>
      <script>alert(1)</script><footer>版权所有</footer></body></html>`);
    assert.equal(
      text,
      ['# 东岭乡 2023 年工作报告', '## 一、工程建设', '东岭乡共修缮山塘水库十二座， 受益群众三千余户。', '1. 新建护林防火通道', '2. 整修机耕路', '项目甲'].join('\n\n'),
    );
  });
});

describe('cleaning paged text', () => {
  const page = (n: number, body: string) => `某县人民政府工作报告\n${body}\n— ${n} —\n某县政府办公室 第 ${n} 页`;
  const raw = [page(1, '一、总体情况\n全县经济运行稳中有进，地区生产总值增长百分之六，城乡居民收入持续'), page(2, '增长。\n二、主要工作\n新建学校三所。'), page(3, '三、下步打算\n继续做好民生保障工作。')].join('\f');

  it('drops running headers and footers, joins a sentence across a page break, and knows the pages', () => {
    const c = cleanReport(raw);
    assert.doesNotMatch(c.text, /某县人民政府工作报告|办公室|—/);
    assert.match(c.text, /城乡居民收入持续增长。/);
    assert.equal(c.pageStarts.length, 3);
    assert.equal(pageAt(c.pageStarts, c.text.indexOf('全县')), 1);
    assert.equal(pageAt(c.pageStarts, c.text.indexOf('二、主要工作')), 2);
    assert.equal(pageAt(c.pageStarts, c.text.indexOf('继续')), 3);
    assert.deepEqual(cleanReport('没有分页的报告。').pageStarts, []);
    assert.equal(pageAt([], 5), undefined);
  });

  it('joins a number broken over two lines of Chinese text, and a word hyphenated at the line end', () => {
    assert.equal(cleanReport('The county built three new schools and a well-\nknown library for the villages.').text, 'The county built three new schools and a well-known library for the villages.');
    assert.match(cleanReport('注重实效，深入推进法治政府建设。现将柏山镇 20\n23 年度法治政府建设工作情况汇报如下：').text, /柏山镇2023年度/);
    assert.equal(cleanReport('In the spring of that year there were 20\n23 people came.').text, 'In the spring of that year there were 20 23 people came.');
  });
});
