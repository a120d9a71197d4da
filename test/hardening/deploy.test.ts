/**
 * Issue 20 fault 13: the documented deployments could not add or remove reports: the systemd units
 * (ProtectSystem=strict, only ReadWritePaths writable) left CORPUS_DIRS at the default `corpus/` under
 * the read-only /opt, and the Docker image kept the reports in the root-owned /app/corpus under
 * `USER node`, not on a volume. Every folder the bot writes must be writable in both, and lasting.
 * (No systemd or Docker daemon runs here: the files themselves are read, as those tools read them.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const within = (dir: string, roots: string[]) => roots.some((r) => dir === r || dir.startsWith(r.replace(/\/?$/, '/')));

/** KEY=value settings of a bot.env as docs/DEPLOY.md writes it. */
function documentedEnv(): Record<string, string> {
  const block = /cat > \/etc\/report-quote-bot\/bot\.env <<'ENV'\n([\s\S]*?)\nENV/.exec(read('docs/DEPLOY.md'))![1]!;
  return Object.fromEntries(block.split('\n').flatMap((l) => {
    const m = /^([A-Z_]+)=(\S*)/.exec(l);
    return m ? [[m[1]!, m[2]!]] : [];
  }));
}

describe('issue 20 fault 13: the deployments can write the reports', () => {
  for (const unit of ['deploy/report-quote-bot@.service', 'deploy/report-quote-bot-ingest.service']) {
    it(`${unit}: the corpus, index and state folders are under ReadWritePaths (ProtectSystem=strict)`, () => {
      const text = read(unit);
      assert.match(text, /^ProtectSystem=strict$/m);
      const writable = [...text.matchAll(/^ReadWritePaths=(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/));
      const env: Record<string, string> = { ...documentedEnv() };
      for (const m of text.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
      const corpusDirs = (env.CORPUS_DIRS ?? 'corpus').split(',');
      const cwd = /^WorkingDirectory=(.+)$/m.exec(text)![1]!;
      for (const [name, dir] of [...corpusDirs.map((d) => ['CORPUS_DIRS', d] as const), ['INDEX_DIR', env.INDEX_DIR ?? 'index'] as const, ['STATE_DIR', env.STATE_DIR ?? 'state'] as const]) {
        const absolute = path.resolve(cwd, dir);
        assert.ok(within(absolute, writable), `${name} ${absolute} is not writable under ${writable.join(' ')}`);
      }
    });
  }

  it('Dockerfile: the corpus, index and state folders are volumes owned by the user the bot runs as', () => {
    const text = read('Dockerfile');
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    const env = Object.fromEntries([...runtime.matchAll(/\b([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    const volumes = JSON.parse(/^VOLUME (\[.*\])$/m.exec(runtime)![1]!) as string[];
    const user = /^USER (\S+)$/m.exec(runtime)![1]!;
    for (const name of ['CORPUS_DIRS', 'INDEX_DIR', 'STATE_DIR']) {
      assert.ok(env[name], `${name} set in the image`);
      assert.ok(within(env[name]!, volumes), `${name}=${env[name]} is on a volume (${volumes.join(' ')}), so what is written there outlives the container`);
    }
    // Owned by the user: either copied with --chown, or under a folder chowned recursively.
    const chowned = [...runtime.matchAll(/chown -R (\S+?):\S+ (\S+)/g)].filter((m) => m[1] === user).map((m) => m[2]!);
    const copiedAs = [...runtime.matchAll(/COPY .*--chown=(\S+?):\S+ \S+ (\S+)/g)].filter((m) => m[1] === user).map((m) => m[2]!);
    for (const name of ['CORPUS_DIRS', 'INDEX_DIR', 'STATE_DIR']) assert.ok(within(env[name]!, [...chowned, ...copiedAs]), `${env[name]} is owned by ${user}`);
    // The COPY of the seed reports comes after the chown of /data: it must carry its own --chown.
    assert.match(runtime, /COPY --from=build --chown=node:node \/app\/corpus \/data\/corpus/);
  });
});
