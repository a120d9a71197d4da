/**
 * Real hosts on one machine, for the multi-host load test: each host is a Linux network namespace with
 * its own address, joined to the others by a bridge in the root namespace, whose own address is the
 * "fourth host" (Redis, nginx, the Bot API front). Made with `ip` (iproute2; needs root) and torn down
 * afterwards. A host can be cut off (its link taken down: packets to and from it are lost, its processes
 * live on) and brought back.
 *
 *   rqb23br 10.23.0.1/24 (root namespace) ──veth── rqb23h1: 10.23.0.11   ──veth── rqb23h2: 10.23.0.12 …
 */
import { execFileSync, spawnSync } from 'node:child_process';

const PREFIX = 'rqb23';
const SUBNET = '10.23.0';

export interface HostNetwork {
  /** The root namespace's address on the bridge: where Redis, nginx and the front listen. */
  hub: string;
  hosts: { name: string; address: string; link: string }[];
  /** Takes host i's link down (it is cut off) or up again. */
  cut(i: number): void;
  restore(i: number): void;
  /** The command prefix that runs a program inside host i. */
  exec(i: number): string[];
  teardown(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be made here (not root, no iproute2), or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'the ip command (iproute2) is missing; Debian: apt-get install iproute2';
  const probe = `${PREFIX}probe${process.pid % 1000}`;
  const made = spawnSync('ip', ['netns', 'add', probe]);
  spawnSync('ip', ['netns', 'del', probe]);
  return made.status === 0 ? null : `cannot make a network namespace: ${made.stderr.toString().trim()}`;
}

/** Removes what an earlier run killed half way left behind (same names). */
function removeLeftovers(count: number): void {
  for (let i = 1; i <= count; i++) {
    spawnSync('ip', ['netns', 'del', `${PREFIX}h${i}`]);
    spawnSync('ip', ['link', 'del', `${PREFIX}v${i}`]);
  }
  spawnSync('ip', ['link', 'del', `${PREFIX}br`]);
}

export function makeHostNetwork(count: number): HostNetwork {
  removeLeftovers(8);
  const bridge = `${PREFIX}br`;
  const hub = `${SUBNET}.1`;
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${hub}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  const hosts = Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    const name = `${PREFIX}h${i}`;
    const link = `${PREFIX}v${i}`;
    const address = `${SUBNET}.${10 + i}`;
    ip('netns', 'add', name);
    ip('link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
    ip('link', 'set', `${link}p`, 'netns', name);
    ip('link', 'set', link, 'master', bridge);
    ip('link', 'set', link, 'up');
    ip('-n', name, 'link', 'set', `${link}p`, 'name', 'eth0');
    ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', name, 'link', 'set', 'eth0', 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return { name, address, link };
  });
  return {
    hub,
    hosts,
    cut: (i) => ip('link', 'set', hosts[i]!.link, 'down'),
    restore: (i) => ip('link', 'set', hosts[i]!.link, 'up'),
    exec: (i) => ['ip', 'netns', 'exec', hosts[i]!.name],
    teardown: () => removeLeftovers(count),
  };
}
