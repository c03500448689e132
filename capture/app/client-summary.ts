/** What the page tells the server about its own run at finish: kept for the audit, never trusted. */
import type { ClientSummary } from '../../workers/protocol/index.ts';
import type { CaptureSummary } from '../../workers/signal.worker.ts';
import type { Pipeline } from './pipeline.ts';

export async function clientSummary(pipeline: Pipeline, summary: CaptureSummary | null): Promise<ClientSummary> {
  const cnn = await pipeline.cnnSummary();
  const timings = await pipeline.timings();
  const lmStats = await pipeline.landmarkStats();
  return {
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
    worker_errors: summary?.worker_errors ?? null,
    extension: summary?.extension ?? null,
  };
}
