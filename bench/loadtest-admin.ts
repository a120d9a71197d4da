/**
 * The load test's admin (`npm run loadtest -- --admin-upload FILE --admin-remove REPORT`): while the
 * users ask, an admin (ADMIN_IDS) sends FILE to the bot as a Telegram document a third of the way
 * through the run (the front serves getFile and the download, bot-api-files.ts), and at two thirds
 * sends `/remove REPORT`. The bot does both in a child process
 * (bot/report-child.ts); what this measures is that the users do not notice (issue 20's target): no
 * answer that waited during the upload or the removal may come later than 2 s beyond the p95 of the
 * same run's answers outside them.
 *
 * Figures: the users' latency before, during and after each change, the baseline p95 (answers that
 * overlap neither change), the worst answer during a change beyond it, the upload's and removal's own
 * times and replies; after the run, that the uploaded report is answered from, that the removed one was
 * answered from before and is not any more, and that the corpus folders changed by exactly those files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shortRef } from '../src/search/answer-model.js';
import { summarize } from './stats.js';
import type { FrontFiles, TelegramDocument } from '../test/support/bot-api-files.js';
import type { Emulator } from '../test/support/bot-api-front.js';

/** The admin's Telegram user id (the users are 10000 and up). */
export const ADMIN_ID = 7_000;
/** Issue 20's bound: how much later than the baseline p95 an answer may come while the admin works. */
export const ALLOWED_BEYOND_P95_MS = 2_000;

export interface AdminPlan {
  /** The report to send as a document. */
  uploadFile: string;
  /** What to name in `/remove` (a report the users do not ask about). */
  removeQuery: string;
}

/** One user's answer: when it arrived (performance.now(), ms), how long it took, and whether it was right. */
export interface AnswerTime {
  at: number;
  ms: number;
  right: boolean;
}

export interface PhaseLatency {
  /** before, during or after the admin's work (between: after the upload, before the removal); and, of those during it, the ones that overlap the upload, and the removal. */
  phase: 'before' | 'during' | 'between' | 'after' | 'upload' | 'removal';
  answers: number;
  wrong: number;
  p50: number;
  p95: number;
  max: number;
}

export interface AdminFigures {
  upload: { file: string; kb: number; afterAnswers: number; seconds: number; reply: string; added: boolean };
  removal: { query: string; afterAnswers: number; seconds: number; reply: string; removed: boolean };
  phases: PhaseLatency[];
  /** p95 of the answers that overlap neither the upload nor the removal. */
  baselineP95: number;
  /** The slowest answer that overlaps the upload or the removal, less baselineP95 (negative: faster). */
  worstBeyondP95Ms: number;
  /** The same for the answers outside both (the run's own spread, for comparison). */
  worstOutsideBeyondP95Ms: number;
  /** Answers overlapping the upload or the removal later than baselineP95 + ALLOWED_BEYOND_P95_MS. */
  tooSlow: number;
  /** The machine's 1-minute load average at the start, when each change was sent and answered, and at the end. */
  loadAverage: { start: number; upload: [number, number]; removal: [number, number]; end: number };
  after: {
    /** The question the bot suggested for the new report is answered from it. */
    uploadedAnswered: boolean;
    /** A question naming the removed report was answered from it before the removal, and is not after. */
    removedAnsweredBefore: boolean;
    removedGone: boolean;
    /** The corpus folders gained the uploaded file and lost the removed one, nothing else. */
    corpusAsExpected: boolean;
    corpusChange: string;
  };
}

/** What the session needs from the load test: the emulator, the front's files, and how to post a user message. */
export interface AdminIo {
  emu: Emulator;
  token: string;
  files: FrontFiles;
  post: (message: object) => Promise<void>;
  corpusDirs: string[];
  /** Stop waiting for replies at this time (Date.now()). */
  deadline: number;
  log: (line: string) => void;
}

interface Window {
  start: number;
  end: number;
  afterAnswers: number;
  /** 1-minute load average when sent and when answered. */
  load: [number, number];
}

const loadAverage = () => round1(os.loadavg()[0]!);

const UPLOADED = /^已收录《(.+?)》/;
const REMOVED = /^已删除《(.+?)》（(.+?)，\d+ 段）/;
/** Every reply to /remove (done, refused, failed); the upload's replies can come between them. */
const REMOVAL_REPLY = /^(已删除《|没有删除：|抱歉，删除报告时)/;

/** Every file below the corpus folders (hidden ones too: a stray temp file is a fault), as full paths. */
function listing(dirs: string[]): Set<string> {
  return new Set(dirs.flatMap((dir) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile())));
}

/** The start of the short reference the bot prints under a quote from this report: 〔国务院 1955. */
function refOf(source: string, title: string): string {
  return shortRef({ source, title, sectionPath: [] }).replace(/〕$/, '');
}

export class AdminSession {
  private readonly startListing: Set<string>;
  private removedProbeBefore = '';
  private upload?: Promise<void>;
  private removal?: Promise<void>;
  private uploadWindow?: Window;
  private removalWindow?: Window;
  private uploadReply = '';
  private removalReply = '';
  private readonly name: string;
  private readonly startLoad = loadAverage();

  constructor(
    private readonly plan: AdminPlan,
    private readonly io: AdminIo,
  ) {
    this.name = path.basename(plan.uploadFile);
    this.startListing = listing(io.corpusDirs);
  }

  /** The question that must be answered from the report to remove, before and not after. */
  private get removedProbe(): string {
    return `${this.plan.removeQuery}做了哪些工作？`;
  }

  /** Before the users start: the report to remove is answered from (the reply is checked after the run). */
  async prepare(): Promise<void> {
    this.removedProbeBefore = (await this.say(this.removedProbe)).text;
  }

  /**
   * After each user answer: the upload a third of the way through, the removal at two thirds (when the
   * upload is still under way, the bot does the removal after it: one change at a time).
   */
  onAnswered(answered: number, total: number): void {
    if (!this.upload && answered >= total / 3) this.upload = this.sendUpload(answered);
    if (!this.removal && answered >= (2 * total) / 3) this.removal = this.sendRemoval(answered);
  }

  /** After the users: waits for both changes (sending what was not sent yet), checks the outcome, and sums up. */
  async finish(answers: AnswerTime[], total: number): Promise<AdminFigures> {
    await (this.upload ??= this.sendUpload(total));
    await (this.removal ??= this.sendRemoval(total));
    const upload = this.uploadWindow!;
    const removal = this.removalWindow!;

    const added = UPLOADED.exec(this.uploadReply);
    const storedAs = /（已存为 (.+)）/.exec(this.uploadReply)?.[1] ?? this.name;
    const suggested = /可以这样问：(.+)$/m.exec(this.uploadReply)?.[1];
    const uploadedAnswered = Boolean(added && suggested && (await this.say(suggested)).text.includes(refOf(storedAs, added[1]!)));
    const removed = REMOVED.exec(this.removalReply);
    const removedRef = removed ? refOf(removed[2]!, removed[1]!) : undefined;
    const removedAnsweredBefore = Boolean(removedRef && this.removedProbeBefore.includes(removedRef));
    const removedGone = Boolean(removedRef && !(await this.say(this.removedProbe)).text.includes(removedRef));

    // The corpus: the uploaded file is in the first folder, the removed one in none, nothing else moved.
    const now = listing(this.io.corpusDirs);
    const gained = [...now].filter((f) => !this.startListing.has(f));
    const lost = [...this.startListing].filter((f) => !now.has(f));
    const corpusAsExpected =
      gained.length === 1 && gained[0] === path.join(this.io.corpusDirs[0]!, storedAs) && lost.length === 1 && Boolean(removed) && path.basename(lost[0]!) === path.basename(removed![2]!);
    const show = (files: string[]) => (files.length ? files.map((f) => path.basename(f)).join(', ') : 'nothing');
    const corpusChange = `gained ${show(gained)}; lost ${show(lost)}`;

    // Latency by phase: an answer is during a change when its wait overlaps it.
    const overlaps = (a: AnswerTime, w: Window) => a.at - a.ms <= w.end && a.at >= w.start;
    const phaseOf = (a: AnswerTime): PhaseLatency['phase'] =>
      overlaps(a, upload) || overlaps(a, removal) ? 'during' : a.at < upload.start ? 'before' : a.at < removal.start ? 'between' : 'after';
    const inPhase = (a: AnswerTime, phase: PhaseLatency['phase']) => (phase === 'upload' ? overlaps(a, upload) : phase === 'removal' ? overlaps(a, removal) : phaseOf(a) === phase);
    const phases = (['before', 'during', 'between', 'after', 'upload', 'removal'] as const).map((phase) => {
      const these = answers.filter((a) => inPhase(a, phase));
      return { phase, ...latencyOf(these) };
    });
    const outside = answers.filter((a) => !overlaps(a, upload) && !overlaps(a, removal)).map((a) => a.ms);
    const baselineP95 = round1(summarize(outside).p95 || 0);
    const during = answers.filter((a) => overlaps(a, upload) || overlaps(a, removal)).map((a) => a.ms);
    return {
      upload: { file: this.name, kb: Math.round(fs.statSync(this.plan.uploadFile).size / 1024), afterAnswers: upload.afterAnswers, seconds: seconds(upload), reply: this.uploadReply, added: Boolean(added) },
      removal: { query: this.plan.removeQuery, afterAnswers: removal.afterAnswers, seconds: seconds(removal), reply: this.removalReply, removed: Boolean(removed) },
      phases,
      baselineP95,
      worstBeyondP95Ms: round1(Math.max(...during, 0) - baselineP95),
      worstOutsideBeyondP95Ms: round1(Math.max(...outside, 0) - baselineP95),
      tooSlow: during.filter((ms) => ms > baselineP95 + ALLOWED_BEYOND_P95_MS).length,
      loadAverage: { start: this.startLoad, upload: upload.load, removal: removal.load, end: loadAverage() },
      after: { uploadedAnswered, removedAnsweredBefore, removedGone, corpusAsExpected, corpusChange },
    };
  }

  private async sendUpload(afterAnswers: number): Promise<void> {
    const doc: TelegramDocument = this.io.files.put(this.name, fs.readFileSync(this.plan.uploadFile));
    this.io.log(`loadtest: the admin sends ${this.name} (${doc.file_size} bytes) after ${afterAnswers} answers`);
    const start = performance.now();
    const load = loadAverage();
    const seen = this.messages().length;
    await this.io.post({ ...this.envelope(), document: doc });
    // "正在读取 …" first (then edited with the progress), then what was added, or why not.
    const reading = `正在读取 ${this.name}`;
    this.uploadReply = await this.reply(seen, (text) => !text.startsWith(reading) && !REMOVAL_REPLY.test(text));
    this.uploadWindow = { start, end: performance.now(), afterAnswers, load: [load, loadAverage()] };
    this.io.log(`loadtest: upload answered in ${seconds(this.uploadWindow)} s: ${this.uploadReply.split('\n')[0]}`);
  }

  private async sendRemoval(afterAnswers: number): Promise<void> {
    const command = `/remove ${this.plan.removeQuery}`;
    this.io.log(`loadtest: the admin sends ${command} after ${afterAnswers} answers`);
    const start = performance.now();
    const load = loadAverage();
    const seen = this.messages().length;
    await this.io.post({ ...this.envelope(), text: command, entities: [{ type: 'bot_command', offset: 0, length: '/remove'.length }] });
    this.removalReply = await this.reply(seen, (text) => REMOVAL_REPLY.test(text));
    this.removalWindow = { start, end: performance.now(), afterAnswers, load: [load, loadAverage()] };
    this.io.log(`loadtest: removal answered in ${seconds(this.removalWindow)} s: ${this.removalReply}`);
  }

  /** Asks a question as the admin (when no change is under way) and waits for the bot's answer. */
  private async say(text: string): Promise<{ text: string }> {
    const seen = this.messages().length;
    await this.io.post({ ...this.envelope(), text });
    return { text: await this.reply(seen) };
  }

  private envelope() {
    const who = { first_name: 'Admin', username: 'loadtest_admin' };
    return { botToken: this.io.token, date: Math.floor(Date.now() / 1000), from: { id: ADMIN_ID, is_bot: false, language_code: 'zh', ...who }, chat: { id: ADMIN_ID, type: 'private', ...who } };
  }

  /** What the bot sent to the admin's chat so far, oldest first (edits applied). */
  private messages(): string[] {
    return this.io.emu.storage.botMessages.filter((m) => m.botToken === this.io.token && Number(m.message.chat_id) === ADMIN_ID).map((m) => String(m.message.text ?? ''));
  }

  /** The first message of the admin chat from number `from` on that `accept`s, once the bot has sent it ('' at the deadline). */
  private async reply(from: number, accept: (text: string) => boolean = () => true): Promise<string> {
    for (;;) {
      const found = this.messages().slice(from).find(accept);
      if (found !== undefined) return found;
      if (Date.now() >= this.io.deadline) return '';
      await new Promise<void>((resolve) => {
        const wake = () => (clearTimeout(timer), resolve());
        const timer = setTimeout(() => (this.io.emu.off('AddedBotMessage', wake), resolve()), 500);
        this.io.emu.once('AddedBotMessage', wake);
      });
    }
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function latencyOf(answers: AnswerTime[]): Omit<PhaseLatency, 'phase'> {
  const s = summarize(answers.map((a) => a.ms));
  return { answers: answers.length, wrong: answers.filter((a) => !a.right).length, p50: round1(s.p50 || 0), p95: round1(s.p95 || 0), max: round1(s.max || 0) };
}
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x}`;
const seconds = (w: Window) => round1((w.end - w.start) / 1000);

/** What went wrong with the admin's part of the run (empty: nothing). */
export function adminFaults(a: AdminFigures): string[] {
  const faults: string[] = [];
  if (!a.upload.added) faults.push(`the upload was not added: ${a.upload.reply || 'no reply'}`);
  if (!a.removal.removed) faults.push(`the removal was not done: ${a.removal.reply || 'no reply'}`);
  if (!a.after.uploadedAnswered) faults.push('the uploaded report is not answered from');
  if (!a.after.removedAnsweredBefore) faults.push(`the report to remove was not answered from before its removal`);
  if (!a.after.removedGone) faults.push('the removed report is still answered from');
  if (!a.after.corpusAsExpected) faults.push(`the corpus folders changed otherwise: ${a.after.corpusChange}`);
  for (const p of a.phases) if ((p.phase === 'upload' || p.phase === 'removal') && p.answers === 0) faults.push(`no user answer overlapped the ${p.phase}: the run is too short to measure it`);
  if (a.tooSlow > 0) faults.push(`${a.tooSlow} answers during a change came later than ${ALLOWED_BEYOND_P95_MS / 1000} s beyond the baseline p95`);
  return faults;
}

const PHASE_LABELS: Record<PhaseLatency['phase'], string> = {
  before: 'before the upload',
  during: 'during the admin\'s work',
  between: 'between upload and removal',
  after: 'after the removal',
  upload: '  of which during the upload',
  removal: '  of which during the removal',
};

export function formatAdmin(a: AdminFigures): string[] {
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  const firstLine = (s: string) => s.split('\n')[0] || '(no reply)';
  return [
    `  admin upload of ${a.upload.file} (${a.upload.kb} KB) after ${a.upload.afterAnswers} answers: ${a.upload.seconds} s — ${firstLine(a.upload.reply)}`,
    `  admin /remove ${a.removal.query} after ${a.removal.afterAnswers} answers: ${a.removal.seconds} s — ${firstLine(a.removal.reply)}`,
    '  users\' latency (an answer is during the admin\'s work when its wait overlaps the upload or the removal):',
    ...a.phases.map((p) => `    ${PHASE_LABELS[p.phase].padEnd(30)} ${String(p.answers).padStart(5)} answers (${p.wrong} wrong)   p50 ${p.p50} ms   p95 ${p.p95} ms   max ${p.max} ms`),
    `  baseline p95 (answers outside both changes) ${a.baselineP95} ms; worst answer during a change ${signed(a.worstBeyondP95Ms)} ms beyond it (outside: ${signed(a.worstOutsideBeyondP95Ms)} ms); answers during a change later than +${ALLOWED_BEYOND_P95_MS / 1000} s: ${a.tooSlow}`,
    `  load average (1 min) at the start ${a.loadAverage.start}, upload ${a.loadAverage.upload.join(' → ')}, removal ${a.loadAverage.removal.join(' → ')}, end ${a.loadAverage.end}`,
    `  after the run: uploaded report answered from: ${yes(a.after.uploadedAnswered)}; removed report answered from before: ${yes(a.after.removedAnsweredBefore)}, not after: ${yes(a.after.removedGone)}; corpus ${a.after.corpusAsExpected ? 'as expected' : 'NOT as expected'} (${a.after.corpusChange})`,
  ];
}
