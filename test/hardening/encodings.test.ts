/**
 * Issue 15, "also": Big5 reports were indexed as garbage (read as GB18030, which accepts the bytes),
 * and UTF-16 without a byte-order mark was skipped as a "binary file". Both are now recognised and
 * decoded; bytes that no encoding reads as text are skipped as an "undetected encoding".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { decodeReport } from '../../src/corpus/load.js';
import { ingest } from '../../src/index/ingest.js';
import { readManifest } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

const BIG5_REPORT = '一、水利建設\n金門鎮全年新建蓄水池十二座，修繕海堤三公里，受益群眾八千人。\n二、教育\n金門鎮新建圖書館一座。\n';
const UTF16_REPORT = '一、概况\n北塘村全年硬化村道九公里，新建文化广场两处。\n二、治安\n北塘村全年未发生刑事案件。\n';

describe('encodings: Big5 and UTF-16 without BOM', () => {
  it('decodes Big5 as Big5 (not as GB18030 garbage), and GBK still as GB18030', () => {
    assert.deepEqual(decodeReport(iconv.encode(BIG5_REPORT, 'big5')), { text: BIG5_REPORT, encoding: 'big5' });
    const gbk = iconv.encode(UTF16_REPORT, 'gbk');
    assert.deepEqual(decodeReport(gbk), { text: UTF16_REPORT, encoding: 'gb18030' });
    assert.deepEqual(decodeReport(iconv.encode('柏山镇', 'gbk')), { text: '柏山镇', encoding: 'gb18030' });
  });

  it('decodes UTF-16 without a byte-order mark, in either byte order; unreadable UTF-16 is an "undetected encoding"', () => {
    assert.deepEqual(decodeReport(Buffer.from(UTF16_REPORT, 'utf16le')), { text: UTF16_REPORT, encoding: 'utf-16le (no BOM)' });
    assert.deepEqual(decodeReport(Buffer.from(UTF16_REPORT, 'utf16le').swap16()), { text: UTF16_REPORT, encoding: 'utf-16be (no BOM)' });
    // ASCII-range UTF-16 shape (a NUL every other byte) around characters that are no text.
    const odd = Buffer.alloc(400);
    for (let i = 0; i < 400; i += 2) odd[i] = i % 8 === 0 ? 0x01 : 0x41 + (i % 20);
    assert.match((decodeReport(odd) as { error: string }).error, /^undetected encoding/);
    // A real binary file stays a binary file.
    assert.match((decodeReport(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])) as { error: string }).error, /^binary file/);
  });

  it('indexes both and answers from them (a simplified-Chinese question finds the Big5 report)', async () => {
    const corpus = copyOfSeeds();
    fs.writeFileSync(path.join(corpus, '金门镇-2023年报告.txt'), iconv.encode(BIG5_REPORT, 'big5'));
    fs.writeFileSync(path.join(corpus, '北塘村-2023年报告.txt'), Buffer.from(UTF16_REPORT, 'utf16le'));
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-enc-') });
    const summary = await ingest(config, { log: () => {} });
    assert.deepEqual(summary.skipped, []);
    const encodings = Object.fromEntries(readManifest(config.indexDir)!.files.map((f) => [f.source, f.encoding]));
    assert.equal(encodings['金门镇-2023年报告.txt'], 'big5');
    assert.equal(encodings['北塘村-2023年报告.txt'], 'utf-16le (no BOM)');
    const searcher = await openSearcher(config);
    const big5 = (await searcher.search('金门镇新建了多少座蓄水池？')).results[0]!;
    assert.equal(big5.source, '金门镇-2023年报告.txt');
    assert.ok(big5.quote.includes('蓄水池十二座'));
    const utf16 = (await searcher.search('北塘村硬化了多少公里村道？')).results[0]!;
    assert.equal(utf16.source, '北塘村-2023年报告.txt');
    assert.ok(utf16.quote.includes('九公里'));
  });
});
