/**
 * `npm run loadtest`: the real bot (`npm start`'s script, in its own process) under load, against a
 * local Bot API emulator (telegram-test-api) on 127.0.0.1 only. N simulated users (default 50) each send
 * M questions (default 20), one after the other, all users at once; the figures are questions answered,
 * lost, answered twice, wrong or failed, reply latency p50/p95/max, throughput and the bot's peak RSS.
 * Bounded in count (N×M) and in time (--timeout), it stops by itself; exit 0 only when every question
 * got exactly one right answer and nothing failed.
 *
 *   emulator ◄── users (HTTP, as the emulator's clients)
 *      ▲
 *   long-poll front (127.0.0.1): holds getUpdates until an update comes, like Telegram's long polling
 *      ▲
 *   bot process: scripts/start.ts with BOT_API_ROOT = the front
 *
 * With --reingest, a report is added to (a copy of) the corpus half way and `ingest` runs while the
 * users ask: the running bot swaps the new index in; no question may be lost, and the new report must
 * then be answered.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringsFor } from '../bot/i18n.js';
import { type Config, loadDotenv, PROJECT_ROOT, STANDIN_MODEL_ID } from '../config.js';
import { indexStatus, ingest } from '../index/ingest.js';
import { parseCommandLine, SHARED_HELP, UsageError } from './options.js';

const HOST = '127.0.0.1';
const TOKEN = '424242:loadtest-token';

const HELP = `usage: npm run loadtest -- [options]
  --users N        simulated users, all at once (default 50)
  --questions M    questions per user, one after the other (default 20)
  --timeout S      stop after S seconds whatever happens (default 180)
  --reingest       add a report and re-ingest half way, while the bot answers
  --json           print the figures as one JSON line
${SHARED_HELP}
The index is built in a temporary folder (unless --index is given) with the configured model, the
offline stand-in when EMBED_MODEL is not set; nothing is downloaded.`;

/** A question and what its answer must contain or match (null: any well-formed reply). */
interface Probe {
  q: string;
  expect: string | RegExp | null;
}

const zh = stringsFor('zh');
export const QUESTIONS: Probe[] = [
  { q: '柏山镇组织了多少次普法宣传？', expect: '30余次' },
  { q: '矛盾调处中心接待了多少来访群众？', expect: '114人次' },
  { q: '集市宣传覆盖了多少人次？', expect: '2600余人次' },
  { q: '史村镇为多少个行政村配齐了法律明白人？', expect: '27个行政村' },
  { q: 'How many special meetings on telecom fraud did Baishan hold?', expect: '12次' },
  { q: '今年的高考分数线是多少？', expect: zh.noAnswer },
  { q: '😀😀😀', expect: zh.noAnswer },
  { q: '<b>柏山镇</b> &amp; 普法宣传 </blockquote>', expect: null },
  // 2,100 characters: searched by its first 500, which the reply says first, in italics.
  { q: '柏山镇普法宣传'.repeat(300), expect: /^<i>[^<]*500[^<]*<\/i>\n<blockquote>/ },
  { q: '史村镇怎样推进科学决策？', expect: null },
];
const NEW_REPORT = { file: '新河镇-2023年工作报告.txt', text: '一、水利建设\n新河镇疏浚河道十八公里，新建排灌站五座，受益农田两万亩。\n', probe: { q: '新河镇疏浚了多少公里河道？', expect: '十八公里' } };

export interface LoadOptions {
  users: number;
  questions: number;
  timeoutSeconds: number;
  reingest: boolean;
  config: Config;
  /** Use this index folder instead of a temporary one. */
  indexDir?: string;
  log?: (line: string) => void;
}

export interface LoadFigures {
  users: number;
  questionsPerUser: number;
  sent: number;
  answered: number;
  lost: number;
  duplicates: number;
  wrong: number;
  errors: number;
  latencyMs: { p50: number; p95: number; max: number; mean: number };
  seconds: number;
  perSecond: number;
  botPeakRssMb: number;
  loadtestPeakRssMb: number;
  passages: number;
  model: string;
  timedOut: boolean;
  reingest?: { swapped: boolean; newReportAnswered: boolean; ingestSeconds: number };
  samples: string[];
}

/** A free TCP port on the loopback address (also used by the bot tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Like sleep, but does not keep the process alive (for the far side of a race). */
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The emulator's server, as far as it is used here. */
export interface Emulator extends NodeJS.EventEmitter {
  config: { apiURL: string };
  storage: { botMessages: { botToken: string; message: { chat_id: number | string; text?: string; parse_mode?: string } }[] };
  getUpdates(token: string): unknown[];
  start(): Promise<void>;
  stop(): Promise<boolean>;
}

function postJson(url: string, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`emulator answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * In front of the emulator: getUpdates waits (up to its timeout) for an update, as Telegram's long polling
 * does, instead of the emulator's immediate empty answer; sendChatAction and setMyCommands, which the
 * emulator lacks, are accepted as Telegram would. Everything else is passed through.
 */
export async function longPollFront(emu: Emulator, emuPort: number): Promise<{ root: string; polled: Promise<void>; polls: () => number; close: () => Promise<void> }> {
  let firstPoll!: () => void;
  let polls = 0; // getUpdates calls so far: a new one confirms the batch before it, as on Telegram

  const polled = new Promise<void>((resolve) => (firstPoll = resolve));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
      const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      if (m && m[2] === 'getUpdates') {
        firstPoll();
        polls++;
        let timeout = 30;
        try {
          timeout = Number(JSON.parse(body.toString() || '{}').timeout ?? 30);
        } catch {
          // a form-encoded or empty body: the default
        }
        const until = Date.now() + Math.min(timeout, 30) * 1000;
        let closed = false;
        res.on('close', () => (closed = true));
        const events = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
        const attempt = () => {
          if (closed) return;
          const updates = emu.getUpdates(m[1]!);
          if (updates.length > 0 || Date.now() >= until) return reply(updates);
          const wake = () => {
            clearTimeout(timer);
            for (const e of events) emu.off(e, wake);
            attempt();
          };
          const timer = setTimeout(wake, Math.max(1, until - Date.now()));
          timer.unref(); // a poll the bot gave up (stopped) keeps nothing alive
          for (const e of events) emu.on(e, wake);
          res.once('close', () => {
            clearTimeout(timer);
            for (const e of events) emu.off(e, wake);
          });
        };
        return attempt();
      }
      if (m && ['sendChatAction', 'setMyCommands', 'deleteMyCommands'].includes(m[2]!)) return reply(true);
      // A fresh connection each time: a reused one that the emulator has just closed would fail the call.
      const upstream = http.request({ host: HOST, port: emuPort, path: req.url, method: req.method, headers: req.headers, agent: false }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  // Like Telegram's servers, keep the bot's idle connections open (Node's 5 s default races with reuse).
  server.keepAliveTimeout = 10 * 60_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
  return {
    root: `http://${HOST}:${port}`,
    polled,
    polls: () => polls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Peak resident memory of a process (Linux: VmHWM), in MB; 0 where it cannot be read. */
function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export async function runLoadTest(opts: LoadOptions): Promise<LoadFigures> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const deadline = started + opts.timeoutSeconds * 1000;
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'rqb-loadtest-'));
  const cleanup: (() => Promise<void> | void)[] = [() => fs.rmSync(temp, { recursive: true, force: true })];
  let child: ChildProcess | undefined;
  try {
    // The corpus (a copy when it will change) and the index.
    let corpusDirs = opts.config.corpusDirs;
    if (opts.reingest) {
      corpusDirs = corpusDirs.map((dir, i) => {
        const copy = path.join(temp, `corpus-${i}`);
        fs.cpSync(dir, copy, { recursive: true });
        return copy;
      });
    }
    const config: Config = { ...opts.config, corpusDirs, indexDir: opts.indexDir ?? path.join(temp, 'index') };
    if ((await indexStatus(config)).status !== 'ok') {
      log(`loadtest: building the index of ${corpusDirs.join(', ')} …`);
      await ingest(config, { log: () => {} });
    }

    // The emulator, its long-poll front, and the bot.
    const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (c: object) => Emulator;
    const emuPort = await freePort();
    const emu = new TelegramServer({ port: emuPort, host: HOST, storeTimeout: opts.timeoutSeconds + 600 });
    await emu.start();
    cleanup.push(() => emu.stop().then(() => {}));
    const front = await longPollFront(emu, emuPort);
    cleanup.push(front.close);

    const stderrLines: string[] = [];
    child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/start.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? temp,
        BOT_TOKEN: TOKEN,
        BOT_API_ROOT: front.root,
        WEBHOOK_URL: '',
        ALLOWED_IDS: '',
        INDEX_DIR: config.indexDir,
        CORPUS_DIRS: corpusDirs.join(','),
        EMBED_MODEL: config.model.id,
        EMBED_FALLBACK_MODEL: config.model.fallbackId,
        MODELS_DIR: config.model.localModelsDir,
        ALLOW_REMOTE_MODELS: 'false',
        RATE_LIMIT: String(Math.max(20, opts.questions + 5)),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const bot = child;
    let pending = '';
    bot.stderr!.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      stderrLines.push(...lines);
    });
    const exited = new Promise<number | null>((resolve) => bot.on('exit', (code) => resolve(code)));
    await Promise.race([front.polled, exited.then(() => Promise.reject(new Error(`the bot exited at start:\n${stderrLines.join('\n')}`))), later(60_000).then(() => Promise.reject(new Error('the bot did not start within 60 s')))]);

    // Replies, as the emulator stores them: each user waits for the next one in its chat.
    const inbox = new Map<number, { sent: number; texts: { text: string; parseMode?: string }[]; wake?: () => void }>();
    emu.on('AddedBotMessage', () => {
      const last = emu.storage.botMessages[emu.storage.botMessages.length - 1];
      if (!last || last.botToken !== TOKEN) return;
      const box = inbox.get(Number(last.message.chat_id));
      if (!box) return;
      box.texts.push({ text: String(last.message.text ?? ''), parseMode: last.message.parse_mode });
      box.wake?.();
    });

    const latencies: number[] = [];
    let answered = 0;
    let wrong = 0;
    let userErrors = 0;
    const samples: string[] = [];
    let phase2: Promise<LoadFigures['reingest']> | undefined;
    const total = opts.users * opts.questions;

    /** Sends a question as this user; resolves with the reply and its latency, or null when none came in time. */
    async function ask(userId: number, q: string): Promise<{ text: string; parseMode?: string; ms: number } | null> {
      const box = inbox.get(userId)!;
      const seen = box.texts.length;
      const t0 = performance.now();
      const message = {
        botToken: TOKEN,
        date: Math.floor(Date.now() / 1000),
        from: { id: userId, is_bot: false, first_name: `User${userId}`, username: `user${userId}`, language_code: 'zh' },
        chat: { id: userId, type: 'private', first_name: `User${userId}`, username: `user${userId}` },
        text: q,
      };
      box.sent++;
      await postJson(`${emu.config.apiURL}/sendMessage`, message);
      while (box.texts.length === seen) {
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          box.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return { ...box.texts[seen]!, ms: performance.now() - t0 };
    }

    const check = (probe: Probe, reply: { text: string; parseMode?: string }): boolean =>
      reply.text.length > 0 && reply.text.length <= 4096 && reply.parseMode === 'HTML' &&
      (probe.expect === null || (typeof probe.expect === 'string' ? reply.text.includes(probe.expect) : probe.expect.test(reply.text)));

    async function user(index: number): Promise<void> {
      const userId = 10_000 + index;
      inbox.set(userId, { sent: 0, texts: [] });
      for (let j = 0; j < opts.questions && Date.now() < deadline; j++) {
        const probe = QUESTIONS[(index + j) % QUESTIONS.length]!;
        let reply;
        try {
          reply = await ask(userId, probe.q);
        } catch (err) {
          userErrors++;
          log(`loadtest: user ${userId} could not send: ${(err as Error).message}`);
          continue;
        }
        if (!reply) break; // out of time: counted as lost
        answered++;
        latencies.push(reply.ms);
        if (!check(probe, reply)) {
          wrong++;
          if (samples.length < 5) samples.push(`${probe.q.slice(0, 40)} → ${reply.text.slice(0, 200)}`);
        }
        if (opts.reingest && !phase2 && answered >= total / 2) phase2 = reingestNow();
      }
    }

    /** Half way: a new report, ingested while the users go on; then it must be answered. */
    async function reingestNow(): Promise<LoadFigures['reingest']> {
      const t0 = performance.now();
      fs.writeFileSync(path.join(corpusDirs[0]!, NEW_REPORT.file), NEW_REPORT.text);
      await ingest(config, { log: () => {} });
      const ingestSeconds = round1((performance.now() - t0) / 1000);
      const probeUser = 9_999;
      inbox.set(probeUser, { sent: 0, texts: [] });
      let newReportAnswered = false;
      // The bot looks at the index every 2 s: ask until it answers from the new report (bounded).
      for (let i = 0; i < 20 && !newReportAnswered && Date.now() < deadline; i++) {
        const reply = await ask(probeUser, NEW_REPORT.probe.q);
        if (reply?.text.includes(NEW_REPORT.probe.expect)) newReportAnswered = true;
        else await sleep(500);
      }
      const swapped = stderrLines.some((l) => /index: now answering from gen-/.test(l));
      return { swapped, newReportAnswered, ingestSeconds };
    }

    const t0 = performance.now();
    await Promise.all(Array.from({ length: opts.users }, (_, i) => user(i)));
    const reingest = phase2 ? await phase2 : undefined;
    const seconds = (performance.now() - t0) / 1000;
    await sleep(300); // late duplicates, if any, arrive
    const botPeakRssMb = peakRssMb(bot.pid);

    // Every question gets one reply: more replies than questions in a chat are duplicates.
    let duplicates = 0;
    let sent = 0;
    for (const [id, box] of inbox) {
      duplicates += Math.max(0, box.texts.length - box.sent);
      if (id !== 9_999) sent += box.sent; // the re-ingest probe is not one of the N×M questions
    }
    // Users stop at the first unanswered question: what they did not get to send is lost too.
    const lost = total - answered;

    bot.kill('SIGTERM');
    const code = await Promise.race([exited, later(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') bot.kill('SIGKILL');
    const botErrors = stderrLines.filter((l) => / ERROR /.test(l) || /^Could not start|^Crashed/.test(l)).length;
    if (botErrors) for (const l of stderrLines.filter((x) => / ERROR /.test(x)).slice(0, 5)) samples.push(`bot: ${l}`);

    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      users: opts.users,
      questionsPerUser: opts.questions,
      sent,
      answered,
      lost,
      duplicates,
      wrong,
      errors: botErrors + userErrors + (code === 0 ? 0 : 1),
      latencyMs: {
        p50: round1(percentile(sorted, 0.5)),
        p95: round1(percentile(sorted, 0.95)),
        max: round1(sorted.at(-1) ?? 0),
        mean: round1(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
      },
      seconds: round1(seconds),
      perSecond: round1(answered / Math.max(seconds, 0.001)),
      botPeakRssMb,
      loadtestPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      passages: JSON.parse(fs.readFileSync(path.join(config.indexDir, fs.readFileSync(path.join(config.indexDir, 'CURRENT'), 'utf8').trim(), 'manifest.json'), 'utf8')).passageCount,
      model: config.model.id,
      timedOut: Date.now() >= deadline,
      reingest,
      samples,
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const step of cleanup.reverse()) await step();
  }
}

/** True when the run shows no fault at all. */
export function passed(f: LoadFigures): boolean {
  return f.answered === f.users * f.questionsPerUser && f.lost === 0 && f.duplicates === 0 && f.wrong === 0 && f.errors === 0 && !f.timedOut && (!f.reingest || (f.reingest.swapped && f.reingest.newReportAnswered));
}

export function formatFigures(f: LoadFigures): string {
  const lines = [
    `loadtest: ${f.users} users × ${f.questionsPerUser} questions, all users at once (model ${f.model}, ${f.passages} passages)`,
    `  answered ${f.answered}/${f.users * f.questionsPerUser}   lost ${f.lost}   duplicates ${f.duplicates}   wrong ${f.wrong}   errors ${f.errors}${f.timedOut ? '   TIMED OUT' : ''}`,
    `  reply latency: p50 ${f.latencyMs.p50} ms   p95 ${f.latencyMs.p95} ms   max ${f.latencyMs.max} ms   mean ${f.latencyMs.mean} ms`,
    `  ${f.answered} answers in ${f.seconds} s (${f.perSecond}/s)   bot peak RSS ${f.botPeakRssMb} MB   loadtest process peak RSS ${f.loadtestPeakRssMb} MB`,
  ];
  if (f.reingest) lines.push(`  re-ingest half way: ${f.reingest.ingestSeconds} s; swapped in: ${f.reingest.swapped ? 'yes' : 'NO'}; new report answered: ${f.reingest.newReportAnswered ? 'yes' : 'NO'}`);
  for (const s of f.samples) lines.push(`  ! ${s}`);
  lines.push(passed(f) ? 'PASS' : 'FAIL');
  return lines.join('\n');
}

function positive(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  // The offline stand-in unless a model is configured; never a download (only 127.0.0.1 is used).
  loadDotenv();
  process.env.EMBED_MODEL ??= STANDIN_MODEL_ID;
  process.env.ALLOW_REMOTE_MODELS = 'false';
  const { values, config } = await parseCommandLine(argv, {
    users: { type: 'string' },
    questions: { type: 'string' },
    timeout: { type: 'string' },
    reingest: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const figures = await runLoadTest({
    users: positive(values.users, 'users', 50, 1000),
    questions: positive(values.questions, 'questions', 20, 1000),
    timeoutSeconds: positive(values.timeout, 'timeout', 180, 3600),
    reingest: Boolean(values.reingest),
    config,
    indexDir: values.index ? config.indexDir : undefined,
  });
  process.stdout.write((values.json ? JSON.stringify(figures) : formatFigures(figures)) + '\n');
  return passed(figures) ? 0 : 1;
}
