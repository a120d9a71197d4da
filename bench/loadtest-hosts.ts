/**
 * `npm run loadtest -- --hosts N [--kill-one] [--restart-redis] [--state local]`: the bot on N real hosts
 * (each a network namespace with its own address, netns.ts), sharing state through Redis, behind nginx;
 * Redis, nginx and the Bot API front on a fourth address. Needs root (namespaces), nginx and redis-server.
 *
 *   users ─► emulator ◄─ front ──webhooks──► nginx (10.23.0.1) ──► bot on 10.23.0.11 / .12 / .13
 *                          ▲                                          │  REDIS_URL=redis://10.23.0.1
 *                          └──────────── replies (Bot API) ◄──────────┘  INDEX_DIR: one shared folder
 *
 * Each user (a private chat) repeats: a question; "详细点" (a follow-up that only makes sense with the
 * question before it, which likely reached another host); and a press of "full passage" under the first
 * answer (its answer stored by whichever host answered). With --kill-one, host 1 is cut off (its link
 * taken down; its processes live on) a third of the way through, for --cut-seconds (default 20), then
 * brought back. With --restart-redis, Redis is killed and started again (empty) two thirds of the way.
 * Afterwards one user sends more questions than RATE_LIMIT allows, spread by nginx over all hosts: no more
 * than the limit may be answered. Figures: questions answered, lost, answered twice, wrong, follow-ups
 * without their context, button failures, rate-limit bypass, p50/p95, answers per second.
 */
import { type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringsFor } from '../src/bot/i18n.js';
import type { Config } from '../src/config.js';
import { indexStatus, ingest } from '../src/index/ingest.js';
import { type Emulator, freePort, startFront } from '../test/support/bot-api-front.js';
import { NEW_REPORT, offlineLoadTestEnv, percentile, postJson as post, startBotProcess } from './loadtest.js';
import { RedisConnection } from '../src/cluster/redis-connection.js';
import { publishGeneration, takeIngestLock } from '../src/cluster/redis-coordination.js';
import { readLive } from '../src/index/store.js';
import { makeHostNetwork, netnsUnavailable } from '../test/support/netns.js';
import { findNginx, startNginx } from '../test/support/nginx.js';
import { parseCommandLine, SHARED_HELP, UsageError } from '../src/cli/options.js';
import { findRedis, type RedisServer, startRedis } from '../test/support/redis-server.js';

const TOKEN = '424243:loadtest-hosts-token';
const BOT_PORT = 8080;
const WEBHOOK_PATH = '/telegram';
/** Each cycle: a question and its follow-up (two questions), and a button press. */
const CYCLE = [
  { q: '柏山镇组织了多少次普法宣传？', expect: '30余次' },
  { q: '矛盾调处中心接待了多少来访群众？', expect: '114人次' },
  { q: '史村镇为多少个行政村配齐了法律明白人？', expect: '27个行政村' },
  { q: '集市宣传覆盖了多少人次？', expect: '2600余人次' },
];
const FOLLOW_UP = '详细点';
/** A press whose message is not edited within this long failed. */
const PRESS_TIMEOUT_MS = 45_000;

export interface HostsOptions {
  hosts: number;
  users: number;
  /** Cycles per user: 2 questions and a button press each. */
  cycles: number;
  killOne: boolean;
  cutSeconds: number;
  restartRedis: boolean;
  /** 'redis' (default) or each host's own folder ('local': the latency comparison on one host; what breaks on several). */
  state: 'redis' | 'local';
  rateLimit: number;
  timeoutSeconds: number;
  config: Config;
  log?: (line: string) => void;
}

export interface HostsFigures {
  hosts: number;
  state: 'redis' | 'local';
  users: number;
  questions: number;
  answered: number;
  lost: number;
  duplicates: number;
  wrong: number;
  followUpsWithoutContext: number;
  buttonPresses: number;
  buttonFailures: number;
  rateLimit: { limit: number; sent: number; answered: number; bypass: boolean } | null;
  /** A report added and ingested at the end: seconds until each host answered from the new generation (null: never), and the new report asked of all. */
  newIndex: { generation: string; secondsToSwap: (number | null)[]; asked: number; answered: number } | null;
  latencyMs: { p50: number; p95: number; max: number };
  seconds: number;
  perSecond: number;
  cut?: { host: string; seconds: number; afterAnswers: number };
  redisRestart?: { afterAnswers: number; downSeconds: number };
  /** Error lines of the hosts not cut off (and of all hosts when none was). */
  botErrors: number;
  /** Error lines of the host cut off (its Bot API calls fail while its link is down). */
  cutHostErrors: number;
  botCrashes: number;
  /** Questions each host searched (rqb_questions_total): the load is spread. */
  questionsPerHost: number[];
  metrics: { claimsTakenOver: number; duplicatesAvoided: number; redisErrors: number; redelivered: number; unclaimed: number };
  timedOut: boolean;
  samples: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

function get(host: string, port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: p, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** A TCP relay from the hub address to a loopback port (the front listens on 127.0.0.1 only). */
function relay(host: string, port: number, to: number): Promise<{ close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const upstream = net.connect({ host: '127.0.0.1', port: to });
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  // Closing drops the connections too: one of a host cut off mid-request would otherwise hang open for ever.
  const close = () => {
    server.close();
    for (const s of sockets) s.destroy();
  };
  return new Promise((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve({ close })));
}

/** A counter's value summed over the bots' /metrics. */
function metric(texts: string[], name: string): number {
  let sum = 0;
  for (const text of texts) for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

export async function runHostsLoadTest(opts: HostsOptions): Promise<HostsFigures> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const why = netnsUnavailable();
  if (why) throw new Error(`--hosts needs network namespaces: ${why}`);
  const nginxBin = findNginx();
  if ('missing' in nginxBin) throw new Error(`--hosts needs nginx: ${nginxBin.missing}`);
  const redisBin = findRedis();
  if ('missing' in redisBin) throw new Error(`--hosts needs Redis: ${redisBin.missing}`);
  const zh = stringsFor('zh');

  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'rqb-hosts-'));
  fs.chmodSync(temp, 0o755);
  const cleanup: (() => Promise<unknown> | unknown)[] = [() => fs.rmSync(temp, { recursive: true, force: true })];
  const children: ChildProcess[] = [];
  const started = Date.now();
  const deadline = started + opts.timeoutSeconds * 1000;
  try {
    // One index, in a folder every host reads (a shared folder: NFS in a real deployment); a copy of the
    // corpus, as a report is added at the end.
    const corpusDirs = opts.config.corpusDirs.map((dir, i) => {
      const copy = path.join(temp, `shared-corpus-${i}`);
      fs.cpSync(dir, copy, { recursive: true });
      return copy;
    });
    const config: Config = { ...opts.config, corpusDirs, indexDir: path.join(temp, 'shared-index') };
    if ((await indexStatus(config)).status !== 'ok') {
      log(`loadtest: building the shared index of ${config.corpusDirs.join(', ')} …`);
      await ingest(config, { log: () => {} });
    }

    const net4 = makeHostNetwork(opts.hosts);
    cleanup.push(() => net4.teardown());
    // Interrupted (Ctrl-C, a timeout): the namespaces, the bots in them and Redis must not outlive the run.
    let redisNow: RedisServer | undefined;
    const onSignal = () => {
      for (const child of children) child.kill('SIGKILL');
      redisNow?.killNow();
      net4.teardown();
      process.exit(130);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    cleanup.push(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
    const redis = await startRedis({ bin: redisBin.bin, host: net4.hub, port: await freePort() });
    redisNow = redis;
    cleanup.push(() => redis.stop());

    const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (c: object) => Emulator;
    const emuPort = await freePort();
    const emu = new TelegramServer({ port: emuPort, host: '127.0.0.1', storeTimeout: opts.timeoutSeconds + 600 });
    await emu.start();
    cleanup.push(() => emu.stop());
    // The front waits 30 s for a webhook response, longer than a bot holds an answer back (20 s), as Telegram does.
    const front = await startFront(emu, emuPort, { webhookTimeoutMs: 30_000 });
    cleanup.push(front.close);
    const frontPort = Number(new URL(front.root).port);
    const relayServer = await relay(net4.hub, frontPort, frontPort);
    cleanup.push(() => relayServer.close());
    const nginx = await startNginx({ bin: nginxBin.bin, dir: path.join(temp, 'nginx'), upstreams: net4.hosts.map((h) => `${h.address}:${BOT_PORT}`), webhookPath: WEBHOOK_PATH, listen: net4.hub });
    cleanup.push(nginx.stop);

    const lines: string[] = [];
    let crashes = 0;
    const bots = net4.hosts.map((h, i) => {
      const bot = startBotProcess(
        {
          BOT_TOKEN: TOKEN,
          BOT_API_ROOT: `http://${net4.hub}:${frontPort}`,
          WEBHOOK_URL: `${nginx.url}${WEBHOOK_PATH}`,
          WEBHOOK_HOST: h.address,
          WEBHOOK_PORT: String(BOT_PORT),
          REDIS_URL: opts.state === 'redis' ? redis.url : '',
          // Without Redis each host would generate a secret of its own (and the last setWebhook wins): set one, as DEPLOY.md says.
          ...(opts.state === 'local' ? { WEBHOOK_SECRET: 'loadtest-hosts-one-secret-for-all' } : {}),
          STATE_DIR: path.join(temp, `state-${i + 1}`), // each host its own: what they share goes through Redis
          INDEX_DIR: config.indexDir,
          CORPUS_DIRS: config.corpusDirs.join(','),
          EMBED_MODEL: config.model.id,
          EMBED_FALLBACK_MODEL: config.model.fallbackId,
          MODELS_DIR: config.model.localModelsDir,
          RATE_LIMIT: String(opts.rateLimit),
          RATE_WINDOW_MS: String(Math.max(60_000, opts.timeoutSeconds * 1000)),
          CLAIM_LEASE_MS: '5000',
        },
        'tsx',
        (line) => lines.push(`[host ${i + 1}] ${line}`),
        net4.exec(i),
      );
      void bot.exited.then((code) => {
        if (!stopping) crashes++, log(`loadtest: the bot on host ${i + 1} exited (${code})`);
      });
      return bot;
    });
    let stopping = false;
    children.push(...bots.map((b) => b.child));
    for (const [i, h] of net4.hosts.entries()) {
      for (const until = Date.now() + 90_000; (await get(h.address, BOT_PORT, '/healthz')).status !== 200; await sleep(200)) {
        if (Date.now() > until || crashes) throw new Error(`the bot on host ${i + 1} did not start:\n${lines.slice(-10).join('\n')}`);
      }
    }
    await front.ready;
    log(`loadtest: ${opts.hosts} host(s) up (${net4.hosts.map((h) => h.address).join(', ')}); Redis and nginx on ${net4.hub}`);

    // Each chat's bot messages as they arrive (a stored message object: edits change it in place).
    type Stored = { messageId: number; message: { text?: string; reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] } } };
    const inbox = new Map<number, { sent: number; got: Stored[]; wake?: () => void }>();
    emu.on('AddedBotMessage', () => {
      const last = emu.storage.botMessages.at(-1) as unknown as Stored & { botToken: string; message: { chat_id: number } };
      const box = last && inbox.get(Number(last.message.chat_id));
      if (!box) return;
      box.got.push(last);
      box.wake?.();
    });
    const waitFor = async <T>(probe: () => T | undefined, box?: { wake?: () => void }, until = deadline): Promise<T | undefined> => {
      for (;;) {
        const found = probe();
        if (found !== undefined) return found;
        if (Date.now() > Math.min(until, deadline)) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          if (box) box.wake = () => (clearTimeout(timer), resolve());
        });
      }
    };
    const from = (id: number) => ({ id, is_bot: false, first_name: `U${id}`, username: `u${id}`, language_code: 'zh' });
    const chat = (id: number) => ({ id, type: 'private', first_name: `U${id}`, username: `u${id}` });
    const say = (id: number, text: string) => post(`${emu.config.apiURL}/sendMessage`, { botToken: TOKEN, date: Math.floor(Date.now() / 1000), from: from(id), chat: chat(id), text });

    let answered = 0;
    let wrong = 0;
    let followUpsWithoutContext = 0;
    let presses = 0;
    let buttonFailures = 0;
    const latencies: number[] = [];
    const samples: string[] = [];
    const total = opts.users * opts.cycles * 2;
    let cut: HostsFigures['cut'];
    let redisRestart: HostsFigures['redisRestart'];
    let events: Promise<void>[] = [];

    async function ask(id: number, text: string): Promise<Stored | undefined> {
      const box = inbox.get(id)!;
      const seen = box.got.length;
      const t0 = performance.now();
      box.sent++;
      await say(id, text);
      const reply = await waitFor(() => box.got[seen], box);
      if (reply) {
        answered++;
        latencies.push(performance.now() - t0);
        if (opts.killOne && !cut && answered >= total / 3) events.push(cutOff());
        if (opts.restartRedis && !redisRestart && answered >= (2 * total) / 3) events.push(restartRedis());
      }
      return reply;
    }

    async function cutOff(): Promise<void> {
      cut = { host: net4.hosts[0]!.address, seconds: opts.cutSeconds, afterAnswers: answered };
      log(`loadtest: host 1 (${cut.host}) cut off after ${answered} answers, for ${opts.cutSeconds} s`);
      net4.cut(0);
      await sleep(opts.cutSeconds * 1000);
      net4.restore(0);
      log('loadtest: host 1 back');
    }

    async function restartRedis(): Promise<void> {
      redisRestart = { afterAnswers: answered, downSeconds: 3 };
      log(`loadtest: Redis killed after ${answered} answers; started again (empty) in 3 s`);
      await redis.kill();
      await sleep(3000);
      await redis.restart();
    }

    async function user(index: number): Promise<void> {
      const id = 20_000 + index;
      inbox.set(id, { sent: 0, got: [] });
      for (let c = 0; c < opts.cycles && Date.now() < deadline; c++) {
        const probe = CYCLE[(index + c) % CYCLE.length]!;
        const first = await ask(id, probe.q);
        if (!first) return;
        if (!first.message.text?.includes(probe.expect)) {
          wrong++;
          if (samples.length < 6) samples.push(`${probe.q} → ${first.message.text?.slice(0, 120)}`);
        }
        const more = await ask(id, FOLLOW_UP);
        if (!more) return;
        if (!more.message.text?.includes(probe.expect)) {
          followUpsWithoutContext++;
          if (samples.length < 6) samples.push(`${FOLLOW_UP} after ${probe.q} → ${more.message.text?.slice(0, 120)}`);
        }
        // "Full passage" under the first answer: its answer is found by whichever host gets the press.
        const full = first.message.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data?.startsWith('f:'));
        if (!full) continue;
        presses++;
        const before = first.message.text;
        await post(`${emu.config.apiURL}/sendCallback`, { botToken: TOKEN, date: Math.floor(Date.now() / 1000), from: from(id), message: { message_id: first.messageId, chat: chat(id) }, data: full.callback_data });
        // A press reaching a cut-off host is delivered again after nginx and the front give up (~15 s).
        const edited = await waitFor(() => (first.message.text !== before ? true : undefined), undefined, Date.now() + PRESS_TIMEOUT_MS);
        if (!edited) buttonFailures++;
      }
    }

    const t0 = performance.now();
    // Progress with an ETA, every 10 s.
    const ticker = setInterval(() => {
      const rate = answered / ((performance.now() - t0) / 1000);
      log(`loadtest: ${answered}/${total} questions answered, ${presses} presses, ${rate.toFixed(1)}/s, ETA ${rate > 0 ? Math.round((total - answered) / rate) : '?'} s`);
    }, 10_000);
    await Promise.all(Array.from({ length: opts.users }, (_, i) => user(i))).finally(() => clearInterval(ticker));
    const seconds = (performance.now() - t0) / 1000;
    const mainAnswered = answered; // the probes below are not among the N×M questions
    const mainLatencies = [...latencies];
    await Promise.all(events);
    events = [];

    // No rate-limit bypass: one user sends more than the limit at once; nginx spreads them over the hosts.
    let rateLimit: HostsFigures['rateLimit'] = null;
    if (Date.now() < deadline) {
      const id = 29_999;
      inbox.set(id, { sent: 0, got: [] });
      const sent = opts.rateLimit + Math.max(5, Math.ceil(opts.rateLimit / 2));
      await Promise.all(Array.from({ length: sent }, () => say(id, CYCLE[0]!.q)));
      await sleep(5000);
      const box = inbox.get(id)!;
      const notices = box.got.filter((m) => m.message.text === zh.rateLimited(Math.ceil(Math.max(60_000, opts.timeoutSeconds * 1000) / 1000))).length;
      const got = box.got.length - notices;
      rateLimit = { limit: opts.rateLimit, sent, answered: got, bypass: got > opts.rateLimit };
      inbox.delete(id);
    }

    // One index for all hosts: a report is added and ingested here (as on one of the hosts: under the
    // deployment's lock, then announced); every host must swap the new generation in and answer from it.
    let newIndex: HostsFigures['newIndex'] = null;
    if (opts.state === 'redis' && Date.now() < deadline) {
      const conn = new RedisConnection({ url: redis.url, prefix: 'rqb:' });
      try {
        fs.writeFileSync(path.join(corpusDirs[0]!, NEW_REPORT.file), NEW_REPORT.text);
        const release = await takeIngestLock(conn, 'loadtest re-ingest');
        await ingest(config, { log: () => {} }).finally(release);
        const generation = readLive(config.indexDir)!.manifest.generation;
        const t1 = performance.now();
        await publishGeneration(conn, generation);
        const swapped = await Promise.all(net4.hosts.map(async (h) => {
          for (const until = Date.now() + 15_000; Date.now() < until; await sleep(50)) {
            if (JSON.parse((await get(h.address, BOT_PORT, '/healthz')).body || '{}').generation === generation) return round1((performance.now() - t1) / 1000);
          }
          return null;
        }));
        const id = 29_998;
        inbox.set(id, { sent: 0, got: [] });
        let answeredNew = 0;
        for (let i = 0; i < 2 * opts.hosts; i++) if ((await ask(id, NEW_REPORT.probe.q))?.message.text?.includes(NEW_REPORT.probe.expect)) answeredNew++;
        newIndex = { generation, secondsToSwap: swapped, asked: 2 * opts.hosts, answered: answeredNew };
      } finally {
        await conn.close();
      }
    }

    await sleep(1000); // late duplicates, if any, arrive
    let duplicates = 0;
    for (const box of inbox.values()) duplicates += Math.max(0, box.got.length - box.sent);
    const metricTexts = await Promise.all(net4.hosts.map((h) => get(h.address, BOT_PORT, '/metrics').then((r) => r.body)));
    stopping = true;
    for (const b of bots) b.child.kill('SIGTERM');
    await Promise.all(bots.map((b) => Promise.race([b.exited, sleep(15_000)])));
    // The host cut off fails the Bot API calls it makes meanwhile (logged as errors): expected, counted apart.
    const errorLines = lines.filter((l) => / ERROR /.test(l) || /Crashed/.test(l));
    const cutHost = cut ? '[host 1] ' : '\u0000';
    const botErrors = errorLines.filter((l) => !l.startsWith(cutHost));
    for (const l of botErrors.slice(0, 4)) samples.push(l);
    if (answered < total) for (const l of lines.slice(-8)) samples.push(`last bot lines: ${l}`);
    const sorted = mainLatencies.sort((a, b) => a - b);
    return {
      hosts: opts.hosts,
      state: opts.state,
      users: opts.users,
      questions: total,
      answered: mainAnswered,
      lost: total - mainAnswered,
      duplicates,
      wrong,
      followUpsWithoutContext,
      buttonPresses: presses,
      buttonFailures,
      rateLimit,
      newIndex,
      latencyMs: { p50: round1(percentile(sorted, 0.5)), p95: round1(percentile(sorted, 0.95)), max: round1(sorted.at(-1) ?? 0) },
      seconds: round1(seconds),
      perSecond: round1(mainAnswered / Math.max(seconds, 0.001)),
      cut,
      redisRestart,
      botErrors: botErrors.length,
      cutHostErrors: errorLines.length - botErrors.length,
      botCrashes: crashes,
      questionsPerHost: metricTexts.map((t) => metric([t], 'rqb_questions_total')),
      metrics: {
        claimsTakenOver: metric(metricTexts, 'rqb_claims_taken_over_total'),
        duplicatesAvoided: metric(metricTexts, 'rqb_duplicates_avoided_total'),
        redisErrors: metric(metricTexts, 'rqb_redis_errors_total'),
        redelivered: metric(metricTexts, 'rqb_webhook_redelivered_total'),
        unclaimed: metric(metricTexts, 'rqb_webhook_unclaimed_total'),
      },
      timedOut: Date.now() >= deadline,
      samples,
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Each step bounded: a stuck one must not keep the namespaces (torn down last) alive.
    for (const step of cleanup.reverse()) await Promise.race([Promise.resolve().then(step).catch(() => {}), sleep(10_000)]);
  }
}

/** The targets: nothing lost, nothing twice, every follow-up and button worked, no rate-limit bypass, no crash. */
export function hostsPassed(f: HostsFigures): boolean {
  const strict = !f.redisRestart; // an emptied Redis forgets claims, answers and conversations: said, not failed
  return (
    f.lost === 0 && f.wrong === 0 && f.botCrashes === 0 && !f.timedOut && !(f.rateLimit?.bypass ?? false) &&
    (!f.newIndex || (f.newIndex.answered === f.newIndex.asked && f.newIndex.secondsToSwap.every((x) => x !== null))) &&
    (!strict || (f.duplicates === 0 && f.followUpsWithoutContext === 0 && f.buttonFailures === 0 && f.botErrors === 0))
  );
}

export function formatHostsFigures(f: HostsFigures): string {
  const lines = [
    `loadtest --hosts ${f.hosts}: ${f.users} users, ${f.questions} questions and ${f.buttonPresses} button presses; state in ${f.state === 'redis' ? 'Redis' : 'the local folder'}`,
    `  answered ${f.answered}/${f.questions}   lost ${f.lost}   answered twice ${f.duplicates}   wrong ${f.wrong}   follow-ups without context ${f.followUpsWithoutContext}   button failures ${f.buttonFailures}/${f.buttonPresses}`,
    `  reply latency: p50 ${f.latencyMs.p50} ms   p95 ${f.latencyMs.p95} ms   max ${f.latencyMs.max} ms;   ${f.answered} answers in ${f.seconds} s (${f.perSecond}/s)`,
  ];
  if (f.rateLimit) lines.push(`  rate limit ${f.rateLimit.limit}: one user sent ${f.rateLimit.sent} at once over all hosts, ${f.rateLimit.answered} answered${f.rateLimit.bypass ? '   BYPASSED' : ''}`);
  if (f.newIndex) lines.push(`  a report added and ingested: every host on ${f.newIndex.generation} after ${f.newIndex.secondsToSwap.map((x) => (x === null ? 'NEVER' : `${x} s`)).join(' / ')}; the new report answered ${f.newIndex.answered}/${f.newIndex.asked}`);
  if (f.cut) lines.push(`  host ${f.cut.host} cut off for ${f.cut.seconds} s after ${f.cut.afterAnswers} answers`);
  if (f.redisRestart) lines.push(`  Redis killed after ${f.redisRestart.afterAnswers} answers and started again, empty, ${f.redisRestart.downSeconds} s later`);
  lines.push(`  questions searched per host: ${f.questionsPerHost.join(' / ')}`);
  lines.push(`  bots: ${f.botCrashes} crashed, ${f.botErrors} error lines${f.cut ? ` (and ${f.cutHostErrors} on the host cut off)` : ''}; metrics: ${f.metrics.claimsTakenOver} claims taken over, ${f.metrics.duplicatesAvoided} answers fenced off, ${f.metrics.redelivered} re-deliveries not answered again, ${f.metrics.unclaimed} answered without a claim, ${f.metrics.redisErrors} Redis errors`);
  for (const s of f.samples) lines.push(`  ! ${s}`);
  lines.push(hostsPassed(f) ? 'PASS' : 'FAIL');
  return lines.join('\n');
}

function whole(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

const HELP = `usage: npm run loadtest -- --hosts N [options]   (root: network namespaces; nginx and redis-server installed)
  --hosts N          bot hosts, each in its own network namespace (1 to 6)
  --users N          simulated users (default 50)
  --cycles M         per user: a question, its follow-up "详细点" and a button press (default 10)
  --kill-one         cut host 1 off (link down) a third of the way through
  --cut-seconds S    for this long (default 20)
  --restart-redis    kill Redis two thirds of the way through and start it again, empty
  --state local      each host's own state folder instead of Redis: one host for the latency comparison;
                     several show what breaks without shared state (follow-ups, buttons, rate limits)
  --rate-limit N     RATE_LIMIT of the bots (default 60)
  --timeout S        stop after S seconds whatever happens (default 900)
  --json             print the figures as one JSON line
${SHARED_HELP}`;

export async function hostsMain(argv: string[]): Promise<number> {
  offlineLoadTestEnv();
  const { values, config } = await parseCommandLine(argv, {
    hosts: { type: 'string' },
    users: { type: 'string' },
    cycles: { type: 'string' },
    'kill-one': { type: 'boolean' },
    'cut-seconds': { type: 'string' },
    'restart-redis': { type: 'boolean' },
    state: { type: 'string' },
    'rate-limit': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return void process.stdout.write(HELP + '\n'), 0;
  const hosts = whole(values.hosts, 'hosts', 3, 1, 6);
  const state = (values.state ?? 'redis') as string;
  if (state !== 'redis' && state !== 'local') throw new UsageError(`--state must be redis or local, got "${state}"`);
  if (values['kill-one'] && hosts < 2) throw new UsageError('--kill-one needs --hosts 2 or more');
  const figures = await runHostsLoadTest({
    hosts,
    users: whole(values.users, 'users', 50, 1, 1000),
    cycles: whole(values.cycles, 'cycles', 10, 1, 1000),
    killOne: Boolean(values['kill-one']),
    cutSeconds: whole(values['cut-seconds'], 'cut-seconds', 20, 1, 600),
    restartRedis: Boolean(values['restart-redis']),
    state,
    rateLimit: whole(values['rate-limit'], 'rate-limit', 60, 1, 10000),
    timeoutSeconds: whole(values.timeout, 'timeout', 900, 10, 3600),
    config,
  });
  process.stdout.write((values.json ? JSON.stringify(figures) : formatHostsFigures(figures)) + '\n');
  return hostsPassed(figures) ? 0 : 1;
}
