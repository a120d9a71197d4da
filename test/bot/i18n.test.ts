/**
 * Every reason a file or a /remove is refused, in both languages: real files and a real index give the
 * codes, and the words for them carry no English into a Chinese reply (nor the technical detail, which
 * stays in the English message for the log).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringsFor } from '../../src/bot/i18n.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { ingest } from '../../src/index/ingest.js';
import { addReport, removeReport, ReportError, type ReportErrorCode } from '../../src/index/reports.js';
import { tempDir, testConfig } from '../helpers.js';

const zh = stringsFor('zh');
const en = stringsFor('en');
const DOCS = path.join(PROJECT_ROOT, 'test/fixtures/documents');
const BAISHAN_PDF = fs.readFileSync(path.join(DOCS, 'pdf', '柏山镇-2023年法治政府建设情况报告.pdf'));

/** Every code (the Record makes the compiler list them all), with the names a refusal may quote. */
const NAMES: Record<ReportErrorCode, string[]> = {
  'unsupported-type': [],
  'too-large': [],
  empty: [],
  'no-text': [],
  'not-pdf': [],
  'not-docx': [],
  password: [],
  scanned: [],
  damaged: [],
  binary: [],
  encoding: [],
  duplicate: ['柏山镇-2023年法治政府建设情况报告.pdf'],
  unreadable: [],
  'name-missing': [],
  'no-match': ['东岭乡'],
  ambiguous: ['镇', 'a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt'],
  'not-taken': [],
  'too-complex': [],
  busy: [],
  'no-free-name': [],
  'too-slow': [],
};

/** Latin words a Chinese reason may hold: format names and file extensions. */
const ALLOWED_LATIN = /\b(?:PDF|Word|OCR|UTF|MB)\b|\.(?:docx|doc|html|txt|md|pdf)\b/g;

describe('refusal reasons', () => {
  it('every code has words in Chinese (no English in them) and in English', () => {
    for (const [code, names] of Object.entries(NAMES) as [ReportErrorCode, string[]][]) {
      const chinese = zh.refusalReason(code, names);
      const english = en.refusalReason(code, names);
      const quoted = names.reduce((t, n) => t.split(n).join(''), chinese);
      assert.ok(!/[A-Za-z]{2,}/.test(quoted.replace(ALLOWED_LATIN, '')), `${code}: English in "${chinese}"`);
      assert.match(chinese, /[\u4e00-\u9fff]{2}/, code);
      assert.ok(english && !/[\u4e00-\u9fff]/.test(names.reduce((t, n) => t.split(n).join(''), english)), `${code}: "${english}"`);
      assert.ok(!/ENOENT|%PDF|NUL|Error/.test(chinese + english), `${code}: technical detail in "${chinese}" / "${english}"`);
    }
  });

  it('an ambiguous name lists a few of the reports it matches', () => {
    assert.equal(zh.refusalReason('ambiguous', ['镇', 'a.txt', 'b.txt']), '“镇”对应 2 份报告：a.txt、b.txt，请写得更具体一些');
    assert.equal(zh.refusalReason('ambiguous', NAMES.ambiguous), '“镇”对应 6 份报告：a.txt、b.txt、c.txt、d.txt、e.txt等，请写得更具体一些');
    assert.equal(en.refusalReason('ambiguous', ['镇', 'a.txt', 'b.txt']), '“镇” matches 2 reports: a.txt, b.txt; please be more precise');
  });

  it('real bad files get their code; the English message keeps the detail for the log', async () => {
    const cases: [string, Buffer, ReportErrorCode, string][] = [
      ['.pdf', Buffer.from('just some text with a .pdf name'), 'not-pdf', '这不是 PDF 文件'],
      ['.pdf', BAISHAN_PDF.subarray(0, 3000), 'damaged', '文件已损坏，无法读取'],
      ['.pdf', fs.readFileSync(path.join(DOCS, 'scanned', '扫描件-柏山镇报告第1页.pdf')), 'scanned', '这个 PDF 没有文字层，可能是扫描件；本程序不做文字识别（OCR），无法引用'],
      ['.docx', Buffer.from('not a zip'), 'not-docx', '这不是 Word（.docx）文件；旧的 .doc 格式请先另存为 .docx'],
      ['.txt', Buffer.from([0x50, 0x4b, 0x00, 0x01, 0x02, 0x00, 0x9f]), 'binary', '这不是文本文件'],
      ['.txt', Buffer.alloc(0), 'empty', '文件是空的'],
      ['.jpg', Buffer.from([0xff, 0xd8]), 'unsupported-type', '不支持这种文件类型（可以添加 PDF、Word（.docx）、网页（.html）和文本（.txt、.md）文件）'],
    ];
    for (const [ext, data, code, words] of cases) {
      const read = await extractText(ext, data);
      assert.ok('error' in read, ext);
      assert.equal(read.code, code, read.error);
      assert.equal(zh.refusalReason(read.code, []), words);
    }
    const damaged = await extractText('.pdf', BAISHAN_PDF.subarray(0, 3000));
    assert.match('error' in damaged ? damaged.error : '', /^cannot read this PDF file \(.+\)$/);
  });

  it('adding a duplicate and removing by an ambiguous or unknown name: codes and names from the real index', async () => {
    const root = tempDir('rqb-i18n-');
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    for (const f of fs.readdirSync(path.join(PROJECT_ROOT, 'corpus')).filter((f) => f.includes('镇'))) fs.copyFileSync(path.join(PROJECT_ROOT, 'corpus', f), path.join(corpus, f));
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index') });
    await ingest(config, { log: () => {} });
    const refusal = async (p: Promise<unknown>) => {
      const err = await p.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ReportError, String(err));
      return zh.refusalReason(err.code, err.names);
    };
    const shicun = fs.readdirSync(corpus).find((f) => f.startsWith('史村镇'))!;
    assert.equal(await refusal(addReport(config, 'copy.md', fs.readFileSync(path.join(corpus, shicun)))), `这份文件已经收录了，文件名是 ${shicun}`);
    assert.match(await refusal(removeReport(config, '镇')), /^“镇”对应 2 份报告：.+、.+，请写得更具体一些$/);
    assert.equal(await refusal(removeReport(config, '东岭乡')), '没有与“东岭乡”对应的报告');
    assert.equal(await refusal(removeReport(config, ' ')), '请写明要删除哪份报告');
  });
});
