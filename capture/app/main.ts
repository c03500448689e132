/**
 * The verification page: orchestration only. Pixels stay in the workers; this file moves state
 * between the protocol client, the camera, the worker pipeline and the screen.
 */
import QRCode from 'qrcode';
import { createCaptureClient, CaptureApiError, type CaptureClient, type SessionInfo, type FinishResponse } from './api.ts';
import { CameraError, missingFeatures, openCamera, stopCamera } from './camera.ts';
import { announce, byId, setProgress, setState, showScreen } from './dom.ts';
import { deniedAdviceKey, PAGE_ERRORS, type PageErrorCode } from './errors.ts';
import { createSteadiness, guidanceFor, type GuidanceKey } from './guidance.ts';
import { createTranslator, pickLocale, type MessageKey } from './i18n.ts';
import { runLightChallenge, type LightChallengeRun } from './light.ts';
import { createPipeline, PipelineError, type Pipeline } from './pipeline.ts';
import { chooseCaptureSize, chooseLandmarkCadence, isMobileBrowser, probeHardware, useWebGpuForCnn, virtualCameraHints, type DeviceProfile, type HardwareProbe } from './profile.ts';
import { takeTokenFromLocation } from './token.ts';
import type { ChunkReady, PipelineStatus } from '../../workers/signal.worker.ts';

/** Seconds of guidance without a usable face before the page reports a quality failure. */
const GUIDANCE_TIMEOUT_MS = 15_000;
/** Steady, well-placed face needed before capture starts by itself. */
const STEADY_MS = 1_000;

const locale = pickLocale(navigator.languages ?? [navigator.language]);
const t = createTranslator(locale);
document.documentElement.lang = locale;

const target = takeTokenFromLocation(window.location, window.history);
const fullUrl = target ? `${location.origin}${location.pathname}#${encodeURIComponent(target.token)}` : '';

let client: CaptureClient | null = null;
let session: SessionInfo | null = null;
let probe: HardwareProbe | null = null;
let stream: MediaStream | null = null;
let pipeline: Pipeline | null = null;
let light: LightChallengeRun | null = null;
let abort: AbortController | null = null;
let phase: 'idle' | 'guidance' | 'capturing' | 'finishing' = 'idle';
let lastGuide: GuidanceKey | null = null;

function setText(id: string, key: MessageKey, vars?: Record<string, string | number>): void {
  byId(id).textContent = t(key, vars);
}

async function teardown(): Promise<void> {
  light?.stop();
  light = null;
  abort?.abort();
  const p = pipeline;
  pipeline = null;
  stopCamera(stream);
  stream = null;
  const video = byId<HTMLVideoElement>('preview');
  video.srcObject = null;
  await p?.terminate();
  document.body.dataset.workers = '0';
  phase = 'idle';
}

function showError(code: PageErrorCode, detail?: string): void {
  const view = PAGE_ERRORS[code];
  void teardown();
  setState('error');
  document.body.dataset.error = code;
  showScreen('result');
  const title = byId('result-title');
  title.textContent = t(view.message);
  byId('result-body').textContent = code === 'camera_denied' ? t(deniedAdviceKey(navigator.userAgent)) : '';
  byId('result-next').textContent = detail ?? '';
  const action = byId<HTMLButtonElement>('result-action');
  action.hidden = view.next === 'none';
  action.textContent = view.next === 'reload' ? t('reload') : t('retry');
  action.onclick = view.next === 'reload' ? () => location.reload() : () => void beginCamera();
  if (view.qr) void showQr(byId('result'));
  announce(title.textContent);
  title.focus();
}

function terminalError(s: SessionInfo): PageErrorCode | null {
  switch (s.status) {
    case 'completed':
      return 'session_used';
    case 'expired':
      return 'session_expired';
    case 'cancelled':
      return 'session_cancelled';
    case 'failed':
      return 'session_failed';
    default:
      return new Date(s.expires_at).getTime() < Date.now() ? 'session_expired' : null;
  }
}

function apiErrorCode(err: unknown): PageErrorCode {
  if (err instanceof CaptureApiError) {
    switch (err.code) {
      case 'network_lost':
        return 'network_lost';
      case 'session_expired':
        return 'session_expired';
      case 'session_terminal':
        return 'session_used';
      case 'attempts_exhausted':
        return 'attempts_exhausted';
      case 'session_not_found':
      case 'capture_token_invalid':
        return 'session_not_found';
      default:
        return 'unexpected';
    }
  }
  if (err instanceof CameraError) {
    return err.code === 'camera_failed' ? 'camera_busy' : err.code;
  }
  if (err instanceof PipelineError) return 'models_failed';
  return 'unexpected';
}

async function showQr(container: HTMLElement): Promise<void> {
  if (isMobileBrowser() || !fullUrl) return;
  const box = byId('qr-box');
  if (box.parentElement !== container) container.appendChild(box);
  await QRCode.toCanvas(byId<HTMLCanvasElement>('qr'), fullUrl, { width: 180, margin: 1, errorCorrectionLevel: 'M' });
  byId('qr').setAttribute('aria-label', t('qr_hint'));
  setText('qr-hint', 'qr_hint');
  box.hidden = false;
}

async function boot(): Promise<void> {
  setText('title', 'title');
  document.title = t('title');
  if (!target) return showError('link_invalid');
  if (!window.isSecureContext) return showError('insecure_context');
  const missing = missingFeatures();
  client = createCaptureClient({
    baseUrl: location.origin,
    sessionId: target.sessionId,
    token: target.token,
    onRetry: () => setText('upload', 'reconnecting'),
  });
  try {
    session = await client.session();
  } catch (err) {
    return showError(apiErrorCode(err));
  }
  const terminal = terminalError(session);
  if (terminal) return showError(terminal);
  if (missing.length) return showError('unsupported_browser', missing.join(', '));
  if (session.attempts_used >= session.max_attempts) return showError('attempts_exhausted');

  setState('intro');
  showScreen('intro');
  setText('asked', 'asked');
  // Verbatim: the person approves exactly what the agent asked for.
  byId('action').textContent = session.action_description;
  setText('what', 'what_happens', { seconds: 6 });
  setText('start', 'start');
  byId('start').onclick = () => void beginCamera();
  setText('cancel', 'cancel');
  byId('cancel').onclick = () => void cancelByUser();
  byId('preview').setAttribute('aria-label', t('preview_label'));
  byId('ring').setAttribute('aria-label', t('progress_label'));
  void showQr(byId('intro')).catch(() => {});
  // Probe in the background while the person reads.
  void probeHardware().then((p) => (probe = p));
}

async function beginCamera(): Promise<void> {
  await teardown();
  delete document.body.dataset.error;
  delete document.body.dataset.result;
  setState('preparing');
  showScreen('camera');
  setProgress(0);
  byId('light-advice').hidden = true;
  byId('upload').textContent = '';
  setText('guidance', 'camera_prompt');
  const hw = probe ?? (await probeHardware());
  probe = hw;
  try {
    stream = await openCamera({ ...chooseCaptureSize(hw), frameRate: 30 });
  } catch (err) {
    return showError(apiErrorCode(err));
  }
  const video = byId<HTMLVideoElement>('preview');
  video.srcObject = stream;
  void video.play().catch(() => {});
  setText('guidance', 'preparing');
  announce(t('preparing'));
  const track = stream.getVideoTracks()[0];
  const settings = track.getSettings();
  const cameraFps = settings.frameRate ?? 30;
  try {
    pipeline = await createPipeline({
      webgpu: useWebGpuForCnn(hw),
      cameraFps,
      landmarkHz: chooseLandmarkCadence(40, cameraFps, hw.cores),
      onStatus,
      onChunk,
    });
  } catch (err) {
    return showError(apiErrorCode(err));
  }
  if (!stream) return; // cancelled while loading
  document.body.dataset.workers = String(pipeline.running);
  document.body.dataset.frames = pipeline.attach(track, video);
  phase = 'guidance';
  guidanceStarted = performance.now();
  steadiness.reset();
  setState('guidance');
}

let guidanceStarted = 0;
const steadiness = createSteadiness(STEADY_MS);

function onStatus(s: PipelineStatus): void {
  // Face size as a share of the frame height, for tests and support (no pixels, no identity).
  document.body.dataset.faceHeight = s.box ? s.box[3].toFixed(2) : '0';
  if (phase === 'guidance') {
    const key = guidanceFor(s);
    if (key !== lastGuide) {
      lastGuide = key;
      setText('guidance', key);
      document.body.dataset.guide = key.replace('guide_', '');
    }
    if (steadiness.update(key, performance.now())) {
      phase = 'capturing';
      void startCapture();
      return;
    }
    if (!s.face && performance.now() - guidanceStarted > GUIDANCE_TIMEOUT_MS) {
      phase = 'finishing';
      void qualityFailure('quality:no_face');
    }
  } else if (phase === 'capturing' && s.recording && currentPlanMs > 0) {
    setProgress(s.recording.t / currentPlanMs);
  }
}

let currentPlanMs = 0;
let uploads: Promise<unknown>[] = [];
let producedBytes = 0;
let sentBytes = 0;

function onChunk(c: ChunkReady): void {
  if (!client) return;
  producedBytes += c.bytes.byteLength;
  const size = c.bytes.byteLength;
  const p = client.chunk(c.bytes).then(() => {
    sentBytes += size;
    showUpload();
  });
  p.catch(() => {});
  uploads.push(p);
}

function showUpload(): void {
  if (producedBytes === 0) return;
  setText('upload', 'uploading', { pct: Math.round((100 * sentBytes) / producedBytes) });
}

async function buildProfile(): Promise<DeviceProfile> {
  const track = stream!.getVideoTracks()[0];
  const settings = track.getSettings();
  const caps = typeof track.getCapabilities === 'function' ? track.getCapabilities() : null;
  const lm = await pipeline!.landmarkStats();
  const hw = probe!;
  const fps = settings.frameRate ?? 30;
  const cadence = chooseLandmarkCadence(lm.median_ms, fps, hw.cores);
  await pipeline!.setLandmarkHz(cadence);
  const cnn = pipeline!.cnnInit;
  return {
    ...hw,
    camera: {
      label: track.label,
      width: settings.width ?? 0,
      height: settings.height ?? 0,
      frame_rate: fps,
      facing_mode: settings.facingMode,
      virtual_hints: virtualCameraHints(track.label, settings, caps, isMobileBrowser()),
    },
    landmarks: { delegate: lm.delegate === 'GPU' ? 'GPU' : 'CPU', cadence, first_frame_ms: lm.first_frame_ms, median_ms: lm.median_ms },
    cnn: cnn?.ok ? { execution_provider: cnn.execution_provider, threads: cnn.threads, median_ms: cnn.median_ms } : { execution_provider: 'wasm', threads: 0, median_ms: 0 },
    capture: { width: settings.width ?? 0, height: settings.height ?? 0 },
  };
}

async function startCapture(): Promise<void> {
  if (!client || !pipeline || !session) return;
  setText('guidance', 'capturing');
  announce(t('capturing'));
  abort = new AbortController();
  try {
    const profile = await buildProfile();
    const start = await client.start(profile);
    session.attempts_used = start.attempt_number;
    currentPlanMs = start.plan.duration_ms;
    uploads = [];
    producedBytes = 0;
    sentBytes = 0;
    // t = 0 shortly ahead, so the colours and the frames share one clock from the first frame.
    const startEpoch = performance.timeOrigin + performance.now() + 150;
    if (start.light_challenge?.steps) {
      setText('light-advice', 'light_advice');
      byId('light-advice').hidden = false;
      light = runLightChallenge(byId('light'), () => client!.light(start.attempt_id), startEpoch, start.light_challenge.steps);
    }
    await pipeline.startCapture({ session_id: session.session_id, attempt_id: start.attempt_id, nonce: start.nonce, plan: start.plan, start_epoch_ms: startEpoch });
    setState('capturing');
    await new Promise((r) => setTimeout(r, start.plan.duration_ms + 200));
    if (phase !== 'capturing' || !pipeline) return;
    phase = 'finishing';
    setState('uploading');
    setProgress(1);
    const summary = await pipeline.stopCapture(light?.revealed() ?? null);
    light?.stop();
    const cnn = await pipeline.cnnSummary();
    const timings = await pipeline.timings();
    const lmStats = await pipeline.landmarkStats();
    showUpload();
    await Promise.all(uploads);
    const finish = await client.finish({
      attempt_id: start.attempt_id,
      chunk_count: summary?.chunk_count ?? 0,
      client_summary: {
        frames: summary?.frames ?? 0,
        face_frames: summary?.face_frames ?? 0,
        landmark_frames: summary?.landmark_frames ?? 0,
        dropped_frames: summary?.dropped_frames ?? 0,
        fps: summary?.fps ?? 0,
        landmark_hz: summary?.landmark_hz ?? 0,
        bytes: summary?.bytes ?? 0,
        heart_rate_bpm: summary?.heart_rate?.bpm ?? null,
        snr_db: summary?.heart_rate?.snr_db ?? null,
        pulse_confident: summary?.heart_rate?.confident ?? false,
        light_challenge: summary?.light_challenge ? { passed: summary.light_challenge.passed, score: summary.light_challenge.score, lag_ms: summary.light_challenge.lag_ms } : null,
        cnn_real: cnn?.mean_real ?? null,
        cnn_scores: cnn?.scores.map((s) => ({ t: s.t, real: s.real })) ?? [],
        landmarks: { delegate: lmStats.delegate, median_ms: lmStats.median_ms },
        timings,
      },
    });
    await teardown();
    showFinish(finish);
  } catch (err) {
    if (phase === 'idle') return; // cancelled
    showError(apiErrorCode(err));
  }
}

function reasonText(reasons: string[]): string {
  if (reasons.some((r) => r.includes('no_face') || r.includes('face_missing'))) return t('reason_no_face');
  return reasons.length ? `${t('reason_unknown')} (${reasons.join(', ')})` : t('reason_unknown');
}

function showResult(kind: 'verified' | 'fail' | 'received' | 'retry', title: string, body = '', retry = false): void {
  setState('result');
  document.body.dataset.result = kind;
  showScreen('result');
  const h = byId('result-title');
  h.textContent = title;
  byId('result-body').textContent = body;
  byId('result-next').textContent = '';
  const action = byId<HTMLButtonElement>('result-action');
  action.hidden = !retry;
  action.textContent = t('retry');
  action.onclick = () => void beginCamera();
  announce(`${title} ${body}`);
  h.focus();
}

function showFinish(f: FinishResponse): void {
  if (f.status === 'completed' && f.verdict === 'live') return showResult('verified', t('result_verified'));
  if (f.status === 'completed' && f.verdict === 'spoof') return showResult('fail', t('result_not_verified'));
  if (f.status === 'failed') return showResult('fail', t('result_failed', { reason: reasonText(f.failure_reasons) }));
  if (f.retry) {
    document.body.dataset.reason = f.failure_reasons.join(' ');
    return showResult('retry', t('result_try_again', { reason: reasonText(f.failure_reasons) }), t('attempts_left', { n: f.attempts_left }), f.attempts_left > 0);
  }
  showResult('received', t('result_received'));
}

/** The page's own quality gate: no usable face during guidance. No attempt was started. */
async function qualityFailure(reason: string): Promise<void> {
  await teardown();
  document.body.dataset.reason = reason;
  const left = session ? session.max_attempts - session.attempts_used : 0;
  showResult('retry', t('result_try_again', { reason: reasonText([reason]) }), t('attempts_left', { n: left }), left > 0);
}

async function cancelByUser(): Promise<void> {
  await teardown();
  showResult('fail', t('cancelled_by_you'), '', true);
  document.body.dataset.result = 'cancelled';
}

// Escape cancels a running capture (the light challenge covers the screen and its buttons).
window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && (phase === 'guidance' || phase === 'capturing')) void cancelByUser();
});

// Leaving the page ends everything: no camera or worker outlives it.
window.addEventListener('pagehide', () => void teardown());

boot().catch((err) => showError('unexpected', String((err as Error)?.message ?? err)));
