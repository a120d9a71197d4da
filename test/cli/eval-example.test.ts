/**
 * The README's own question set: `npm run eval -- examples/questions.jsonl` runs on a fresh clone (no
 * ../shared) and scores every question of the example, which follows the documented format.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const EXAMPLE = 'examples/questions.jsonl';

it('the example set follows the format and names reports of corpus/', () => {
  const reports = new Set(fs.readdirSync(SEED_CORPUS));
  const lines = fs.readFileSync(path.join(PROJECT_ROOT, EXAMPLE), 'utf8').trim().split('\n');
  for (const line of lines) {
    const item = JSON.parse(line) as { id: string; lang: string; doc: string | null; q: string; must: string[] };
    assert.equal(typeof item.id, 'string');
    assert.ok(['zh', 'en', 'zh-Hant'].includes(item.lang), line);
    assert.ok(item.q.length > 0 && Array.isArray(item.must), line);
    if (item.doc === null) assert.deepEqual(item.must, [], line);
    else {
      assert.ok(reports.has(item.doc), `${item.doc} is not in corpus/`);
      const text = fs.readFileSync(path.join(SEED_CORPUS, item.doc), 'utf8').replace(/\s+/g, '');
      assert.ok(item.must.some((m) => text.includes(m.replace(/\s+/g, ''))), `the report holds an expected string of ${item.id}`);
    }
  }
});

it('npm run eval -- examples/questions.jsonl scores it', { timeout: 180_000 }, async () => {
  const index = path.join(tempDir('rqb-eval-example-'), 'index');
  await ingest(testConfig({ indexDir: index }), { log: () => {} });
  const out = path.join(tempDir('rqb-eval-example-out-'), 'figures');
  const run = spawnSync('npm', ['run', '-s', 'eval', '--', '--index', index, '--out', out, EXAMPLE], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...STANDIN_ENV },
    timeout: 170_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^questions\n {2}all +n=5 +Hit@1 [\d.]+ +Hit@3 [\d.]+ +Hit@5 [\d.]+ .* abstain \d\/1 /m);
  assert.match(run.stdout, /^ {2}lang:en +n=1 /m);
  assert.ok(fs.existsSync(`${out}.json`) && fs.existsSync(`${out}.svg`), 'the figures and the picture are written');
});
