// A tenant's branding on the real page: its name and logo above the action, its accent colour on
// the buttons (with readable text), "Return to <name>" on the ending; dark mode from the browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { expectAccessible } from './axe.ts';
import { waitForView } from './page-driver.ts';

// A 1x1 PNG, inline: the page's CSP loads no third-party images.
const LOGO = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let server: LivegateServer;
let browser: LaunchedChromium;

beforeAll(async () => {
  server = await startLivegate();
  browser = await launchChromium({ origin: server.origin });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function brandedSession(branding: Record<string, unknown>) {
  const res = await server.api('/v1/policies', {
    method: 'POST',
    body: JSON.stringify({ name: `brand-${Date.now()}`, config: { risk_level: 'high', failure_redirect_url: 'https://bank.example/back', branding } }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { policy_id } = (await res.json()) as { policy_id: string };
  return server.createSession({ policy: policy_id });
}

describe('branding', () => {
  it('shows the name, the logo and the accent colour, and returns to the tenant by name', async () => {
    const s = await brandedSession({ name: 'Acme Bank', logo_url: LOGO, accent_color: '#fde047' });
    const page = await browser.context.newPage();
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    expect(await page.textContent('#brand-name')).toBe('Acme Bank');
    const logo = await page.$eval('#brand-logo', (img) => ({ src: (img as HTMLImageElement).src, alt: (img as HTMLImageElement).alt, hidden: (img as HTMLImageElement).hidden, loaded: (img as HTMLImageElement).naturalWidth }));
    expect(logo).toMatchObject({ src: LOGO, alt: 'Acme Bank logo', hidden: false, loaded: 1 });
    // A light accent gets dark text so the button stays readable.
    const start = await page.$eval('#start', (b) => ({ bg: getComputedStyle(b).backgroundColor, fg: getComputedStyle(b).color }));
    expect(start).toEqual({ bg: 'rgb(253, 224, 71)', fg: 'rgb(17, 17, 17)' });
    await expectAccessible(page, 'branded start');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(255, 255, 255)');
    await expectAccessible(page, 'branded start (dark)');
    await page.click('#flash-decline');
    await waitForView(page, (v) => v.state === 'result', 10_000);
    // The host is always named: the tenant's name alone must not vouch for a session's redirect URL.
    expect(await page.textContent('#result-return')).toBe('Return to Acme Bank (bank.example)');
    expect(new URL(await page.getAttribute('#result-return', 'href') ?? '').searchParams.get('livegate_outcome')).toBe('declined');
    await expectAccessible(page, 'branded ending (dark)');
    await page.close();
  }, 60_000);

  it('a logo on another origin is not loaded (no third-party requests); the name still shows', async () => {
    const s = await brandedSession({ name: 'Acme Bank', logo_url: 'https://cdn.example/logo.png', accent_color: '#1e3a8a' });
    const page = await browser.context.newPage();
    const thirdParty: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.origin) && !r.url().startsWith('data:')) thirdParty.push(r.url());
    });
    await page.goto(s.url);
    await waitForView(page, (v) => v.state === 'intro', 20_000);
    expect(await page.textContent('#brand-name')).toBe('Acme Bank');
    expect(await page.isVisible('#brand-logo')).toBe(false);
    expect(await page.$eval('#start', (b) => getComputedStyle(b).color)).toBe('rgb(255, 255, 255)');
    expect(thirdParty).toEqual([]);
    await page.close();
  }, 60_000);
});
