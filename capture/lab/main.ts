/**
 * /lab: a development view of the same worker pipeline the page uses. A video file (through
 * HTMLVideoElement.captureStream) or the camera feeds the workers; landmarks and ROIs are drawn,
 * the ROI green trace and its spectrum are plotted live, with per-stage timings and the profile.
 */
import { createPipeline, type Pipeline } from '../app/pipeline.ts';
import { chooseLandmarkCadence, probeHardware, useWebGpuForCnn } from '../app/profile.ts';
import type { PipelineStatus } from '../../workers/signal.worker.ts';
import { spectrumOf, detrendedSeries } from './spectrum.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const overlay = $<HTMLCanvasElement>('overlay');
let pipeline: Pipeline | null = null;
let stream: MediaStream | null = null;
let statsTimer = 0;
const trace: { t: number; g: number }[] = [];
let last: PipelineStatus | null = null;

async function stop(): Promise<void> {
  clearInterval(statsTimer);
  await pipeline?.terminate();
  pipeline = null;
  for (const tr of stream?.getTracks() ?? []) tr.stop();
  stream = null;
  document.body.dataset.state = 'idle';
}

function drawOverlay(s: PipelineStatus): void {
  overlay.width = s.width;
  overlay.height = s.height;
  const g = overlay.getContext('2d')!;
  g.clearRect(0, 0, s.width, s.height);
  if (s.points) {
    g.fillStyle = 'rgba(0,255,128,0.8)';
    for (let i = 0; i < s.points.length; i += 3) g.fillRect(s.points[i] * s.width - 1, s.points[i + 1] * s.height - 1, 2, 2);
  }
  g.strokeStyle = 'rgba(255,64,64,0.9)';
  g.lineWidth = 2;
  for (const poly of s.rois_px ?? []) {
    g.beginPath();
    for (let i = 0; i < poly.length; i += 2) (i ? g.lineTo : g.moveTo).call(g, poly[i], poly[i + 1]);
    g.closePath();
    g.stroke();
  }
  if (s.box) {
    g.strokeStyle = 'rgba(64,160,255,0.9)';
    g.strokeRect(s.box[0] * s.width, s.box[1] * s.height, s.box[2] * s.width, s.box[3] * s.height);
  }
}

function plot(canvas: HTMLCanvasElement, ys: ArrayLike<number>, colour: string): void {
  const g = canvas.getContext('2d')!;
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (ys.length < 2) return;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < ys.length; i++) { lo = Math.min(lo, ys[i]); hi = Math.max(hi, ys[i]); }
  const span = hi - lo || 1;
  g.strokeStyle = colour;
  g.beginPath();
  for (let i = 0; i < ys.length; i++) {
    const x = (i / (ys.length - 1)) * canvas.width;
    const y = canvas.height - ((ys[i] - lo) / span) * (canvas.height - 4) - 2;
    (i ? g.lineTo : g.moveTo).call(g, x, y);
  }
  g.stroke();
}

function onStatus(s: PipelineStatus): void {
  last = s;
  drawOverlay(s);
  if (s.roi) {
    trace.push({ t: s.at, g: (s.roi[1] + s.roi[4] + s.roi[7]) / 3 });
    while (trace.length && trace[0].t < s.at - 10_000) trace.shift();
  }
  const series = detrendedSeries(trace, 30);
  plot($('wave'), series, '#16a34a');
  const spec = spectrumOf(series, 30, 0.7, 4);
  plot($('spectrum'), spec.power, '#2563eb');
  $('hr').textContent = spec.peakHz ? `peak ${(spec.peakHz * 60).toFixed(0)} bpm (${series.length} samples)` : '';
}

async function run(source: MediaStream): Promise<void> {
  await stop();
  stream = source;
  const track = source.getVideoTracks()[0];
  const hw = await probeHardware();
  const fps = track.getSettings().frameRate ?? 30;
  pipeline = await createPipeline({
    webgpu: useWebGpuForCnn(hw),
    cameraFps: fps,
    landmarkHz: chooseLandmarkCadence(40, fps, hw.cores),
    statusEveryMs: 0,
    statusPoints: true,
    cnn: $<HTMLInputElement>('cnn').checked,
    onStatus,
    onChunk: () => {},
  });
  const how = pipeline.attach(track, video);
  document.body.dataset.state = 'running';
  statsTimer = window.setInterval(async () => {
    if (!pipeline) return;
    const [timings, lm] = await Promise.all([pipeline.timings(), pipeline.landmarkStats()]);
    $('stats').textContent = JSON.stringify(
      { frames_via: how, hardware: hw, landmarks: lm, cnn: pipeline.cnnInit, timings, fps: last?.fps, landmark_hz: last?.landmark_hz, landmark_target_hz: last?.landmark_target_hz, dropped: last?.dropped },
      null,
      2,
    );
  }, 1000);
}

$('camera').onclick = async () => {
  const s = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } } });
  video.srcObject = s;
  await video.play();
  await run(s);
};

$('file').onchange = async () => {
  const f = $<HTMLInputElement>('file').files?.[0];
  if (!f) return;
  video.srcObject = null;
  video.src = URL.createObjectURL(f);
  await video.play();
  const s = (video as HTMLVideoElement & { captureStream(): MediaStream }).captureStream();
  await run(s);
};

$('stop').onclick = () => void stop();

// Bench mode (test/bench/browser.bench.ts): no drawing, numbers on window.__bench.
const params = new URLSearchParams(location.search);
if (params.has('bench')) {
  document.body.dataset.state = 'bench-starting';
  import('./bench.ts')
    .then(({ startBench }) => startBench(params))
    .then((handle) => {
      (window as unknown as { __bench: unknown }).__bench = handle;
      document.body.dataset.state = 'bench-running';
    })
    .catch((err: unknown) => {
      document.body.dataset.state = 'bench-failed';
      $('stats').textContent = String((err as Error)?.stack ?? err);
    });
}
window.addEventListener('pagehide', () => void stop());
