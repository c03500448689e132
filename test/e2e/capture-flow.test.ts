// The whole page flow in headless Chromium with a fake camera playing a real face video, against a
// real server: guided, captured, streamed, finished; then a cancelled capture that leaves nothing running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCaptureChunk, LANDMARK_SUBSET_VALUES } from '../../workers/codec/index.ts';
import type { LaunchedChromium } from '../helpers/chromium.ts';
import type { LivegateServer } from '../helpers/livegate-server.ts';
import { startLiveCameraHarness, trackWorkers, view, waitForView } from './page-driver.ts';

let server: LivegateServer;
let browser: LaunchedChromium;
let harness: Awaited<ReturnType<typeof startLiveCameraHarness>>;

beforeAll(async () => {
  harness = await startLiveCameraHarness();
  ({ server, browser } = harness);
}, 180_000);

afterAll(async () => harness?.close());

describe('verification page, live face video', () => {
  it('shows the action verbatim, guides, captures and the server stores the evidence', async () => {
    const action = 'Approve: Wire transfer of $50,000 to Acme Corp';
    const s = await server.createSession({ action_description: action });
    const page = await browser.context.newPage();
    const workers = trackWorkers(page);
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    expect(await page.textContent('#action')).toBe(action);
    // The token left the address bar and stays out of it.
    expect(page.url()).not.toContain('#');
    expect(page.url()).toBe(`${server.origin}/s/${s.session_id}`);
    // Desktop: a QR code to continue on a phone.
    expect(await page.isVisible('#qr')).toBe(true);
    // The workers and models load while the person reads, before any click.
    await expect.poll(() => workers.started().length, { timeout: 10_000 }).toBe(3);

    await page.click('#start');
    const { last, seen } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 120_000);
    expect(last.state, JSON.stringify(last)).toBe('result');
    // The person saw guidance, then the capture with upload progress.
    expect(seen.some((v) => v.state === 'guidance' && v.guidance.length > 0)).toBe(true);
    expect(seen.some((v) => v.state === 'capturing')).toBe(true);
    expect(seen.some((v) => /Sending \d+%/.test(v.upload))).toBe(true);
    expect(['verified', 'fail', 'received', 'retry']).toContain(last.result);
    expect(last.title.length).toBeGreaterThan(0);

    const audit = (await (await server.api(`/v1/sessions/${s.session_id}/audit`)).json()) as { events: { type: string; data: Record<string, unknown> | null }[] };
    const types = audit.events.map((e) => e.type);
    expect(types).toContain('user_opened_url');
    expect(types).toContain('capture_started');
    const completed = audit.events.find((e) => e.type === 'capture_completed');
    expect(completed, JSON.stringify(types)).toBeTruthy();
    // The errors the page's pipeline survived are counted, not swallowed: every counter is there.
    const workerErrors = (completed!.data as { worker_errors?: Record<string, number> }).worker_errors;
    expect(Object.keys(workerErrors ?? {}).sort()).toEqual(['cnn', 'frame', 'frame_convert', 'heart_rate', 'landmarks', 'light_challenge', 'stream']);
    for (const n of Object.values(workerErrors!)) expect(Number.isInteger(n) && n >= 0).toBe(true);
    const started = audit.events.find((e) => e.type === 'capture_started')!;
    const device = (started.data as { device: Record<string, any> }).device;
    expect(device.landmarks.delegate).toMatch(/^(CPU|GPU)$/);
    expect(device.camera.virtual_hints).toContain('label_virtual');

    // Evidence: every chunk of the attempt is in the store, in sequence, decodable, with frames in
    // time order over the ~6 s capture, face crops, landmarks on some frames, and context crops.
    // (The frame rate itself is a bench figure: this machine's load varies.)
    const attemptId = (completed!.data as { attempt_id: string }).attempt_id;
    const rows = (await server.test.store.listEvidenceChunks(attemptId)).sort((a, b) => a.seq - b.seq);
    expect(rows.map((c) => c.seq)).toEqual(rows.map((_, i) => i));
    const decoded = rows.map((r) => decodeCaptureChunk(r.bytes));
    const frames = decoded.flatMap((c) => c.frames);
    expect(frames.length).toBe((completed!.data as { frames: number }).frames);
    for (let i = 1; i < frames.length; i++) expect(frames[i].t).toBeGreaterThan(frames[i - 1].t);
    expect(frames[frames.length - 1].t - frames[0].t).toBeGreaterThan(4500);
    expect(frames.every((f) => f.crop[0] === 0xff && f.crop[1] === 0xd8)).toBe(true);
    const withFace = frames.filter((f) => f.box[2] > 0);
    expect(withFace.length).toBeGreaterThan(frames.length / 2);
    expect(frames.some((f) => f.lm !== null && f.lm.length === LANDMARK_SUBSET_VALUES)).toBe(true);
    expect(withFace.every((f) => f.skin[0] + f.skin[1] + f.skin[2] > 0)).toBe(true);
    expect(decoded.flatMap((c) => c.context).length).toBeGreaterThan(0);

    // Finished: camera off, every worker gone.
    await expect.poll(() => workers.live().length, { timeout: 5000 }).toBe(0);
    expect(workers.started().length).toBe(3);
    expect(await page.evaluate(() => (document.getElementById('preview') as HTMLVideoElement).srcObject)).toBeNull();
    await page.close();
  }, 180_000);

  it('cancel mid-capture terminates the workers and the camera', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    const workers = trackWorkers(page);
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    await waitForView(page, (v) => v.state === 'capturing', 90_000);
    expect(workers.live().length).toBe(3);
    await page.click('#cancel');
    const { last } = await waitForView(page, (v) => v.state === 'result', 10_000);
    expect(last.result).toBe('cancelled');
    expect(last.title).toMatch(/cancelled/i);
    // A way back: the retry button is offered.
    expect(await page.isVisible('#result-action')).toBe(true);
    await expect.poll(() => workers.live().length, { timeout: 5000 }).toBe(0);
    const camera = await page.evaluate(() => ({
      src: (document.getElementById('preview') as HTMLVideoElement).srcObject,
      workers: document.body.dataset.workers,
    }));
    expect(camera.src).toBeNull();
    expect(camera.workers).toBe('0');
    await page.close();
  }, 180_000);

  it('a chunk upload that fails on the network is retried and the capture still completes', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    let aborted = 0;
    // The network drops the first two chunk uploads.
    await page.route('**/v1/capture/*/chunk', async (route) => {
      if (aborted < 2) {
        aborted++;
        await route.abort('internetdisconnected');
      } else {
        await route.continue();
      }
    });
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const { last } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 120_000);
    expect(aborted).toBe(2);
    expect(last.state, JSON.stringify(last)).toBe('result');
    const audit = (await (await server.api(`/v1/sessions/${s.session_id}/audit`)).json()) as { events: { type: string; data: Record<string, unknown> | null }[] };
    const completed = audit.events.find((e) => e.type === 'capture_completed');
    expect(completed).toBeTruthy();
    const rows = await server.test.store.listEvidenceChunks((completed!.data as { attempt_id: string }).attempt_id);
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    await page.close();
  }, 180_000);

  it('when the network stays down, says so after retrying and offers to try again', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    await page.route('**/v1/capture/*/chunk', (route) => route.abort('internetdisconnected'));
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const { last, seen } = await waitForView(page, (v) => v.state === 'error', 120_000);
    expect(last.error).toBe('network_lost');
    expect(last.title).toMatch(/connection was lost/i);
    expect(seen.some((v) => /retrying/i.test(v.upload))).toBe(true);
    expect(await page.isVisible('#result-action')).toBe(true);
    await page.close();
  }, 180_000);
});
