/**
 * PDF citations right (issue 21): reports typed without heading styles and saved as PDF by LibreOffice
 * (test/fixtures/documents/pdf-plain: the seeds and 东湖镇, whose source text is in source/) keep the
 * section path of their text version, cite the page of the sentence shown, and read the same issuer,
 * addressee, title and date as every other format of the report.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { copyCitation, renderResult, shortRef } from '../../src/bot/format.js';
import { plainMarkup } from '../../src/bot/terminal-format.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { chunkReport } from '../../src/corpus/chunk.js';
import { cleanReport } from '../../src/corpus/clean.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { readReportHeader } from '../../src/corpus/report-header.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { ReportHeaders } from '../../src/index/report-headers.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { SEED_CORPUS, tempDir, testConfig } from '../helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/documents');
const PLAIN = path.join(FIXTURES, 'pdf-plain');
const SOURCES = [SEED_CORPUS, path.join(FIXTURES, 'source')];
const QUESTIONS = fs
  .readFileSync(path.join(FIXTURES, 'questions.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { id: string; q: string });
const squeeze = (t: string) => t.replace(/\s+/g, '');
const quiet = () => {};
const stem = (file: string) => path.basename(file).replace(/\.[^.]+$/, '');

/** The text version of a fixture report (same name, .txt or .md). */
function textVersionOf(file: string): string {
  for (const dir of SOURCES) for (const name of fs.readdirSync(dir)) if (stem(name) === stem(file)) return path.join(dir, name);
  throw new Error(`no text version of ${file}`);
}

async function readText(file: string): Promise<string> {
  const got = await extractText(path.extname(file), fs.readFileSync(file));
  if ('error' in got) throw new Error(`${file}: ${got.error}`);
  return got.text;
}

/** Each sentence of a report (squeezed) → its section path, as the chunker reads it. */
function sectionsBySentence(raw: string): Map<string, string[]> {
  const cleaned = cleanReport(raw);
  const out = new Map<string, string[]>();
  for (const chunk of chunkReport(cleaned)) for (const s of chunk.sentences) out.set(squeeze(cleaned.text.slice(s.start, s.end)), chunk.sectionPath);
  return out;
}

const plainPdfs = fs.readdirSync(PLAIN).map((n) => path.join(PLAIN, n));

describe('PDF headings typed as plain bold lines', () => {
  for (const pdf of plainPdfs) {
    it(`${stem(pdf)}: every sentence keeps the section path of the text version (a heading after a full-width line is not run into it)`, async () => {
      const want = sectionsBySentence(fs.readFileSync(textVersionOf(pdf), 'utf8'));
      const got = sectionsBySentence(await readText(pdf));
      assert.ok(want.size >= 20);
      for (const [sentence, section] of want) assert.deepEqual(got.get(sentence), section, `${sentence.slice(0, 20)}…`);
    });
  }
});

describe('the report header reads the same from every format', () => {
  const formats = ['pdf', 'pdf-plain', 'docx', 'docx-autonumbered', 'html'];
  for (const dir of SOURCES) {
    for (const name of fs.readdirSync(dir)) {
      it(`${stem(name)}: issuer, addressee, title and date`, async () => {
        const want = readReportHeader(cleanReport(fs.readFileSync(path.join(dir, name), 'utf8')).text);
        assert.ok(want.issuer && want.date && want.title, JSON.stringify(want));
        let compared = 0;
        for (const format of formats) {
          const file = fs.existsSync(path.join(FIXTURES, format)) ? fs.readdirSync(path.join(FIXTURES, format)).find((n) => stem(n) === stem(name)) : undefined;
          if (!file) continue;
          assert.deepEqual(readReportHeader(cleanReport(await readText(path.join(FIXTURES, format, file))).text), want, `${format}/${file}`);
          compared++;
        }
        assert.ok(compared >= 1);
      });
    }
  }
  it('a title longer than a short line is not run into the addressee below it', () => {
    const header = readReportHeader(cleanReport(fs.readFileSync(textVersionOf('东湖镇-2023年法治政府建设工作报告'), 'utf8')).text);
    assert.deepEqual(header, { title: '关于2023年度法治政府建设工作情况的报告', issuer: '东湖镇人民政府', addressee: '中共临川县委、临川县人民政府', date: '2023年12月26日' });
  });
});

describe('pages cited from the plain PDFs', () => {
  let pdfSearch: Searcher;
  let indexDir: string;
  let generation = () => '';
  /** Each PDF's pages as pdf.js reads them (before cleaning), squeezed. */
  const pageTexts = new Map<string, string[]>();
  /** Sentence → section path in the text versions. */
  const textSections = new Map<string, string[]>();

  before(async () => {
    const embedder = await loadEmbedder(testConfig().model, quiet);
    const config = testConfig({ corpusDirs: [PLAIN], indexDir: tempDir('rqb-plain-pdf-') });
    await ingest(config, { embedder, log: quiet });
    pdfSearch = await openSearcher(config, { embedder, log: quiet });
    indexDir = config.indexDir;
    generation = () => pdfSearch.info().generation;
    for (const pdf of plainPdfs) {
      pageTexts.set(path.basename(pdf), (await readText(pdf)).split('\f').map(squeeze));
      for (const [s, section] of sectionsBySentence(fs.readFileSync(textVersionOf(pdf), 'utf8'))) textSections.set(s, section);
    }
  });

  /** The page a sentence starts on by the PDF's own pages: the page holding its head, or ending with its first characters. */
  function truePage(source: string, sentence: string): number | undefined {
    const pages = pageTexts.get(source)!;
    const head = squeeze(sentence).slice(0, 12);
    const on = pages.findIndex((p) => p.includes(head));
    if (on >= 0) return on + 1;
    for (let k = head.length - 1; k >= 2; k--) {
      const at = pages.findIndex((p) => p.endsWith(head.slice(0, k)));
      if (at >= 0) return at + 1;
    }
    return undefined;
  }

  it('≥ 98 % of quotes cite the page their first sentence is on and the section path of the text version', async () => {
    let right = 0;
    let total = 0;
    const wrong: string[] = [];
    for (const { id, q } of QUESTIONS) {
      for (const r of (await pdfSearch.search(q, { k: 3 })).results) {
        const first = r.quote.match(/^[^。！？；!?;]*[。！？；!?;]*[”’"」』）)】]*/)![0];
        const page = truePage(r.source, first);
        const section = textSections.get(squeeze(first));
        total++;
        if (r.page === page && section !== undefined && JSON.stringify(section) === JSON.stringify(r.sectionPath)) right++;
        else wrong.push(`${id} #${r.rank}: page ${r.page} (true ${page}), section ${r.sectionPath.join('>')} (text ${section?.join('>')})`);
      }
    }
    const share = right / total;
    console.log(`# plain PDFs: ${right} of ${total} quotes (${(share * 100).toFixed(1)} %) cite the page of their first sentence and the text version's section`);
    assert.ok(total >= 100, `${total} quotes`);
    assert.ok(share >= 0.98, wrong.join('\n'));
  });

  it('the reference under a quote, /cite and the copy-citation text give the page of the sentence shown (东湖镇 法律明白人: page 2, not the passage start on page 1)', async () => {
    const q = '东湖镇培育了多少名法律明白人？';
    const answer = new ReportHeaders(indexDir).cite(await pdfSearch.search(q, { k: 3 }), generation());
    const r = answer.results.find((x) => x.quote.includes('186'));
    assert.ok(r, 'the quote with 186 名');
    // The quote starts on page 1 (一是…), the sentence with the answer is on page 2.
    assert.equal(truePage(r.source, '三是培育基层法治力量。'), 2);
    const s = stringsFor('zh');
    const shown = renderResult(answer, answer.results.indexOf(r), { s, markup: plainMarkup(), maxLength: Infinity });
    assert.match(shown, /186/);
    assert.match(shown, /〔东湖镇 2023 · 一、（三）三是 · 第2页〕/);
    const cited = copyCitation(r, q, s);
    assert.match(cited, /186名/);
    assert.match(cited, /——东湖镇人民政府《关于2023年度法治政府建设工作情况的报告》第2页（2023年12月26日）一（三）三是$/);
    assert.match(copyCitation(r, q, stringsFor('en')), /《关于2023年度法治政府建设工作情况的报告》, p\. 2 \(2023年12月26日\)/);
    // ask --json and the one-line reference keep the page of the quote's first sentence.
    assert.equal(r.page, truePage(r.source, r.quote));
    assert.match(shortRef(r), /第1页/);
  });
});
