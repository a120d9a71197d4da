// Embedding on several threads (EMBED_WORKERS > 1) gives the vectors one thread gives, in input order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { STANDIN_ENV } from '../helpers.js';

test('two embedding threads: the same vectors as one, in the same order', async () => {
  // 600 texts: above the size at which threads are started at all.
  const texts = Array.from({ length: 600 }, (_, i) => `第${i}条：柏山镇${i % 7 === 0 ? '普法宣传' : '法治政府建设'}，共${i * 3}次。`);
  const one = await loadEmbedder(loadConfig({}, { ...STANDIN_ENV, EMBED_WORKERS: '1' }).model, () => {});
  const two = await loadEmbedder(loadConfig({}, { ...STANDIN_ENV, EMBED_WORKERS: '2', EMBED_BATCH_SIZE: '16' }).model, () => {});
  const progress: number[] = [];
  const [a, b] = [await one.embedPassages(texts), await two.embedPassages(texts, (done) => progress.push(done))];
  assert.equal(b.length, texts.length);
  a.forEach((v, i) => assert.deepEqual([...b[i]!], [...v], `text ${i}`));
  assert.equal(progress.at(-1), texts.length);
  assert.ok(progress.length >= texts.length / 16, 'progress per batch');
});
