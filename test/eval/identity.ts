// Identity evaluation: `npm run eval:identity -- <face set dirs…> [--json] [--frames N]`.
// Each video becomes two clips (first and second half), each still one clip. Frames come from
// ffmpeg, landmarks from the real MediaPipe FaceLandmarker (headless Chromium, IMAGE mode); each
// frame then goes through exactly what the server does with the page's identity crops: the wire
// landmark subset, the identity crop (JPEG, 192 px, 1.6x face box), the gate, the 5-point
// alignment, the sharpness check and MobileFaceNet (server/identity/evidence.ts). A clip's
// template is the normalised mean of its (up to 5) sharpest accepted frames, as the server keeps.
// Pairs: every two clips; same person when the manifests' `subject` agrees (an item without one
// is its own subject). Threshold: leave-one-subject-out cross-validation (lib/identity-metrics.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { chromium } from 'playwright-core';
import { loadFaceEmbedder, meanTemplate } from '../../server/identity/embed.ts';
import { alignIdentityCrop, MAX_IDENTITY_FRAMES } from '../../server/identity/evidence.ts';
import { warpSimilarity } from '../../workers/face/align.ts';
import { computeFaceBox } from '../../workers/face/face-box.ts';
import { identityCropRegion, identityFrameGate } from '../../workers/face/identity-gate.ts';
import { dequantizeLandmarkSubset, quantizeLandmarkSubset } from '../../workers/face/landmark-subset.ts';
import { allPairs, leaveOneSubjectOut, ratesAt, type Clip } from './lib/identity-metrics.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const framesPerItem = args.includes('--frames') ? Number(args[args.indexOf('--frames') + 1]) : 16;
/** --only TEXT: items whose id contains TEXT (debugging the gate). */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
const root = resolve(import.meta.dirname, '../..');
const dirs = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--frames' && args[i - 1] !== '--only').map((d) => resolve(d));
if (dirs.length === 0) dirs.push(resolve(root, '../shared/data/faces'), resolve(root, '../shared/data/faces-extra'));
const vision = join(root, 'node_modules/@mediapipe/tasks-vision');
const landmarkModel = resolve(root, '../shared/models/face_landmarker.task');
const CROP = 192;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Item { id: string; file: string; media?: string; subject?: string; duration_s?: number }

const page = `<!doctype html><script type="module">
import { FilesetResolver, FaceLandmarker } from '/vision_bundle.mjs';
const fileset = await FilesetResolver.forVisionTasks('/wasm', false);
const task = await FaceLandmarker.createFromOptions(fileset, { baseOptions: { modelAssetPath: '/model.task', delegate: 'CPU' }, runningMode: 'IMAGE', numFaces: 1 });
window.detect = async (url) => {
  const img = new Image(); img.src = url; await img.decode();
  const r = task.detect(img);
  return r.faceLandmarks.length ? r.faceLandmarks[0].flatMap((p) => [p.x, p.y, p.z]) : null;
};
window.ready = true;
</script>`;

/** The page's identity crop of a frame: the 1.6x face-box square, 192 px, JPEG q 0.92. */
function identityCrop(frame: { data: Uint8Array; width: number; height: number }, lm: Float32Array) {
  const box = new Float32Array(4);
  if (!computeFaceBox(lm, box)) return null;
  const r = identityCropRegion(box, frame.width, frame.height, 1.6);
  const s = CROP / r.side;
  const rgb = warpSimilarity(frame.data, frame.width, frame.height, { a: s, b: 0, tx: -r.x * s, ty: -r.y * s }, CROP, 4);
  const rgba = new Uint8Array(CROP * CROP * 4);
  for (let i = 0; i < CROP * CROP; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  return {
    t: 0,
    box: Float32Array.of(r.x / frame.width, r.y / frame.height, r.side / frame.width, r.side / frame.height),
    lm: quantizeLandmarkSubset(lm),
    crop: new Uint8Array(jpeg.encode({ data: rgba, width: CROP, height: CROP }, 92).data),
  };
}

const embedder = await loadFaceEmbedder(resolve(root, 'models'));
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'lg-id-')), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let frameDir = '';
let itemNumber = 0;
const clips: Clip[] = [];
const clipInfo: Record<string, { frames: number; used: number; rejected: Record<string, number>; gate: string[] }> = {};
const embedMs: number[] = [];
try {
  await context.route('**/*', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ body: page, contentType: 'text/html' });
    if (path === '/vision_bundle.mjs') return route.fulfill({ path: join(vision, 'vision_bundle.mjs'), contentType: 'text/javascript' });
    if (path === '/model.task') return route.fulfill({ path: landmarkModel });
    if (path.startsWith('/wasm/')) return route.fulfill({ path: join(vision, path), contentType: path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    // /frame/<item number>/<file>: a path per item, so the browser cache never hands back another item's frame.
    if (path.startsWith('/frame/')) return route.fulfill({ path: join(frameDir, path.split('/').at(-1)!), contentType: 'image/jpeg', headers: { 'cache-control': 'no-store' } });
    return route.fulfill({ status: 404, body: '' });
  });
  const tab = await context.newPage();
  await tab.goto('http://eval.local/');
  await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready, undefined, { timeout: 120_000 });

  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { items: Item[] };
    for (const item of manifest.items.filter((i) => i.id.includes(only))) {
      frameDir = mkdtempSync(join(tmpdir(), 'lg-id-frames-'));
      itemNumber++;
      const video = item.media === 'video';
      const rate = video ? framesPerItem / Math.max(1, item.duration_s ?? 10) : 1;
      execFileSync('ffmpeg', ['-loglevel', 'error', '-i', join(dir, item.file), ...(video ? ['-vf', `fps=${rate},scale='min(960,iw)':-2`] : ['-frames:v', '1']), '-q:v', '2', join(frameDir, '%05d.jpg')]);
      const files = readdirSync(frameDir).filter((f) => f.endsWith('.jpg')).sort();
      const halves = video ? [files.slice(0, Math.ceil(files.length / 2)), files.slice(Math.ceil(files.length / 2))] : [files];
      for (const [h, half] of halves.entries()) {
        const id = video ? `${item.id}#${'ab'[h]}` : item.id;
        const rejected: Record<string, number> = {};
        const accepted: { rgb: Uint8ClampedArray; sharpness: number }[] = [];
        const gate: string[] = [];
        for (const f of half) {
          const lm = await tab.evaluate((u) => (window as unknown as { detect: (u: string) => Promise<number[] | null> }).detect(u), `/frame/${itemNumber}/${f}`);
          if (!lm) { rejected.no_face = (rejected.no_face ?? 0) + 1; continue; }
          const frame = jpeg.decode(readFileSync(join(frameDir, f)), { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 8 });
          const crop = identityCrop(frame, Float32Array.from(lm));
          const c = crop ? alignIdentityCrop(crop, { width: frame.width, height: frame.height }, null) : 'no_box';
          if (typeof c === 'string') rejected[c] = (rejected[c] ?? 0) + 1;
          else accepted.push(c);
          const g = identityFrameGate(dequantizeLandmarkSubset(quantizeLandmarkSubset(Float32Array.from(lm))), frame.width, frame.height);
          gate.push(`yaw ${g.yaw.toFixed(0)} pitch ${g.pitch.toFixed(0)} ear ${g.ear.toFixed(2)} iod ${g.interOcularPx.toFixed(0)}${typeof c === 'string' ? ` ${c}` : ` sharp ${c.sharpness.toFixed(0)}`}`);
        }
        accepted.sort((x, y) => y.sharpness - x.sharpness);
        const chosen = accepted.slice(0, MAX_IDENTITY_FRAMES);
        const embeddings: Float32Array[] = [];
        for (const c of chosen) {
          const t0 = performance.now();
          embeddings.push(await embedder.embed(c.rgb));
          embedMs.push(performance.now() - t0);
        }
        clipInfo[id] = { frames: half.length, used: embeddings.length, rejected, gate };
        if (embeddings.length) clips.push({ id, subject: item.subject ?? item.id, template: meanTemplate(embeddings) });
        log(`${id}: ${embeddings.length}/${half.length} frames used${Object.keys(rejected).length ? ` (rejected ${JSON.stringify(rejected)})` : ''}`);
      }
      rmSync(frameDir, { recursive: true, force: true });
    }
  }
} finally {
  await context.close();
  await embedder.release();
}

const pairs = allPairs(clips);
const cv = leaveOneSubjectOut(pairs);
const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
const sortedMs = [...embedMs].sort((a, b) => a - b);
const summary = { threshold: cv.threshold, fmr: r3(cv.fmr), fnmr: r3(cv.fnmr) };
const details = {
  method: 'leave-one-subject-out: threshold = max impostor similarity of the training pairs + 0.05 (at least 0.35); fmr/fnmr are held-out rates',
  fitted_on_all: ratesAt(pairs, cv.threshold),
  per_threshold: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6].map((t) => ({ ...ratesAt(pairs, t), fmr: r3(ratesAt(pairs, t).fmr), fnmr: r3(ratesAt(pairs, t).fnmr) })),
  folds: cv.folds,
  embedding_ms: { p50: r3(sortedMs[Math.floor(sortedMs.length / 2)] ?? null), p95: r3(sortedMs[Math.floor(sortedMs.length * 0.95)] ?? null), n: sortedMs.length },
  clips: clipInfo,
};
const pairRows = pairs.map((p) => ({ a: p.a, b: p.b, same_person: p.same_person, similarity: r3(p.similarity), match: p.similarity >= cv.threshold }));
if (json) {
  process.stdout.write(`${JSON.stringify({ pairs: pairRows, summary, details }, null, 2)}\n`);
} else {
  const genuine = pairRows.filter((p) => p.same_person);
  const impostors = pairRows.filter((p) => !p.same_person).sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0));
  process.stdout.write(`Same-person pairs (${genuine.length}):\n`);
  for (const p of genuine) process.stdout.write(`  ${p.a} ~ ${p.b}: ${p.similarity} ${p.match ? 'match' : 'NO MATCH'}\n`);
  process.stdout.write(`Highest different-person pairs (of ${impostors.length}):\n`);
  for (const p of impostors.slice(0, 8)) process.stdout.write(`  ${p.a} ~ ${p.b}: ${p.similarity} ${p.match ? 'MATCH' : ''}\n`);
  process.stdout.write(`Threshold ${summary.threshold} (leave-one-subject-out): FMR ${summary.fmr}, FNMR ${summary.fnmr}; embedding p50 ${details.embedding_ms.p50} ms (n ${details.embedding_ms.n})\n`);
  for (const r of details.per_threshold) process.stdout.write(`  t=${r.threshold}: FMR ${r.fmr} (${r.false_matches}/${r.impostor}), FNMR ${r.fnmr} (${r.false_non_matches}/${r.genuine})\n`);
}
