// The analysis step behind `finish`: runs the evidence recomputation in a worker-thread pool,
// fuses, and moves the session on (verdict, retry after a quality failure, or failed).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { CaptureAnalyzer, CaptureOutcome } from '../capture/service.ts';
import type { PolicyConfig } from '../policies/defaults.ts';
import type { SessionService } from '../sessions/service.ts';
import type { AttemptRow, SessionRow, Store } from '../store/types.ts';
import { attemptInputs } from '../capture/columns.ts';
import { checkReplay } from './fingerprint.ts';
import { identityStep } from '../identity/analysis-step.ts';
import type { TemplateService } from '../identity/templates.ts';
import { fuse } from './fusion.ts';
import { scoredSchedule, SERVER_LIGHT_CHALLENGE } from './light-schedule.ts';
import type { AnalysisTask, AnalysisTaskResult, WarmupTask } from './worker.ts';

export interface AnalyzerOptions {
  store: Store;
  sessions: SessionService;
  modelsDir: string;
  /** Keep evidence this long after the verdict (0: purge at once). */
  evidenceRetentionS: number;
  /** Worker threads (default 2). */
  threads?: number;
  /**
   * Load the models and warm the worker thread at creation, so the first capture is as fast as
   * the rest (off by default: test suites build many apps).
   */
  warmup?: boolean;
  now?: () => number;
  /** Face templates for policies with identity on (server/identity). */
  templates?: TemplateService;
}

export interface Analyzer extends CaptureAnalyzer {
  close(): Promise<void>;
}

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');

export function createAnalyzer(options: AnalyzerOptions): Analyzer {
  const { store, sessions } = options;
  const now = options.now ?? Date.now;
  const pool = new Piscina<AnalysisTask | WarmupTask, AnalysisTaskResult | { warm: true }>({
    filename: WORKER_FILE,
    minThreads: 1,
    maxThreads: options.threads ?? 2,
    idleTimeout: 60_000,
  });
  const warming = options.warmup ? pool.run({ warmup: true, modelsDir: options.modelsDir }).catch(() => null) : null;

  async function purge(session: SessionRow): Promise<void> {
    if (options.evidenceRetentionS === 0) await store.deleteEvidence(session.id);
  }

  return {
    async analyse({ session, attempt, chunks, received_at }): Promise<CaptureOutcome> {
      const started = now();
      const policy = session.policy as unknown as PolicyConfig;
      // The JSON columns are parsed with the protocol schemas: a malformed one fails here, loudly.
      const inputs = attemptInputs(attempt);
      // The light challenge is scored only on what was revealed, when it was (light-schedule.ts).
      const drawn = inputs.lightSchedule;
      const light = drawn
        ? scoredSchedule(drawn, await store.listLightReveals(attempt.id), chunks, received_at ? received_at.map((t) => t - attempt.started_at) : null)
        : null;
      const result = (await pool.run({
        chunks,
        plan: inputs.plan,
        frame: inputs.frame,
        lightChallenge: light ? { schedule: light.schedule, options: SERVER_LIGHT_CHALLENGE } : null,
        serverElapsedMs: started - attempt.started_at,
        clientHeartRateBpm: inputs.clientSummary?.heart_rate_bpm ?? null,
        binding: { session_id: session.id, attempt_id: attempt.id, nonce: attempt.nonce },
        modelsDir: options.modelsDir,
        frameCount: session.frame_count,
        thresholds: policy.thresholds,
        identity: (policy.identity ?? 'off') !== 'off',
      })) as AnalysisTaskResult;
      // Evidence another attempt already sent is a replay, whatever it shows: a hard refusal.
      const replay = await checkReplay(store, { tenant_id: session.tenant_id, session_id: session.id, attempt_id: attempt.id, now: now() }, chunks, result.evidence.crop_dhashes);
      if (replay.replayed) {
        result.evidence.integrity.passed = false;
        result.evidence.integrity.reasons.push('replayed_evidence');
      }
      const identity = await identityStep(options.templates, session, policy, fuse(result.evidence, result.cnn, policy), result.identity);
      const outcome = identity.outcome;
      if (identity.audit) await sessions.recordCaptureEvent(session, 'identity_checked', { attempt_id: attempt.id, ...identity.audit });
      const processingMs = now() - started;
      await store.updateAttempt(attempt.id, {
        status: outcome.kind === 'quality_failed' ? 'quality_failed' : 'analysed',
        result: {
          ...outcome,
          timings_ms: result.timings_ms,
          processing_ms: processingMs,
          consistency: result.evidence.consistency ?? null,
          evidence_reuse: { hashes: replay.hashes, matches: replay.matches, attempts: replay.sources.map((x) => x.attempt_id) },
          light_schedule: light?.diagnostics ?? null,
          light_context_correlation: result.evidence.light_challenge?.context_correlation ?? null,
        },
      });

      if (outcome.kind === 'quality_failed') {
        await sessions.recordCaptureEvent(session, 'quality_failed', { attempt_id: attempt.id, reasons: outcome.reasons });
        const attemptsLeft = session.max_attempts - session.attempts_used;
        if (attemptsLeft > 0) {
          return { status: 'in_progress', verdict: null, attempts_left: attemptsLeft, failure_reasons: outcome.reasons, retry: true };
        }
        await sessions.failSession(session.id, ['attempts_exhausted', ...outcome.reasons]);
        await purge(session);
        return { status: 'failed', verdict: null, attempts_left: 0, failure_reasons: outcome.reasons, retry: false };
      }

      await sessions.completeSession(session.id, {
        verdict: outcome.verdict,
        score: outcome.score,
        confidence: outcome.confidence,
        checks: outcome.checks,
        frames_processed: result.evidence.integrity.frames,
        processing_ms: processingMs,
        model_used: `livegate-fusion/${result.cnn.per_model ? Object.keys(result.cnn.per_model).join('+') || 'no-cnn' : 'no-cnn'}`,
        failure_reasons: outcome.reasons,
        ...(identity.claims ? { identity_claims: identity.claims } : {}),
      });
      await purge(session);
      return {
        status: 'completed',
        verdict: outcome.verdict,
        attempts_left: session.max_attempts - session.attempts_used,
        failure_reasons: outcome.verdict === 'spoof' ? outcome.reasons : [],
        retry: false,
      };
    },
    async close() {
      await warming;
      await pool.destroy();
    },
  };
}

export type { AttemptRow };
