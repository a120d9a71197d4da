/**
 * `npm ci` prints no EBADENGINE warning: every package of the locked tree (the benchmark peer's
 * LangChain and openai included) accepts the oldest Node this package says it runs on, and the Node
 * running the tests. openai 7 and @langchain/openai ≥ 1.5.9 want Node 22: package.json pins them back
 * (overrides) to versions for Node 20.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import semver from 'semver';
import { PROJECT_ROOT } from '../src/config.js';

const read = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8'));

it('every locked package runs on the oldest Node of our engines and on this one', () => {
  const ours: string = read('package.json').engines.node;
  const oldest = semver.minVersion(ours)!.version;
  const lock = read('package-lock.json') as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  const refusing = Object.entries(lock.packages).flatMap(([name, pkg]) => {
    const wanted = pkg.engines && !Array.isArray(pkg.engines) ? pkg.engines.node : undefined;
    return wanted && [oldest, process.version].some((v) => !semver.satisfies(v, wanted)) ? [`${name} wants node ${wanted}`] : [];
  });
  assert.deepEqual(refusing, [], `our engines say node ${ours}`);
});
