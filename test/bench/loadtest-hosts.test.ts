/**
 * `npm run loadtest -- --hosts N` in small: real hosts (network namespaces made by the run), Redis and nginx
 * on a fourth address. Skipped, with the reason, where namespaces cannot be made (no root) or nginx or
 * redis-server is missing (.ci/run installs them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHostsFigures, hostsPassed, runHostsLoadTest } from '../../bench/loadtest-hosts.js';
import { netnsUnavailable } from '../support/netns.js';
import { findNginx } from '../support/nginx.js';
import { findRedis } from '../support/redis-server.js';
import { testConfig } from '../helpers.js';

const nginx = findNginx();
const redis = findRedis();
const skip = netnsUnavailable() ?? ('missing' in nginx ? nginx.missing : 'missing' in redis ? redis.missing : false);
if (skip) process.stderr.write(`loadtest --hosts: skipped: ${skip}\n`);

const base = { users: 8, cycles: 3, cutSeconds: 8, rateLimit: 12, timeoutSeconds: 150, state: 'redis' as const, config: testConfig(), log: () => {} };

describe('loadtest on several hosts', { skip }, () => {
  it('3 hosts, one cut off mid-load: every question answered once, follow-ups and buttons work across hosts, no rate-limit bypass', async () => {
    const f = await runHostsLoadTest({ ...base, hosts: 3, killOne: true, restartRedis: false });
    assert.ok(hostsPassed(f), formatHostsFigures(f));
    assert.deepEqual([f.answered, f.lost, f.duplicates, f.wrong, f.followUpsWithoutContext, f.buttonFailures, f.botCrashes], [48, 0, 0, 0, 0, 0, 0]);
    assert.ok(f.buttonPresses >= 12, formatHostsFigures(f));
    assert.ok(f.cut && f.cut.afterAnswers >= 16, formatHostsFigures(f));
    assert.ok(f.questionsPerHost.filter((n) => n > 0).length === 3, `the load reached every host: ${formatHostsFigures(f)}`);
    assert.deepEqual(f.rateLimit && [f.rateLimit.answered, f.rateLimit.bypass], [12, false], formatHostsFigures(f));
    // One index for all hosts: a report ingested on one side is answered from by every host.
    assert.ok(f.newIndex && f.newIndex.secondsToSwap.every((x) => x !== null && x < 15) && f.newIndex.answered === 6, formatHostsFigures(f));
  });

  it('Redis killed and restarted mid-load: the bots degrade, never crash, and answer every question', async () => {
    const f = await runHostsLoadTest({ ...base, hosts: 2, killOne: false, restartRedis: true });
    assert.ok(hostsPassed(f), formatHostsFigures(f));
    assert.deepEqual([f.lost, f.wrong, f.botCrashes], [0, 0, 0]);
    assert.ok(f.redisRestart, formatHostsFigures(f));
  });

  it('without shared state (each host its own folder), follow-ups or buttons break: what Redis is for', async () => {
    const f = await runHostsLoadTest({ ...base, hosts: 2, killOne: false, restartRedis: false, state: 'local', timeoutSeconds: 40 });
    assert.ok(!hostsPassed(f));
    assert.ok(f.followUpsWithoutContext + f.buttonFailures + (f.rateLimit?.bypass ? 1 : 0) > 0, formatHostsFigures(f));
  });
});
