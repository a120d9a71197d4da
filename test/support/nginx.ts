/**
 * Debian's nginx as the load balancer in front of several bot processes, for the load test and the
 * service tests: started on 127.0.0.1 with a configuration in a temporary folder (never the system's),
 * stopped with the run. The configuration is the one docs/DEPLOY.md recommends, minus TLS.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from './bot-api-front.js';

export interface Nginx {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

/** The nginx binary, or why there is none. */
export function findNginx(): { bin: string } | { missing: string } {
  for (const bin of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (fs.existsSync(bin)) return { bin };
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return { bin: which.stdout.trim() };
  return { missing: 'nginx is not installed (Debian: apt-get install nginx-light)' };
}

/**
 * The proxy configuration: the webhook path goes to the bot processes, round robin; a process that
 * refuses connections (stopped, restarting) is skipped, and the request goes to the next one. A request
 * already sent to a process that then dies is not sent again by nginx (a POST is not idempotent):
 * it fails with 502, and Telegram delivers the update again. /healthz and /metrics stay private.
 */
export function nginxConfig(opts: { dir: string; port: number; upstreams: (number | string)[]; webhookPath: string; maxBodyBytes: number; listen?: string }): string {
  const d = opts.dir;
  return `# written by test/support/nginx.ts
worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${d}/client_body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  upstream bots {
${opts.upstreams.map((p) => `    server ${typeof p === 'number' ? `127.0.0.1:${p}` : p} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen ${opts.listen ?? '127.0.0.1'}:${opts.port};
    client_max_body_size ${opts.maxBodyBytes};
    location = ${opts.webhookPath} {
      proxy_pass http://bots;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
    location / { return 404; }
  }
}
`;
}

/** Starts nginx in front of the given ports; resolves once it answers. */
export async function startNginx(opts: { bin: string; dir: string; upstreams: (number | string)[]; webhookPath: string; maxBodyBytes?: number; listen?: string }): Promise<Nginx> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(opts.dir, 0o755); // workers run as an unprivileged user when started as root
  const port = await freePort();
  const conf = path.join(opts.dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig({ ...opts, port, maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024 }));
  const child: ChildProcess = spawn(opts.bin, ['-p', opts.dir, '-c', conf, '-e', path.join(opts.dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${opts.listen ?? '127.0.0.1'}:${port}`;
  for (const until = Date.now() + 10_000; ; ) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr.trim()}`);
    const up = await new Promise<boolean>((resolve) => http.get(`${url}/`, (res) => (res.resume(), resolve(true))).on('error', () => resolve(false)));
    if (up) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start within 10 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT'); // graceful
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
}
