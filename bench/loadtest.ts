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
 *
 * With --admin-upload FILE --admin-remove REPORT, an admin sends FILE as a document a third of the way
 * through and removes REPORT at two thirds, while the users ask (loadtest-admin.ts): no answer that
 * waited during those changes may come later than 2 s beyond the p95 of the same run's answers outside them.
 *
 * With --webhook, the bots run in webhook mode behind Debian's nginx instead, and the front delivers
 * updates to nginx as Telegram does (secret header, delivered again until acknowledged):
 *
 *   front ──► nginx (127.0.0.1) ──► bot process 1 … N (--instances N), one index, one state folder
 *
 * With --kill-one, one bot process is killed (SIGKILL) a third of the way through: every question must
 * still be answered exactly once (the front delivers again what the dead process did not acknowledge;
 * the claims in the shared state folder keep an update from being answered twice).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { stringsFor } from '../src/bot/i18n.js';
import { type Config, loadDotenv, PROJECT_ROOT, SERVING_NODE_FLAGS, STANDIN_MODEL_ID } from '../src/config.js';
import { indexStatus, ingest } from '../src/index/ingest.js';
import { type DeliveryStats, type Emulator, freePort, startFront } from '../test/support/bot-api-front.js';
import { ADMIN_ID, type AdminFigures, adminFaults, type AdminPlan, AdminSession, type AnswerTime, formatAdmin } from './loadtest-admin.js';
import { findNginx, type Nginx, startNginx } from '../test/support/nginx.js';
import { parseCommandLine, SHARED_HELP, UsageError } from '../src/cli/options.js';

const HOST = '127.0.0.1';
const TOKEN = '424242:loadtest-token';

const HELP = `usage: npm run loadtest -- [options]
  --users N        simulated users, all at once (default 50)
  --questions M    questions per user, one after the other (default 20)
  --timeout S      stop after S seconds whatever happens (default 180)
  --reingest       add a report and re-ingest half way, while the bot answers
  --admin-upload FILE    an admin sends FILE as a document a third of the way through
  --admin-remove REPORT  and then removes REPORT, a report of the first --corpus folder, at two thirds
  --webhook        webhook mode behind Debian's nginx (needs nginx installed), instead of long polling
  --instances N    bot processes behind nginx, with --webhook (default 1)
  --kill-one       SIGKILL one bot process a third of the way through
  --dist           run the built production entry (dist/scripts/start.js; npm run build first)
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
  // 2,100 characters: searched by its first 500, which the reply says first, in italics (then, maybe, the
  // reports the search was limited to, and the answer line).
  { q: '柏山镇普法宣传'.repeat(300), expect: /^<i>[^<]*500[^<]*<\/i>\n(<i>[^<]*<\/i>\n)?(.+\n)?<blockquote>/ },
  { q: '史村镇怎样推进科学决策？', expect: null },
];
export const NEW_REPORT = { file: '新河镇-2023年工作报告.txt', text: '一、水利建设\n新河镇疏浚河道十八公里，新建排灌站五座，受益农田两万亩。\n', probe: { q: '新河镇疏浚了多少公里河道？', expect: '十八公里' } };

export interface LoadOptions {
  users: number;
  questions: number;
  timeoutSeconds: number;
  reingest: boolean;
  config: Config;
  /** Use this index folder instead of a temporary one. */
  indexDir?: string;
  log?: (line: string) => void;
  /** Webhook mode behind nginx (long polling otherwise). */
  webhook?: boolean;
  /** Bot processes behind nginx (webhook mode; default 1). */
  instances?: number;
  /** SIGKILL one bot process a third of the way through. */
  killOne?: boolean;
  /** Which start: scripts/start.ts through tsx (default), or the built dist/scripts/start.js. */
  entry?: BotEntry;
  /** An admin uploads a report and removes another while the users ask (on copies of the corpus folders). */
  admin?: AdminPlan;
}

export type BotEntry = 'tsx' | 'dist';

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
  /** CPU time the bot processes spent during the load, per answer (all processes together). */
  botCpuMsPerAnswer: number;
  loadtestPeakRssMb: number;
  passages: number;
  model: string;
  timedOut: boolean;
  reingest?: { swapped: boolean; newReportAnswered: boolean; ingestSeconds: number };
  instances: number;
  mode: 'polling' | 'webhook';
  /** Webhook calls (from the front) and re-delivered updates the bots recognised and did not answer again. */
  webhook?: DeliveryStats & { skippedByClaims: number };
  killed?: { pid: number; afterAnswers: number };
  admin?: AdminFigures;
  samples: string[];
}

export { freePort };

const WEBHOOK_PATH = '/telegram';

export interface BotProcess {
  child: ChildProcess;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Starts the bot (`npm start`'s script, or the built production entry) as its own process with the
 * offline model and the given environment; each stderr line goes to onLine.
 */
export function startBotProcess(env: Record<string, string>, entry: BotEntry, onLine: (line: string) => void, prefix: string[] = []): BotProcess {
  const args = [...SERVING_NODE_FLAGS, ...(entry === 'dist' ? [path.join(PROJECT_ROOT, 'dist/scripts/start.js')] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/start.ts')])];
  // prefix: a command that runs node elsewhere (`ip netns exec HOST`, loadtest-hosts.ts).
  const child = spawn(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), ...args], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      BOT_TOKEN: TOKEN,
      WEBHOOK_URL: '',
      ALLOWED_IDS: '',
      ALLOW_REMOTE_MODELS: 'false',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let pending = '';
  child.stderr!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

/** Resolves once GET /healthz on this port answers 200 (polls every 100 ms); rejects after timeoutMs. */
export async function healthy(port: number, timeoutMs = 60_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; ; ) {
    if (Date.now() > until) throw new Error(`no healthy bot on port ${port} within ${timeoutMs} ms`);
    const status = await new Promise<number>((resolve) =>
      http.get({ host: HOST, port, path: '/healthz' }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', () => resolve(0)),
    );
    if (status === 200) return;
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Like sleep, but does not keep the process alive (for the far side of a race). */
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function postJson(url: string, body: unknown): Promise<void> {
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

/** CPU seconds (user + system) a process has used so far (Linux: /proc/PID/stat); 0 where it cannot be read. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
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

export function percentile(sorted: number[], q: number): number {
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
  const children: ChildProcess[] = [];
  try {
    // The corpus (a copy when it will change) and the index.
    let corpusDirs = opts.config.corpusDirs;
    if (opts.reingest || opts.admin) {
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

    // The emulator, its Telegram-like front, nginx (webhook mode), and the bot process(es).
    const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (c: object) => Emulator;
    const emuPort = await freePort();
    const emu = new TelegramServer({ port: emuPort, host: HOST, storeTimeout: opts.timeoutSeconds + 600 });
    await emu.start();
    cleanup.push(() => emu.stop().then(() => {}));
    const front = await startFront(emu, emuPort);
    cleanup.push(front.close);

    const instances = opts.webhook ? (opts.instances ?? 1) : 1;
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
    let nginx: Nginx | undefined;
    if (opts.webhook) {
      const found = findNginx();
      if ('missing' in found) throw new Error(`--webhook needs nginx: ${found.missing}`);
      nginx = await startNginx({ bin: found.bin, dir: path.join(temp, 'nginx'), upstreams: ports, webhookPath: WEBHOOK_PATH });
      cleanup.push(nginx.stop);
    }
    const stderrLines: string[] = [];
    const bots = ports.map((port, i) =>
      startBotProcess(
        {
          BOT_API_ROOT: front.root,
          WEBHOOK_URL: nginx ? `${nginx.url}${WEBHOOK_PATH}` : '',
          WEBHOOK_PORT: String(port),
          STATE_DIR: path.join(temp, 'state'),
          INDEX_DIR: config.indexDir,
          CORPUS_DIRS: corpusDirs.join(','),
          EMBED_MODEL: config.model.id,
          EMBED_FALLBACK_MODEL: config.model.fallbackId,
          MODELS_DIR: config.model.localModelsDir,
          RATE_LIMIT: String(Math.max(20, opts.questions + 5)),
          ADMIN_IDS: opts.admin ? String(ADMIN_ID) : '',
          REPORT_CHILD_NICENESS: String(config.bot.reportChildNiceness),
        },
        opts.entry ?? 'tsx',
        (line) => stderrLines.push(instances > 1 ? `[bot ${i + 1}] ${line}` : line),
      ),
    );
    children.push(...bots.map((b) => b.child));
    const anyExit = Promise.race(bots.map((b) => b.exited)).then(() => Promise.reject(new Error(`a bot exited at start:\n${stderrLines.join('\n')}`)));
    const ready = Promise.all([front.ready, ...(opts.webhook ? ports.map((port) => healthy(port)) : [])]);
    await Promise.race([ready, anyExit, later(60_000).then(() => Promise.reject(new Error('the bot did not start within 60 s')))]);

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
    const answerTimes: AnswerTime[] = [];
    let answered = 0;
    let wrong = 0;
    let userErrors = 0;
    const samples: string[] = [];
    let phase2: Promise<LoadFigures['reingest']> | undefined;
    let killed: LoadFigures['killed'];
    const total = opts.users * opts.questions;
    const admin = opts.admin
      ? new AdminSession(opts.admin, { emu, token: TOKEN, files: front.files, post: (m) => postJson(`${emu.config.apiURL}/sendMessage`, m), corpusDirs, deadline, log })
      : undefined;
    await admin?.prepare();

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
        const right = check(probe, reply);
        answerTimes.push({ at: performance.now(), ms: reply.ms, right });
        admin?.onAnswered(answered, total);
        if (!right) {
          wrong++;
          if (samples.length < 5) samples.push(`${probe.q.slice(0, 40)} → ${reply.text.slice(0, 200)}`);
        }
        if (opts.reingest && !phase2 && answered >= total / 2) phase2 = reingestNow();
        if (opts.killOne && !killed && answered >= total / 3) {
          killed = { pid: bots[0]!.child.pid!, afterAnswers: answered };
          measureCpu(killed.pid);
          bots[0]!.child.kill('SIGKILL');
          log(`loadtest: killed bot process ${killed.pid} (SIGKILL) after ${answered} answers`);
        }
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
    const cpuAtStart = new Map(bots.map((b) => [b.child.pid!, cpuSeconds(b.child.pid)]));
    const cpuUsed = new Map<number, number>(); // pid → CPU seconds during the load (the killed one: until killed)
    const measureCpu = (pid: number) => cpuUsed.set(pid, cpuSeconds(pid) - (cpuAtStart.get(pid) ?? 0));
    await Promise.all(Array.from({ length: opts.users }, (_, i) => user(i)));
    const reingest = phase2 ? await phase2 : undefined;
    const seconds = (performance.now() - t0) / 1000;
    const adminFigures = await admin?.finish(answerTimes, total);
    await sleep(300); // late duplicates, if any, arrive
    const botPeakRssMb = Math.max(...bots.map((b) => peakRssMb(b.child.pid)));
    for (const b of bots) if (b.child.pid !== killed?.pid) measureCpu(b.child.pid!);
    const botCpuSeconds = [...cpuUsed.values()].reduce((a, b) => a + b, 0);

    // Every question gets one reply: more replies than questions in a chat are duplicates.
    let duplicates = 0;
    let sent = 0;
    for (const [id, box] of inbox) {
      duplicates += Math.max(0, box.texts.length - box.sent);
      if (id !== 9_999) sent += box.sent; // the re-ingest probe is not one of the N×M questions
    }
    // Users stop at the first unanswered question: what they did not get to send is lost too.
    const lost = total - answered;

    // The survivors stop cleanly (exit 0) on SIGTERM.
    const survivors = bots.filter((b) => b.child.pid !== killed?.pid);
    for (const b of survivors) b.child.kill('SIGTERM');
    const codes = await Promise.all(survivors.map((b) => Promise.race([b.exited, later(15_000).then(() => 'timeout' as const)])));
    const unclean = codes.filter((c) => c !== 0).length;
    const skipped = stderrLines.filter((l) => /delivered again/.test(l)).length;
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
      errors: botErrors + userErrors + unclean,
      latencyMs: {
        p50: round1(percentile(sorted, 0.5)),
        p95: round1(percentile(sorted, 0.95)),
        max: round1(sorted.at(-1) ?? 0),
        mean: round1(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
      },
      seconds: round1(seconds),
      perSecond: round1(answered / Math.max(seconds, 0.001)),
      botPeakRssMb,
      botCpuMsPerAnswer: round1((1000 * botCpuSeconds) / Math.max(1, answered)),
      loadtestPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      passages: JSON.parse(fs.readFileSync(path.join(config.indexDir, fs.readFileSync(path.join(config.indexDir, 'CURRENT'), 'utf8').trim(), 'manifest.json'), 'utf8')).passageCount,
      model: config.model.id,
      timedOut: Date.now() >= deadline,
      reingest,
      instances,
      mode: opts.webhook ? 'webhook' : 'polling',
      webhook: opts.webhook ? { ...front.stats(), skippedByClaims: skipped } : undefined,
      killed,
      admin: adminFigures,
      samples,
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const step of cleanup.reverse()) await step();
  }
}

/** True when the run shows no fault at all. */
export function passed(f: LoadFigures): boolean {
  return f.answered === f.users * f.questionsPerUser && f.lost === 0 && f.duplicates === 0 && f.wrong === 0 && f.errors === 0 && !f.timedOut && (!f.reingest || (f.reingest.swapped && f.reingest.newReportAnswered)) && (!f.admin || adminFaults(f.admin).length === 0);
}

export function formatFigures(f: LoadFigures): string {
  const lines = [
    `loadtest: ${f.users} users × ${f.questionsPerUser} questions, all users at once (model ${f.model}, ${f.passages} passages)`,
    `  ${f.mode === 'webhook' ? `webhook mode behind nginx, ${f.instances} bot process${f.instances > 1 ? 'es' : ''}` : 'long polling, 1 bot process'}`,
    `  answered ${f.answered}/${f.users * f.questionsPerUser}   lost ${f.lost}   duplicates ${f.duplicates}   wrong ${f.wrong}   errors ${f.errors}${f.timedOut ? '   TIMED OUT' : ''}`,
    `  reply latency: p50 ${f.latencyMs.p50} ms   p95 ${f.latencyMs.p95} ms   max ${f.latencyMs.max} ms   mean ${f.latencyMs.mean} ms`,
    `  ${f.answered} answers in ${f.seconds} s (${f.perSecond}/s)   bot peak RSS ${f.botPeakRssMb} MB   loadtest process peak RSS ${f.loadtestPeakRssMb} MB`,
    `  bot CPU ${f.botCpuMsPerAnswer} ms per answer (≈ ${f.botCpuMsPerAnswer > 0 ? Math.round(1000 / f.botCpuMsPerAnswer) : '?'} answers/s per busy core)`,
  ];
  if (f.reingest) lines.push(`  re-ingest half way: ${f.reingest.ingestSeconds} s; swapped in: ${f.reingest.swapped ? 'yes' : 'NO'}; new report answered: ${f.reingest.newReportAnswered ? 'yes' : 'NO'}`);
  if (f.webhook) lines.push(`  webhook calls: ${f.webhook.delivered} acknowledged, ${f.webhook.failed} failed and retried; ${f.webhook.redelivered} updates delivered more than once, ${f.webhook.skippedByClaims} re-deliveries not answered again`);
  if (f.killed) lines.push(`  killed bot process ${f.killed.pid} (SIGKILL) after ${f.killed.afterAnswers} answers`);
  if (f.admin) lines.push(...formatAdmin(f.admin), ...adminFaults(f.admin).map((fault) => `  ! ${fault}`));
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

/** The load tests' environment: .env, the offline stand-in unless a model is configured, never a download (only 127.0.0.1 is used). */
export function offlineLoadTestEnv(): void {
  loadDotenv();
  process.env.EMBED_MODEL ??= STANDIN_MODEL_ID;
  process.env.ALLOW_REMOTE_MODELS = 'false';
}

export async function main(argv: string[]): Promise<number> {
  offlineLoadTestEnv();
  const { values, config } = await parseCommandLine(argv, {
    users: { type: 'string' },
    questions: { type: 'string' },
    timeout: { type: 'string' },
    reingest: { type: 'boolean' },
    webhook: { type: 'boolean' },
    instances: { type: 'string' },
    'kill-one': { type: 'boolean' },
    dist: { type: 'boolean' },
    json: { type: 'boolean' },
    'admin-upload': { type: 'string' },
    'admin-remove': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const instances = positive(values.instances, 'instances', 1, 16);
  if (instances > 1 && !values.webhook) throw new UsageError('--instances needs --webhook (several processes cannot long-poll one bot)');
  if (values['kill-one'] && instances < 2) throw new UsageError('--kill-one needs --instances 2 or more');
  const admin = adminPlan(values['admin-upload'] as string | undefined, values['admin-remove'] as string | undefined);
  if (admin && values.index) throw new UsageError('--admin-upload changes the corpus and the index: it works on copies in a temporary folder; leave out --index');
  const figures = await runLoadTest({
    users: positive(values.users, 'users', 50, 1000),
    questions: positive(values.questions, 'questions', 20, 1000),
    timeoutSeconds: positive(values.timeout, 'timeout', 180, 3600),
    reingest: Boolean(values.reingest),
    webhook: Boolean(values.webhook),
    instances,
    killOne: Boolean(values['kill-one']),
    entry: values.dist ? 'dist' : 'tsx',
    config,
    indexDir: values.index ? config.indexDir : undefined,
    admin,
  });
  process.stdout.write((values.json ? JSON.stringify(figures) : formatFigures(figures)) + '\n');
  return passed(figures) ? 0 : 1;
}

/** --admin-upload FILE and --admin-remove REPORT go together; the file must be readable. */
function adminPlan(uploadFile: string | undefined, removeQuery: string | undefined): AdminPlan | undefined {
  if (uploadFile === undefined && removeQuery === undefined) return undefined;
  if (!uploadFile || !removeQuery?.trim()) throw new UsageError('--admin-upload FILE and --admin-remove REPORT go together');
  if (!fs.statSync(uploadFile, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`--admin-upload: no such file: ${uploadFile}`);
  return { uploadFile: path.resolve(uploadFile), removeQuery: removeQuery.trim() };
}
