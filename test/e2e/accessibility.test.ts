// axe-core in the real Chromium on every screen of the page (light and dark), with 0 serious or
// critical violations: the start screen, the photosensitivity notice and its way out, guidance,
// capturing under the light challenge, the ending, a cancelled capture, and the error screens of
// links that cannot be used. The try-again, fill-light and redirect screens are checked in
// endings.test.ts, the phone in phone.test.ts, the camera errors in error-screens.test.ts.
// Also the keyboard-only path: Tab to start, Enter starts, Escape cancels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { LIVE_EVIDENCE } from '../helpers/app.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest } from '../helpers/y4m.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { expectAccessible, seriousViolations } from './axe.ts';
import { waitForView } from './page-driver.ts';

let server: LivegateServer;
let browser: LaunchedChromium;

beforeAll(async () => {
  server = await startLivegate();
  const item = (await readFacesManifest()).find((i) => i.id === 'evm-face');
  if (!item) throw new Error(`evm-face is not in ${FACES_DIR}/manifest.json`);
  browser = await launchChromium({ fakeCamera: await cameraMediaFor(FACES_DIR, item), origin: server.origin });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('axe on every screen', () => {
  it('high risk: notice, guidance, capturing under the light challenge, the ending; light and dark', async () => {
    const s = await server.createSession({ risk_level: 'high' });
    const page = await browser.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    // The photosensitivity notice comes before anything flashes, with a way out.
    expect(await page.isVisible('#flash-notice')).toBe(true);
    expect(await page.textContent('#flash-notice')).toMatch(/flashes the screen in colours.*twice a second/i);
    await expectAccessible(page, 'start (high risk)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true);
    await expectAccessible(page, 'start (dark)');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.click('#start');
    await waitForView(page, (v) => v.state === 'guidance', 90_000);
    await expectAccessible(page, 'guidance');
    await waitForView(page, (v) => v.state === 'capturing', 90_000);
    await expectAccessible(page, 'capturing (light challenge)');
    const { last } = await waitForView(page, (v) => v.state === 'result' || v.state === 'error', 150_000);
    expect(last.state, JSON.stringify(last)).toBe('result');
    await expectAccessible(page, `ending (${last.result})`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, `ending (${last.result}, dark)`);
    await page.close();
  }, 240_000);

  it('declining the flashing colours ends without a capture', async () => {
    const s = await server.createSession({ risk_level: 'high' });
    const page = await browser.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.click('#flash-decline');
    const { last } = await waitForView(page, (v) => v.state === 'result', 10_000);
    expect(last.result).toBe('declined');
    expect(last.title).toMatch(/nothing was verified/i);
    expect(await server.test.store.listAttempts(s.session_id)).toEqual([]);
    await expectAccessible(page, 'declined');
    await page.close();
  }, 60_000);

  it('standard risk has no notice; keyboard only: Tab to start, Enter, Escape cancels', async () => {
    const s = await server.createSession();
    const page = await browser.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    expect(await page.isVisible('#flash-notice')).toBe(false);
    await expectAccessible(page, 'start');
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'start'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('start');
    await page.keyboard.press('Enter');
    await waitForView(page, (v) => v.state === 'guidance' || v.state === 'capturing', 90_000);
    await page.keyboard.press('Escape');
    const { last } = await waitForView(page, (v) => v.state === 'result', 10_000);
    expect(last.result).toBe('cancelled');
    // Focus moves to the ending's title, so a screen reader reads it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('result-title');
    await expectAccessible(page, 'cancelled');
    await page.close();
  }, 120_000);

  it('links that cannot be used: incomplete, unknown, completed, cancelled', async () => {
    const used = await server.createSession();
    await server.test.app.services.sessions.completeSession(used.session_id, LIVE_EVIDENCE);
    const cancelled = await server.createSession();
    expect((await server.api(`/v1/sessions/${cancelled.session_id}/cancel`, { method: 'POST', body: JSON.stringify({ reason: 'changed its mind' }) })).status).toBe(200);
    const fresh = await server.createSession();
    const cases: [string, string][] = [
      [fresh.url.split('#')[0], 'link_invalid'],
      [fresh.url.replace(fresh.session_id, 'ses_unknown0000000000'), 'session_not_found'],
      [used.url, 'session_used'],
      [cancelled.url, 'session_cancelled'],
    ];
    for (const [url, error] of cases) {
      const page = await browser.context.newPage();
      await page.goto(url);
      const { last } = await waitForView(page, (v) => v.state === 'error', 20_000);
      expect(last.error).toBe(error);
      await expectAccessible(page, error);
      await page.close();
    }
  }, 120_000);

  it('the check itself finds a planted violation (an unnamed button, text without contrast)', async () => {
    const page = await browser.context.newPage();
    await page.goto((await server.createSession()).url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    await page.evaluate(() => {
      document.getElementById('intro')!.appendChild(document.createElement('button'));
      document.getElementById('what')!.style.color = '#eeeeee';
    });
    const v = await seriousViolations(page);
    expect(v.map((x) => x.id)).toEqual(expect.arrayContaining(['button-name', 'color-contrast']));
    await page.close();
  }, 60_000);
});
