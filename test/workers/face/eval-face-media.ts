// Runs the real MediaPipe FaceLandmarker (headless Chromium, VIDEO mode, CPU) over the videos of
// a face-media set (../shared/data/faces or any directory with the same manifest kind) and feeds
// the landmarks to the motion analyzer, the blink detector, head pose and the quality gates, as
// the capture page would. Each still becomes a simulated hand-held print as well: the image,
// padded, swung through a changing perspective warp (a moving plane), so that the planarity check
// meets real landmark jitter on a known-planar target. Prints one row per clip; --json prints JSON.
// Usage: node test/workers/face/eval-face-media.ts [dir] [--seconds 8] [--fps 15] [--only TEXT] [--tilt 1] [--json]
// Needs ffmpeg, /usr/bin/chromium and ../shared/models/face_landmarker.task. Not a vitest suite:
// it takes a minute and depends on files the repository does not hold.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import jpeg from 'jpeg-js';
import { cropMotion, summarizeCropMotion, type CropMotionResult } from '../../../workers/face/crop-motion.ts';
import { squareCropBox } from '../../../workers/face/face-box.ts';
import { rgbaToGray } from '../../../workers/face/grayscale.ts';
import { eyeClosure } from '../../../workers/face/blink-detector.ts';
import { computeFaceBox } from '../../../workers/face/face-box.ts';
import { headPoseFromLandmarks } from '../../../workers/face/head-pose.ts';
import { dequantizeLandmarkSubset, quantizeLandmarkSubset } from '../../../workers/face/landmark-subset.ts';
import { createMotionAnalyzer } from '../../../workers/face/motion-analysis.ts';
import { createQualityAccumulator } from '../../../workers/face/quality-gates.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const root = resolve(import.meta.dirname, '../../..');
const dir = resolve(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? join(root, '../shared/data/faces'));
const seconds = flag('--seconds', 8);
const fps = flag('--fps', 15);
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
/** --dump FILE writes every clip's per-frame landmarks (JSON) for offline analysis. */
const dump = args.includes('--dump') ? args[args.indexOf('--dump') + 1] : '';
const dumped: Record<string, { t: number; width: number; height: number; lm: number[] | null }[]> = {};
const vision = join(root, 'node_modules/@mediapipe/tasks-vision');
const model = resolve(root, '../shared/models/face_landmarker.task');

/** Face crop side for image-motion planarity (the thresholds in crop-motion.ts are for 64 px). */
const CROP = 64;

/** The square face crop (squareCropBox) of a JPEG frame, bilinear to size x size, grayscale. */
function faceCrop(file: string, box: Float32Array, size: number): Uint8Array {
  const img = jpeg.decode(readFileSync(file), { useTArray: true, formatAsRGBA: true });
  const sq = squareCropBox(box, img.width, img.height);
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fx = Math.min(img.width - 1.001, Math.max(0, sq[0] + ((x + 0.5) * sq[2]) / size - 0.5));
      const fy = Math.min(img.height - 1.001, Math.max(0, sq[1] + ((y + 0.5) * sq[2]) / size - 0.5));
      const x0 = Math.floor(fx), y0 = Math.floor(fy), ax = fx - x0, ay = fy - y0;
      for (let c = 0; c < 3; c++) {
        const p = (xx: number, yy: number) => img.data[(yy * img.width + xx) * 4 + c];
        rgba[(y * size + x) * 4 + c] = (1 - ay) * ((1 - ax) * p(x0, y0) + ax * p(x0 + 1, y0)) + ay * ((1 - ax) * p(x0, y0 + 1) + ax * p(x0 + 1, y0 + 1));
      }
      rgba[(y * size + x) * 4 + 3] = 255;
    }
  }
  return rgbaToGray(rgba, size, size);
}

interface Item { id: string; file: string; label?: string; attack_type?: string; media?: string }
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { items: Item[] };
const clips = [
  ...manifest.items.filter((i) => i.media === 'video').map((item) => ({ item, id: item.id, held: false })),
  ...manifest.items.filter((i) => i.media === 'still').map((item) => ({ item, id: `${item.id} (held print)`, held: true })),
];
/**
 * A plane tilting about both axes and drifting: corners of the padded still, per output frame.
 * --tilt scales the corner swing (1 = corners move by 1/16 of the width, 1/12 of the height).
 */
const tilt = flag('--tilt', 1);
/** --image runs FaceLandmarker in IMAGE mode (no temporal smoothing between frames). */
const imageMode = args.includes('--image');
const HELD_PRINT = "scale=480:-2,pad=iw*1.25:ih*1.25:(ow-iw)/2:(oh-ih)/2:color=gray,perspective=sense=destination:eval=frame:"
  + `x0='W/10+${tilt}*W/16*sin(on/7)':y0='H/10-${tilt}*H/12*sin(on/7)':x1='9*W/10+${tilt}*W/16*sin(on/7)':y1='H/10+${tilt}*H/12*sin(on/7)':`
  + `x2='W/10-${tilt}*W/16*sin(on/9)':y2='9*H/10+${tilt}*H/12*sin(on/7)':x3='9*W/10-${tilt}*W/16*sin(on/9)':y3='9*H/10-${tilt}*H/12*sin(on/7)'`;

const page = `<!doctype html><script type="module">
import { FilesetResolver, FaceLandmarker } from '/vision_bundle.mjs';
const fileset = await FilesetResolver.forVisionTasks('/wasm', false);
let task = null;
window.reset = async (mode) => {
  task?.close();
  task = await FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: '/model.task', delegate: 'CPU' }, runningMode: mode, numFaces: 1,
    outputFaceBlendshapes: true });
};
window.detect = async (url, t) => {
  const img = new Image(); img.src = url; await img.decode();
  const r = task.runningMode === 'IMAGE' || window.mode === 'IMAGE' ? task.detect(img) : task.detectForVideo(img, t);
  if (!r.faceLandmarks.length) return { width: img.naturalWidth, height: img.naturalHeight, lm: null, bs: null };
  return { width: img.naturalWidth, height: img.naturalHeight,
    lm: r.faceLandmarks[0].flatMap((p) => [p.x, p.y, p.z]),
    bs: Object.fromEntries(r.faceBlendshapes[0].categories.filter((c) => c.categoryName.startsWith('eyeBlink')).map((c) => [c.categoryName, c.score])) };
};
window.ready = true;
</script>`;

const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'lg-eval-')), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let frameDir = '';
const rows: Record<string, unknown>[] = [];
try {
  await context.route('**/*', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ body: page, contentType: 'text/html' });
    if (path === '/vision_bundle.mjs') return route.fulfill({ path: join(vision, 'vision_bundle.mjs'), contentType: 'text/javascript' });
    if (path === '/model.task') return route.fulfill({ path: model });
    if (path.startsWith('/wasm/')) return route.fulfill({ path: join(vision, path), contentType: path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    if (path.startsWith('/frame/')) return route.fulfill({ path: join(frameDir, path.slice(7)), contentType: 'image/jpeg' });
    return route.fulfill({ status: 404, body: '' });
  });
  const tab = await context.newPage();
  await tab.goto('http://eval.local/');
  await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready, undefined, { timeout: 60_000 });

  for (const { item, id, held } of clips.filter((c) => c.id.includes(only))) {
    frameDir = mkdtempSync(join(tmpdir(), 'lg-frames-'));
    execFileSync('ffmpeg', ['-loglevel', 'error', ...(held ? ['-loop', '1'] : []), '-i', join(dir, item.file), '-t', String(seconds),
      '-vf', held ? `${HELD_PRINT},fps=${fps}` : `fps=${fps},scale='min(640,iw)':-2`, '-q:v', '2', join(frameDir, '%05d.jpg')]);
    const frames = readdirSync(frameDir).filter((f) => f.endsWith('.jpg')).sort();
    const crops: (Uint8Array | null)[] = [];
    const mode = imageMode ? 'IMAGE' : 'VIDEO';
    await tab.evaluate((m) => { (window as unknown as { mode: string }).mode = m; return (window as unknown as { reset: (m: string) => Promise<void> }).reset(m); }, mode);
    const motion = createMotionAnalyzer();
    const wireMotion = createMotionAnalyzer();
    const quality = createQualityAccumulator();
    const yaws: number[] = [];
    let width = 0, height = 0;
    for (let k = 0; k < frames.length; k++) {
      const t = (k * 1000) / fps;
      const r = await tab.evaluate(([u, tt]) => (window as unknown as { detect: (u: string, t: number) => Promise<unknown> }).detect(u, tt), [`/frame/${frames[k]}`, t] as const) as
        { width: number; height: number; lm: number[] | null; bs: Record<string, number> | null };
      width = r.width; height = r.height;
      if (dump) (dumped[id] ??= []).push({ t, width, height, lm: r.lm });
      if (!r.lm) { crops.push(null); quality.addFrame({ tMs: t, faceBox: null, frameWidth: width, frameHeight: height }); continue; }
      const lm = Float32Array.from(r.lm);
      const box = new Float32Array(4);
      computeFaceBox(lm, box);
      crops.push(faceCrop(join(frameDir, frames[k]), box, CROP));
      quality.addFrame({ tMs: t, faceBox: box, frameWidth: width, frameHeight: height });
      motion.addLandmarks(t, lm, width, height);
      motion.addEyeClosure(t, eyeClosure(r.bs, Number.NaN));
      wireMotion.addLandmarks(t, dequantizeLandmarkSubset(quantizeLandmarkSubset(lm)), width, height);
      yaws.push(headPoseFromLandmarks(lm, width, height).yaw);
    }
    rmSync(frameDir, { recursive: true, force: true });
    const cropPairs: CropMotionResult[] = [];
    const step = Math.max(1, Math.round(0.4 * fps));
    for (let k = 0; k + step < crops.length; k++) {
      const a = crops[k], b = crops[k + step];
      if (a && b) cropPairs.push(cropMotion(a, b, CROP));
    }
    const c = summarizeCropMotion(cropPairs);
    const m = motion.summary();
    const w = wireMotion.summary();
    const q = quality.evaluate();
    const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
    rows.push({
      id, label: held ? 'attack' : item.label, attack: held ? 'print (simulated)' : item.attack_type ?? '', frames: frames.length, size: `${width}x${height}`,
      evidence: m.planarity_evidence, wire_evidence: w.planarity_evidence,
      ratio: r3(m.planarity_ratio), residual: r3(m.planarity_residual), informative: `${m.informative_pairs}/${m.pairs}`,
      motion: r3(m.motion_energy), shape: r3(m.shape_change), noise: r3(m.landmark_noise), blinks: m.blinks,
      yaw_range: yaws.length ? Math.round(Math.max(...yaws) - Math.min(...yaws)) : null,
      crop_evidence: c.evidence,
      crop_ratio: r3(c.crop_planarity_ratio),
      crop_informative: `${c.informative_pairs}/${c.pairs}`,
      quality: q.passed ? 'pass' : q.reasons.join(','),
    });
  }
} finally {
  await context.close();
}
if (dump) writeFileSync(dump, JSON.stringify(dumped));
if (json) console.log(JSON.stringify({ dir, seconds, fps, items: rows }));
else console.table(rows);
