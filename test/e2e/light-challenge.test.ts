// A high-risk session brings the light challenge: the page shows the advice, learns each of the
// server's colours just in time, flashes it full screen, and reports its own score of the response.
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
    // What the page is told, response by response: no colour before its time.
    const startBodies: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/start')) void r.text().then((b) => startBodies.push(b));
    });
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

    // The start response announced the challenge without a single colour; the page learnt each
    // step from /light, and the server recorded when: never earlier than the reveal lead before
    // its start, and in time for the page to show it.
    expect(startBodies).toHaveLength(1);
    expect(JSON.parse(startBodies[0]).light_challenge).toMatchObject({ mode: 'just_in_time', reveal_lead_ms: 250 });
    expect(startBodies[0]).not.toContain('rgb');
    const attempts = await server.test.store.listAttempts(s.session_id);
    const drawn = (attempts[0].light_challenge as { schedule: { start_ms: number }[] }).schedule;
    const reveals = await server.test.store.listLightReveals(attempts[0].id);
    expect(reveals.map((r) => r.step)).toEqual(drawn.map((_, i) => i));
    for (const r of reveals) expect(r.revealed_at_ms).toBeGreaterThanOrEqual(drawn[r.step].start_ms - 250);
    expect(reveals.filter((r) => r.revealed_at_ms <= drawn[r.step].start_ms).length).toBeGreaterThan(reveals.length / 2);

    // The page's own (untrusted) score of the response travelled with finish.
    const summary = attempts[0].client_summary as { light_challenge: { passed: boolean; score: number } | null } | null;
    expect(summary?.light_challenge).not.toBeNull();
    expect(typeof summary!.light_challenge!.score).toBe('number');
    await page.close();
  }, 180_000);
});
