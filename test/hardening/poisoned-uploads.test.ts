/**
 * Issue 20 fault 1: poisoned uploads. A DOCX whose parts inflate to far more than the file (a ZIP bomb),
 * a PDF of thousands of pages sharing one content stream, more text than a report holds: refused by
 * their declared sizes before they are unpacked, with a reason. What slips past the bounds (sizes that
 * lie, a file that is slow to read) is read in a child process with a heap and a time limit: the child
 * dies, the reply says why, nothing is changed. Fault 2: the bot's event loop stays free meanwhile.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import JSZip from 'jszip';
import { changeInChild } from '../../src/bot/report-child.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { extractText } from '../../src/corpus/formats/index.js';
import { ingest } from '../../src/index/ingest.js';
import { ReportError } from '../../src/index/reports.js';
import { readManifest } from '../../src/index/store.js';
import { tempDir, testConfig } from '../helpers.js';

const DOCX = fs.readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/documents/docx/柏山镇-2023年法治政府建设情况报告.docx'));

/** The fixture DOCX with one part replaced. */
async function docxWith(part: string, content: string): Promise<Buffer> {
  const zip = await JSZip.loadAsync(DOCX);
  zip.file(part, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** A PDF of `pages` pages that all draw one content stream of `lines` lines. */
export function manyPagePdf(pages: number, lines = 40): Buffer {
  const text = Array.from({ length: lines }, (_, i) => `BT /F1 10 Tf 50 ${760 - i * 18} Td (Line ${i} of a page that every page shares, with some words on it.) Tj ET`).join('\n');
  const objects: string[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  const kids = Array.from({ length: pages }, (_, i) => `${5 + i} 0 R`).join(' ');
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`;
  objects[3] = `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
  objects[4] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  for (let i = 0; i < pages; i++) objects[5 + i] = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>';
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = Buffer.byteLength(out);
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

describe('issue 20 fault 1: bounds on what an upload may unpack to', () => {
  it('a DOCX whose numbering.xml inflates to 64 MB (a ZIP bomb) is refused before it is unpacked', async () => {
    const bomb = await docxWith('word/numbering.xml', `<?xml version="1.0"?><w:numbering xmlns:w="x"><!--${'A'.repeat(64 * 1024 * 1024)}--></w:numbering>`);
    assert.ok(bomb.length < 2 * 1024 * 1024, `${bomb.length} bytes`);
    const before = process.memoryUsage().heapUsed;
    const read = await extractText('.docx', bomb);
    assert.ok('error' in read && /^refused: word\/numbering\.xml inside it unpacks to 64 MB \(at most 32 MB\)$/.test(read.error), JSON.stringify(read));
    assert.ok(process.memoryUsage().heapUsed - before < 32 * 1024 * 1024, 'not inflated');
  });

  it('a part inflating to 200 times its size is refused even under the size bound', async () => {
    const bomb = await docxWith('word/document.xml', `<?xml version="1.0"?><w:document xmlns:w="x"><!--${'A'.repeat(20 * 1024 * 1024)}--></w:document>`);
    const read = await extractText('.docx', bomb);
    assert.ok('error' in read && /^refused: word\/document\.xml inside it unpacks to \d+ times its size \(a ZIP bomb\?\)$/.test(read.error), JSON.stringify(read));
    // The real report still reads.
    const real = await extractText('.docx', DOCX);
    assert.ok('text' in real && real.text.includes('柏山镇'));
  });

  it('a PDF of 2,500 pages sharing one content stream is refused by its page count, at once', async () => {
    await extractText('.pdf', manyPagePdf(3)); // pdf.js loads on first use (seconds on a busy machine)
    const started = performance.now();
    const read = await extractText('.pdf', manyPagePdf(2500));
    assert.deepEqual(read, { error: 'refused: 2500 pages (at most 2000)', code: 'too-complex' });
    assert.ok(performance.now() - started < 5000);
  });

  it('more than 12 million characters of text are refused', async () => {
    const read = await extractText('.txt', Buffer.alloc(13_000_000, 'a'));
    assert.deepEqual(read, { error: 'refused: more than 12,000,000 characters of text', code: 'too-complex' });
  });
});

describe('issue 20 fault 1: untrusted files are read in a child process with memory and time limits', () => {
  const corpusWithOne = async (prefix: string) => {
    const root = tempDir(prefix);
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), '青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期。\n');
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index') });
    await ingest(config, { log: () => {} });
    return { config, corpus };
  };

  it('a file that needs more memory than the child may take kills the child, not this process; nothing changes', { timeout: 120_000 }, async () => {
    const { config, corpus } = await corpusWithOne('rqb-child-heap-');
    const before = readManifest(config.indexDir)!;
    // Within the bounds, but more than a 40 MB heap holds once read: text that does not compress.
    const words = Array.from({ length: 400_000 }, (_, i) => `词${(i * 7919) % 100_003}`).join('，');
    const big = await docxWith('word/document.xml', `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${words}</w:t></w:r></w:p></w:body></w:document>`);
    await assert.rejects(changeInChild(config, { kind: 'add', name: 'big.docx', data: big }, { heapMb: 40 }), (err: Error) => err instanceof ReportError && /^reading it needs more than 40 MB of memory$/.test(err.message));
    assert.deepEqual(fs.readdirSync(corpus), ['青石村-2023年工作报告.txt']);
    assert.deepEqual(readManifest(config.indexDir), before);
  });

  it('a file that reads for too long is given up on when its time is up', { timeout: 120_000 }, async () => {
    const { config, corpus } = await corpusWithOne('rqb-child-time-');
    const started = performance.now();
    await assert.rejects(changeInChild(config, { kind: 'add', name: 'slow.pdf', data: manyPagePdf(1900, 60) }, { readTimeoutMs: 1500 }), (err: Error) => err instanceof ReportError && /^reading it took longer than 2 s$/.test(err.message));
    assert.ok(performance.now() - started < 15_000);
    assert.deepEqual(fs.readdirSync(corpus), ['青石村-2023年工作报告.txt']);
  });

  it('a good file is added through the child, and a removal too', { timeout: 120_000 }, async () => {
    const { config, corpus } = await corpusWithOne('rqb-child-ok-');
    const added = await changeInChild(config, { kind: 'add', name: '柏山镇报告.docx', data: DOCX });
    assert.ok('title' in added && added.passages > 5);
    assert.ok(fs.readdirSync(corpus).includes('柏山镇报告.docx'));
    const removed = await changeInChild(config, { kind: 'remove', query: '柏山镇' });
    assert.equal(removed.source, '柏山镇报告.docx');
    await assert.rejects(changeInChild(config, { kind: 'remove', query: '没有这个' }), /no report in corpus\/ matches "没有这个"/);
  });
});
