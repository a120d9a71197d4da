/**
 * Issue 15, faults 2, 9 and 10: what `npm start` (indexStatus + ensureIndex) and `ingest` make of
 * reports skipped once, of a manifest whose passage ranges do not match the store, and of a report
 * edited while it is read.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureIndex } from '../../src/bot/ensure-index.js';
import type { Config } from '../../src/config.js';
import { listCorpusFiles, readReport } from '../../src/corpus/load.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';
import { indexStatus, ingest } from '../../src/index/ingest.js';
import { currentGeneration, type Manifest, readManifest } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

const quiet = () => {};
const silent = { write: () => true } as unknown as NodeJS.WritableStream;
const BAIHE = '白河镇-2023年工作报告.txt';
const BAIHE_TEXT = '一、水利建设\n白河镇全年修建蓄水池二十六座，新增灌溉面积四千亩。\n二、教育\n白河镇新建幼儿园两所。\n';
const BAIHE_QUESTION = '白河镇修建了多少座蓄水池？';

let embedder: Embedder;
before(async () => {
  embedder = await loadEmbedder(testConfig().model, quiet);
});

async function answersFrom(config: Config, question: string): Promise<string | undefined> {
  return (await (await openSearcher(config, { embedder })).search(question)).results[0]?.source;
}

function setManifest(config: Config, change: (m: Manifest) => Manifest): void {
  const file = path.join(currentGeneration(config.indexDir)!, 'manifest.json');
  fs.writeFileSync(file, JSON.stringify(change(JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest)));
}

describe('fault 2: a report skipped once is looked at again by npm start', () => {
  it('an empty report, filled in afterwards, is indexed at the next start', async () => {
    const corpus = copyOfSeeds();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-skip-') });
    fs.writeFileSync(path.join(corpus, BAIHE), '');
    assert.equal(await ensureIndex(config, { err: silent }), true);
    assert.match(JSON.stringify(readManifest(config.indexDir)!.skipped), /白河镇.*empty file/);
    assert.equal((await indexStatus(config)).status, 'ok', 'nothing changed: no rebuild at the next start');

    fs.writeFileSync(path.join(corpus, BAIHE), BAIHE_TEXT);
    const st = await indexStatus(config);
    assert.equal(st.status, 'stale');
    assert.match(st.reason, /白河镇-2023年工作报告\.txt changed since it was skipped \(empty file\)/);
    assert.equal(await ensureIndex(config, { err: silent }), true);
    assert.equal(await answersFrom(config, BAIHE_QUESTION), BAIHE);
  });

  it('a report that could not be read during an ingest (deleted, then restored) is indexed at the next start', async () => {
    const corpus = copyOfSeeds();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-gone-') });
    await ingest(config, { embedder, log: quiet });
    // What an ingest leaves when the report is listed, then deleted before it is read:
    const file = path.join(corpus, BAIHE);
    fs.writeFileSync(file, BAIHE_TEXT);
    const [listed] = listCorpusFiles([corpus]).files.filter((f) => f.source === BAIHE);
    fs.renameSync(file, `${file}.away`);
    const lost = await readReport(listed!);
    assert.ok('reason' in lost && lost.unreadable && /cannot read/.test(lost.reason));
    setManifest(config, (m) => ({ ...m, skipped: [lost as Manifest['skipped'][number]] }));
    // … and restored (same size, same time) once the ingest is over.
    fs.renameSync(`${file}.away`, file);
    const st = await indexStatus(config);
    assert.equal(st.status, 'stale', 'not "up to date" while the report is missing from the index');
    assert.match(st.reason, /白河镇-2023年工作报告\.txt can be read now/);
    assert.equal(await ensureIndex(config, { err: silent }), true);
    assert.equal(await answersFrom(config, BAIHE_QUESTION), BAIHE);
    assert.equal((await indexStatus(config)).status, 'ok');
  });
});

describe('fault 9: a manifest out of step with the passage store', () => {
  it('passages added to one report in the manifest: refused with what to run, and ingest rebuilds it', async () => {
    const config = testConfig({ indexDir: tempDir('rqb-ranges-') });
    await ingest(config, { embedder, log: quiet });
    setManifest(config, (m) => ({ ...m, files: m.files.map((f, i) => (i === 1 ? { ...f, passages: f.passages + 500 } : f)) }));
    await assert.rejects(openSearcher(config, { embedder }), /manifest\.json is inconsistent \(its reports have \d+ passages, its count says \d+\); run `npm run ingest`/);
    assert.equal((await indexStatus(config)).status, 'corrupt');
    const s = await ingest(config, { embedder, log: quiet });
    assert.ok(s.changed, 'rebuilt, not "up to date"');
    assert.equal(await answersFrom(config, '柏山镇组织了多少次普法宣传？'), '柏山镇-2023年法治政府建设情况报告.txt');
  });

  it('ranges moved between reports (the totals still add up): the passage store tells, and ingest rebuilds', async () => {
    const config = testConfig({ indexDir: tempDir('rqb-ranges2-') });
    await ingest(config, { embedder, log: quiet });
    setManifest(config, (m) => {
      const [a, b] = m.files as [Manifest['files'][number], Manifest['files'][number]];
      return { ...m, files: [{ ...a, passages: a.passages + 3 }, { ...b, firstPassage: b.firstPassage + 3, passages: b.passages - 3 }] };
    });
    await assert.rejects(openSearcher(config, { embedder }), /the index is damaged \(passage \d+ is not within .* as the manifest says\); run `npm run ingest`/);
    assert.ok((await ingest(config, { embedder, log: quiet })).changed);
    assert.equal(await answersFrom(config, '柏山镇组织了多少次普法宣传？'), '柏山镇-2023年法治政府建设情况报告.txt');
  });
});

describe('fault 10: a report edited while it is read', () => {
  it('size, time and hash come from one read, so the index is not "stale" forever', async () => {
    const corpus = copyOfSeeds();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-edit-') });
    const report = path.join(corpus, '柏山镇-2023年法治政府建设情况报告.txt');
    const [listed] = listCorpusFiles([corpus]).files.filter((f) => f.absPath === report);
    fs.appendFileSync(report, '\n六、附记\n柏山镇新建法治文化广场一处。\n'); // after the listing, before the read
    const read = await readReport(listed!);
    assert.ok(!('reason' in read));
    assert.equal(read.bytes, fs.statSync(report).size, 'the size of what was read, not of the listing');
    assert.ok(read.text.includes('法治文化广场'));
    // Through a whole ingest: indexed as read, and then up to date.
    await ingest(config, { embedder, log: quiet });
    assert.equal((await indexStatus(config)).status, 'ok');
  });
});
