// Helpers to watch the verification page the way a person would: its state, its text, its workers.
import { join } from 'node:path';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer, type StartLivegateOptions } from '../helpers/livegate-server.ts';
import { FACES_DIR, pickLiveVideo, toY4m } from '../helpers/y4m.ts';
import type { Page, Worker } from 'playwright-core';

export interface PageView {
  state: string;
  guide: string;
  guidance: string;
  upload: string;
  title: string;
  body: string;
  next: string;
  error: string;
  result: string;
  reason: string;
  /** The page's screen fill light (fill-light.ts). */
  fill: string;
}

export function view(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent ?? '';
    const d = document.body.dataset;
    return {
      state: d.state ?? '',
      guide: d.guide ?? '',
      guidance: text('guidance'),
      upload: text('upload'),
      title: text('result-title'),
      body: text('result-body'),
      next: text('result-next'),
      error: d.error ?? '',
      result: d.result ?? '',
      reason: d.reason ?? '',
      fill: d.fill ?? '',
    };
  });
}

/** Poll until `pred` holds; returns every distinct view seen on the way (a person's timeline). */
export async function waitForView(page: Page, pred: (v: PageView) => boolean, timeoutMs: number): Promise<{ last: PageView; seen: PageView[] }> {
  const seen: PageView[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await view(page);
    const prev = seen[seen.length - 1];
    if (!prev || JSON.stringify(prev) !== JSON.stringify(v)) seen.push(v);
    if (pred(v)) return { last: v, seen };
    if (Date.now() > deadline) throw new Error(`page never reached the expected state; last: ${JSON.stringify(v)}\nseen: ${JSON.stringify(seen.map((s) => `${s.state}/${s.guide}`))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Tracks the page's dedicated workers as Chromium starts and ends them. */
export function trackWorkers(page: Page): { live(): Worker[]; started(): string[] } {
  const live = new Set<Worker>();
  const started: string[] = [];
  page.on('worker', (w) => {
    live.add(w);
    started.push(w.url());
    w.on('close', () => live.delete(w));
  });
  return { live: () => [...live], started: () => started };
}

/**
 * A real server and a Chromium whose fake camera plays the first bona fide face video of the
 * faces set, webcam-like (640x480, the face at 70 % of the height). Close it in afterAll.
 */
export async function startLiveCameraHarness(options: StartLivegateOptions = { config: { evidenceRetentionS: 3600 } }): Promise<{
  server: LivegateServer;
  browser: LaunchedChromium;
  close(): Promise<void>;
}> {
  const server = await startLivegate(options);
  const item = await pickLiveVideo();
  const camera = await toY4m(join(FACES_DIR, item.file), { seconds: 10, frame: { width: 640, height: 480, scale: 0.7 } });
  const browser = await launchChromium({ fakeCamera: camera, origin: server.origin });
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
