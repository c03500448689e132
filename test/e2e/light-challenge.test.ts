// A high-risk session brings the light challenge: the page shows the advice, flashes the
// server's colours full screen during the capture, and reports its own score of the response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchedChromium } from '../helpers/chromium.ts';
import type { LivegateServer } from '../helpers/livegate-server.ts';
import { startLiveCameraHarness, waitForView } from './page-driver.ts';

let server: LivegateServer;
let browser: LaunchedChromium;
let harness: Awaited<ReturnType<typeof startLiveCameraHarness>>;

beforeAll(async () => {
  harness = await startLiveCameraHarness();
  ({ server, browser } = harness);
}, 180_000);

afterAll(async () => harness?.close());

describe('light challenge', () => {
  it('flashes the scheduled colours full screen with the brightness advice', async () => {
    const s = await server.createSession({ risk_level: 'high' });
    const page = await browser.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    await waitForView(page, (v) => v.state === 'capturing', 90_000);
    expect(await page.isVisible('#light-advice')).toBe(true);
    expect(await page.textContent('#light-advice')).toMatch(/brightness/i);
    // Sample the overlay while the schedule runs.
    const colours = new Set<string>();
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      const c = await page.evaluate(() => {
        const el = document.getElementById('light')!;
        return el.hidden ? null : getComputedStyle(el).backgroundColor;
      });
      if (c && c !== 'rgba(0, 0, 0, 0)') colours.add(c);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(colours.size).toBeGreaterThanOrEqual(2);
    const { last } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 120_000);
    expect(last.state, JSON.stringify(last)).toBe('result');
    expect(await page.isHidden('#light')).toBe(true);

    // The page's own (untrusted) score of the response travelled with finish.
    const attempts = await server.test.store.listAttempts(s.session_id);
    const summary = attempts[0].client_summary as { light_challenge: { passed: boolean; score: number } | null } | null;
    expect(summary?.light_challenge).not.toBeNull();
    expect(typeof summary!.light_challenge!.score).toBe('number');
    await page.close();
  }, 180_000);
});
