/**
 * Update claims across real processes: several processes claiming the same updates at the same
 * instant get each one exactly once; a claim of a killed process is taken over; a claim of a live
 * one is "busy"; a claim made on another machine counts until its lease runs out.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UpdateClaims } from '../../src/bot/claims.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir('rqb-claims-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A script run in child processes: says it is ready, waits for the go file, claims every id, prints those it won. */
const CLAIMER = `
import fs from 'node:fs';
import { UpdateClaims } from ${JSON.stringify(path.join(PROJECT_ROOT, 'src/bot/claims.ts'))};
const [dir, go, count, mode] = process.argv.slice(2);
const claims = new UpdateClaims(dir);
process.stdout.write('ready\\n');
while (go !== '-' && !fs.existsSync(go)) {}
const won = [];
for (let id = 1; id <= Number(count); id++) if (claims.claim(id) === 'mine') won.push(id);
if (mode === 'finish') for (const id of won) claims.done(id);
process.stdout.write(JSON.stringify(won));
if (mode === 'hang') setInterval(() => {}, 1000);
`;
const script = path.join(tmp, 'claimer.ts');
fs.writeFileSync(script, CLAIMER);

function claimer(dir: string, go: string, count: number, mode: 'finish' | 'hang') {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, go, String(count), mode], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  // Resolves as soon as the whole list is printed (a hanging claimer keeps its stdout open).
  const won = new Promise<number[]>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) ready();
      if (out.endsWith(']')) resolve(JSON.parse(out.slice('ready\n'.length)) as number[]);
    }),
  );
  return { child, won, isReady };
}

/** Starts n claimers, and lets them go at the same instant once all have loaded. */
async function race(dir: string, n: number, count: number): Promise<number[][]> {
  const go = path.join(tmp, `go-${Math.random().toString(36).slice(2)}`);
  const runs = Array.from({ length: n }, () => claimer(dir, go, count, 'finish'));
  await Promise.all(runs.map((r) => r.isReady));
  fs.writeFileSync(go, '');
  return Promise.all(runs.map((r) => r.won));
}

describe('update claims', () => {
  it('four processes claiming 1,000 updates at the same instant: each update won by exactly one', async () => {
    // On a busy machine one process may get the CPU first and win everything: that run proves nothing
    // about the race, so it is run again (up to 5 times) until at least two processes won some.
    const counts: number[][] = [];
    for (let run = 0; run < 5; run++) {
      const dir = path.join(tmp, `race-${run}`);
      const won = await race(dir, 4, 1000);
      const all = won.flat().sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i + 1), 'every update won exactly once');
      // All answered: a later delivery of any of them is acknowledged, not handled.
      const claims = new UpdateClaims(dir);
      assert.deepEqual([claims.claim(1), claims.claim(1000)], ['done', 'done']);
      counts.push(won.map((w) => w.length));
      if (won.filter((w) => w.length > 0).length >= 2) return;
    }
    assert.fail(`the processes never raced: ${JSON.stringify(counts)}`);
  });

  it('a claim of a killed process is taken over; of a live one, busy', async () => {
    const dir = path.join(tmp, 'takeover');
    const hanging = claimer(dir, '-', 3, 'hang'); // claims 1–3, never finishes, stays alive
    assert.deepEqual(await hanging.won, [1, 2, 3]);
    const claims = new UpdateClaims(dir);
    assert.equal(claims.claim(1), 'busy');
    hanging.child.kill('SIGKILL');
    await new Promise((resolve) => hanging.child.once('exit', resolve));
    assert.equal(claims.claim(1), 'mine'); // the dead process's claim: taken over (as attempt 2)
    assert.ok(fs.existsSync(path.join(dir, '0', '1.2')));
    assert.equal(claims.claim(1), 'busy'); // our own claim, still being answered
    claims.done(1);
    assert.equal(claims.claim(1), 'done');
    // Two processes finding the same dead claim: only one takes it over.
    const rivals = await race(dir, 2, 3);
    assert.deepEqual(rivals.flat().sort(), [2, 3]);
  });

  it('a claim from another machine holds until its lease runs out', () => {
    const dir = path.join(tmp, 'lease');
    const claims = new UpdateClaims(dir, 60_000);
    fs.mkdirSync(path.join(dir, '0'), { recursive: true });
    const foreign = (at: number) => JSON.stringify({ host: `${os.hostname()}-other`, pid: process.pid, start: '1', at });
    fs.writeFileSync(path.join(dir, '0', '7.1'), foreign(Date.now() - 1000));
    assert.equal(claims.claim(7), 'busy');
    fs.writeFileSync(path.join(dir, '0', '8.1'), foreign(Date.now() - 61_000));
    assert.equal(claims.claim(8), 'mine');
  });
});
