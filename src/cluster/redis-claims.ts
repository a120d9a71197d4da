/**
 * Claims on webhook updates in Redis, for bot processes on several machines (claims.ts does it with
 * files for the processes of one machine). Same contract: claim U before answering it ('mine', 'done' or
 * 'busy'), mark it done once answered.
 *
 * A claim is `SET claim:U <token>:<owner> NX PX lease`: exactly one process wins it. The lease is renewed
 * while the answer is under way (every third of it), so a claim outlives its holder by at most one lease:
 * a host that dies or is cut off has its updates taken over by the next delivery after that. The token is
 * a fencing token (one INCR per claim, so a later claim always holds a higher one): before the answer
 * leaves (stillMine) and when marking it done, the holder checks the claim still carries its token; a
 * holder whose claim was taken over meanwhile sends nothing, so the update is answered by the new holder
 * only. Each step is one Lua script, atomic in Redis.
 *
 * `done:U` lives a day (Telegram keeps an undelivered update for 24 hours).
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ClaimResult } from '../bot/claims.js';
import type { RedisConnection } from './redis-connection.js';
import type { UpdateClaimStore } from '../bot/shared-state.js';

const DAY_MS = 24 * 3600_000;

/** KEYS: claim, done, sequence, seen; ARGV: owner, lease ms, day ms. Returns [status, token, takenOver]. */
const CLAIM = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'done', 0, 0} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'busy', 0, 0} end
local token = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
local seen = redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[3])
local takenOver = 0
if not seen then takenOver = 1 end
return {'mine', token, takenOver}`;

/** KEYS: claim; ARGV: value, lease ms. 1 when still ours (and renewed). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: claim, done; ARGV: value, day ms. 1 when it was ours and is now done; 0 when it was taken over. */
const DONE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

export class RedisUpdateClaims implements UpdateClaimStore {
  /** This process, as written in its claims: host, pid and a random tag (pids repeat across hosts). */
  readonly owner = `${os.hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private readonly held = new Map<number, string>();
  private readonly renewer: NodeJS.Timeout;
  /** Claims taken over from a holder whose lease ran out. */
  takenOver = 0;
  /** Answers not sent because this process's claim had been taken over meanwhile (the new holder answers). */
  fenced = 0;

  constructor(
    private readonly redis: RedisConnection,
    readonly leaseMs: number,
    private readonly warn: (msg: string, err?: unknown) => void = () => {},
  ) {
    this.renewer = setInterval(() => void this.renewAll(), Math.max(200, Math.floor(leaseMs / 3)));
    this.renewer.unref();
  }

  private keys(updateId: number): { claim: string; done: string } {
    return { claim: this.redis.key(`claim:${updateId}`), done: this.redis.key(`done:${updateId}`) };
  }

  /** Throws when Redis cannot be asked: the caller answers without a claim (at least once). */
  async claim(updateId: number): Promise<ClaimResult> {
    const { claim, done } = this.keys(updateId);
    let reply: [string, number, number];
    try {
      reply = (await this.redis.client.eval(CLAIM, 4, claim, done, this.redis.key('claim-seq'), this.redis.key(`seen:${updateId}`), this.owner, this.leaseMs, DAY_MS)) as [string, number, number];
    } catch (err) {
      this.redis.failed(`claiming update ${updateId}`, err);
      throw err;
    }
    const [status, token, takenOver] = reply;
    if (status !== 'mine') return status as ClaimResult;
    this.held.set(updateId, `${token}:${this.owner}`);
    if (takenOver) this.takenOver++;
    return 'mine';
  }

  /** The fencing check just before the answer leaves: false when another process holds the claim now. Redis down: true (answer at least once). */
  async stillMine(updateId: number): Promise<boolean> {
    const value = this.held.get(updateId);
    if (value === undefined) return true; // answered without a claim
    try {
      const mine = (await this.redis.client.get(this.keys(updateId).claim)) === value;
      if (!mine) this.fenced++;
      return mine;
    } catch (err) {
      this.redis.failed(`checking the claim on update ${updateId}`, err);
      return true;
    }
  }

  async done(updateId: number): Promise<void> {
    const value = this.held.get(updateId);
    this.held.delete(updateId);
    if (value === undefined) return;
    const { claim, done } = this.keys(updateId);
    let marked: number;
    try {
      marked = (await this.redis.client.eval(DONE, 2, claim, done, value, DAY_MS)) as number;
    } catch (err) {
      this.redis.failed(`marking update ${updateId} answered`, err);
      throw err;
    }
    if (!marked) this.warn(`update ${updateId}: the claim was taken over by another process before this one finished; it answers it`);
  }

  private async renewAll(): Promise<void> {
    for (const [updateId, value] of this.held) {
      try {
        // 0 when taken over meanwhile: stillMine and done find out and say so.
        await this.redis.client.eval(RENEW, 1, this.keys(updateId).claim, value, this.leaseMs);
      } catch (err) {
        this.redis.failed('renewing update claims', err);
        return; // Redis down: the next round tries again
      }
    }
  }

  async probe(): Promise<string | null> {
    return this.redis.probe();
  }

  close(): void {
    clearInterval(this.renewer);
  }
}
