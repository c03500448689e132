// The person's endings with the real page in Chromium, a real recording as the camera (through a
// canvas whose brightness answers the screen's light, screen-light.ts) and the real server:
// a dim room lit by the page's fill light; a refusal with the tips that fit, then a live capture
// and the way back to the app; the last refusal and the failure redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest } from '../helpers/y4m.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { expectAccessible } from './axe.ts';
import { installScreenLight, setScreenLight } from './screen-light.ts';
import { waitForView } from './page-driver.ts';

const ACTION = 'Approve: Wire transfer of $50,000 to Acme Corp';
const SUCCESS = 'https://app.example/verified?order=42';
const FAILURE = 'https://app.example/not-verified';
/** The room's light: normal; dark enough for the server's quality gate (face-crop luma under 25); too dark for the page to start (skin luma well under 35). */
const BRIGHT = { unlit: 1, lit: 1 };
const DARK = { unlit: 0.25, lit: 0.25 };
const TOO_DARK_TO_START = { unlit: 0.15, lit: 0.15 };

let server: LivegateServer;
let browser: LaunchedChromium;

beforeAll(async () => {
  server = await startLivegate({ config: { evidenceRetentionS: 3600 } });
  const item = (await readFacesManifest()).find((i) => i.id === 'evm-face');
  if (!item) throw new Error(`evm-face is not in ${FACES_DIR}/manifest.json`);
  browser = await launchChromium({ fakeCamera: await cameraMediaFor(FACES_DIR, item), origin: server.origin });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function attempts(sessionId: string) {
  return (await server.test.store.listAttempts(sessionId)).sort((a, b) => a.number - b.number).map((a) => ({ status: a.status, reasons: ((a.result ?? {}) as { reasons?: string[] }).reasons ?? [] }));
}

describe('a dim room', () => {
  it('turns the screen into a warm-white fill light, asks for brightness, and the capture is analysed', async () => {
    const s = await server.createSession({ action_description: ACTION });
    const page = await browser.context.newPage();
    // Dark until the page lights the face with its screen.
    await installScreenLight(page, { unlit: TOO_DARK_TO_START.unlit, lit: 1 });
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const lighting = await waitForView(page, (v) => v.fill === 'on', 90_000);
    // It was too dark first, with the fill light off.
    expect(lighting.seen.some((v) => v.guide === 'too_dark' && v.fill === 'off' && /too dark/i.test(v.guidance))).toBe(true);
    const frame = await page.evaluate(() => {
      const fill = document.querySelector('.stage .fill') as SVGElement;
      return {
        frameShown: getComputedStyle(fill).display !== 'none',
        frameColour: getComputedStyle(fill).fill,
        page: getComputedStyle(document.body).backgroundColor,
        advice: (document.getElementById('fill-advice') as HTMLElement).hidden ? '' : document.getElementById('fill-advice')!.textContent,
      };
    });
    // Now the area around the oval is a warm white and the page asks for brightness.
    expect(frame.frameShown).toBe(true);
    expect(frame.frameColour).toBe('rgb(255, 244, 224)');
    expect(frame.page).toBe('rgb(255, 244, 224)');
    expect(frame.advice).toMatch(/brightness/i);
    await expectAccessible(page, 'fill light');

    const { last, seen } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 150_000);
    expect(seen.some((v) => v.state === 'capturing')).toBe(true);
    expect(last.result, JSON.stringify(last)).toBe('verified');
    // One attempt, analysed: never refused as too dark.
    const rows = await attempts(s.session_id);
    expect(rows, JSON.stringify(rows)).toEqual([{ status: 'analysed', reasons: [] }]);
    await page.close();
  }, 240_000);
});

describe('a room too dark even for the fill light', () => {
  it('gives up with the light tips before using an attempt', async () => {
    const s = await server.createSession({ action_description: ACTION });
    const page = await browser.context.newPage();
    await installScreenLight(page, TOO_DARK_TO_START);
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const { last, seen } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 120_000);
    expect(seen.some((v) => v.fill === 'on')).toBe(true);
    expect(last.result, JSON.stringify(last)).toBe('retry');
    expect(last.reason).toBe('quality:too_dark');
    expect(last.title).toMatch(/too dark/i);
    expect(last.body).toMatch(/Attempts left: 3/);
    expect(await page.$$eval('#result-tips li', (li) => li.map((x) => x.textContent).join(' '))).toMatch(/brightness/i);
    // The frame is off again on the ending, and no attempt was spent.
    expect(last.fill).toBe('off');
    expect(await attempts(s.session_id)).toEqual([]);
    await page.close();
  }, 180_000);
});

describe('a dim room under the light challenge', () => {
  it('the fill light is the base colour: each challenge colour covers the whole screen, frame included', async () => {
    const s = await server.createSession({ action_description: ACTION, risk_level: 'high' });
    const page = await browser.context.newPage();
    await installScreenLight(page, { unlit: TOO_DARK_TO_START.unlit, lit: 1 });
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    await waitForView(page, (v) => v.fill === 'on', 90_000);
    await waitForView(page, (v) => v.state === 'capturing', 90_000);
    // While a colour shows, the topmost thing at the frame's corner and at the centre is the colour.
    const samples: { fill: string; corner: string; centre: string; colour: string }[] = [];
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      samples.push(
        await page.evaluate(() => {
          const light = document.getElementById('light')!;
          const stage = document.querySelector('.stage')!.getBoundingClientRect();
          const at = (x: number, y: number) => document.elementFromPoint(x, y)?.id || document.elementFromPoint(x, y)?.tagName || '';
          return {
            fill: document.body.dataset.fill ?? '',
            corner: at(stage.left + 4, stage.top + 4),
            centre: at(window.innerWidth / 2, window.innerHeight / 2),
            colour: light.hidden ? '' : getComputedStyle(light).backgroundColor,
          };
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const coloured = samples.filter((x) => x.colour && x.colour !== 'rgba(0, 0, 0, 0)');
    expect(coloured.length).toBeGreaterThan(5);
    expect(coloured.every((x) => x.corner === 'light' && x.centre === 'light')).toBe(true);
    // The frame stays lit under the colours (no dark face between them).
    expect(samples.every((x) => x.fill === 'on')).toBe(true);
    const { last } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 150_000);
    expect(last.state, JSON.stringify(last)).toBe('result');
    // Analysed, not refused as too dark (the fake camera cannot answer the colours: the verdict
    // itself is the light challenge's business, not this test's).
    const rows = await attempts(s.session_id);
    expect(rows[0].status, JSON.stringify(rows)).toBe('analysed');
    expect(rows[0].reasons.some((r) => r.startsWith('quality:'))).toBe(false);
    await page.close();
  }, 240_000);
});

describe('refusal, then try again', () => {
  it('a refused capture shows the light tips without naming checks, then a live capture offers the way back', async () => {
    const s = await server.createSession({ action_description: ACTION, policy: { success_redirect_url: SUCCESS, failure_redirect_url: FAILURE } });
    const page = await browser.context.newPage();
    await installScreenLight(page, BRIGHT);
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    await waitForView(page, (v) => v.state === 'capturing', 90_000);
    // The room's lights go out during the capture (the fill light does not come on mid-capture).
    await setScreenLight(page, DARK);
    const refused = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 150_000);
    expect(refused.last.result, JSON.stringify(refused.last)).toBe('retry');
    expect(refused.last.title).toMatch(/try again: your face was too dark/i);
    expect(refused.last.body).toMatch(/Attempts left: 2/);
    const tips = await page.$$eval('#result-tips li', (li) => li.map((x) => x.textContent ?? ''));
    expect(tips.length).toBeGreaterThanOrEqual(1);
    expect(tips.length).toBeLessThanOrEqual(2);
    expect(tips.join(' ')).toMatch(/lamp|window/i);
    expect(await page.evaluate(() => document.body.dataset.hint)).toBe('light');
    // Nothing about scores or anti-spoofing checks anywhere on the screen.
    expect(await page.textContent('#result')).not.toMatch(/score|pulse|cnn|spoof|attack|quality:/i);
    expect(await page.isVisible('#result-return')).toBe(false);
    await expectAccessible(page, 'try again');
    expect((await attempts(s.session_id))[0]).toMatchObject({ status: 'quality_failed', reasons: expect.arrayContaining(['quality:too_dark']) });

    // Lights back on; try again.
    await setScreenLight(page, BRIGHT);
    await page.click('#result-action');
    const done = await waitForView(page, (v) => (v.state === 'result' && v.result !== 'retry') || v.state === 'error', 150_000);
    expect(done.last.result, JSON.stringify(done.last)).toBe('verified');
    // The final screen: the action verbatim, the time, and the way back to the app.
    expect(await page.textContent('#result-summary-action')).toBe(ACTION);
    expect(await page.textContent('#result-summary-time')).toMatch(/\d{1,2}:\d{2}/);
    const link = await page.$eval('#result-return', (a) => ({ text: a.textContent, href: (a as HTMLAnchorElement).href, hidden: (a as HTMLElement).hidden }));
    expect(link.hidden).toBe(false);
    expect(link.text).toBe('Return to app.example');
    const href = new URL(link.href);
    expect(href.origin + href.pathname).toBe('https://app.example/verified');
    expect(Object.fromEntries(href.searchParams)).toEqual({ order: '42', livegate_session: s.session_id, livegate_outcome: 'verified' });
    await expectAccessible(page, 'verified');
    expect((await attempts(s.session_id)).map((a) => a.status)).toEqual(['quality_failed', 'analysed']);
    await page.close();
  }, 360_000);

  it('the last refusal ends on the failure URL', async () => {
    const s = await server.createSession({ action_description: ACTION, policy: { max_attempts: 1, success_redirect_url: SUCCESS, failure_redirect_url: FAILURE } });
    const page = await browser.context.newPage();
    await installScreenLight(page, BRIGHT);
    // The app's page, answered here (no network): where the link leads.
    await page.route('https://app.example/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title><h1>App</h1>' }));
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    await waitForView(page, (v) => v.state === 'capturing', 90_000);
    await setScreenLight(page, DARK);
    const { last } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 150_000);
    expect(last.result, JSON.stringify(last)).toBe('fail');
    expect(last.title).toMatch(/failed: your face was too dark/i);
    expect(await page.isVisible('#result-action')).toBe(false);
    expect(await page.textContent('#result-summary-action')).toBe(ACTION);
    await expectAccessible(page, 'final refusal');
    await Promise.all([page.waitForURL('https://app.example/**'), page.click('#result-return')]);
    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(FAILURE);
    expect(Object.fromEntries(landed.searchParams)).toEqual({ livegate_session: s.session_id, livegate_outcome: 'failed' });
    // The outcome in the URL is a hint: the API says what happened.
    const status = (await (await server.api(`/v1/sessions/${s.session_id}`)).json()) as { status: string };
    expect(status.status).toBe('failed');
    await page.close();
  }, 240_000);
});
