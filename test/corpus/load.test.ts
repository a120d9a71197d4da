import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeReport, listCorpusFiles, readReport, titleOf } from '../../src/corpus/load.js';
import { tempDir } from '../helpers.js';

describe('loading reports', () => {
  it('decodes UTF-8, UTF-8 with BOM and GB18030 (GBK) text', () => {
    const text = '柏山镇法治政府建设情况报告。';
    assert.deepEqual(decodeReport(Buffer.from(text)), { text, encoding: 'utf-8' });
    assert.equal((decodeReport(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])) as { text: string }).text, text);
    // 柏山镇 in GBK.
    const gbk = Buffer.from([0xb0, 0xd8, 0xc9, 0xbd, 0xd5, 0xf2]);
    assert.deepEqual(decodeReport(gbk), { text: '柏山镇', encoding: 'gb18030' });
  });
  it('refuses empty and binary files with a reason', () => {
    assert.deepEqual(decodeReport(Buffer.alloc(0)), { error: 'empty file', code: 'empty' });
    assert.match((decodeReport(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1])) as { error: string }).error, /binary/);
  });
  it('lists reports recursively, skipping metadata files and other extensions', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'a.txt'), '甲');
    fs.writeFileSync(path.join(dir, 'sub', 'b.md'), '乙');
    fs.writeFileSync(path.join(dir, 'SOURCE.md'), 'where these came from');
    fs.writeFileSync(path.join(dir, 'image.png'), 'x');
    const { files } = listCorpusFiles([dir]);
    assert.deepEqual(files.map((f) => f.source), ['a.txt', 'sub/b.md']);
  });
  it('says which folder is missing', () => {
    assert.throws(() => listCorpusFiles(['/nonexistent/corpus']), /corpus folder not found: \/nonexistent\/corpus/);
  });
  it('reads a file into text with its hash, or a reason to skip it', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'empty.txt'), '   \n');
    fs.writeFileSync(path.join(dir, 'ok.txt'), '一、总体情况\n内容。');
    const [empty, ok] = listCorpusFiles([dir]).files;
    assert.deepEqual(await readReport(empty!), { file: 'empty.txt', reason: 'no text', code: 'no-text', corpusDir: empty!.corpusDir, bytes: empty!.bytes, mtimeMs: empty!.mtimeMs });
    const r = await readReport(ok!);
    assert.ok('sha256' in r && r.sha256.length === 64 && r.text.includes('内容'));
  });
  it('makes a title from the file name', () => {
    assert.equal(titleOf('sub/柏山镇-2023年法治政府建设情况报告.txt'), '柏山镇 2023年法治政府建设情况报告');
  });
});
