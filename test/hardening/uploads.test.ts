/**
 * Issue 20, the corpus side of uploads and /remove (src/index/reports.ts) under attack: a dangling
 * symlink named like the upload, failed writes on a full disk, power cuts (strace of the fsyncs), a
 * /remove while another process holds the index lock or while the index cannot be written, and an
 * upload sent again after a crash. Real files, the real ingest (stand-in model), real processes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT, type Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { addReport, removeReport, ReportError } from '../../src/index/reports.js';
import { readManifest } from '../../src/index/store.js';
import { STANDIN_ENV, tempDir, testConfig } from '../helpers.js';
import { canMount, SmallDisk } from './helpers/full-disk.js';

const SLOW = 120_000;
const QINGSHI = Buffer.from('青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期，培训种植能手三百人次。\n');
const DONGLING = Buffer.from('东岭乡人民政府\n一、工程建设\n东岭乡共修缮山塘水库十二座，受益群众三千余户。\n');
const HEXI = Buffer.from('河西镇人民政府\n一、道路建设\n河西镇新修村道八公里，硬化通组路十二条。\n');

/** A corpus with one report, indexed. */
async function smallCorpus(prefix: string, indexDir?: string): Promise<{ config: Config; corpus: string }> {
  const root = tempDir(prefix);
  const corpus = path.join(root, 'corpus');
  fs.mkdirSync(corpus);
  fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), QINGSHI);
  const config = testConfig({ corpusDirs: [corpus], indexDir: indexDir ?? path.join(root, 'index') });
  await ingest(config, { log: () => {} });
  return { config, corpus };
}

const sources = (config: Config) => readManifest(config.indexDir)!.files.map((f) => f.source).sort();

/** Runs addReport in a child process (a loop that never ends cannot hang the test runner). */
function addInChild(config: Config, name: string, data: Buffer, timeoutMs: number) {
  const code = `
    const { addReport } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/index/reports.ts'))});
    const { loadConfig } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/config.ts'))});
    const config = loadConfig(${JSON.stringify({ corpusDirs: config.corpusDirs, indexDir: config.indexDir })}, process.env);
    try {
      const added = await addReport(config, ${JSON.stringify(name)}, Buffer.from(${JSON.stringify(data.toString('base64'))}, 'base64'));
      console.log('added ' + added.source);
    } catch (err) {
      console.log('refused ' + err.message);
    }`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...STANDIN_ENV } });
}

describe('issue 20 fault 7: a dangling symlink named like the upload', () => {
  it('is stepped over (lstat); a folder of nothing but such names gets a refusal, not a loop', { timeout: SLOW }, async () => {
    const { config, corpus } = await smallCorpus('rqb-symlink-');
    fs.symlinkSync('/nonexistent/target.txt', path.join(corpus, '东岭乡-水利报告.txt'));
    const first = addInChild(config, '东岭乡-水利报告.txt', DONGLING, 60_000);
    assert.equal(first.signal, null, 'finished (it used to spin at 100 % CPU forever)');
    assert.equal(first.stdout.trim(), 'added 东岭乡-水利报告-2.txt', first.stderr);
    for (let n = 2; n <= 100; n++) fs.symlinkSync('/nonexistent/target.txt', path.join(corpus, `河西镇-${n}.txt`));
    fs.symlinkSync('/nonexistent/target.txt', path.join(corpus, '河西镇.txt'));
    const second = addInChild(config, '河西镇.txt', HEXI, 60_000);
    assert.equal(second.signal, null);
    assert.match(second.stdout.trim(), /^refused no free name for it in corpus\/ \(tried 河西镇\.txt and 99 numbered names\)$/, second.stderr);
    assert.deepEqual(fs.readdirSync(corpus).filter((n) => n.startsWith('.')), [], 'no temp file left');
  });
});

describe('issue 20 "also": an upload sent again after a crash mid-upload', () => {
  it('is said to be in the corpus (not "cannot add … nothing was changed"), whether the crash came before or after the index was published', { timeout: SLOW }, async () => {
    const { config, corpus } = await smallCorpus('rqb-replay-');
    const added = await addReport(config, '东岭乡-水利报告.txt', DONGLING);
    assert.equal(added.already, undefined);
    const again = await addReport(config, '东岭乡-水利报告.txt', DONGLING);
    assert.deepEqual([again.source, again.already, again.passages], ['东岭乡-水利报告.txt', true, added.passages]);
    // Crashed after storing the file, before publishing the index: the stored file is taken, not copied to "-2".
    fs.writeFileSync(path.join(corpus, '河西镇.txt'), HEXI);
    const replayed = await addReport(config, '河西镇.txt', HEXI);
    assert.deepEqual([replayed.source, replayed.already], ['河西镇.txt', true]);
    assert.ok(sources(config).includes('河西镇.txt'));
    assert.ok(!fs.existsSync(path.join(corpus, '河西镇-2.txt')));
    // The same bytes under another name are still a duplicate.
    await assert.rejects(addReport(config, 'other.txt', HEXI), /already in the corpus, as 河西镇\.txt/);
  });
});

describe('issue 20 fault 3: /remove while another process updates the index', () => {
  it('changes nothing and says so; the report stays answerable and can be removed later', { timeout: SLOW }, async () => {
    const { config, corpus } = await smallCorpus('rqb-remove-lock-');
    await addReport(config, '东岭乡-水利报告.txt', DONGLING);
    // Another process takes the index lock and holds it (an ingest at work).
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { acquireLock } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/index/store.ts'))});
      acquireLock(${JSON.stringify(config.indexDir)}); console.log('locked'); setTimeout(() => {}, 60_000);`], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout!.once('data', resolve));
      await assert.rejects(removeReport(config, '东岭乡'), (err: Error) => err instanceof ReportError && /being updated by another process/.test(err.message));
      assert.ok(fs.existsSync(path.join(corpus, '东岭乡-水利报告.txt')), 'the file is still there (it used to be deleted)');
      assert.ok(sources(config).includes('东岭乡-水利报告.txt'));
      await assert.rejects(addReport(config, '河西镇.txt', HEXI), /being updated by another process/);
      assert.ok(!fs.existsSync(path.join(corpus, '河西镇.txt')));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    const removed = await removeReport(config, '东岭乡');
    assert.equal(removed.source, '东岭乡-水利报告.txt');
    assert.ok(!fs.existsSync(path.join(corpus, '东岭乡-水利报告.txt')));
    assert.deepEqual(sources(config), ['青石村-2023年工作报告.txt']);
    assert.deepEqual(fs.readdirSync(corpus).filter((n) => n.startsWith('.')), []);
  });

  it('a removal cut short by a crash is put back (index still has it) or finished (index without it) by the next change', { timeout: SLOW }, async () => {
    const { config, corpus } = await smallCorpus('rqb-remove-crash-');
    await addReport(config, '东岭乡-水利报告.txt', DONGLING);
    fs.renameSync(path.join(corpus, '东岭乡-水利报告.txt'), path.join(corpus, '.removing-东岭乡-水利报告.txt'));
    await addReport(config, '河西镇.txt', HEXI);
    assert.ok(fs.existsSync(path.join(corpus, '东岭乡-水利报告.txt')));
    assert.deepEqual(sources(config), ['东岭乡-水利报告.txt', '河西镇.txt', '青石村-2023年工作报告.txt']);
  });
});

describe('issue 20 on a full disk: faults 3 and 11', { skip: !canMount && 'cannot mount a tmpfs here (needs root)' }, () => {
  const disks: SmallDisk[] = [];
  after(() => disks.forEach((d) => d.unmount()));

  it('fault 3: a removal whose index cannot be written puts the file back and fails truthfully', { timeout: SLOW }, async () => {
    const disk = SmallDisk.mount(8 * 1024)!;
    disks.push(disk);
    const { config, corpus } = await smallCorpus('rqb-remove-full-', path.join(disk.dir, 'index'));
    await addReport(config, '东岭乡-水利报告.txt', DONGLING);
    disk.fill();
    await assert.rejects(removeReport(config, '东岭乡'), /ENOSPC/);
    assert.ok(fs.existsSync(path.join(corpus, '东岭乡-水利报告.txt')), 'put back');
    assert.ok(sources(config).includes('东岭乡-水利报告.txt'));
    disk.free();
    await removeReport(config, '东岭乡');
    assert.deepEqual(sources(config), ['青石村-2023年工作报告.txt']);
  });

  it('fault 11: an upload whose write fails leaves no temp file in the corpus folder', { timeout: SLOW }, async () => {
    const disk = SmallDisk.mount(256)!;
    disks.push(disk);
    const corpus = path.join(disk.dir, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), QINGSHI);
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(tempDir('rqb-upload-full-'), 'index') });
    await ingest(config, { log: () => {} });
    disk.fill();
    const big = Buffer.from('河西镇人民政府\n一、道路建设\n' + '河西镇新修村道八公里，硬化通组路十二条。\n'.repeat(400));
    await assert.rejects(addReport(config, '河西镇.txt', big), /ENOSPC/);
    assert.deepEqual(fs.readdirSync(corpus), ['青石村-2023年工作报告.txt'], 'nothing but the report that was there');
  });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('issue 20 fault 14: an uploaded report is on disk before the index names it', { skip: !hasStrace && 'strace is not installed' }, () => {
  let config: Config;
  before(async () => {
    config = (await smallCorpus('rqb-upload-fsync-')).config;
  });

  it('fsyncs the stored file and the corpus folder before the new index is published', { timeout: SLOW }, () => {
    const trace = path.join(tempDir('rqb-trace-'), 'trace');
    const code = `
      const { addReport } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/index/reports.ts'))});
      const { loadConfig } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'src/config.ts'))});
      const config = loadConfig(${JSON.stringify({ corpusDirs: config.corpusDirs, indexDir: config.indexDir })}, process.env);
      await addReport(config, '东岭乡-水利报告.txt', Buffer.from(${JSON.stringify(DONGLING.toString('base64'))}, 'base64'));`;
    const r = spawnSync('strace', ['-f', '-y', '-e', 'trace=fsync,link,linkat,rename,renameat,renameat2', '-o', trace, process.execPath, '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...STANDIN_ENV },
    });
    assert.equal(r.status, 0, r.stderr);
    const corpus = config.corpusDirs[0]!;
    const calls = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => !/unfinished|resumed/.test(l));
    const link = calls.findIndex((l) => /link(at)?\(.*\/\.upload-\d+-\d+\.txt", /.test(l)); // strace writes the new name in octal escapes
    const publish = calls.findIndex((l) => /rename(at2?)?\(.*CURRENT\.\d+\.tmp", .*CURRENT"\)/.test(l));
    assert.ok(link > 0 && publish > link, 'stored by a link, then published');
    const synced = (lines: string[]) => lines.flatMap((l) => /fsync\(\d+<([^>]+)>\)\s*=\s*0/.exec(l)?.[1] ?? []);
    assert.ok(synced(calls.slice(0, link)).some((f) => /\/\.upload-\d+-\d+\.txt$/.test(f)), 'the file\'s data flushed before it is linked into the corpus');
    assert.ok(synced(calls.slice(link, publish)).includes(corpus), 'the corpus folder flushed before the index that names the report is published');
  });
});
