/** `npm run eval` reports what the user sees: Hit@1, Answer@1 and the caveat's calibration by language, kind and style, as figures and a picture. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { type EvalQuestion, main } from '../../src/cli/eval.js';
import { ingest } from '../../src/index/ingest.js';
import { STANDIN_ENV, tempDir, testConfig, SEED_CORPUS } from '../helpers.js';

const indexDir = tempDir('rqb-evalbd-');
const work = tempDir('rqb-evalbd-out-');

const questions: EvalQuestion[] = [
  { id: 'a', lang: 'zh', doc: 'baishan', q: '柏山镇组织了多少次普法宣传？', must: ['30余次'], kind: 'number', style: 'report' },
  { id: 'b', lang: 'zh', doc: 'shicun', q: '集市宣传覆盖了多少人次？', must: ['2600余人次'], kind: 'number', style: 'everyday' },
  { id: 'c', lang: 'en', doc: 'shicun', q: 'Who leads the rule-of-law government working group in Shicun?', must: ['书记任组长'], kind: 'who', style: 'english' },
  { id: 'd', lang: 'zh', doc: null, q: '今年的高考分数线是多少？', must: [], kind: 'number', style: 'everyday' },
];

before(async () => {
  await ingest(testConfig({ indexDir }), { log: () => {} });
  fs.writeFileSync(path.join(work, 'mini.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
});

describe('eval breakdown', () => {
  it('prints and writes Hit@1, Answer@1 and caveat figures per language, kind and style, with a picture', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, STANDIN_ENV);
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (out.push(String(s)), true);
    try {
      const code = await main(['--corpus', SEED_CORPUS, '--index', indexDir, '--out', path.join(work, 'figures'), path.join(work, 'mini.jsonl')]);
      assert.equal(code, 0);
    } finally {
      (process.stdout as unknown as { write: typeof write }).write = write;
      process.env = saved;
    }
    const text = out.join('');
    for (const label of ['all', 'lang:en', 'lang:zh', 'kind:number', 'kind:who', 'style:english', 'style:report']) assert.match(text, new RegExp(`\\n\\s+${label}\\s+n=`), label);
    assert.match(text, /Answer@1 \d\.\d{3}/);
    assert.match(text, /right\|confident \d\.\d{3}/);
    const figures = JSON.parse(fs.readFileSync(path.join(work, 'figures.json'), 'utf8'));
    const all = figures.sets.mini.all;
    assert.equal(all.answerable, 3);
    assert.equal(all.unanswerable, 1);
    assert.ok(all.hit1 > 0 && all.hit1 <= 1);
    assert.equal(figures.sets.mini['kind:who'].answerable, 1);
    const svg = fs.readFileSync(path.join(work, 'figures.svg'), 'utf8');
    assert.match(svg, /^<svg /);
    assert.match(svg, /kind:number/);
    assert.match(svg, /right \| confident/);
    assert.ok((svg.match(/<rect /g) ?? []).length > 10, 'bars drawn');
  });
});
