/** The command-line contract of `ask` (and `ingest`), run as real processes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir } from '../helpers.js';

const indexDir = tempDir('rqb-cli-');

function run(script: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', `${script}.ts`), ...args], {
    cwd: PROJECT_ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, ...STANDIN_ENV, CI: 'true' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ingest and ask from the command line', () => {
  before(() => {
    const r = run('ingest', ['--corpus', SEED_CORPUS, '--index', indexDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ingest: 2 files, \d+ passages \(\d+ embedded, 0 reused\) in [\d.]+ s \[model local\/zh-char-bigram-hash-256\]\n$/);
  });

  it('ingest again does nothing and says so in one line', () => {
    const r = run('ingest', ['--corpus', SEED_CORPUS, '--index', indexDir]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /up to date, nothing to do/);
    assert.equal(r.stdout.trim().split('\n').length, 1);
  });

  it('--json --stdin answers JSON Lines and plain lines in order, with nothing else on stdout', () => {
    const input = [
      JSON.stringify({ id: 'a', q: '柏山镇组织了多少次普法宣传？', lang: 'zh', must: ['ignored'] }),
      '',
      '史村镇怎样推进科学决策？',
      JSON.stringify({ id: 7, q: '今年的高考分数线是多少？' }),
    ].join('\n');
    const r = run('ask', ['--json', '--stdin', '-k', '3', '--corpus', SEED_CORPUS, '--index', indexDir], input);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.map((l) => l.id), ['a', null, 7]);
    assert.deepEqual(Object.keys(lines[0]), ['id', 'q', 'abstained', 'confidence', 'reports', 'results']);
    assert.ok(['high', 'low'].includes(lines[0].confidence));
    assert.deepEqual(lines[0].reports, ['柏山镇 2023']);
    assert.equal(lines[0].results.length, 3);
    assert.deepEqual(Object.keys(lines[0].results[0]), ['rank', 'score', 'source', 'title', 'section', 'quote', 'start', 'end']);
    assert.equal(lines[0].results[0].source, '柏山镇-2023年法治政府建设情况报告.txt');
    assert.match(lines[0].results[0].quote.replace(/\s/g, ''), /30余次/);
    assert.equal(lines[1].q, '史村镇怎样推进科学决策？');
    assert.equal(lines[2].abstained, true);
    assert.deepEqual(lines[2].results, []);
  });

  it('--json "question" answers one question as one line', () => {
    const r = run('ask', ['--json', '--corpus', SEED_CORPUS, '--index', indexDir, '微网格']);
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.abstained, false);
    assert.ok(out.results[0].section.length > 0);
  });

  it('prints a readable answer with source, section and score', () => {
    const r = run('ask', ['--corpus', SEED_CORPUS, '--index', indexDir, '矛盾调处中心接待了多少来访群众？']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^1\. 〔柏山镇 2023 · 二、（三）2\.〕 {2}score /);
    assert.match(r.stdout, /114人次/);
  });

  it('fails with one line and no stack trace on a missing index or bad usage', () => {
    const missing = run('ask', ['--index', path.join(indexDir, 'nope'), '问题']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: no index at .*nope; run `npm run ingest`\n$/);
    const usage = run('ask', ['--index', indexDir, '--bogus']);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr.trim().split('\n').length, 1);
    const empty = run('ask', ['--index', indexDir, '   ']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no question given/);
    const badK = run('ask', ['-k', 'zero', '--index', indexDir, '问题']);
    assert.equal(badK.code, 2);
  });

  it('warns on stderr when the index is stale, and still answers', () => {
    const corpus = tempDir('rqb-cli-corpus-');
    fs.writeFileSync(path.join(corpus, 'a.txt'), '一、情况\n河东村修建了一条水渠，灌溉农田三百亩。\n');
    const idx = tempDir('rqb-cli-idx-');
    assert.equal(run('ingest', ['--corpus', corpus, '--index', idx]).code, 0);
    fs.writeFileSync(path.join(corpus, 'b.txt'), '一、情况\n河西村新建了图书室。\n');
    const r = run('ask', ['--json', '--corpus', corpus, '--index', idx, '河东村修建了什么？']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /warning: the index is stale \(b\.txt is new\)/);
    assert.equal(JSON.parse(r.stdout).results[0].source, 'a.txt');
  });
});
