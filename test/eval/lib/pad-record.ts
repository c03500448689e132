// Records the real evidence of one page run: the CBOR chunks exactly as the page sent them, plus
// the attempt's plan, light challenge and device profile, so analysis can be replayed offline
// (benchmarks, tamper tests) without a browser.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCaptureChunk, type CaptureChunk } from '../../../workers/codec/index.ts';
import type { LivegateServer } from '../../helpers/livegate-server.ts';
import type { AttemptRow } from '../../../server/store/types.ts';

export interface RecordedCapture {
  session_id: string;
  risk_level: string;
  frame_count: number;
  attempt: Pick<AttemptRow, 'number' | 'status' | 'plan' | 'light_challenge' | 'device_profile' | 'client_summary' | 'result' | 'started_at' | 'finished_at'>;
  /** Raw CBOR bodies in seq order. */
  chunks: Uint8Array[];
}

/** Reads the stored evidence of a session's last attempt (the server must retain evidence). */
export async function readRecordedCapture(server: LivegateServer, sessionId: string): Promise<RecordedCapture> {
  const session = await server.test.store.getSession(sessionId);
  if (!session) throw new Error(`no session ${sessionId}`);
  const attempts = (await server.test.store.listAttempts(sessionId)).sort((a, b) => a.number - b.number);
  const attempt = attempts.at(-1);
  if (!attempt) throw new Error(`session ${sessionId} has no attempt`);
  const rows = (await server.test.store.listEvidenceChunks(attempt.id)).sort((a, b) => a.seq - b.seq);
  if (rows.length === 0) throw new Error(`no evidence stored for ${sessionId} (evidenceRetentionS must be > 0)`);
  const { number, status, plan, light_challenge, device_profile, client_summary, result, started_at, finished_at } = attempt;
  return {
    session_id: sessionId,
    risk_level: session.risk_level,
    frame_count: session.frame_count,
    attempt: { number, status, plan, light_challenge, device_profile, client_summary, result, started_at, finished_at },
    chunks: rows.map((r) => new Uint8Array(r.bytes)),
  };
}

export async function saveRecordedCapture(dir: string, capture: RecordedCapture): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { chunks, ...meta } = capture;
  await writeFile(join(dir, 'capture.json'), JSON.stringify(meta, null, 2));
  await Promise.all(chunks.map((c, i) => writeFile(join(dir, `chunk-${String(i).padStart(3, '0')}.cbor`), c)));
}

/** How a recorded item counts (label, attack type, subject for the folds), beside its evidence. */
export interface RecordedPresentation {
  id: string;
  set: string;
  subject: string;
  label: 'bona_fide' | 'attack';
  attack_type: string | null;
  manifest_label: string;
  media: string;
  reframes: unknown[];
  description: string;
  /** What the page showed last (e.g. retry(quality:no_face) for a face it never accepted). */
  page_result?: string;
}

export async function savePresentation(dir: string, p: RecordedPresentation): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'presentation.json'), JSON.stringify(p, null, 2));
}

export async function loadPresentation(dir: string): Promise<RecordedPresentation | null> {
  return readFile(join(dir, 'presentation.json'), 'utf8').then((t) => JSON.parse(t) as RecordedPresentation, () => null);
}

export async function loadRecordedCapture(dir: string): Promise<RecordedCapture> {
  const meta = JSON.parse(await readFile(join(dir, 'capture.json'), 'utf8')) as Omit<RecordedCapture, 'chunks'>;
  const files = (await readdir(dir)).filter((f) => f.startsWith('chunk-') && f.endsWith('.cbor')).sort();
  const chunks = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(join(dir, f)))));
  return { ...meta, chunks };
}

export function decodeRecorded(capture: RecordedCapture): CaptureChunk[] {
  return capture.chunks.map((c) => decodeCaptureChunk(c));
}
