// The load generator: one real capture (the CBOR chunks the page sent, recorded once through
// Chromium into test/.cache) replayed into fresh sessions through the capture protocol, as a
// page would: start, chunks re-bound to the new attempt, finish once the frames' clock allows.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodeCaptureChunk, type CaptureChunk } from '../../../workers/codec/index.ts';
import { decodeRecorded, loadRecordedCapture, type RecordedCapture } from '../../eval/lib/pad-record.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
export const RECORDING_DIR = resolve(ROOT, 'test/.cache/pad-recordings/evm-face');

export interface Recording {
  recorded: RecordedCapture;
  chunks: CaptureChunk[];
  /** The last frame's capture time: finish may come no earlier (the server compares clocks). */
  lastFrameMs: number;
}

/** The cached recording; made once through the real page in Chromium when missing. */
export async function loadRecording(): Promise<Recording> {
  if (!existsSync(resolve(RECORDING_DIR, 'capture.json'))) {
    process.stderr.write(`reliability: recording one real capture into ${RECORDING_DIR} (Chromium, once)...\n`);
    execFileSync(process.execPath, [resolve(ROOT, 'test/eval/lib/pad-record-cli.ts'), resolve(ROOT, '../shared/data/faces/evm-face.mp4'), RECORDING_DIR], { stdio: 'inherit' });
  }
  const recorded = await loadRecordedCapture(RECORDING_DIR);
  const chunks = decodeRecorded(recorded);
  return { recorded, chunks, lastFrameMs: Math.max(...chunks.flatMap((c) => c.frames.map((f) => f.t))) };
}

export interface ReplayOutcome {
  session_id: string;
  /** null when the capture did not reach an answer (see error). */
  status: string | null;
  verdict: string | null;
  failure_reasons: string[];
  /** finish request sent -> its answer (the verdict), ms. */
  finish_ms: number | null;
  /** A 5xx, a timeout, a refused request or a network failure: what went wrong, or null. */
  error: string | null;
}

export interface ReplayTarget {
  origin: string;
  /** The session (created over REST or MCP) and its capture token. */
  session_id: string;
  token: string;
}

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

/** Drives one capture of `recording` into the target session. Never throws: errors are reported. */
export async function replayCapture(target: ReplayTarget, recording: Recording, timeoutMs = 300_000): Promise<ReplayOutcome> {
  const base = `${target.origin}/v1/capture/${target.session_id}`;
  const auth = { authorization: `Capture ${target.token}` };
  const outcome: ReplayOutcome = { session_id: target.session_id, status: null, verdict: null, failure_reasons: [], finish_ms: null, error: null };
  const fail = async (what: string, res: Response) => {
    outcome.error = `${what}: ${res.status} ${(await res.text()).slice(0, 200)}`;
    return outcome;
  };
  try {
    const start = await call(`${base}/start`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ device_profile: recording.recorded.attempt.device_profile ?? {} }) }, timeoutMs);
    if (start.status !== 200) return fail('start', start);
    const started = Date.now();
    const { attempt_id, nonce } = (await start.json()) as { attempt_id: string; nonce: string };
    for (const chunk of recording.chunks) {
      const body = encodeCaptureChunk({ ...chunk, session_id: target.session_id, attempt_id, nonce });
      const res = await call(`${base}/chunk`, { method: 'POST', headers: { ...auth, 'content-type': 'application/cbor' }, body: Buffer.from(body) }, timeoutMs);
      if (res.status !== 200) return fail('chunk', res);
      await res.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + recording.lastFrameMs + 50 - Date.now())));
    const t0 = performance.now();
    const finish = await call(
      `${base}/finish`,
      { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ attempt_id, chunk_count: recording.chunks.length, client_summary: recording.recorded.attempt.client_summary ?? {} }) },
      timeoutMs,
    );
    if (finish.status !== 200) return fail('finish', finish);
    const answer = (await finish.json()) as { status: string; verdict: string | null; failure_reasons: string[] };
    outcome.finish_ms = performance.now() - t0;
    outcome.status = answer.status;
    outcome.verdict = answer.verdict;
    outcome.failure_reasons = answer.failure_reasons;
    return outcome;
  } catch (err) {
    outcome.error = `${(err as Error).name}: ${(err as Error).message}`;
    return outcome;
  }
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
