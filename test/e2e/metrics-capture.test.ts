// /metrics after a real capture: the verification page in Chromium, its camera playing a real
// recording (evm-face from ../shared/data/faces), streaming evidence to the real server, whose
// analyzer decides. The capture and analysis series then count exactly that capture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest } from '../helpers/y4m.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { runWithCamera } from '../eval/lib/pad-run.ts';

const BONA_FIDE = 'evm-face';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let server: LivegateServer;
beforeAll(async () => {
  server = await startLivegate();
}, 180_000);
afterAll(async () => server?.close());

describe('/metrics after a real capture', () => {
  it('counts the chunks and bytes the page streamed, the analysis per stage and the session by verdict', async () => {
    const item = (await readFacesManifest()).find((i) => i.id === BONA_FIDE);
    if (!item) throw new Error(`${BONA_FIDE} is not in ${FACES_DIR}/manifest.json`);
    const run = await runWithCamera(server, await cameraMediaFor(FACES_DIR, item));
    expect(run.status).toBe('completed');

    const attempts = await server.test.store.listAttempts(run.session_id);
    const res = await server.api('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, `livegate_sessions{status="completed",verdict="${run.verdict}"}`)).toBe(1);
    // About one chunk a second of recording (a standard capture records ~6 s).
    expect(sample(text, 'livegate_capture_chunks_total')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'livegate_capture_chunk_bytes_total')).toBeGreaterThan(100_000);
    expect(sample(text, 'livegate_verdict_latency_seconds_count{stage="total"}')).toBe(attempts.length);
    for (const stage of ['integrity', 'pulse', 'cnn', 'worker_total']) {
      expect(sample(text, `livegate_verdict_latency_seconds_count{stage="${stage}"}`), stage).toBe(attempts.length);
    }
    expect(sample(text, 'livegate_analysis_queue_depth')).toBe(0);
  }, 240_000);
});
