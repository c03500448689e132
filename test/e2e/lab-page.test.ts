// /lab (served only with --lab): the camera through the same workers, landmarks and ROIs drawn,
// the chosen profile and per-stage timings shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchedChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { startLiveCameraHarness } from './page-driver.ts';

let server: LivegateServer;
let browser: LaunchedChromium;
let harness: Awaited<ReturnType<typeof startLiveCameraHarness>>;

beforeAll(async () => {
  harness = await startLiveCameraHarness({ lab: true });
  ({ server, browser } = harness);
}, 180_000);

afterAll(async () => harness?.close());

describe('/lab', () => {
  it('runs the camera through the workers and shows landmarks, profile and timings', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/lab`);
    await page.uncheck('#cnn');
    await page.click('#camera');
    await page.waitForFunction(() => (document.getElementById('stats')?.textContent ?? '').includes('"median_ms"'), null, { timeout: 90_000 });
    // Landmarks drawn: the overlay gets green points once a face is found.
    await page.waitForFunction(
      () => {
        const c = document.getElementById('overlay') as HTMLCanvasElement;
        if (!c.width) return false;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 200 && d[i] < 50 && d[i + 3] > 0) return true;
        return false;
      },
      null,
      { timeout: 60_000 },
    );
    const stats = JSON.parse((await page.textContent('#stats')) ?? '{}') as Record<string, any>;
    expect(stats.frames_via).toBe('track-processor');
    expect(stats.landmarks.delegate).toMatch(/^(CPU|GPU)$/);
    expect(stats.timings.frame_ms).toBeGreaterThan(0);
    expect(stats.hardware.wasm_simd).toBe(true);
    await page.click('#stop');
    await page.close();
  }, 180_000);

  it('falls back to ImageBitmap frames where MediaStreamTrackProcessor is missing', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      delete (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor;
    });
    await page.goto(`${server.origin}/lab`);
    await page.uncheck('#cnn');
    await page.click('#camera');
    await page.waitForFunction(
      () => {
        const t = document.getElementById('stats')?.textContent ?? '';
        return t.includes('"frames_via": "image-bitmap"') && /"landmark_hz": [1-9]/.test(t);
      },
      null,
      { timeout: 90_000 },
    );
    const stats = JSON.parse((await page.textContent('#stats')) ?? '{}') as Record<string, any>;
    expect(stats.fps).toBeGreaterThan(0);
    await page.click('#stop');
    await page.close();
  }, 180_000);

  it('is not served without --lab', async () => {
    const plain = await startLivegate();
    try {
      const res = await fetch(`${plain.origin}/lab`);
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  }, 60_000);
});
