/**
 * The shared state in Redis (src/cluster/): two "processes" (two sets of objects, two connections) on one
 * real redis-server started here on 127.0.0.1 and a free port. Skipped, with the reason, where
 * redis-server is not installed (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/bot-api-front.js';
import { findRedis, type RedisServer, startRedis } from '../support/redis-server.js';
import { RedisAnswerStore } from '../../src/cluster/redis-answers.js';
import { RedisUpdateClaims } from '../../src/cluster/redis-claims.js';
import { RedisConnection } from '../../src/cluster/redis-connection.js';
import { RedisChatMemory } from '../../src/cluster/redis-conversations.js';
import { publishGeneration, sharedWebhookSecret, subscribeGenerations, takeIngestLock } from '../../src/cluster/redis-coordination.js';
import { RedisRateCounters } from '../../src/cluster/redis-rate.js';
import type { Answer } from '../../src/search/types.js';

const found = findRedis();
const skip = 'missing' in found ? found.missing : false;
if (skip) process.stderr.write(`skipping the Redis state tests: ${skip}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('shared state in Redis', { skip }, () => {
  let server: RedisServer;
  let a: RedisConnection;
  let b: RedisConnection;
  const connections: RedisConnection[] = [];
  const connect = async () => {
    const c = new RedisConnection({ url: server.url, prefix: `t${process.pid}:`, commandTimeoutMs: 500 });
    connections.push(c);
    await c.ready();
    return c;
  };

  before(async () => {
    if ('missing' in found) return;
    server = await startRedis({ bin: found.bin, host: '127.0.0.1', port: await freePort() });
    a = await connect();
    b = await connect();
  });
  after(async () => {
    for (const c of connections) await c.close();
    await server?.stop();
  });

  it('lets exactly one process claim an update; the other sees it busy, then done', async () => {
    const ca = new RedisUpdateClaims(a, 5000);
    const cb = new RedisUpdateClaims(b, 5000);
    const results = await Promise.all([ca.claim(101), cb.claim(101)]);
    assert.deepEqual([...results].sort(), ['busy', 'mine']);
    const [winner, loser] = results[0] === 'mine' ? [ca, cb] : [cb, ca];
    assert.equal(await winner.stillMine(101), true);
    await winner.done(101);
    assert.equal(await loser.claim(101), 'done');
    assert.equal(await winner.claim(101), 'done');
    ca.close();
    cb.close();
  });

  it('renews a live claim past its lease, and takes over a dead one with a higher token (the old holder is fenced off)', async () => {
    const alive = new RedisUpdateClaims(a, 600);
    const other = new RedisUpdateClaims(b, 600);
    assert.equal(await alive.claim(202), 'mine');
    await sleep(1000); // longer than the lease: renewed meanwhile
    assert.equal(await other.claim(202), 'busy');
    alive.close(); // its process "dies": no more renewals
    await sleep(900);
    assert.equal(await other.claim(202), 'mine');
    assert.equal(other.takenOver, 1);
    // The old holder comes back: its answer must not leave, and it cannot mark the update done.
    assert.equal(await alive.stillMine(202), false);
    assert.equal(alive.fenced, 1);
    await alive.done(202);
    assert.equal(await other.stillMine(202), true);
    await other.done(202);
    assert.equal(await alive.claim(202), 'done');
    other.close();
  });

  it('finds an answer stored by another process (buttons work on every host)', async () => {
    const answer = { q: '柏山镇组织了多少次普法宣传？', abstained: false, results: [] } as unknown as Answer;
    const key = await new RedisAnswerStore(a, 10).put({ answer });
    assert.match(key, /^[A-Za-z0-9_-]{8}$/);
    assert.deepEqual((await new RedisAnswerStore(b, 10).get(key))?.answer, answer);
    assert.equal(await new RedisAnswerStore(b, 10).get('AAAAAAAA'), undefined);
  });

  it('keeps a conversation across processes, for its time-to-live', async () => {
    const answer = { q: 'x', abstained: false, results: [{ source: '柏山镇-2023年法治政府建设情况报告.txt' }] } as unknown as Answer;
    await new RedisChatMemory(a, 400, 10).remember(7, '柏山镇组织了多少次普法宣传？', answer);
    assert.deepEqual(await new RedisChatMemory(b, 400, 10).get(7), { question: '柏山镇组织了多少次普法宣传？', source: '柏山镇-2023年法治政府建设情况报告.txt' });
    await sleep(500);
    assert.equal(await new RedisChatMemory(b, 400, 10).get(7), undefined);
  });

  it('counts a rate limit across processes, per window', async () => {
    const ra = new RedisRateCounters(a, 400);
    const rb = new RedisRateCounters(b, 400);
    assert.deepEqual([await ra.incr('u1'), await rb.incr('u1'), await ra.incr('u1'), await rb.incr('u2')], [1, 2, 3, 1]);
    await sleep(500);
    assert.equal(await rb.incr('u1'), 1);
  });

  it('lets one ingest run in the deployment and says who holds the lock', async () => {
    const release = await takeIngestLock(a, 'test ingest');
    await assert.rejects(takeIngestLock(b, 'second ingest'), /another ingest is running in this deployment: .*test ingest/);
    await release();
    const again = await takeIngestLock(b, 'second ingest');
    await again();
  });

  it('tells every host of a new index generation, and shares one webhook secret', async () => {
    const heard: string[] = [];
    const unsubscribe = subscribeGenerations(b, (g) => heard.push(g));
    for (let i = 0; i < 50 && heard.length === 0; i++) {
      await publishGeneration(a, 'gen-test-1');
      await sleep(100);
    }
    unsubscribe();
    assert.equal(heard[0], 'gen-test-1');
    const [sa, sb] = await Promise.all([sharedWebhookSecret(a), sharedWebhookSecret(b)]);
    assert.equal(sa.secret, sb.secret);
    assert.equal(Number(sa.generated) + Number(sb.generated), 1);
  });

  it('degrades while Redis is down (fails fast, falls back to its own state) and recovers when it is back', async () => {
    const claims = new RedisUpdateClaims(a, 5000);
    const answers = new RedisAnswerStore(a, 10);
    const memory = new RedisChatMemory(a, 60_000, 10);
    const rate = new RedisRateCounters(a, 60_000);
    await server.kill();
    await sleep(200);
    const t0 = Date.now();
    await assert.rejects(claims.claim(303)); // the webhook then answers without a claim
    const key = await answers.put({ answer: { q: 'q', abstained: true, results: [] } as unknown as Answer });
    assert.ok(await answers.get(key), 'this process still has its own answers');
    await memory.remember(9, '那史村镇呢？');
    assert.equal((await memory.get(9))?.question, '那史村镇呢？');
    assert.deepEqual([await rate.incr('u9'), await rate.incr('u9')], [1, 2]);
    assert.ok(Date.now() - t0 < 5000, `degraded calls fail fast (${Date.now() - t0} ms)`);
    assert.ok(a.errors > 0);
    await assert.rejects(takeIngestLock(a, 'while down'), /Redis is unreachable/);
    await server.restart();
    await a.ready(10_000);
    assert.equal(await claims.claim(303), 'mine');
    await claims.done(303);
    assert.equal(await rate.incr('u9'), 1); // counted in Redis again (a new, empty Redis)
    claims.close();
  });
});
