import fs from 'node:fs';
import path from 'node:path';
const t0 = performance.now();
let last = t0;
const lap = (what) => { const now = performance.now(); console.log(what.padEnd(30), (now - t0).toFixed(0).padStart(5), '+' + (now - last).toFixed(0).padStart(4), 'ms', (process.memoryUsage().rss / 1048576).toFixed(0), 'MB'); last = now; };
const warm = process.argv[3] === 'warm';
const mod = await import('pdfjs-dist/legacy/build/pdf.mjs');
lap('pdf.mjs');
if (warm) { globalThis.pdfjsWorker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs'); lap('pdf.worker.mjs'); await import('@napi-rs/canvas'); lap('canvas'); }
const dir = path.dirname(new URL(import.meta.resolve('pdfjs-dist/package.json')).pathname);
const task = mod.getDocument({ data: new Uint8Array(fs.readFileSync(process.argv[2])), cMapUrl: dir + '/cmaps/', cMapPacked: true, standardFontDataUrl: dir + '/standard_fonts/', isEvalSupported: false, verbosity: 0 });
const doc = await task.promise;
lap('document open');
for (let n = 1; n <= doc.numPages; n++) { const p = await doc.getPage(n); await p.getTextContent(); lap('text of page ' + n); }
const page = await doc.getPage(3);
const unit = page.getViewport({ scale: 1 });
const viewport = page.getViewport({ scale: 1280 / Math.max(unit.width, unit.height) });
const { canvas, context } = doc.canvasFactory.create(Math.floor(viewport.width), Math.floor(viewport.height));
lap('canvas');
await page.render({ canvas, canvasContext: context, viewport }).promise;
lap('render p3');
await canvas.encode('png');
lap('png');
