/**
 * Tables answer questions (issue 21): a table in a Word or HTML report (made by LibreOffice,
 * test/fixtures/documents/tables) is read as one sentence per row with its header, so that a question
 * about a cell is answered by its row, quoted, in the table's section.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pageOf } from '../../src/bot/format.js';
import { cleanReport } from '../../src/corpus/clean.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { htmlToText } from '../../src/corpus/formats/html.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { PageRenderer } from '../../src/render/page.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { tempDir, testConfig } from '../helpers.js';

const TABLES = path.resolve(import.meta.dirname, '../fixtures/documents/tables');
const NAME = '东湖镇-2023年普法宣传活动情况统计';
const quiet = () => {};

/** Cell questions and the row sentence that answers each, in the section of its table. */
const CELL_QUESTIONS: { q: string; row: string; section: string; page?: number }[] = [
  { q: '宪法宣传周参与人数是多少？', row: '宪法宣传周：场次6，参与人数1200，发放资料3000份。', section: '一、普法宣传活动开展情况' },
  { q: '民法典进村入户开展了多少场次？', row: '民法典进村入户：场次14，参与人数2100，发放资料5200份。', section: '一、普法宣传活动开展情况' },
  { q: '法律明白人培训发放资料多少份？', row: '法律明白人培训：场次4，参与人数186，发放资料600份。', section: '一、普法宣传活动开展情况' },
  { q: '防范养老诈骗宣传有多少人参与？', row: '防范养老诈骗宣传：场次15，参与人数1800，发放资料4200份。', section: '一、普法宣传活动开展情况' },
  { q: '南塘社区调解纠纷成功多少件？', row: '南塘社区：法律咨询120次，调解纠纷受理21件，调解纠纷成功19件。', section: '二、各村法律服务情况' },
  { q: '西岭村法律咨询多少次？', row: '西岭村：法律咨询54次，调解纠纷受理9件，调解纠纷成功9件。', section: '二、各村法律服务情况' },
  { q: '法治文化书屋3号在哪个村，哪年建成？', row: '法治文化书屋3号：所在村（社区）南塘社区，建成年份2017。', section: '三、法治文化阵地建设情况' },
  // On the PDF's second page, under the header repeated there.
  { q: '法治文化书屋23号在哪个村，哪年建成？', row: '法治文化书屋23号：所在村（社区）南塘社区，建成年份2019。', section: '三、法治文化阵地建设情况', page: 2 },
];

describe('tables read as rows with their header', () => {
  for (const format of ['docx', 'html', 'pdf']) {
    it(`${format}: each row one sentence — a simple header, a merged header cell over two columns, a long table${format === 'pdf' ? ' across a page break (its header repeated), by glyph positions' : ''}`, async () => {
      const read = await extractText(`.${format}`, fs.readFileSync(path.join(TABLES, `${NAME}.${format}`)));
      assert.ok(!('error' in read));
      const lines = cleanReport(read.text).blocks.map((b) => b.text);
      for (const { row } of CELL_QUESTIONS) assert.ok(lines.includes(row), `${row}\n${lines.join('\n')}`);
      // The header is in every row, not a line of its own; all 40 rows of the long table are there.
      assert.ok(!lines.some((l) => /^活动名称\s*场次/.test(l)));
      assert.equal(lines.filter((l) => /^法治文化.+号：所在村（社区）/.test(l)).length, 40);
    });
  }

  it('a table without header cells takes its first row as header; a one-column table stays text', () => {
    const text = htmlToText('<table><tr><td>项目</td><td>金额（万元）</td></tr><tr><td>道路</td><td>120</td></tr></table><table><tr><td>说明文字。</td></tr><tr><td>第二行。</td></tr></table>');
    assert.deepEqual(text.split('\n\n'), ['道路：金额120万元。', '说明文字。', '第二行。']);
  });

  for (const format of ['docx', 'pdf']) {
    describe(`answered by their rows (${format})`, () => {
      let searcher: Searcher;
      before(async () => {
        const corpus = tempDir('rqb-tables-');
        fs.copyFileSync(path.join(TABLES, `${NAME}.${format}`), path.join(corpus, `${NAME}.${format}`));
        const embedder = await loadEmbedder(testConfig().model, quiet);
        const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-tables-index-') });
        await ingest(config, { embedder, log: quiet });
        searcher = await openSearcher(config, { embedder, log: quiet });
      });

      it('every fixture table cell question: its row at rank 1, in the table\'s section', async () => {
        for (const { q, row, section, page } of CELL_QUESTIONS) {
          const [top] = (await searcher.search(q, { k: 3 })).results;
          assert.ok(top, q);
          assert.ok(top.quote.includes(row), `${q}: ${top.quote}`);
          const answering = top.highlights.map((h) => top.passage.slice(h.start - top.passageStart, h.end - top.passageStart));
          assert.ok(answering.includes(row), `${q}: the row is among the answering sentences (${answering.join(' | ')})`);
          assert.deepEqual(top.sectionPath, [section], q);
          // The row is cited with the page it is printed on (what the reference under it and Show page use).
          if (format === 'pdf') assert.equal(pageOf(top, top.passageStart + top.passage.indexOf(row)), page ?? 1, q);
        }
      });

      if (format === 'pdf') {
        it('"Show page" marks the row on its printed line, cells only (the header words are not on that line)', async () => {
          const [top] = (await searcher.search('南塘社区调解纠纷成功多少件？', { k: 1 })).results;
          const rowStart = top!.passageStart + top!.passage.indexOf('南塘社区：');
          const rects = await new PageRenderer().rects(top!, [{ start: rowStart, end: rowStart + '南塘社区：法律咨询120次，调解纠纷受理21件，调解纠纷成功19件。'.length }], 'tables');
          // One printed line: its cells (南塘社区, 120, 21, 19) merged into one rectangle per run on that line.
          assert.ok(rects.length >= 1 && new Set(rects.map((r) => Math.round(r.y))).size === 1, JSON.stringify(rects));
          assert.ok(rects[0]!.x < 80 && rects.every((r) => r.page === 1));
        });
      }
    });
  }
});
