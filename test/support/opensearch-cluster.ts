/**
 * A real OpenSearch cluster for tests and the benchmark: N nodes on 127.0.0.1, one JVM each, started
 * by the Maven-built launcher in test/support/opensearch-launcher/ (jars from Maven Central, built by
 * .ci/run). Free ports are picked at start; every node's folder is under one temp folder, removed by
 * stop(). kill() and restart() single nodes for fault tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

const LAUNCHER = path.join(PROJECT_ROOT, 'test', 'support', 'opensearch-launcher');

/** Small heap, serial GC and C1 only: three nodes went green in 10–12 s this way, 26 s with defaults (issue 24). */
const JVM_FLAGS = ['-Xms256m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss1m'];

/** The launcher's classpath, or why it cannot run (not built, no Java). */
export function findLauncher(): { classpath: string } | { missing: string } {
  const target = path.join(LAUNCHER, 'target');
  if (!fs.existsSync(path.join(target, 'classes', 'launcher', 'NodeLauncher.class')) || !fs.existsSync(path.join(target, 'knn'))) {
    return { missing: `the OpenSearch launcher is not built (run .ci/run, or: cd ${path.relative(PROJECT_ROOT, LAUNCHER)} && mvn -q package)` };
  }
  if (!spawnSyncOk('java', ['-version'])) return { missing: 'java is not installed (Debian: openjdk-17-jre-headless)' };
  return { classpath: ['classes', 'lib/*', 'knn/*'].map((p) => path.join(target, p)).join(':') };
}

function spawnSyncOk(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** A port nobody listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

interface NodeSpec {
  name: string;
  http: number;
  transport: number;
  home: string;
}

export interface ClusterOptions {
  /** Seconds to wait for the cluster to go green (default 240: on a busy shared machine a fresh cluster took over 120 s). */
  timeoutSeconds?: number;
}

export class OpenSearchCluster {
  private readonly processes: (ChildProcess | undefined)[];

  private constructor(
    private readonly classpath: string,
    private readonly dir: string,
    private readonly nodes: NodeSpec[],
    readonly clusterName: string,
  ) {
    this.processes = nodes.map(() => undefined);
  }

  /** Starts `size` nodes and waits until the cluster is green with all of them. */
  static async start(size: number, options: ClusterOptions = {}): Promise<OpenSearchCluster> {
    const launcher = findLauncher();
    if ('missing' in launcher) throw new Error(launcher.missing);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rqb-opensearch-'));
    const nodes: NodeSpec[] = [];
    for (let i = 0; i < size; i++) nodes.push({ name: `os-${i}`, http: await freePort(), transport: await freePort(), home: path.join(dir, `os-${i}`) });
    const cluster = new OpenSearchCluster(launcher.classpath, dir, nodes, `rqb-${process.pid}-${Date.now()}`);
    try {
      for (let i = 0; i < size; i++) cluster.spawnNode(i);
      await cluster.waitFor({ status: 'green', nodes: size }, options.timeoutSeconds ?? 240);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Base URLs of every node's HTTP port (also of stopped nodes). */
  get urls(): string[] {
    return this.nodes.map((n) => `http://127.0.0.1:${n.http}`);
  }

  /** PIDs of the running node processes (undefined for a stopped one). */
  get pids(): (number | undefined)[] {
    return this.processes.map((p) => p?.pid);
  }

  private spawnNode(i: number): void {
    const n = this.nodes[i]!;
    fs.mkdirSync(n.home, { recursive: true });
    const settings = {
      'cluster.name': this.clusterName,
      'node.name': n.name,
      'path.home': n.home,
      'network.host': '127.0.0.1',
      'http.port': n.http,
      'transport.port': n.transport,
      'discovery.seed_hosts': this.nodes.map((x) => `127.0.0.1:${x.transport}`).join(','),
      'cluster.initial_cluster_manager_nodes': this.nodes.map((x) => x.name).join(','),
      // A test machine's disk may be fuller than the production watermarks allow.
      'cluster.routing.allocation.disk.threshold_enabled': false,
      // Fewer thread pools: the machine is shared.
      'node.processors': 1,
    };
    const args = [...JVM_FLAGS, '-cp', this.classpath, 'launcher.NodeLauncher', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)];
    const log = fs.openSync(path.join(n.home, 'node.log'), 'a');
    const child = spawn('java', args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child.on('exit', () => {
      if (this.processes[i] === child) this.processes[i] = undefined;
    });
    this.processes[i] = child;
  }

  /** The last lines of a node's log (for a failing test's message). */
  logTail(i: number, lines = 20): string {
    try {
      return fs.readFileSync(path.join(this.nodes[i]!.home, 'node.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** GET a JSON path from any running node. */
  async get(pathAndQuery: string): Promise<unknown> {
    let last: unknown;
    for (const [i, url] of this.urls.entries()) {
      if (!this.processes[i]) continue;
      try {
        const res = await fetch(url + pathAndQuery, { signal: AbortSignal.timeout(10_000) });
        return await res.json();
      } catch (err) {
        last = err;
      }
    }
    throw new Error(`no node of the cluster answers ${pathAndQuery}: ${(last as Error)?.message ?? 'none running'}`);
  }

  /** Waits until cluster health reaches `status` with `nodes` nodes; throws with the logs' tails on timeout. */
  async waitFor(want: { status: 'green' | 'yellow'; nodes: number }, timeoutSeconds = 120): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const rank = { red: 0, yellow: 1, green: 2 } as const;
    let seen = 'nothing';
    while (Date.now() < deadline) {
      try {
        const h = (await this.get(`/_cluster/health?wait_for_nodes=${want.nodes}&timeout=2s`)) as { status: keyof typeof rank; number_of_nodes: number };
        seen = h.status ? `${h.status} with ${h.number_of_nodes} nodes` : JSON.stringify(h).slice(0, 300);
        if (h.number_of_nodes === want.nodes && rank[h.status] >= rank[want.status]) return;
      } catch {
        // nodes still starting
      }
      if (this.processes.every((p) => !p)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const red = await this.get('/_cat/indices?health=red&h=index,health,status&format=json').catch(() => 'unknown');
    const logs = this.nodes.map((n, i) => `--- ${n.name}${this.processes[i] ? '' : ' (stopped)'}:\n${this.logTail(i)}`).join('\n');
    throw new Error(`the OpenSearch cluster did not reach ${want.status} with ${want.nodes} nodes in ${timeoutSeconds} s (last seen: ${seen}; red indexes: ${JSON.stringify(red)})\n${logs}`);
  }

  /** SIGKILLs node i (no clean shutdown: what a crash or a power loss does). */
  async kill(i: number): Promise<void> {
    const child = this.processes[i];
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts node i again (same name, ports and data folder); it rejoins the cluster. */
  restart(i: number): void {
    if (this.processes[i]) throw new Error(`node ${i} is still running`);
    this.spawnNode(i);
  }

  /** Stops every node (SIGKILL: the data is thrown away anyway) and removes their folders (kept with KEEP_OPENSEARCH_LOGS=1). */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((_, i) => this.kill(i)));
    if (process.env.KEEP_OPENSEARCH_LOGS === '1') process.stderr.write(`opensearch: node folders kept in ${this.dir}\n`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
