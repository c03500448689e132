// Every failure a person can meet shows its screen with a next step: a blocked camera, a camera
// with no face in it, and links to sessions that are over (completed, cancelled, expired).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { LIVE_EVIDENCE } from '../helpers/app.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { noFaceY4m } from '../helpers/y4m.ts';
import { expectAccessible } from './axe.ts';
import { trackWorkers, waitForView } from './page-driver.ts';

let clockOffset = 0;
let server: LivegateServer;

beforeAll(async () => {
  server = await startLivegate({ now: () => Date.now() + clockOffset });
}, 180_000);

afterAll(async () => {
  await server?.close();
});

describe('camera denied', () => {
  let browser: LaunchedChromium;
  beforeAll(async () => {
    // A camera exists but the permission prompt is refused.
    browser = await launchChromium({ fakeCamera: await noFaceY4m(), grantCamera: false, origin: server.origin });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('shows the denial screen with how to re-enable the camera in this browser', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const { last } = await waitForView(page, (v) => v.state === 'error', 20_000);
    expect(last.error).toBe('camera_denied');
    expect(last.title).toMatch(/camera access was blocked/i);
    // Chromium: the address-bar camera icon.
    expect(last.body).toMatch(/camera icon in the address bar/i);
    expect(await page.isVisible('#result-action')).toBe(true);
    expect(await page.textContent('#result-action')).toMatch(/try again/i);
    await expectAccessible(page, 'camera denied');
    await page.close();
  }, 60_000);
});

describe('a camera with no face', () => {
  let browser: LaunchedChromium;
  beforeAll(async () => {
    browser = await launchChromium({ fakeCamera: await noFaceY4m(), origin: server.origin });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('guides the person, then reports a quality failure with attempts left', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    const workers = trackWorkers(page);
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const { last, seen } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 90_000);
    expect(seen.some((v) => v.state === 'guidance' && v.guide === 'no_face' && /move your face into the oval/i.test(v.guidance))).toBe(true);
    expect(last.result).toBe('retry');
    expect(last.reason).toBe('quality:no_face');
    expect(last.title).toMatch(/could not see your face/i);
    expect(last.body).toMatch(/Attempts left: 3/);
    expect(await page.isVisible('#result-action')).toBe(true);
    // The tips that fit: only your face, fully in the oval.
    expect(await page.$$eval('#result-tips li', (li) => li.map((x) => x.textContent).join(' '))).toMatch(/only your face/i);
    await expectAccessible(page, 'no face, try again');
    await expect.poll(() => workers.live().length, { timeout: 5000 }).toBe(0);
    await page.close();
  }, 120_000);
});

describe('sessions that are over', () => {
  let browser: LaunchedChromium;
  beforeAll(async () => {
    browser = await launchChromium({ origin: server.origin });
  }, 60_000);
  afterAll(async () => browser?.close());

  async function open(url: string) {
    const page = await browser.context.newPage();
    await page.goto(url);
    const { last } = await waitForView(page, (v) => v.state === 'error', 20_000);
    const startVisible = await page.isVisible('#start');
    await expectAccessible(page, last.error);
    await page.close();
    return { last, startVisible };
  }

  it('already completed: says so and offers no capture', async () => {
    const s = await server.createSession();
    await server.test.app.services.sessions.completeSession(s.session_id, LIVE_EVIDENCE);
    const { last, startVisible } = await open(s.url);
    expect(last.error).toBe('session_used');
    expect(last.title).toMatch(/already complete/i);
    expect(startVisible).toBe(false);
  }, 60_000);

  it('cancelled by the agent: says so', async () => {
    const s = await server.createSession();
    const res = await server.api(`/v1/sessions/${s.session_id}/cancel`, { method: 'POST', body: JSON.stringify({ reason: 'agent changed its mind' }) });
    expect(res.status).toBe(200);
    const { last } = await open(s.url);
    expect(last.error).toBe('session_cancelled');
    expect(last.title).toMatch(/cancelled/i);
  }, 60_000);

  it('expired: says so and asks for a new link', async () => {
    const s = await server.createSession({ timeout: 30 });
    clockOffset = 31_000;
    try {
      const { last } = await open(s.url);
      expect(last.error).toBe('session_expired');
      expect(last.title).toMatch(/expired.*new link/i);
    } finally {
      clockOffset = 0;
    }
  }, 60_000);

  it('a link without its token: says the link is incomplete', async () => {
    const s = await server.createSession();
    const { last } = await open(s.url.split('#')[0]);
    expect(last.error).toBe('link_invalid');
  }, 60_000);

  it('speaks the browser language (es)', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    await page.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['es-ES', 'en'] }));
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    expect(await page.textContent('#start')).toBe('Activar la cámara');
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    await page.close();
  }, 60_000);
});
