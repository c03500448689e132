// Robustness subset for CI (the whole suite is `npm run eval:pad:robust`): a genuine recording
// under camera perturbations that used to refuse it, through the real page in headless Chromium
// against the real server. Letterboxing (black bars beside the face) flipped evm-face to
// cnn:presentation_attack; a 30.11 fps source converted to 30 fps repeats a frame now and then,
// which integrity read as injected frames (spoof, score 0). Both must stay live, and the
// repeated frames must be reported as a camera artefact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest, type FacesItem } from '../helpers/y4m.ts';
import { cameraMedia } from '../eval/lib/pad-media.ts';
import { PERTURBATIONS } from '../eval/lib/perturbations.ts';
import { runWithCamera, type PadRun } from '../eval/lib/pad-run.ts';

const BONA_FIDE = 'evm-face';
let server: LivegateServer;
let item: FacesItem;

const perturbation = (name: string) => PERTURBATIONS.find((p) => p.name === name)!;
const describeRun = (r: PadRun) => JSON.stringify({ status: r.status, verdict: r.verdict, score: r.score, page: r.page_result, attempts: r.attempts.map((a) => [a.status, a.reasons]), checks: r.checks });

beforeAll(async () => {
  item = (await readFacesManifest()).find((i) => i.id === BONA_FIDE)!;
  server = await startLivegate();
}, 180_000);

afterAll(async () => server?.close());

describe('a genuine face under camera perturbations stays live', () => {
  it('letterboxed (black bars above and below)', async () => {
    const media = await cameraMedia(FACES_DIR, item, perturbation('letterbox').options);
    const r = await runWithCamera(server, media.path);
    expect(r.verdict, describeRun(r)).toBe('live');
  }, 240_000);

  it('at 30.11 fps (a frame repeated now and then): live, repeats reported as a camera artefact', async () => {
    const media = await cameraMedia(FACES_DIR, item, perturbation('fps30.11').options);
    const r = await runWithCamera(server, media.path);
    expect(r.verdict, describeRun(r)).toBe('live');
    const integrity = (r.checks as { integrity: { passed: boolean; repeats: string } }).integrity;
    expect(integrity.passed).toBe(true);
    expect(['none', 'camera_repeats']).toContain(integrity.repeats);
  }, 240_000);
});
