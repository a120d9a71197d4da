/**
 * Conversation: follow-ups and comparisons, unit-level (interpret, memory) and through the terminal
 * chat on the seed reports (stand-in model: the follow-up's report is named, so words decide).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { before, describe, it } from 'node:test';
import { ChatMemory, interpret, sidesOf, topicOf, type Turn } from '../../src/bot/conversation.js';
import { reportLabel, reportMeta } from '../../src/corpus/report-meta.js';
import { ReportDirectory } from '../../src/search/named-reports.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { runTerminal } from '../../src/bot/terminal.js';
import type { Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { tempDir, testConfig } from '../helpers.js';
import { phoneLines } from './helpers/fixtures.js';

/** The seed reports and a few of corpus-large's, by file name: what the follow-up rule knows of places. */
const directory = new ReportDirectory(
  [
    '柏山镇-2023年法治政府建设情况报告.txt',
    '史村镇-2023年度法治政府建设报告.md',
    '深圳市南山区-2023-2023年南山区政府工作报告.txt',
    '深圳市福田区-2023-2023年福田区政府工作报告.txt',
    '深圳市南山区-2022-2022年南山区政府工作报告.txt',
    '深圳市福田区-2024-2024年福田区政府工作报告.txt',
    '北京市-2026-2026年北京市政府工作报告.txt',
  ].map((f) => reportMeta(f)),
);
const baishan = { question: '柏山镇存在哪些不足？', source: '柏山镇-2023年法治政府建设情况报告.txt' };
const nanshan = { question: '南山区2023年本地生产总值多少亿元', source: '深圳市南山区-2023-2023年南山区政府工作报告.txt' };
const asked = (text: string, previous: Turn = baishan) => interpret(text, previous, directory) as { question: string; followUp: boolean };

describe('interpret', () => {
  it('reads a follow-up naming only another place as the previous question about that place', () => {
    assert.deepEqual(interpret('那史村镇呢？', baishan, directory), { kind: 'ask', question: '史村镇存在哪些不足？', full: false, followUp: true });
    const en = { question: 'What shortcomings does Baishan report?', source: baishan.source };
    assert.equal(asked('What about Shicun?', en).question, 'What shortcomings does Shicun report?');
    for (const [text, place] of [
      ['史村镇呢', '史村镇'],
      ['那史村镇的呢？', '史村镇'],
      ['史村镇怎么样？', '史村镇'],
      ['还有史村镇', '史村镇'],
      ['那史村的情况呢', '史村'],
      ['史村镇的报告呢？', '史村镇'],
      ['and Shicun town?', 'Shicun'],
    ] as const) {
      assert.equal(asked(text).question, `${place}存在哪些不足？`, text);
    }
    assert.equal(asked('那福田区呢？', nanshan).question, '福田区2023年本地生产总值多少亿元');
    assert.equal(asked('深圳市福田区呢', nanshan).question, '福田区2023年本地生产总值多少亿元', 'the narrowest place replaces the narrowest');
    assert.deepEqual(interpret('那史村镇和柏山镇呢？', baishan, directory), { kind: 'compare', question: '史村镇和柏山镇存在哪些不足？' });
  });

  it('reads another year, alone or with a place, and "more", as the previous question', () => {
    // The year of a follow-up is the report's: 柏山镇's 2022 report, not the 2023 report's account of 2022.
    assert.equal(asked('2022年呢？').question, '2022年报告 柏山镇存在哪些不足？');
    assert.equal(asked('2022呢').question, '2022年报告 柏山镇存在哪些不足？');
    assert.equal(asked('And in 2024?', nanshan).question, '2024年报告 南山区2024年本地生产总值多少亿元');
    assert.equal(asked('那2022年度的呢', nanshan).question, '2022年报告 南山区2022年本地生产总值多少亿元');
    assert.equal(asked('福田区2022年呢？', nanshan).question, '2022年报告 福田区2022年本地生产总值多少亿元');
    assert.equal(asked('2024年呢', { question: '南山区2023年政府工作报告说本地生产总值多少亿元', source: nanshan.source }).question, '南山区2024年政府工作报告说本地生产总值多少亿元');
    assert.deepEqual(interpret('2022年呢？', { question: '南山区和福田区2023年哪个区生产总值高' }, directory), { kind: 'compare', question: '2022年报告 南山区和福田区2022年哪个区生产总值高' });
    // A year relative to the previous question's (or its report's): 去年呢？ after 2023 is 2022.
    assert.equal(asked('去年呢？').question, '2022年报告 柏山镇存在哪些不足？');
    assert.equal(asked('那明年的呢', nanshan).question, '2024年报告 南山区2024年本地生产总值多少亿元');
    assert.equal(asked('What about the year before?', nanshan).question, '2022年报告 南山区2022年本地生产总值多少亿元');
    assert.equal(asked('去年呢', { question: '普法宣传做了几次' }).question, '去年呢', 'no year to count from: a question of its own');
    assert.equal(asked('去年的GDP呢', nanshan).followUp, false);
    assert.deepEqual(interpret('详细点', baishan, directory), { kind: 'ask', question: baishan.question, full: true, followUp: true });
    assert.deepEqual(interpret('more', baishan, directory), { kind: 'ask', question: baishan.question, full: true, followUp: true });
  });

  it('a message with its own question word or predicate is a new question, however short', () => {
    const hidden = { question: '柏山镇检查出多少处安全隐患', source: baishan.source };
    for (const [text, previous] of [
      ['史村镇有哪些不足', hidden],
      ['北京2026年GDP增长目标是多少', nanshan],
      ['史村镇多少人？', baishan],
      ['史村镇的信访工作怎么做的？', baishan],
      ['那史村镇的普法呢？', baishan],
      ['Shicun GDP?', baishan],
      ['What about petitions?', baishan],
      ['2022年GDP多少', nanshan],
      ['福田区的学位呢', nanshan],
    ] as const) {
      assert.deepEqual(interpret(text, previous, directory), { kind: 'ask', question: text, full: false, followUp: false }, text);
    }
    assert.deepEqual(interpret('那史村镇呢？', undefined, directory), { kind: 'ask', question: '那史村镇呢？', full: false, followUp: false });
  });

  it('sees comparisons: two reports named and compared or joined, or all reports as a group', () => {
    for (const q of [
      '柏山镇和史村镇哪个发放的宣传资料多？',
      '南山区和福田区2023年哪个区生产总值高',
      '史村镇和柏山镇分别隶属哪个县？',
      '史村和柏山是不是都觉得自己普法宣传还不到位？',
      'Which of Baishan and Shicun held more legal talks?',
      '南山区2022年和2023年生产总值分别是多少',
      '两个镇谁的普法宣传做得多？',
      '各镇的法律顾问怎么安排的？',
      'Which town held more legal talks?',
    ]) {
      assert.equal(interpret(q, undefined, directory).kind, 'compare', q);
    }
    for (const q of ['南山区2023年本地生产总值多少亿元', '深圳市南山区2023年生产总值比上年增长多少', '柏山镇化解了多少起矛盾纠纷？', '那史村镇呢？']) {
      assert.equal(interpret(q, undefined, directory).kind, 'ask', q);
    }
  });

  it('a comparison sets one report per place side by side: the year named, else the latest; a year with no report is a side too', () => {
    const labels = (q: string) => sidesOf(q, directory).map((side) => (side.doc !== undefined ? reportLabel(directory.metas[side.doc]!, '') : `missing ${side.missing!.place} ${side.missing!.year}`));
    assert.deepEqual(labels('南山区和福田区2023年哪个区生产总值高'), ['深圳市南山区 2023', '深圳市福田区 2023']);
    assert.deepEqual(labels('南山区和福田区哪个区生产总值高'), ['深圳市南山区 2023', '深圳市福田区 2024']);
    assert.deepEqual(labels('南山区和福田区2022年的报告里哪个区生产总值高'), ['深圳市南山区 2022', 'missing 深圳市福田区 2022']);
    assert.deepEqual(labels('南山区2022年和2023年生产总值分别是多少'), ['深圳市南山区 2022', '深圳市南山区 2023']);
    assert.deepEqual(labels('深圳市南山区的生产总值'), []);
  });

  it('searches each report for the topic alone: no comparing words, no place or year that named the reports; which is higher asks each for its figure', () => {
    assert.equal(topicOf('柏山镇和史村镇哪个发放的宣传资料多？', directory), '发放的宣传资料是多少');
    assert.equal(topicOf('南山区和福田区2023年哪个区生产总值高', directory), '生产总值是多少');
    assert.equal(topicOf('史村镇和柏山镇分别隶属哪个县？', directory), '隶属哪个县？');
    assert.equal(topicOf('Which of Baishan and Shicun held more legal talks?', directory), 'held more legal talks?');
  });
});

describe('chat memory', () => {
  it('forgets after its time and keeps at most its capacity', () => {
    let now = 0;
    const memory = new ChatMemory(1000, 2, () => now);
    memory.remember(1, 'a');
    memory.remember(2, 'b');
    memory.remember(3, 'c');
    assert.equal(memory.size, 2);
    assert.equal(memory.get(1), undefined);
    now = 999;
    assert.equal(memory.get(3)?.question, 'c');
    now = 1001;
    assert.equal(memory.get(3), undefined);
  });
});

describe('terminal chat as a conversation', () => {
  let config: Config;
  let searcher: Searcher;
  before(async () => {
    config = testConfig({ indexDir: tempDir('rqb-conv-') });
    await ingest(config);
    searcher = await openSearcher(config);
  });

  /** Types the lines into the terminal chat; returns the transcript. */
  async function chat(lines: string[]): Promise<string> {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (d) => (out += d));
    const done = runTerminal(searcher, config, { input, output, lang: 'zh' });
    input.end(lines.join('\n') + '\n');
    await done;
    return out;
  }
  const turns = (transcript: string) => transcript.split(/^› /m).slice(1);

  it('answers "那史村镇呢？" with the previous question about 史村镇, and "详细点" with the whole passage', async () => {
    const [first, followUp, more] = turns(await chat(['柏山镇存在哪些不足？', '那史村镇呢？', '详细点']));
    assert.match(first!, /〔柏山镇 2023 · 三、/);
    assert.match(followUp!, /〔史村镇 2023 · 二、/, followUp);
    assert.doesNotMatch(followUp!, new RegExp(stringsFor('zh').noAnswer));
    assert.ok(more!.length > followUp!.length, 'the whole passage');
    assert.match(more!, /〔史村镇 2023/);
  });

  it('answers a new question that names another place as asked, not as the previous question', async () => {
    const [first, next] = turns(await chat(['柏山镇检查出多少处安全隐患', '史村镇有哪些不足']));
    assert.match(first!, /800余处/);
    assert.match(next!, /〔史村镇 2023 · 二、/, next);
    assert.doesNotMatch(next!, /隐患/);
  });

  it('says there is no report for a year asked in a follow-up, and which years there are', async () => {
    const [, followUp] = turns(await chat(['柏山镇检查出多少处安全隐患', '2022年呢？']));
    assert.match(followUp!, /没有柏山镇 2022 年的报告。柏山镇的报告有：柏山镇 2023/, followUp);
    assert.doesNotMatch(followUp!, /800余处/);
  });

  it('answers a comparison with each report\'s sentence and reference in one message', async () => {
    const [reply] = turns(await chat(['两个镇谁的普法宣传做得多？']));
    assert.match(reply!, /2 份报告各自的说法/);
    assert.match(reply!, /• 柏山镇 2023：.*\n {2}〔柏山镇 2023 · /);
    assert.match(reply!, /• 史村镇 2023：.*\n {2}〔史村镇 2023 · /);
    assert.ok(phoneLines(reply!.trim()).length <= 14, reply);
  });

  it('says there is no report for a place of China no report is about, asked or followed up', async () => {
    const [asked, , followUp] = turns(await chat(['杭州市2023年检查出多少处安全隐患', '柏山镇检查出多少处安全隐患', '那杭州市呢？']));
    for (const reply of [asked!, followUp!]) {
      assert.match(reply, /没有杭州市的报告。/, reply);
      assert.doesNotMatch(reply, /800余处|柏山镇 2023/, reply);
    }
  });

  it('answers "which of two towns … more" side by side, each with its own figure', async () => {
    const [reply] = turns(await chat(['柏山镇和史村镇哪个发放的宣传资料多？']));
    assert.match(reply!, /2 份报告各自的说法/);
    assert.match(reply!, /• 柏山镇 2023：.*5000余份.*\n {2}〔柏山镇 2023 · /, reply);
    assert.match(reply!, /• 史村镇 2023：.*\n {2}〔史村镇 2023 · /, reply);
  });

  it('shows only the relevant results: a question with one answer is 1/1, not 1/5 of padding', async () => {
    const [reply] = turns(await chat(['柏山镇化解了多少起矛盾纠纷？']));
    assert.match(reply!, /^柏山镇化解了多少起矛盾纠纷？\n化解矛盾纠纷79起\n/);
    assert.match(reply!, /第 1\/1 条/);
  });

  it('prints a citation to publish with /cite, and pages without repeating a quote', async () => {
    const [answer, cite, next] = turns(await chat(['柏山镇组织了多少次普法宣传？', '/cite', '/next']));
    assert.match(cite!, /^\/cite\n「.*30余次.*」——柏山镇人民政府《关于2023年法治政府建设情况的报告》（2023年1月28日）二（二）2\./);
    const quoteOf = (t: string) => t.split('\n').filter((l) => l.startsWith('  │ ')).join('');
    if (!/第 1\/1 条/.test(answer!)) assert.notEqual(quoteOf(next!), quoteOf(answer!));
  });
});
