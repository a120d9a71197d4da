/**
 * Adding reports through the chat, end to end: the real bot, long polling the Bot API emulator, with
 * getFile and file downloads served in front of it (helpers/files.ts); the real corpus folder and index.
 * Also the terminal chat's /add and /remove.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import JSZip from 'jszip';
import { createBot, type QuoteBot } from '../../src/bot/bot.js';
import { createLogger } from '../../src/bot/log.js';
import { type RunningBot, startBot } from '../../src/bot/run.js';
import { runTerminal } from '../../src/bot/terminal.js';
import { type Config, PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { safeReportName } from '../../src/index/reports.js';
import { readManifest } from '../../src/index/store.js';
import { type LiveSearcher, openLiveSearcher } from '../../src/search/live.js';
import { tempDir, testConfig } from '../helpers.js';
import { type Emulator, emulateLongPolling, startEmulator, TestUser } from '../support/emulator.js';
import { FileEndpoints } from './helpers/files.js';

const TOKEN = '100002:upload-secret-token';
const ADMIN = 501;
const STRANGER = 502;
const DOCS = path.join(PROJECT_ROOT, 'test/fixtures/documents');
const BAISHAN_PDF = fs.readFileSync(path.join(DOCS, 'pdf', '柏山镇-2023年法治政府建设情况报告.pdf'));
const SHICUN_PDF = fs.readFileSync(path.join(DOCS, 'pdf', '史村镇-2023年度法治政府建设报告.pdf'));
/** Ingest and the first model load can take a while on a busy machine. */
const SLOW = 90_000;

const logs: string[] = [];
const log = createLogger('debug', [TOKEN], (line) => logs.push(line));

describe('sending reports to the bot', () => {
  let emu: Emulator;
  let files: FileEndpoints;
  let config: Config;
  let corpus: string;
  let searcher: LiveSearcher;
  let bot: QuoteBot;
  let running: RunningBot;
  let admin: TestUser;
  const listing = () => fs.readdirSync(corpus).sort();
  // What the index holds (reports and passages). A refused file may leave a rewritten manifest (the
  // skipped-file record changes and changes back), never other content.
  const generation = () => {
    const m = readManifest(config.indexDir)!;
    return { passages: m.passageCount, files: m.files.map((f) => `${f.source} ${f.sha256}`) };
  };

  before(async () => {
    // A corpus with one small report; the bot gets the seed reports through the chat.
    const root = tempDir('rqb-upload-');
    corpus = path.join(root, 'a', 'b', 'corpus');
    fs.mkdirSync(corpus, { recursive: true });
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), '青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期，培训种植能手三百人次。\n');
    emu = await startEmulator();
    files = await FileEndpoints.start(emu);
    config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index'), bot: { token: TOKEN, apiRoot: files.apiRoot, adminIds: [ADMIN], allowedIds: [] } });
    await ingest(config, { log: () => {} });
    searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    bot = createBot(config, searcher, { log });
    bot.api.config.use(emulateLongPolling());
    running = await startBot(bot, config, { log });
    admin = new TestUser(emu, TOKEN, { userId: ADMIN, languageCode: 'zh-hans' });
  });
  after(async () => {
    await running?.stop();
    searcher?.close();
    await files?.stop();
    await emu?.stop();
    assert.ok(!logs.some((l) => l.includes(TOKEN)), 'the token (part of file URLs) never reaches the log');
  });

  it('an admin sends a PDF: it is stored, indexed and answered from at once, cited by page', { timeout: SLOW }, async () => {
    await admin.sendDocument({ ...files.put('柏山镇-2023年法治政府建设情况报告.pdf', BAISHAN_PDF), mime_type: 'application/pdf' });
    const reading = await admin.reply();
    assert.ok(reading.text.startsWith('正在读取 柏山镇-2023年法治政府建设情况报告.pdf 并更新索引……'), reading.text);
    const done = (await admin.reply(SLOW)).text;
    assert.match(done, /^已收录《柏山镇 2023年法治政府建设情况报告》：4 页，(\d+) 段，用时 \d+\.\d 秒。\n可以这样问：关于“.+”，柏山镇做了什么？$/);
    // The progress of the embedding was shown by editing that one message, not by more messages.
    const passages = /：4 页，(\d+) 段/.exec(done)![1];
    const progress = admin.messages().find((m) => m.messageId === reading.messageId)!.text;
    assert.match(progress, new RegExp(`^正在读取 柏山镇-2023年法治政府建设情况报告\\.pdf 并更新索引……\\n计算向量 ${passages}/${passages} 段`));
    assert.equal(admin.messages().length, 2);
    assert.ok(listing().includes('柏山镇-2023年法治政府建设情况报告.pdf'));
    assert.deepEqual(files.requests.slice(-2), ['getFile doc1', 'download documents/file_1.pdf']);

    // The next question is answered from the new report, with its page.
    await admin.say('柏山镇召开了几次防范电信诈骗专项会议？');
    const answer = (await admin.reply(SLOW)).text;
    assert.ok(answer.includes('先后召开专项会议12次'), answer);
    assert.ok(answer.includes('〔柏山镇 2023 · 二、（二）4. · 第3页〕'), answer);
    // So is the suggested question.
    const suggested = /可以这样问：(.+)$/.exec(done)![1]!;
    await admin.say(suggested);
    assert.ok((await admin.reply(SLOW)).text.includes('柏山镇'), suggested);
  });

  it('a name like ../../x.pdf is stored as x.pdf inside the corpus folder, nowhere else', { timeout: SLOW }, async () => {
    await admin.sendDocument(files.put('../../x.pdf', SHICUN_PDF));
    await admin.reply();
    assert.match((await admin.reply(SLOW)).text, /^已收录《x》：3 页/);
    assert.ok(listing().includes('x.pdf'));
    assert.ok(!fs.existsSync(path.resolve(corpus, '../../x.pdf')));
    assert.equal(safeReportName('..\\..\\evil.docx'), 'evil.docx');
    assert.equal(safeReportName('.hidden.pdf'), 'hidden.pdf');
    assert.equal(safeReportName('README.md'), 'report-README.md');
    assert.equal(safeReportName('photo.jpg'), null);
  });

  it('a second file of the same name does not overwrite the first, and the reply says where it went', { timeout: SLOW }, async () => {
    await admin.sendDocument(files.put('东岭乡-水利报告.txt', Buffer.from('东岭乡人民政府\n一、工程建设\n东岭乡共修缮山塘水库十二座，受益群众三千余户。\n')));
    await admin.reply();
    assert.match((await admin.reply(SLOW)).text, /^已收录《东岭乡 水利报告》：\d+ 段/);
    await admin.sendDocument(files.put('东岭乡-水利报告.txt', Buffer.from('东岭乡人民政府\n一、存在问题\n部分村组管护资金不足，个别工程进度滞后。\n')));
    await admin.reply();
    const reply = (await admin.reply(SLOW)).text;
    assert.match(reply, /（已存为 东岭乡-水利报告-2\.txt）/);
    assert.equal(fs.readFileSync(path.join(corpus, '东岭乡-水利报告.txt'), 'utf8').includes('山塘水库'), true);
    // The very same file again is refused: it is already there.
    await admin.sendDocument(files.put('again.pdf', BAISHAN_PDF));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法添加 again.pdf：这份文件已经收录了，文件名是 柏山镇-2023年法治政府建设情况报告.pdf。报告库没有变化。');
    // The English detail goes to the log, not the chat.
    assert.ok(logs.some((l) => l.includes('refused "again.pdf": this file is already in the corpus')));
    // The same report in another format too: the text is the same.
    const before = { files: listing(), generation: generation() };
    await admin.sendDocument(files.put('柏山镇报告.docx', fs.readFileSync(path.join(DOCS, 'docx', '柏山镇-2023年法治政府建设情况报告.docx'))));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法添加 柏山镇报告.docx：这份文件已经收录了，文件名是 柏山镇-2023年法治政府建设情况报告.pdf。报告库没有变化。');
    assert.deepEqual({ files: listing(), generation: generation() }, before);
  });

  it('a corrupt PDF, a fake PDF and a scan get a clear reply and change nothing', { timeout: SLOW }, async () => {
    const before = { files: listing(), generation: generation() };
    await admin.sendDocument(files.put('broken.pdf', BAISHAN_PDF.subarray(0, 3000)));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法添加 broken.pdf：文件已损坏，无法读取。报告库没有变化。');
    assert.ok(logs.some((l) => /refused "broken\.pdf": cannot read this PDF file \(.+\)/.test(l)));
    await admin.sendDocument(files.put('notes.pdf', Buffer.from('just some text with a .pdf name')));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法添加 notes.pdf：这不是 PDF 文件。报告库没有变化。');
    await admin.sendDocument(files.put('scan.pdf', fs.readFileSync(path.join(DOCS, 'scanned', '扫描件-柏山镇报告第1页.pdf'))));
    await admin.reply();
    assert.match((await admin.reply(SLOW)).text, /^无法添加 scan\.pdf：这个 PDF 没有文字层，可能是扫描件；本程序不做文字识别（OCR），无法引用。报告库没有变化。$/);
    assert.deepEqual({ files: listing(), generation: generation() }, before);
  });

  it('a file over 20 MB or of another type is refused before anything is downloaded', async () => {
    const requests = files.requests.length;
    await admin.sendDocument(files.put('big.pdf', Buffer.from('%PDF-1.4'), 25 * 1024 * 1024));
    assert.equal((await admin.reply()).text, '无法添加 big.pdf：文件超过 20 MB（Telegram 机器人能下载的上限）。');
    await admin.sendDocument(files.put('photo.jpg', Buffer.from([0xff, 0xd8, 0xff])));
    assert.match((await admin.reply()).text, /^无法添加 photo\.jpg：不支持这种文件类型。支持的类型：\.txt .* \.pdf \.docx \.html \.htm$/);
    assert.equal(files.requests.length, requests);
  });

  it('someone who is not an admin is politely refused, for files and /remove', async () => {
    const stranger = new TestUser(emu, TOKEN, { userId: STRANGER, languageCode: 'en' });
    const before = listing();
    const requests = files.requests.length;
    await stranger.sendDocument(files.put('mine.pdf', SHICUN_PDF));
    assert.equal((await stranger.reply()).text, 'Sorry, only the admins of this bot can add or remove reports. Please ask one of them to add this one.');
    await stranger.command('/remove 柏山镇');
    assert.match((await stranger.reply()).text, /^Sorry, only the admins/);
    assert.deepEqual(listing(), before);
    assert.equal(files.requests.length, requests);
    // Questions still work for them.
    await stranger.say('柏山镇召开了几次防范电信诈骗专项会议？');
    assert.ok((await stranger.reply(SLOW)).text.includes('p. 3'));
  });

  it('/remove takes a report out of the folder and the index', { timeout: SLOW }, async () => {
    await admin.command('/remove 东岭乡');
    assert.equal((await admin.reply()).text, '没有删除：“东岭乡”对应 2 份报告：东岭乡-水利报告-2.txt、东岭乡-水利报告.txt，请写得更具体一些。');
    await admin.command('/remove 东岭乡-水利报告-2.txt');
    assert.match((await admin.reply(SLOW)).text, /^已删除《东岭乡 水利报告 2》（东岭乡-水利报告-2\.txt，\d+ 段），索引已更新。$/);
    assert.ok(!listing().includes('东岭乡-水利报告-2.txt'));
    assert.ok(!readManifest(config.indexDir)!.files.some((f) => f.source === '东岭乡-水利报告-2.txt'));
    await admin.command('/remove');
    assert.equal((await admin.reply()).text, '请写明要删除的报告，例如：/remove 柏山镇');
  });

  it('issue 20 "also": a file an admin shares in a group is not added to everyone\'s reports', { timeout: SLOW }, async () => {
    const inGroup = new TestUser(emu, TOKEN, { userId: ADMIN, chatId: -4242, type: 'group', languageCode: 'zh-hans' });
    const before = { files: listing(), generation: generation() };
    const requests = files.requests.length;
    await inGroup.sendDocument(files.put('河南村-会议纪要.txt', Buffer.from('河南村村民委员会\n一、会议\n河南村召开村民代表会议三次。\n')));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(inGroup.messages(), [], 'no reply in the group');
    assert.equal(files.requests.length, requests, 'not even downloaded');
    assert.deepEqual({ files: listing(), generation: generation() }, before);
  });

  it('issue 20 fault 2: during an upload the bot keeps answering: its event loop is never blocked for long', { timeout: SLOW * 2 }, async (t) => {
    // A large report: reading, cutting, embedding and indexing it takes seconds.
    const sections = Array.from({ length: 600 }, (_, i) => `${i + 1}、第${i + 1}项工作\n河东镇在第${i + 1}项工作中新建村道${i + 3}公里，培训农民${i * 7 + 11}人次，整治河道${i + 2}处，受益群众${i * 13 + 100}户。本项工作由镇政府牵头，各村配合推进，年底前全部完成验收。\n`.repeat(3));
    const big = Buffer.from(`河东镇人民政府\n${sections.join('')}`);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    await admin.sendDocument(files.put('河东镇-2023年工作报告.txt', big));
    await admin.reply();
    lag.enable();
    const latencies: number[] = [];
    let done = false;
    const finished = admin.reply(SLOW * 2).then((m) => ((done = true), m));
    // A question every half second, each from another user (one user would reach the rate limit).
    for (let i = 0; !done; i++) {
      const asker = new TestUser(emu, TOKEN, { userId: 9000 + i, languageCode: 'zh-hans' });
      const asked = performance.now();
      await asker.say('青石村举办了多少期农民夜校？');
      assert.match((await asker.reply(SLOW)).text, /二十二期/);
      latencies.push(performance.now() - asked);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    lag.disable();
    assert.match((await finished).text, /^已收录《河东镇 2023年工作报告》/);
    const worstLagMs = lag.max / 1e6;
    t.diagnostic(`worst event-loop delay ${worstLagMs.toFixed(0)} ms; ${latencies.length} answers during the upload, slowest ${Math.max(...latencies).toFixed(0)} ms`);
    assert.ok(worstLagMs < 1000, `the event loop was blocked for ${worstLagMs.toFixed(0)} ms during the upload`);
    assert.ok(Math.max(...latencies) < 2000, `answers during the upload took ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
  });

  it('issue 20 fault 1: a ZIP bomb sent as a report gets a clear reply, and the bot answers on', { timeout: SLOW }, async () => {
    const zip = await JSZip.loadAsync(fs.readFileSync(path.join(DOCS, 'docx', '史村镇-2023年度法治政府建设报告.docx')));
    zip.file('word/numbering.xml', `<?xml version="1.0"?><w:numbering xmlns:w="x"><!--${'A'.repeat(64 * 1024 * 1024)}--></w:numbering>`);
    const bomb = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
    const before = { files: listing(), generation: generation() };
    await admin.sendDocument(files.put('bomb.docx', bomb));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法添加 bomb.docx：文件解压后太大或页数、文字太多，超出了安全读取的上限。报告库没有变化。');
    assert.deepEqual({ files: listing(), generation: generation() }, before);
    await admin.say('青石村举办了多少期农民夜校？');
    assert.match((await admin.reply(SLOW)).text, /二十二期/);
  });

  it('issue 20 fault 8: a download longer than its declared size is cut off there, not buffered whole', { timeout: SLOW }, async () => {
    const rssBefore = process.memoryUsage().rss;
    await admin.sendDocument(files.putEndless('endless.txt', 1000));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法下载 endless.txt，请稍后重新发送。报告库没有变化。');
    assert.ok(files.endlessBytesSent < 64 * 1024 * 1024, `${files.endlessBytesSent} bytes were sent before the bot hung up`);
    assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'the memory did not grow with the download');
    // Past 20 MB even when the declared size says more: "too large", at 20 MB.
    await admin.sendDocument(files.putEndless('huge.txt', 19 * 1024 * 1024));
    await admin.reply();
    assert.equal((await admin.reply(SLOW)).text, '无法下载 huge.txt，请稍后重新发送。报告库没有变化。');
  });

  it('issue 20 fault 3: /remove while another process updates the index keeps the file and says nothing was removed', { timeout: SLOW }, async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { acquireLock } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/index/store.ts'))});
      acquireLock(${JSON.stringify(config.indexDir)}); console.log('locked'); setTimeout(() => {}, 60_000);`], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout!.once('data', resolve));
      await admin.command('/remove 东岭乡-水利报告.txt');
      assert.equal((await admin.reply(SLOW)).text, '没有删除：报告库正在被另一个进程更新，请过一分钟再试。');
      assert.ok(listing().includes('东岭乡-水利报告.txt'));
      await admin.say('东岭乡修缮了多少座山塘水库？');
      assert.ok((await admin.reply(SLOW)).text.includes('十二座'), 'still answered from it');
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    await admin.command('/remove 东岭乡-水利报告.txt');
    assert.match((await admin.reply(SLOW)).text, /^已删除《东岭乡 水利报告》/);
    assert.ok(!listing().includes('东岭乡-水利报告.txt'));
  });
});

describe('terminal chat: /add and /remove', () => {
  it('adds a file from a path, answers from it, and removes it', { timeout: SLOW }, async () => {
    const root = tempDir('rqb-terminal-add-');
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.copyFileSync(path.join(PROJECT_ROOT, 'corpus', '史村镇-2023年度法治政府建设报告.md'), path.join(corpus, 'shicun.md'));
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index') });
    await ingest(config, { log: () => {} });
    const searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (d) => (out += d));
    const docx = path.join(DOCS, 'docx', '柏山镇-2023年法治政府建设情况报告.docx');
    input.end([`/add ${docx}`, '柏山镇召开了几次防范电信诈骗专项会议？', '/add /no/such/file.pdf', '/remove 柏山镇', '/sources', ''].join('\n'));
    await runTerminal(searcher, config, { input, output, lang: 'zh' });
    searcher.close();
    assert.match(out, /已收录《柏山镇 2023年法治政府建设情况报告》：\d+ 段，用时/);
    assert.ok(out.includes('先后召开专项会议12次'), out);
    assert.ok(out.includes('无法添加 /no/such/file.pdf：无法读取这个文件（文件不存在，或没有读取权限）。报告库没有变化。'), out);
    assert.ok(!/ENOENT|INFO/.test(out), 'technical detail and log lines stay out of the chat');
    assert.match(out, /已删除《柏山镇 2023年法治政府建设情况报告》/);
    assert.deepEqual(fs.readdirSync(corpus), ['shicun.md']);
  });
});
