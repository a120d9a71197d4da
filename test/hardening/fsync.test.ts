/**
 * Issue 15, "also": `hnsw.bin` and the generation folder were never flushed before `CURRENT` switched,
 * so a power loss could leave `CURRENT` naming a half-written generation. A real `npm run ingest`, traced
 * with strace: every file of the new generation and the generation folder are fsynced before the rename
 * that publishes it, and the index folder right after.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { FILES } from '../../src/index/store.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir } from '../helpers.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('fsync before CURRENT switches', { skip: !hasStrace && 'strace is not installed' }, () => {
  it('flushes every generation file and the folder before publishing, and the index folder after', () => {
    const dir = tempDir('rqb-fsync-');
    const indexDir = path.join(dir, 'index');
    const trace = path.join(dir, 'trace');
    const r = spawnSync('strace', ['-f', '-y', '-e', 'trace=fsync,rename,renameat,renameat2', '-o', trace, process.execPath, '--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/ingest.ts'), '--corpus', SEED_CORPUS, '--index', indexDir], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...STANDIN_ENV, CI: 'true' },
    });
    assert.equal(r.status, 0, r.stderr);
    const generation = path.join(indexDir, fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim());
    const calls = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => !/unfinished|resumed/.test(l));
    const publish = calls.findIndex((l) => /rename(at2?)?\(.*CURRENT\.\d+\.tmp", .*CURRENT"\)/.test(l));
    assert.ok(publish > 0, 'CURRENT is replaced by a rename');
    const synced = (lines: string[]) => new Set(lines.flatMap((l) => /fsync\(\d+<([^>]+)>\)\s*=\s*0/.exec(l)?.[1] ?? []));
    const before = synced(calls.slice(0, publish));
    for (const name of Object.values(FILES)) assert.ok(before.has(path.join(generation, name)), `${name} flushed before CURRENT switches`);
    assert.ok(before.has(generation), 'the generation folder flushed before CURRENT switches');
    assert.ok(synced(calls.slice(publish)).has(indexDir), 'the index folder flushed after the switch');
  });
});
