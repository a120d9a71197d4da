/**
 * Conversation: follow-ups and comparisons, unit-level (interpret, memory) and through the terminal
 * chat on the seed reports (stand-in model: the follow-up's report is named, so words decide).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { before, describe, it } from 'node:test';
import { ChatMemory, interpret } from '../../src/bot/conversation.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { runTerminal } from '../../src/bot/terminal.js';
import type { Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { tempDir, testConfig } from '../helpers.js';
import { phoneLines } from './helpers/fixtures.js';

const names = (t: string) => (/史村|shicun/i.test(t) ? ['史村镇 2023'] : /柏山|baishan/i.test(t) ? ['柏山镇 2023'] : []);
const baishan = { question: '柏山镇存在哪些不足？', source: '柏山镇-2023年法治政府建设情况报告.txt' };

describe('interpret', () => {
  it('reads a follow-up naming only another place as the previous question about that place', () => {
    assert.deepEqual(interpret('那史村镇呢？', baishan, names), { kind: 'ask', question: '史村镇存在哪些不足？', full: false, followUp: true });
    const en = { question: 'What shortcomings does Baishan report?', source: baishan.source };
    assert.equal((interpret('What about Shicun?', en, names) as { question: string }).question, 'What shortcomings does Shicun report?');
  });
  it('reads another year, and "more", as the previous question', () => {
    assert.equal((interpret('2022年呢？', baishan, names) as { question: string }).question, '2022年 柏山镇存在哪些不足？');
    assert.deepEqual(interpret('详细点', baishan, names), { kind: 'ask', question: baishan.question, full: true, followUp: true });
    assert.deepEqual(interpret('more', baishan, names), { kind: 'ask', question: baishan.question, full: true, followUp: true });
  });
  it('leaves new questions and first questions alone; sees comparisons', () => {
    assert.deepEqual(interpret('史村镇的信访工作怎么做的？', baishan, names), { kind: 'ask', question: '史村镇的信访工作怎么做的？', full: false, followUp: false });
    assert.deepEqual(interpret('那史村镇呢？', undefined, names), { kind: 'ask', question: '那史村镇呢？', full: false, followUp: false });
    for (const q of ['两个镇谁的普法宣传做得多？', '各镇的法律顾问怎么安排的？', 'Which town held more legal talks?']) assert.equal(interpret(q, undefined, names).kind, 'compare', q);
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

  it('answers a comparison with each report\'s sentence and reference in one message', async () => {
    const [reply] = turns(await chat(['两个镇谁的普法宣传做得多？']));
    assert.match(reply!, /2 份报告各自的说法/);
    assert.match(reply!, /• 柏山镇 2023：.*\n {2}〔柏山镇 2023 · /);
    assert.match(reply!, /• 史村镇 2023：.*\n {2}〔史村镇 2023 · /);
    assert.ok(phoneLines(reply!.trim()).length <= 14, reply);
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
