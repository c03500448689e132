// Runs one presentation through the real verification page: headless Chromium with the item as
// its fake camera, against a real Livegate server, clicking through retries like a person would.
// Returns what the relying party sees (status, verdict, score, checks) plus the stored attempts.
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../../helpers/chromium.ts';
import type { LivegateServer } from '../../helpers/livegate-server.ts';

export interface PadRunOptions {
  risk_level?: 'standard' | 'high';
  /** Session fields merged into the create request (policy overrides, max_attempts...). */
  session?: Record<string, unknown>;
  /** The API key that creates the session (default: the server's; another tenant's key gives it its own replay fingerprints). */
  apiKey?: string;
  /** Injected before the page's scripts (e.g. a getUserMedia override). */
  initScript?: string;
  /** Per attempt, from the click to the shown result. */
  attemptTimeoutMs?: number;
  /** Retry clicks after the first attempt (default 3). */
  maxRetries?: number;
  /** Also keep the page's console output (debugging). */
  console?: (line: string) => void;
  /**
   * End the run when the page keeps asking the person to move (too far, too close, off centre)
   * for this long before a capture starts, reporting the guidance and the face box seen, so the
   * caller can re-frame the source the way a person would move. Default: wait for the timeout.
   */
  stuckGuidanceMs?: number;
}

/** The page kept asking for a move that the media never made. */
export interface StuckGuidance {
  guide: string;
  /** Normalised [x, y, w, h] face box in the webcam frame. */
  box: number[];
}

const MOVE_GUIDES = new Set(['too_far', 'too_close', 'off_centre']);

export interface PadAttempt {
  number: number;
  status: string;
  reasons: string[];
  processing_ms: number | null;
  timings_ms: Record<string, number> | null;
}

export interface PadRun {
  session_id: string;
  /** completed | failed | in_progress (page never finished) | error */
  status: string;
  verdict: 'live' | 'spoof' | null;
  score: number | null;
  confidence: number | null;
  checks: Record<string, unknown> | null;
  failure_reasons: string[];
  attempts: PadAttempt[];
  /** Click on "start" to the page showing the final result, ms. */
  decision_ms: number;
  /** Server finish -> verdict of the last attempt, ms. */
  processing_ms: number | null;
  page_result: string;
  /** Set when the run ended on stuckGuidanceMs. */
  stuck: StuckGuidance | null;
}

async function waitResult(page: Page, timeoutMs: number, stuckMs?: number): Promise<{ result: string; retry: boolean; reason: string; stuck?: StuckGuidance }> {
  if (stuckMs) {
    // Poll: the result, or guidance asking for the same move without a break for stuckMs.
    const until = Date.now() + timeoutMs;
    let since = 0, guide = '';
    for (;;) {
      const s = await page.evaluate(() => ({ state: document.body.dataset.state ?? '', guide: document.body.dataset.guide ?? '', box: document.body.dataset.faceBox ?? '' }));
      if (s.state === 'result' || s.state === 'error') break;
      if (s.state === 'guidance' && MOVE_GUIDES.has(s.guide) && s.box) {
        if (s.guide !== guide) (guide = s.guide), (since = Date.now());
        if (Date.now() - since >= stuckMs) return { result: `guidance:${s.guide}`, retry: false, reason: '', stuck: { guide: s.guide, box: s.box.split(',').map(Number) } };
      } else guide = '';
      if (Date.now() > until) throw new Error(`no result within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await page.waitForFunction(() => document.body.dataset.state === 'result' || document.body.dataset.state === 'error', null, { timeout: timeoutMs, polling: 200 });
  return page.evaluate(() => ({
    result: document.body.dataset.result ?? document.body.dataset.error ?? document.body.dataset.state ?? '',
    retry: !(document.getElementById('result-action') as HTMLButtonElement).hidden && document.body.dataset.result === 'retry',
    reason: document.body.dataset.reason ?? '',
  }));
}

/** One session through one page of `browser`, whose fake camera plays the presentation. */
export async function runPresentation(server: LivegateServer, browser: LaunchedChromium, opts: PadRunOptions = {}): Promise<PadRun> {
  const created = await server.createSession({ risk_level: opts.risk_level ?? 'standard', ...opts.session }, opts.apiKey);
  const page = await browser.context.newPage();
  if (opts.console) {
    const log = opts.console;
    page.on('console', (m) => log(`[page:${m.type()}] ${m.text().slice(0, 300)}`));
    page.on('pageerror', (e) => log(`[pageerror] ${e.message}`));
  }
  if (opts.initScript) await page.addInitScript(opts.initScript);
  const started = Date.now();
  let pageResult = '';
  let stuck: StuckGuidance | null = null;
  try {
    await page.goto(created.url);
    await page.click('#start', { timeout: 30_000 });
    // The page's own guidance gate can ask for a retry without using a server attempt: bound the
    // clicks so a face the page never accepts ends the run instead of looping.
    for (let clicks = 0; ; clicks++) {
      const r = await waitResult(page, opts.attemptTimeoutMs ?? 120_000, opts.stuckGuidanceMs);
      pageResult = r.result + (r.reason ? `(${r.reason})` : '');
      if (r.stuck) {
        stuck = r.stuck;
        break;
      }
      if (!r.retry || clicks >= (opts.maxRetries ?? 3)) break;
      await page.click('#result-action');
      await page.waitForFunction(() => document.body.dataset.state !== 'result', null, { timeout: 30_000, polling: 100 });
    }
  } catch (err) {
    const where = await page
      .evaluate(() => `${document.body.dataset.state ?? ''}/${document.body.dataset.guide ?? ''}: ${document.getElementById('guidance')?.textContent ?? ''}`)
      .catch(() => '?');
    pageResult = `error:${(err as Error).message.split('\n')[0]} (page at ${where})`;
  } finally {
    await page.close().catch(() => {});
  }
  const decision = Date.now() - started;
  const session = await server.test.store.getSession(created.session_id);
  const attempts = await server.test.store.listAttempts(created.session_id);
  const rows: PadAttempt[] = attempts.map((a) => {
    const result = (a.result ?? {}) as { reasons?: string[]; processing_ms?: number; timings_ms?: Record<string, number> };
    return { number: a.number, status: a.status, reasons: result.reasons ?? [], processing_ms: result.processing_ms ?? null, timings_ms: result.timings_ms ?? null };
  });
  const last = [...attempts].sort((a, b) => a.number - b.number).at(-1);
  const lastResult = (last?.result ?? {}) as { score?: number; confidence?: number; checks?: Record<string, unknown>; processing_ms?: number };
  return {
    session_id: created.session_id,
    status: pageResult.startsWith('error:') && session?.status === 'in_progress' ? 'error' : String(session?.status ?? 'error'),
    verdict: session?.verdict ?? null,
    score: session?.verdict ? (lastResult.score ?? null) : null,
    confidence: session?.verdict ? (lastResult.confidence ?? null) : null,
    checks: lastResult.checks ?? null,
    failure_reasons: session?.failure_reasons ?? [],
    attempts: rows,
    decision_ms: decision,
    processing_ms: lastResult.processing_ms ?? null,
    page_result: pageResult,
    stuck,
  };
}

/** Launch a browser whose camera plays `y4m`, run one presentation, close the browser. */
export async function runWithCamera(server: LivegateServer, y4m: string, opts: PadRunOptions = {}): Promise<PadRun> {
  const browser = await launchChromium({ fakeCamera: y4m, origin: server.origin });
  try {
    return await runPresentation(server, browser, opts);
  } finally {
    await browser.close();
  }
}
