/**
 * Launch Debian's Chromium for browser tests with the flags FINDINGS.md verified, optionally with
 * a fake camera fed from a y4m file. Each launch gets a fresh profile directory, removed on close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const BASE_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Absolute path of a y4m (or mjpeg) file to use as the camera. Omit for no fake camera. */
  fakeCamera?: string;
  /** Answer camera prompts automatically (true) or deny them (false). Default true. */
  grantCamera?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
  headless?: boolean;
  /** Origin to grant the camera permission for (needed when grantCamera is true). */
  origin?: string;
  /** A device to emulate (a phone: small viewport, touch, mobile user agent). Default: 800x900 desktop. */
  device?: { viewport: { width: number; height: number }; isMobile?: boolean; hasTouch?: boolean; userAgent?: string; deviceScaleFactor?: number };
}

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<LaunchedChromium> {
  const dir = await mkdtemp(join(tmpdir(), 'livegate-chromium-'));
  const args = [...BASE_CHROMIUM_ARGS, ...(opts.args ?? [])];
  const grant = opts.grantCamera ?? true;
  if (opts.fakeCamera) {
    args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${opts.fakeCamera}`);
    // The fake UI auto-accepts; leave it out when the test wants a denial.
    if (grant) args.push('--use-fake-ui-for-media-stream');
  }
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: opts.headless ?? true,
    args,
    viewport: { width: 800, height: 900 },
    ...opts.device,
  });
  if (opts.origin) {
    if (grant) await context.grantPermissions(['camera'], { origin: opts.origin });
    else await context.clearPermissions();
  }
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
