/**
 * One report, one entry (issue 21): the same report in two formats or two folders is recognised by its
 * text, indexed once, counted once in /sources, and the copy left out is named.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { renderSources } from '../../src/bot/format.js';
import { plainMarkup } from '../../src/bot/terminal-format.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { summaryLine } from '../../src/cli/ingest.js';
import { cleanReport } from '../../src/corpus/clean.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { SAME_REPORT_SIMILARITY, similarity, sketchText } from '../../src/corpus/same-report.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { addReport } from '../../src/index/reports.js';
import { readManifest } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, SEED_CORPUS, SHARED, tempDir, testConfig } from '../helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/documents');
const BAISHAN = '柏山镇-2023年法治政府建设情况报告';
const BAISHAN_PDF = path.join(FIXTURES, 'pdf-plain', `${BAISHAN}.pdf`);
const quiet = () => {};
const later = (file: string) => fs.utimesSync(file, new Date(), new Date(Date.now() + 60_000));
/** The seeds, 柏山镇 as a web page's text is often saved: with the site's source note under it (so not the PDF's exact text). */
function seedsFromTheWeb(): string {
  const corpus = copyOfSeeds();
  fs.appendFileSync(path.join(corpus, `${BAISHAN}.txt`), '\n（来源：博爱县人民政府网站　责任编辑：王某）\n');
  fs.utimesSync(path.join(corpus, `${BAISHAN}.txt`), new Date(0), new Date(0));
  return corpus;
}

async function sketchOf(file: string) {
  const got = await extractText(path.extname(file), fs.readFileSync(file));
  if ('error' in got) throw new Error(got.error);
  return sketchText(cleanReport(got.text).text);
}

describe('the same report, recognised by its text', () => {
  it('a report and its PDF are the same; two different reports are not', async () => {
    const txt = await sketchOf(path.join(SEED_CORPUS, `${BAISHAN}.txt`));
    assert.ok(similarity(txt, await sketchOf(BAISHAN_PDF)) >= SAME_REPORT_SIMILARITY);
    assert.ok(similarity(txt, await sketchOf(path.join(SEED_CORPUS, '史村镇-2023年度法治政府建设报告.md'))) < 0.1);
    // A few lines more (a source note) is still the same report; half of it is not.
    const raw = fs.readFileSync(path.join(SEED_CORPUS, `${BAISHAN}.txt`), 'utf8');
    assert.ok(similarity(txt, sketchText(`来源：博爱县人民政府网站，2024年2月1日发布。\n${raw}\n（责任编辑：王某）`)) >= SAME_REPORT_SIMILARITY);
    assert.ok(similarity(txt, sketchText(raw.slice(0, raw.length / 2))) < SAME_REPORT_SIMILARITY);
    assert.equal(similarity(sketchText('短'), sketchText('短')), 1);
  });

  const large = path.join(SHARED, 'corpus-large');
  it('corpus-large: each 国务院 report kept in two folders is one report, and two years are two', { skip: !fs.existsSync(large) && 'no corpus-large' }, () => {
    const a = (y: number) => path.join(large, 'national-gov-work-reports-wikisource', `国务院-${y}-${y}年国务院政府工作报告.txt`);
    const b = (y: number) => path.join(large, 'shenzhen-gov-reports', `国务院-${y}-国务院政府工作报告.txt`);
    const sk = (f: string) => sketchText(cleanReport(fs.readFileSync(f, 'utf8')).text);
    let pairs = 0;
    for (let y = 2014; y <= 2025; y++) {
      if (!fs.existsSync(a(y)) || !fs.existsSync(b(y))) continue;
      assert.ok(similarity(sk(a(y)), sk(b(y))) >= SAME_REPORT_SIMILARITY, String(y));
      assert.ok(similarity(sk(a(y)), sk(b(y === 2025 ? 2024 : y + 1))) < 0.5, `${y} vs the next year`);
      pairs++;
    }
    assert.ok(pairs >= 10, `${pairs} pairs`);
  });
});

describe('one report, one entry', () => {
  let embedder: Embedder;
  before(async () => {
    embedder = await loadEmbedder(testConfig().model, quiet);
  });

  it('the text and the PDF of a report in one folder: indexed once, /sources counts one, the PDF named as the copy skipped', async () => {
    const corpus = seedsFromTheWeb();
    fs.copyFileSync(BAISHAN_PDF, path.join(corpus, `${BAISHAN}.pdf`));
    later(path.join(corpus, `${BAISHAN}.pdf`));
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-twins-') });
    const warnings: string[] = [];
    const summary = await ingest(config, { embedder, log: (m) => warnings.push(m) });
    assert.equal(summary.files, 2);
    assert.deepEqual(
      summary.skipped.map((s) => [s.file, s.reason]),
      [[`${BAISHAN}.pdf`, `duplicate of ${BAISHAN}.txt`]],
    );
    assert.match(summaryLine(summary), new RegExp(`indexed once, copy skipped: ${BAISHAN}\\.pdf \\(duplicate of ${BAISHAN}\\.txt\\)$`));
    assert.ok(warnings.some((w) => w.includes(`skipped ${BAISHAN}.pdf: duplicate of ${BAISHAN}.txt`)));
    const searcher = await openSearcher(config, { embedder, log: quiet });
    const sources = renderSources(searcher.sources(), stringsFor('zh'), plainMarkup());
    assert.match(sources, /柏山镇：2023（1 份）/);
    // Results do not repeat: no two results quote one place of the same report twice.
    const answer = await searcher.search('柏山镇组织了多少次普法宣传？', { k: 5 });
    assert.equal(new Set(answer.results.map((r) => r.source)).size <= 2, true);
    assert.ok(answer.results.every((r) => r.source !== `${BAISHAN}.pdf`));
    // Nothing changed: nothing to do, and still one entry.
    const again = await ingest(config, { embedder, log: quiet });
    assert.equal(again.changed, false);
    assert.equal(readManifest(config.indexDir)!.files.length, 2);
  });

  it('one report in two folders (one copy with a source note): one entry, the copy of the second folder named', async () => {
    const other = tempDir('rqb-other-');
    const raw = fs.readFileSync(path.join(SEED_CORPUS, `${BAISHAN}.txt`), 'utf8');
    fs.writeFileSync(path.join(other, `${BAISHAN}.txt`), `${raw}\n（来源：博爱县人民政府网站）\n`);
    const seeds = copyOfSeeds();
    for (const f of fs.readdirSync(seeds)) fs.utimesSync(path.join(seeds, f), new Date(0), new Date(0));
    const config = testConfig({ corpusDirs: [seeds, other], indexDir: tempDir('rqb-twins-') });
    const summary = await ingest(config, { embedder, log: quiet });
    assert.equal(summary.files, 2);
    assert.deepEqual(
      summary.skipped.map((s) => [s.file, s.reason]),
      [[`${BAISHAN}.txt`, `duplicate of ${path.basename(seeds)}/${BAISHAN}.txt`]],
    );
    assert.equal(readManifest(config.indexDir)!.files.filter((f) => f.source === `${BAISHAN}.txt`)[0]!.corpusDir, seeds);
  });

  it('adding the PDF of a report already there as text says so and keeps one', async () => {
    const corpus = seedsFromTheWeb();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-twins-') });
    await ingest(config, { embedder, log: quiet });
    await assert.rejects(addReport(config, '柏山镇报告.pdf', fs.readFileSync(BAISHAN_PDF), { embedder }), new RegExp(`duplicate of ${BAISHAN}\\.txt`));
    assert.deepEqual(fs.readdirSync(corpus).sort(), ['史村镇-2023年度法治政府建设报告.md', `${BAISHAN}.txt`]);
    assert.deepEqual(readManifest(config.indexDir)!.files.map((f) => f.source).sort(), ['史村镇-2023年度法治政府建设报告.md', `${BAISHAN}.txt`]);
  });
});
