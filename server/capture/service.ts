// Capture attempts: plan and light-challenge schedule at start, idempotent evidence chunks,
// finish. Session state changes go through the session service.
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { decodeCaptureChunk, isBundleError, type CaptureChunk } from '../../workers/codec/index.ts';
import { AppError } from '../errors.ts';
import { captureExtensionMs, type PolicyConfig } from '../policies/defaults.ts';
import { isTerminal, type SessionService } from '../sessions/service.ts';
import { announceLightChallenge, lightReveal, revealableSteps, type LightReveal } from './light-reveal.ts';
import { identityNotice, identityPlan } from '../identity/plan.ts';
import { StoreError, type AttemptRow, type SessionRow, type Store } from '../store/types.ts';
import {
  CAPTURE_LIMITS, LightChallengeColumnSchema, type Bootstrap, type CapturePlan, type ChunkAnswer, type ClientSummary, type DeviceProfileInput, type FinishAnswer,
  type LightChallengeStep, type Rgb, type StartAnswer,
} from '../../workers/protocol/index.ts';
import { parseColumn } from './columns.ts';

/** Saturated colours that move a face's chroma in clearly different directions. */
export const CHALLENGE_PALETTE: ReadonlyArray<Rgb> = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [0, 255, 255],
  [255, 0, 255],
];

/** A random schedule of full-screen colours; the server keeps it and reveals it step by step (light-reveal.ts). */
export function createLightChallengeSchedule(durationMs: number, random: (max: number) => number = randomInt): LightChallengeStep[] {
  const schedule: LightChallengeStep[] = [];
  let t = 1000; // the first second lets exposure settle
  let previous = -1;
  while (t < durationMs - 600) {
    let index = random(CHALLENGE_PALETTE.length);
    if (index === previous) index = (index + 1 + random(CHALLENGE_PALETTE.length - 1)) % CHALLENGE_PALETTE.length;
    previous = index;
    const duration = Math.min(500 + random(401), durationMs - t);
    schedule.push({ start_ms: t, duration_ms: duration, rgb: [...CHALLENGE_PALETTE[index]] as Rgb });
    t += duration;
  }
  return schedule;
}

/** The finish answer before the page's view of it (retry-hint.ts): every failure reason. */
export type CaptureOutcome = Omit<FinishAnswer, 'retry_hint'>;

/** Runs after finish; the analysis issue plugs the real one in. */
export interface CaptureAnalyzer {
  /** `received_at`: when the server stored each chunk (epoch ms), in the order of `chunks`. */
  analyse(input: { session: SessionRow; attempt: AttemptRow; chunks: CaptureChunk[]; received_at?: number[] }): Promise<CaptureOutcome>;
}

export interface CaptureServiceOptions {
  store: Store;
  sessions: SessionService;
  analyzer?: CaptureAnalyzer;
  now?: () => number;
  /** Face template retention, for the page's identity notice (LIVEGATE_IDENTITY_RETENTION). */
  identityRetentionS?: number;
}

export type CaptureService = ReturnType<typeof createCaptureService>;

export function createCaptureService({ store, sessions, analyzer, now = Date.now, identityRetentionS = 365 * 86_400 }: CaptureServiceOptions) {
  async function currentAttempt(session: SessionRow, attemptId: string): Promise<AttemptRow> {
    const attempt = await store.getAttempt(attemptId);
    if (!attempt || attempt.session_id !== session.id) throw new AppError('attempt_mismatch', 'Unknown capture attempt for this session.');
    if (attempt.status !== 'capturing') {
      throw new AppError('attempt_mismatch', `This capture attempt is ${attempt.status}; start a new one.`);
    }
    return attempt;
  }

  function ensureActive(session: SessionRow): void {
    if (session.status === 'expired') throw new AppError('session_expired', 'This verification session has expired.');
    if (isTerminal(session.status)) {
      throw new AppError('session_terminal', `This verification session is already ${session.status}.`, { details: { status: session.status } });
    }
  }

  return {
    async bootstrap(id: string, token: string | undefined): Promise<Bootstrap> {
      let session = await sessions.authorizeCapture(id, token);
      session = await sessions.markOpened(session);
      const policy = session.policy as unknown as PolicyConfig;
      return {
        session_id: session.id,
        status: session.status,
        action_description: session.action_description,
        action_details: session.action_details ?? null,
        risk_level: session.risk_level,
        expires_at: new Date(session.expires_at).toISOString(),
        attempts_used: session.attempts_used,
        max_attempts: session.max_attempts,
        verdict: session.verdict,
        success_redirect_url: policy.success_redirect_url ?? null,
        failure_redirect_url: policy.failure_redirect_url ?? null,
        // Lets the page give its photosensitivity notice before the person starts.
        light_challenge: policy.required_checks.includes('light_challenge'),
        branding: policy.branding ?? null,
        ...identityNotice(policy, identityRetentionS),
      };
    },

    async start(id: string, token: string | undefined, deviceProfile: DeviceProfileInput): Promise<StartAnswer> {
      const session = await sessions.authorizeCapture(id, token);
      ensureActive(session);
      const policy = session.policy as unknown as PolicyConfig;
      const attemptId = randomUUID();
      // The number is taken atomically first: a start past max_attempts changes nothing, and
      // parallel starts each get their own number (the live attempt is superseded only after).
      const reserved = await sessions.beginCapture(session, { attempt_id: attemptId, device: summariseProfile(deviceProfile) });
      const attemptNumber = reserved.attempts_used;
      const plan: CapturePlan = {
        duration_ms: policy.capture_duration_ms,
        fps: CAPTURE_LIMITS.fps,
        chunk_ms: CAPTURE_LIMITS.chunkMs,
        face_crop_size: CAPTURE_LIMITS.faceCropSize,
        context_crop_size: CAPTURE_LIMITS.contextCropSize,
        context_crop_scale: CAPTURE_LIMITS.contextCropScale,
        frame_count: session.frame_count,
        max_chunk_bytes: CAPTURE_LIMITS.maxChunkBytes,
        max_total_bytes: CAPTURE_LIMITS.maxTotalBytes,
        max_frames_per_chunk: CAPTURE_LIMITS.maxFramesPerChunk,
        ...identityPlan(policy),
        extension_ms: captureExtensionMs(policy),
      };
      const lightChallenge = policy.required_checks.includes('light_challenge')
        ? { schedule: createLightChallengeSchedule(policy.capture_duration_ms) }
        : null;
      const attempt: AttemptRow = {
        id: attemptId,
        session_id: session.id,
        number: attemptNumber,
        status: 'capturing',
        nonce: randomBytes(16).toString('base64url'),
        plan,
        light_challenge: lightChallenge,
        device_profile: deviceProfile,
        client_summary: null,
        result: null,
        started_at: now(),
        finished_at: null,
      };
      try {
        await store.insertAttempt(attempt);
      } catch (err) {
        // (session, number) taken: only an attempt row left behind by an older version can do that.
        if (err instanceof StoreError && err.code === 'conflict') {
          throw new AppError('attempt_mismatch', 'Another capture attempt started at the same time; reload the page.');
        }
        throw err;
      }
      // Of parallel starts, the newest attempt stays live; a page reload supersedes the old one here.
      await store.supersedeOlderAttempts(session.id, now());
      return {
        attempt_id: attempt.id,
        attempt_number: attemptNumber,
        max_attempts: session.max_attempts,
        nonce: attempt.nonce,
        plan,
        light_challenge: lightChallenge ? announceLightChallenge(lightChallenge.schedule) : null,
      };
    },

    /**
     * The light-challenge steps due by now (server clock), each recorded as revealed the first
     * time it is handed out. Only the attempt being captured can ask.
     */
    async revealLight(id: string, token: string | undefined, attemptId: string): Promise<LightReveal> {
      const session = await sessions.authorizeCapture(id, token);
      ensureActive(session);
      const attempt = await currentAttempt(session, attemptId);
      const schedule = parseColumn(LightChallengeColumnSchema.nullable(), attempt, 'light_challenge')?.schedule;
      if (!schedule?.length) throw new AppError('light_challenge_not_issued', 'This capture attempt has no light challenge.');
      const elapsed = now() - attempt.started_at;
      await store.recordLightReveals(attempt.id, revealableSteps(schedule, elapsed), elapsed);
      return lightReveal(schedule, elapsed);
    },

    async putChunk(id: string, token: string | undefined, body: Uint8Array): Promise<ChunkAnswer> {
      const session = await sessions.authorizeCapture(id, token);
      ensureActive(session);
      if (body.byteLength > CAPTURE_LIMITS.maxChunkBytes) throw new AppError('chunk_too_large', `A chunk may hold at most ${CAPTURE_LIMITS.maxChunkBytes} bytes.`);
      let chunk: CaptureChunk;
      try {
        chunk = decodeCaptureChunk(body, { limits: { maxBytes: CAPTURE_LIMITS.maxChunkBytes, maxFrames: CAPTURE_LIMITS.maxFramesPerChunk } });
      } catch (err) {
        if (isBundleError(err)) throw new AppError('bundle_invalid', `The evidence chunk is invalid: ${err.message}`, { details: { reason: err.code } });
        throw err;
      }
      if (chunk.session_id !== session.id) throw new AppError('bundle_invalid', 'The chunk names another session.');
      const attempt = await currentAttempt(session, chunk.attempt_id);
      if (chunk.nonce !== attempt.nonce) throw new AppError('nonce_mismatch', 'The chunk carries another attempt nonce.');
      // The store checks the per-attempt total and counts the chunk in one step (parallel uploads).
      const outcome = await store.putEvidenceChunk(
        { attempt_id: attempt.id, seq: chunk.seq, sha256: createHash('sha256').update(body).digest('hex'), bytes: body, received_at: now() },
        { maxAttemptBytes: CAPTURE_LIMITS.maxTotalBytes },
      );
      if (outcome === 'too_large') {
        throw new AppError('evidence_too_large', `An attempt may send at most ${CAPTURE_LIMITS.maxTotalBytes} bytes of evidence.`);
      }
      if (outcome === 'conflict') throw new AppError('chunk_conflict', `Chunk ${chunk.seq} was already stored with other contents.`);
      return { seq: chunk.seq, received_frames: chunk.frames.length, duplicate: outcome === 'duplicate' };
    },

    async finish(id: string, token: string | undefined, input: { attempt_id: string; chunk_count: number; client_summary?: ClientSummary }): Promise<CaptureOutcome> {
      const session = await sessions.authorizeCapture(id, token);
      ensureActive(session);
      const attempt = await currentAttempt(session, input.attempt_id);
      const rows = await store.listEvidenceChunks(attempt.id);
      const seqs = rows.map((r) => r.seq).sort((a, b) => a - b);
      const missing: number[] = [];
      for (let seq = 0; seq < input.chunk_count; seq++) if (!seqs.includes(seq)) missing.push(seq);
      if (missing.length > 0 || seqs.length !== input.chunk_count) {
        throw new AppError('capture_incomplete', `The server holds ${seqs.length} of ${input.chunk_count} chunks.`, { details: { missing: missing.slice(0, 50) } });
      }
      await store.updateAttempt(attempt.id, { status: 'finished', client_summary: input.client_summary ?? null, finished_at: now() });
      const bytes = rows.reduce((sum, r) => sum + r.bytes.byteLength, 0);
      rows.sort((a, b) => a.seq - b.seq);
      const chunks = rows.map((r) => decodeCaptureChunk(r.bytes));
      const frames = chunks.reduce((sum, c) => sum + c.frames.length, 0);
      // The page's own error counters (a failing landmark or CNN worker...): kept for the audit, never
      // trusted; the finish body's schema already dropped a malformed set (client-summary.ts).
      const workerErrors = input.client_summary?.worker_errors;
      await sessions.recordCaptureEvent(session, 'capture_completed', { attempt_id: attempt.id, chunks: rows.length, frames, bytes, ...(workerErrors ? { worker_errors: workerErrors } : {}) });
      const finishedAttempt = { ...attempt, status: 'finished' as const, client_summary: input.client_summary ?? null };
      if (analyzer) return analyzer.analyse({ session, attempt: finishedAttempt, chunks, received_at: rows.map((r) => r.received_at) });
      // Without an analyzer the verdict is left to the analysis step: the session stays in progress.
      return { status: 'in_progress', verdict: null, attempts_left: session.max_attempts - session.attempts_used, failure_reasons: [], retry: false };
    },
  };
}

/** The device facts worth keeping in the audit trail (the whole profile stays on the attempt). */
function summariseProfile(profile: DeviceProfileInput): Record<string, unknown> {
  return { landmarks: profile.landmarks, cnn: profile.cnn, capture: profile.capture, camera: profile.camera };
}
