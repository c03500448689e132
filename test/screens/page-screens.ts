// Screenshots of every screen of the verification page, desktop (1280x800) and phone (390x844),
// written to docs/screens/ (PNG). The real page and server, the fake camera playing a genuine
// recording through the screen-light canvas (test/e2e/screen-light.ts) for the dim-room and
// refusal screens. Usage: npm run screens
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { LIVE_EVIDENCE } from '../helpers/app.ts';
import { startLivegate } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest } from '../helpers/y4m.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { installScreenLight, setScreenLight } from '../e2e/screen-light.ts';

const OUT = resolve(import.meta.dirname, '../../docs/screens');
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const DEVICES = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: PHONE_UA, deviceScaleFactor: 1 },
};

const server = await startLivegate({ config: { evidenceRetentionS: 0 } });
const item = (await readFacesManifest()).find((i) => i.id === 'evm-face');
if (!item) throw new Error(`evm-face is not in ${FACES_DIR}/manifest.json`);
const camera = await cameraMediaFor(FACES_DIR, item);
await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });

const state = (page: Page) => page.evaluate(() => `${document.body.dataset.state}/${document.body.dataset.result ?? ''}/${document.body.dataset.fill ?? ''}`);
async function until(page: Page, pred: (s: string) => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred(await state(page))) {
    if (Date.now() > end) throw new Error(`screens: timed out at ${await state(page)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const written: string[] = [];
async function shot(page: Page, device: string, name: string): Promise<void> {
  const file = join(OUT, `${device}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  written.push(file);
}

for (const [device, emulation] of Object.entries(DEVICES)) {
  const browser: LaunchedChromium = await launchChromium({ fakeCamera: camera, origin: server.origin, device: emulation });
  try {
    const open = async (body: Record<string, unknown> = {}, light = { unlit: 1, lit: 1 }) => {
      const s = await server.createSession(body);
      const page = await browser.context.newPage();
      await installScreenLight(page, light);
      await page.goto(s.url);
      return { page, s };
    };
    // Start, guidance, capturing, verified.
    let { page } = await open({ policy: { success_redirect_url: 'https://app.example/done' } });
    await until(page, (x) => x.startsWith('intro'));
    await shot(page, device, '01-start');
    await page.click('#start');
    await until(page, (x) => x.startsWith('guidance'));
    await shot(page, device, '02-guidance');
    await until(page, (x) => x.startsWith('capturing'));
    await new Promise((r) => setTimeout(r, 1500));
    await shot(page, device, '03-capturing');
    await until(page, (x) => x.startsWith('result'));
    await shot(page, device, '04-ending-verified');
    await page.close();
    // High risk: the photosensitivity notice, then the light challenge.
    ({ page } = await open({ risk_level: 'high' }));
    await until(page, (x) => x.startsWith('intro'));
    await shot(page, device, '05-start-flash-notice');
    await page.click('#start');
    await until(page, (x) => x.startsWith('capturing'));
    await page.waitForFunction(() => !document.getElementById('light')!.hidden && getComputedStyle(document.getElementById('light')!).backgroundColor !== 'rgba(0, 0, 0, 0)', null, { timeout: 10_000 });
    await shot(page, device, '06-light-challenge');
    await page.close();
    // Dim room: the fill light.
    ({ page } = await open({}, { unlit: 0.25, lit: 1 }));
    await until(page, (x) => x.startsWith('intro'));
    await page.click('#start');
    await until(page, (x) => x.endsWith('/on'));
    await shot(page, device, '07-fill-light');
    await page.close();
    // Refused for the light, with tips; then the final refusal with the way back.
    ({ page } = await open({ policy: { max_attempts: 2, failure_redirect_url: 'https://app.example/back' } }));
    await until(page, (x) => x.startsWith('intro'));
    await page.click('#start');
    await until(page, (x) => x.startsWith('capturing'));
    await setScreenLight(page, { unlit: 0.25, lit: 0.25 });
    await until(page, (x) => x.startsWith('result'));
    await shot(page, device, '08-ending-try-again');
    await setScreenLight(page, { unlit: 1, lit: 1 });
    await page.click('#result-action');
    await until(page, (x) => x.startsWith('capturing'));
    await setScreenLight(page, { unlit: 0.25, lit: 0.25 });
    await until(page, (x) => x.startsWith('result') || x.startsWith('error'));
    await shot(page, device, '09-ending-refused');
    await page.close();
    // Declined flashing; cancelled.
    ({ page } = await open({ risk_level: 'high', policy: { failure_redirect_url: 'https://app.example/back' } }));
    await until(page, (x) => x.startsWith('intro'));
    await page.click('#flash-decline');
    await until(page, (x) => x.startsWith('result'));
    await shot(page, device, '10-ending-declined');
    await page.close();
    // Links that cannot be used.
    const used = await server.createSession();
    await server.test.app.services.sessions.completeSession(used.session_id, LIVE_EVIDENCE);
    const cancelled = await server.createSession();
    await server.api(`/v1/sessions/${cancelled.session_id}/cancel`, { method: 'POST', body: JSON.stringify({ reason: 'screens' }) });
    const fresh = await server.createSession();
    for (const [name, url] of [['11-error-used', used.url], ['12-error-cancelled', cancelled.url], ['13-error-link-incomplete', fresh.url.split('#')[0]]] as const) {
      page = await browser.context.newPage();
      await page.goto(url);
      await until(page, (x) => x.startsWith('error'), 20_000);
      await shot(page, device, name);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}
await server.close();
console.log(`screens: ${written.length} screenshots in ${OUT}`);
