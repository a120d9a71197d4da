/**
 * `npm start` as a user runs it (scripts/start.ts in a child process): with no token, the terminal
 * chat over piped stdin, building the missing index first; with a token, the Telegram bot against
 * the emulator, stopped by SIGTERM; with a bad setting, one clear line.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringsFor } from '../../src/bot/i18n.js';
import { PROJECT_ROOT, STANDIN_MODEL_ID } from '../../src/config.js';
import { freePort, startEmulator, TestUser } from '../support/emulator.js';

const en = stringsFor('en');
const zh = stringsFor('zh');
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-start-'));
});
after(async () => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns `npm start`'s script with the stand-in model, an index in the temp folder, and env. */
function start(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/start.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmp,
      EMBED_MODEL: STANDIN_MODEL_ID,
      ALLOW_REMOTE_MODELS: 'false',
      INDEX_DIR: path.join(tmp, 'index'),
      STATE_DIR: path.join(tmp, 'state'),
      BOT_TOKEN: '', // set, so that a developer's .env cannot turn the bot on here
      LANG: 'en_US.UTF-8',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('npm start', () => {
  it('without a token: builds the missing index with progress, then answers questions piped on stdin', async () => {
    const run = start({});
    run.child.stdin!.end(['柏山镇组织了多少次普法宣传？', '/next', '/full', '', '今年的高考分数线是多少？', '/sources'].join('\n') + '\n');
    const code = await run.exit;
    const out = run.stdout();
    const err = run.stderr();
    assert.equal(code, 0, err);
    // What it is doing until the first answer, in order, without the advice to run an ingest it is running.
    assert.match(err, /^No BOT_TOKEN set: starting the terminal chat.*\nThe log goes to .*terminal\.log\.\nNo index yet: building it now from the reports in .*corpus/);
    assert.match(err, /\nembedding 23\/23 passages.*\n/);
    assert.match(err, /Index ready: 2 reports, 23 passages.*\nLoading the model and the index…\n$/);
    assert.ok(!/npm run ingest|INFO/.test(err), err);
    assert.match(fs.readFileSync(path.join(tmp, 'state', 'terminal.log'), 'utf8'), / INFO index missing: no index at /);

    // Answers follow the questions, in order.
    const [first, next, full, offTopic, sources] = out.split(/^› /m).slice(1);
    assert.ok(first!.startsWith('柏山镇组织了多少次普法宣传？\n先后组织各类普法宣传30余次\n  │ '), first);
    assert.ok(first!.includes('30余次') && first!.includes('〔柏山镇 2023 · 二、（二）2.〕'), first);
    assert.match(first!, /Result 1 of \d · \/next for more/);
    assert.ok(next!.startsWith('/next\n') && /Result 2 of \d/.test(next!), next);
    assert.ok(full!.startsWith('/full\n') && /Result 2 of \d · .*\/prev to go back · \/full for the short quote/.test(full!), full);
    // The whole passage holds the quote (the two are equal when the quote is the whole passage).
    const quoteLine = next!.split('\n').find((l) => l.startsWith('  │ '))!;
    assert.ok(full!.includes(quoteLine.slice(4).replace(/^…/, '').slice(0, 30)), 'the whole passage holds the quote');
    assert.ok(offTopic!.includes(en.noAnswer));
    assert.ok(sources!.includes('• 柏山镇: 2023 (1)'), sources);
    assert.ok(!out.includes('<'), 'plain text, no HTML');
  });

  it('without a token, LANG=zh_CN: every line in Chinese, /lang switches, an unknown command is not searched', async () => {
    // A corpus of its own: /remove and /add change it.
    const corpus = path.join(tmp, 'corpus-zh');
    fs.cpSync(path.join(PROJECT_ROOT, 'corpus'), corpus, { recursive: true });
    const shicun = fs.readdirSync(corpus).find((f) => f.startsWith('史村镇'))!;
    const shicunCopy = path.join(tmp, shicun);
    fs.copyFileSync(path.join(corpus, shicun), shicunCopy);
    const run = start({ LANG: 'zh_CN.UTF-8', INDEX_DIR: path.join(tmp, 'index-zh'), CORPUS_DIRS: corpus, STATE_DIR: path.join(tmp, 'state-zh') });
    run.child.stdin!.end(
      ['/foo', '/help', '/lang en', '/bar', '/lang', '/lang zh', '柏山镇组织了多少次普法宣传？', '/remove 史村镇', `/add ${shicunCopy}`, '/add /no/such/file.pdf', '/remove 镇', ''].join('\n'),
    );
    const code = await run.exit;
    const out = run.stdout();
    const err = run.stderr();
    assert.equal(code, 0, err);
    assert.match(err, /^没有设置 BOT_TOKEN：打开终端问答。.*\n运行日志写在 .*terminal\.log。\n还没有索引：现在为 .*corpus-zh 里的报告建立索引（第一次要等一会儿）……\n/);
    assert.match(err, /\n计算向量 23\/23 段/);
    assert.match(err, /\n索引已就绪：2 份报告，23 段，用时 [\d.]+ 秒。\n正在载入模型和索引……\n$/);
    assert.ok(!/[A-Za-z]{4,}/.test(err.replace(/BOT_TOKEN|Telegram|\S*terminal\.log|\S*corpus/g, '')), `no English in the startup lines:\n${err}`);
    const [foo, help, langEn, bar, langUsage, langZh, question, remove, add, addMissing, removeAmbiguous] = out.split(/^› /m).slice(1);
    assert.equal(foo, `/foo\n${zh.unknownCommand}\n\n`);
    assert.ok(help!.includes('我回答关于这 2 份法治政府建设报告的问题'), help);
    assert.equal(langEn, '/lang en\nLanguage: English.\n\n');
    assert.equal(bar, `/bar\n${en.unknownCommand}\n\n`);
    assert.equal(langUsage, '/lang\nUsage: /lang zh or /lang en\n\n');
    assert.equal(langZh, '/lang zh\n界面语言：中文。\n\n');
    assert.match(question!, /30余次[\s\S]*第 1\/\d 条/);
    assert.match(remove!, /^\/remove 史村镇\n已删除《史村镇 2023年度法治政府建设报告》/);
    assert.match(add!, /已收录《史村镇 2023年度法治政府建设报告》/);
    assert.equal(addMissing, '/add /no/such/file.pdf\n无法添加 /no/such/file.pdf：无法读取这个文件（文件不存在，或没有读取权限）。报告库没有变化。\n\n');
    assert.match(removeAmbiguous!, /^\/remove 镇\n没有删除：“镇”对应 2 份报告：.+、.+，请写得更具体一些。\n\n$/);
    // The log (the index swapped after /add and /remove, why a file was refused) is in its file, not in the chat.
    assert.ok(!/INFO|WARN|ENOENT|index: now answering/.test(out + err), out + err);
    const log = fs.readFileSync(path.join(tmp, 'state-zh', 'terminal.log'), 'utf8');
    assert.match(log, / INFO index: now answering from /);
    assert.match(log, / INFO \/add \/no\/such\/file\.pdf: cannot read \(Error: ENOENT/);
  });

  it('with a token: runs the bot until SIGTERM, then stops cleanly', async () => {
    const emu = await startEmulator();
    const token = '100010:start-script-token';
    try {
      const healthPort = await freePort();
      const run = start({ BOT_TOKEN: token, BOT_API_ROOT: emu.apiRoot, LOG_LEVEL: 'info', HEALTH_PORT: String(healthPort) });
      const user = new TestUser(emu, token, { userId: 901, languageCode: 'en' });
      await user.say('柏山镇组织了多少次普法宣传？'); // queued until the bot polls (the index is built already)
      const reply = await user.reply(30_000);
      assert.ok(reply.text.includes('30余次'));
      // Long polling with HEALTH_PORT: /healthz and /metrics on that port.
      const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { ok: boolean }).ok, true);
      assert.match(await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text(), /^rqb_answers_total\{outcome="answered"\} 1$/m);
      run.child.kill('SIGTERM');
      assert.equal(await run.exit, 0, run.stderr());
      const err = run.stderr();
      assert.match(err, /bot @TestNameBot starting \(long polling\)/);
      assert.match(err, /SIGTERM received, stopping/);
      assert.match(err, /bot stopped/);
      assert.ok(!err.includes(token), 'the token is never printed');
    } finally {
      await emu.stop();
    }
  });

  it('with a bad setting: one clear line and exit code 2', async () => {
    const run = start({ RATE_LIMIT: 'lots' });
    run.child.stdin!.end();
    assert.equal(await run.exit, 2);
    assert.equal(run.stderr().trim(), 'Configuration error: RATE_LIMIT must be a whole number from 1 to 10000, got "lots"');
  });
});
