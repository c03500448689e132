/**
 * The verification page: orchestration only. Pixels stay in the workers; this file moves state
 * between the protocol client, the camera, the worker pipeline and the screen.
 */
import QRCode from 'qrcode';
import { createCaptureClient, type CaptureClient } from './api.ts';
import { missingFeatures, openCamera, stopCamera } from './camera.ts';
import { clientSummary } from './client-summary.ts';
import { captureUntilSettled } from './capture-length.ts';
import { showIdentityNotice } from './identity-notice.ts';
import { announce, byId, setProgress, setState, showScreen } from './dom.ts';
import { localHint, reasonKey, renderFinal, showEnding, type EndingView } from './endings.ts';
import type { Bootstrap, FinishAnswer } from '../../workers/protocol/index.ts';
import { deniedAdviceKey, PAGE_ERRORS, type PageErrorCode } from './errors.ts';
import { apiErrorCode, terminalError } from './failures.ts';
import { applyFillLight, createFillLight } from './fill-light.ts';
import { createSteadiness, guidanceFor, type GuidanceKey } from './guidance.ts';
import { offersHandOff } from './handoff.ts';
import { createTranslator, pickLocale, type MessageKey } from './i18n.ts';
import { runLightChallenge, type LightChallengeRun } from './light.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';
import { chooseCaptureSize, chooseLandmarkCadence, isMobileBrowser, probeHardware, useWebGpuForCnn, virtualCameraHints, type DeviceProfile, type HardwareProbe } from './profile.ts';
import { applyBranding } from './theme.ts';
import { createWarmPipeline } from './warm.ts';
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
let session: Bootstrap | null = null;
let probe: HardwareProbe | null = null;
let stream: MediaStream | null = null;
let pipeline: Pipeline | null = null;
let light: LightChallengeRun | null = null;
let abort: AbortController | null = null;
let phase: 'idle' | 'guidance' | 'capturing' | 'finishing' = 'idle';
let lastGuide: GuidanceKey | null = null;
const fill = createFillLight(applyFillLight);
const warm = createWarmPipeline();
const endings = { t, locale, get session() { return session; }, retry: () => void beginCamera() };

function setText(id: string, key: MessageKey, vars?: Record<string, string | number>): void {
  byId(id).textContent = t(key, vars);
}

async function teardown(): Promise<void> {
  light?.stop();
  light = null;
  fill.off();
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
  warm.discard();
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
  byId('result-tips').hidden = true;
  renderFinal(endings, code === 'attempts_exhausted' || code === 'session_failed' ? 'failed' : undefined);
  announce(title.textContent);
  title.focus();
}

async function showQr(container: HTMLElement): Promise<void> {
  if (!offersHandOff() || !fullUrl) return;
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
  setText('fill-advice', 'fill_light_advice');
  applyFillLight(false);
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

  applyBranding(session.branding, t);
  setState('intro');
  showScreen('intro');
  if (session.light_challenge) {
    // Photosensitivity: said before anything flashes, with a way out (README, the verification page).
    setText('flash-text', 'flash_notice');
    setText('flash-decline', 'flash_decline');
    byId('flash-decline').onclick = () => ending({ kind: 'declined', title: t('flash_declined'), outcome: 'declined' });
    byId('flash-notice').hidden = false;
  }
  setText('asked', 'asked');
  // Verbatim: the person approves exactly what the agent asked for.
  byId('action').textContent = session.action_description;
  setText('what', 'what_happens', { seconds: 6 });
  showIdentityNotice(session.identity, byId('what'));
  setText('start', 'start');
  byId('start').onclick = () => void beginCamera();
  setText('cancel', 'cancel');
  byId('cancel').onclick = () => void cancelByUser();
  byId('preview').setAttribute('aria-label', t('preview_label'));
  byId('ring').setAttribute('aria-label', t('progress_label'));
  void showQr(byId('intro')).catch(() => {});
  // Probe, then load the workers and models, in the background while the person reads.
  void probeHardware().then((p) => {
    probe = p;
    if (document.body.dataset.state === 'intro') warm.start((fps) => makePipeline(p, fps));
  });
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
    pipeline = (await warm.take(cameraFps)) ?? (await makePipeline(hw, cameraFps));
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

function makePipeline(hw: HardwareProbe, cameraFps: number): Promise<Pipeline> {
  return createPipeline({ webgpu: useWebGpuForCnn(hw), cameraFps, landmarkHz: chooseLandmarkCadence(40, cameraFps, hw.cores), onStatus, onChunk });
}

let guidanceStarted = 0;
const steadiness = createSteadiness(STEADY_MS);

function onStatus(s: PipelineStatus): void {
  // Face size as a share of the frame height, for tests and support (no pixels, no identity).
  document.body.dataset.faceHeight = s.box ? s.box[3].toFixed(2) : '0';
  document.body.dataset.faceBox = s.box ? s.box.map((v) => v.toFixed(3)).join(',') : '';
  if (phase === 'guidance') {
    const key = guidanceFor(s);
    if (fill.update(key, performance.now()) === 'give_up') {
      phase = 'finishing';
      void qualityFailure('quality:too_dark');
      return;
    }
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
    const settled = await captureUntilSettled(start.plan.duration_ms, {
      extend: () => pipeline!.extendCapture(),
      active: () => phase === 'capturing' && pipeline !== null,
      extended(totalMs) {
        if (currentPlanMs === start.plan.duration_ms) {
          setText('guidance', 'capturing_longer');
          announce(t('capturing_longer'));
        }
        currentPlanMs = totalMs;
      },
    });
    if (!settled || !pipeline) return;
    phase = 'finishing';
    setState('uploading');
    setProgress(1);
    const summary = await pipeline.stopCapture(light?.revealed() ?? null);
    light?.stop();
    const summaryForServer = await clientSummary(pipeline, summary);
    showUpload();
    await Promise.all(uploads);
    const finish = await client.finish({ attempt_id: start.attempt_id, chunk_count: summary?.chunk_count ?? 0, client_summary: summaryForServer });
    await teardown();
    showFinish(finish);
  } catch (err) {
    if (phase === 'idle') return; // cancelled
    showError(apiErrorCode(err));
  }
}

function ending(view: EndingView): void {
  warm.discard();
  void teardown();
  showEnding(endings, view);
}

function showFinish(f: FinishAnswer): void {
  if (f.status === 'completed' && f.verdict === 'live') return ending({ kind: 'verified', title: t('result_verified'), outcome: 'verified' });
  if (f.status === 'completed' && f.verdict === 'spoof') return ending({ kind: 'fail', title: t('result_not_verified'), outcome: 'not_verified' });
  if (f.status === 'failed') return ending({ kind: 'fail', title: t('result_failed', { reason: t(reasonKey(f.retry_hint)) }), outcome: 'failed' });
  if (f.retry) {
    document.body.dataset.reason = f.failure_reasons.join(' ');
    return retryEnding(f.retry_hint ?? null, f.attempts_left);
  }
  ending({ kind: 'received', title: t('result_received'), outcome: 'pending' });
}

function retryEnding(hint: FinishAnswer['retry_hint'], left: number): void {
  const title = t('result_try_again', { reason: t(reasonKey(hint)) });
  ending({ kind: 'retry', title, body: t('attempts_left', { n: left }), hint, retry: left > 0, outcome: left > 0 ? undefined : 'failed' });
}

/** The page's own quality gate: no usable face during guidance. No attempt was started. */
async function qualityFailure(reason: string): Promise<void> {
  await teardown();
  document.body.dataset.reason = reason;
  retryEnding(localHint(reason), session ? session.max_attempts - session.attempts_used : 0);
}

async function cancelByUser(): Promise<void> {
  await teardown();
  ending({ kind: 'cancelled', title: t('cancelled_by_you'), retry: true, outcome: 'cancelled' });
}

// Escape cancels a running capture (the light challenge covers the screen and its buttons).
window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && (phase === 'guidance' || phase === 'capturing')) void cancelByUser();
});

// Leaving the page ends everything: no camera or worker outlives it.
window.addEventListener('pagehide', () => {
  warm.discard();
  void teardown();
});

boot().catch((err) => showError('unexpected', String((err as Error)?.message ?? err)));
