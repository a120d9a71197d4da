/**
 * Debian's redis-server for the tests and the multi-host load test: started on a given address and port
 * with a throw-away configuration (no persistence, no protected mode), stopped with the run, and
 * restartable on the same port (the "Redis restarted during the run" case).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface RedisServer {
  url: string;
  host: string;
  port: number;
  /** Kills it (SIGKILL: a crash, nothing flushed) and resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same address and port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Kills it at once without waiting (from a signal handler, which cannot wait). */
  killNow(): void;
}

/** The redis-server binary, or why there is none. */
export function findRedis(): { bin: string } | { missing: string } {
  for (const bin of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (fs.existsSync(bin)) return { bin };
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return { bin: which.stdout.trim() };
  return { missing: 'redis-server is not installed (Debian: apt-get install redis-server)' };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.once('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
    socket.once('error', () => resolve(false));
  });
}

export async function startRedis(opts: { bin: string; host: string; port: number }): Promise<RedisServer> {
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ['--bind', opts.host, '--port', String(opts.port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
    const proc = spawn(opts.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (const until = Date.now() + 10_000; !(await answers(opts.host, opts.port)); ) {
      if (proc.exitCode !== null || Date.now() > until) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on ${opts.host}:${opts.port}: ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  };
  await launch();
  const killNow = () => void child?.kill('SIGKILL');
  return { url: `redis://${opts.host}:${opts.port}`, host: opts.host, port: opts.port, kill, restart: launch, stop: kill, killNow };
}
