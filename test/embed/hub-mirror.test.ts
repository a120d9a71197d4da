/**
 * A hub model through a mirror (HF_ENDPOINT), as on an intranet where huggingface.co is blocked: a
 * local HTTP server serves the bundled model's files in the hub's layout; the embedder downloads them
 * there, caches them in MODEL_CACHE_DIR, and embeds exactly as the bundled copy does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BUNDLED_MODEL_ID, loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { loadEmbedder } from '../../src/embed/embedder.js';

const MODEL_DIR = path.join(PROJECT_ROOT, 'models', BUNDLED_MODEL_ID);
const HUB_ID = 'mirror-org/e5-small-copy';
const requests: string[] = [];
let server: http.Server;
let endpoint = '';
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-cache-'));
const emptyModels = fs.mkdtempSync(path.join(os.tmpdir(), 'no-models-'));

before(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    // The hub's layout: /{owner}/{name}/resolve/{revision}/{file}
    const match = /^\/mirror-org\/e5-small-copy\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const file = match && path.join(MODEL_DIR, decodeURIComponent(match[1]!));
    if (!file || !file.startsWith(MODEL_DIR) || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  fs.rmSync(emptyModels, { recursive: true, force: true });
});

test('a hub model is fetched from HF_ENDPOINT, cached, and embeds as the bundled copy does', async () => {
  const e5 = { EMBED_POOLING: 'mean', EMBED_QUERY_PREFIX: 'query: ', EMBED_PASSAGE_PREFIX: 'passage: ' };
  const hub = loadConfig({}, { ...e5, EMBED_MODEL: HUB_ID, HF_ENDPOINT: endpoint, MODEL_CACHE_DIR: cacheDir, MODELS_DIR: emptyModels, EMBED_FALLBACK_MODEL: '' }).model;
  const logs: string[] = [];
  const fromMirror = await loadEmbedder(hub, (m) => logs.push(m));
  assert.equal(fromMirror.modelId, HUB_ID);
  assert.equal(fromMirror.isFallback, false);
  assert.deepEqual(logs, [`embedding model: ${HUB_ID} (384 dimensions)`]);
  assert.ok(requests.includes(`/${HUB_ID}/resolve/main/onnx/model_quantized.onnx`), requests.join(', '));
  assert.ok(requests.includes(`/${HUB_ID}/resolve/main/tokenizer.json`), requests.join(', '));
  // Kept where the next start finds it without the network.
  assert.ok(fs.existsSync(path.join(cacheDir, HUB_ID, 'onnx', 'model_quantized.onnx')));

  const bundled = await loadEmbedder(loadConfig({}, { EMBED_MODEL: BUNDLED_MODEL_ID, ALLOW_REMOTE_MODELS: 'false' }).model, () => {});
  const question = '柏山镇去年办了哪些普法活动？';
  const [a, b] = [await fromMirror.embedQuery(question), await bundled.embedQuery(question)];
  assert.deepEqual([...a], [...b]);
});

test('an unreachable mirror is a clear load error naming the model', async () => {
  const hub = loadConfig({}, { EMBED_MODEL: 'mirror-org/missing-model', HF_ENDPOINT: endpoint, MODEL_CACHE_DIR: cacheDir, MODELS_DIR: emptyModels, EMBED_FALLBACK_MODEL: '' }).model;
  await assert.rejects(loadEmbedder(hub, () => {}), /cannot load embedding model "mirror-org\/missing-model"/);
});
