// On a phone (390x844, touch, a mobile user agent) the page is the same flow without the
// "scan this code" hand-off (the person already holds the camera), with touch-sized controls,
// in portrait and landscape; the desktop keeps the hand-off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { noFaceY4m } from '../helpers/y4m.ts';
import { expectAccessible } from './axe.ts';
import { waitForView } from './page-driver.ts';

const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

let server: LivegateServer;
let phone: LaunchedChromium;

beforeAll(async () => {
  server = await startLivegate();
  phone = await launchChromium({
    fakeCamera: await noFaceY4m(),
    origin: server.origin,
    device: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: PHONE_UA, deviceScaleFactor: 3 },
  });
}, 180_000);

afterAll(async () => {
  await phone?.close();
  await server?.close();
});

describe('phone', () => {
  it('offers no QR hand-off, keeps touch targets large, in portrait and landscape', async () => {
    const s = await server.createSession();
    const page = await phone.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    expect(await page.isVisible('#start')).toBe(true);
    expect(await page.isVisible('#qr-box')).toBe(false);
    expect(await page.textContent('body')).not.toMatch(/scan this code/i);
    const box = await page.locator('#start').boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await expectAccessible(page, 'phone intro');
    // Landscape: still usable, still no hand-off, nothing wider than the screen.
    await page.setViewportSize({ width: 844, height: 390 });
    expect(await page.isVisible('#qr-box')).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.click('#start');
    await waitForView(page, (v) => v.state === 'guidance', 90_000);
    expect(await page.isVisible('#preview')).toBe(true);
    await page.close();
  }, 180_000);

  it('an error that would offer the hand-off on a computer does not on a phone', async () => {
    const s = await server.createSession();
    const page = await phone.context.newPage();
    // No camera on this phone: the desktop screen would add "scan this code".
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no camera', 'NotFoundError'));
    });
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#start');
    const { last } = await waitForView(page, (v) => v.state === 'error', 20_000);
    expect(last.error).toBe('no_camera');
    expect(await page.isVisible('#qr-box')).toBe(false);
    await page.close();
  }, 60_000);
});

describe('desktop', () => {
  it('a phone-sized window without a mobile user agent gets no hand-off either', async () => {
    const narrow = await launchChromium({ origin: server.origin, device: { viewport: { width: 390, height: 844 } } });
    try {
      const s = await server.createSession();
      const page = await narrow.context.newPage();
      await page.goto(s.url);
      await waitForView(page, (v) => v.state === 'intro', 20_000);
      expect(await page.evaluate(() => /Mobile|Android/.test(navigator.userAgent))).toBe(false);
      await page.waitForTimeout(500);
      expect(await page.isVisible('#qr-box')).toBe(false);
    } finally {
      await narrow.close();
    }
  }, 60_000);

  it('keeps the hand-off QR', async () => {
    const desktop = await launchChromium({ origin: server.origin, device: { viewport: { width: 1280, height: 800 } } });
    try {
      const s = await server.createSession();
      const page = await desktop.context.newPage();
      await page.goto(s.url);
      await waitForView(page, (v) => v.state === 'intro', 20_000);
      await expect.poll(() => page.isVisible('#qr-box')).toBe(true);
      expect(await page.textContent('#qr-hint')).toMatch(/scan this code/i);
    } finally {
      await desktop.close();
    }
  }, 60_000);
});
