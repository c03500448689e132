// Open → verdict and click → verdict with the real page in headless Chromium (CPU only), the
// fake camera playing each genuine recording of ../shared/data/faces, and the real server (page,
// capture API, analysis). Each run: open the link, read the action for BENCH_READ_MS (default
// 3000, a person reading), click "Start camera", wait for the ending. Reports median and p90 per
// measure over every run, against the issue's target (click → verdict ≤ 8 s median, standard
// risk). Writes the "Page speed" section of docs/BENCHMARKS.md.
// Usage: npm run bench:page (also run by npm run bench:browser); BENCH_RUNS=3 per recording,
// BENCH_NO_WRITE=1 to only print.
import { launchChromium } from '../helpers/chromium.ts';
import { startLivegate } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest } from '../helpers/y4m.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { machineLine, median, percentile, writeBenchSection } from './lib/report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const READ_MS = Number(process.env.BENCH_READ_MS ?? 3000);
const TARGET_CLICK_MS = 8000;

interface RunTimes {
  item: string;
  result: string;
  open_to_intro: number;
  click_to_capture: number;
  click_to_verdict: number;
  open_to_verdict: number;
}

const server = await startLivegate();
const items = (await readFacesManifest()).filter((i) => i.label === 'bona_fide' && i.media === 'video');
const runs: RunTimes[] = [];
let warmedUp = false;
for (const item of items) {
  const browser = await launchChromium({ fakeCamera: await cameraMediaFor(FACES_DIR, item), origin: server.origin });
  try {
    // One discarded run first: the server's analysis workers load their models on first use.
    for (let i = warmedUp ? 0 : -1; i < RUNS; i++) {
      // A tenant per run: the same recording played again would otherwise be refused as
      // replayed evidence (the fake camera repeats the file's frames byte for byte).
      const s = await server.createSession({}, await server.test.keyWith([], `bench-${item.id}-${i}`));
      const page = await browser.context.newPage();
      const state = () => page.evaluate(() => `${document.body.dataset.state ?? ''}/${document.body.dataset.result ?? ''}`);
      const until = async (pred: (s: string) => boolean, timeoutMs: number) => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const s = await state();
          if (pred(s)) return s;
          if (Date.now() > end) throw new Error(`timed out at ${s}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const opened = Date.now();
      await page.goto(s.url);
      await until((x) => x.startsWith('intro') || x.startsWith('error'), 30_000);
      const intro = Date.now();
      await new Promise((r) => setTimeout(r, READ_MS));
      const clicked = Date.now();
      await page.click('#start');
      await until((x) => x.startsWith('capturing') || x.startsWith('result') || x.startsWith('error'), 120_000);
      const capturing = Date.now();
      const end = await until((x) => x.startsWith('result') || x.startsWith('error'), 120_000);
      const done = Date.now();
      await page.close();
      if (i < 0) {
        warmedUp = true;
        continue;
      }
      const r = { item: item.id, result: end, open_to_intro: intro - opened, click_to_capture: capturing - clicked, click_to_verdict: done - clicked, open_to_verdict: done - opened };
      runs.push(r);
      console.log(JSON.stringify(r));
    }
  } finally {
    await browser.close();
  }
}
await server.close();

const row = (name: string, key: keyof Omit<RunTimes, 'item' | 'result'>) => {
  const v = runs.map((r) => r[key]);
  return `| ${name} | ${(median(v) / 1000).toFixed(1)} s | ${(percentile(v, 90) / 1000).toFixed(1)} s |`;
};
const results = new Map<string, number>();
for (const r of runs) results.set(r.result, (results.get(r.result) ?? 0) + 1);
const clickMedian = median(runs.map((r) => r.click_to_verdict));
const body = `Measured by \`npm run bench:page\` (test/bench/page-speed.bench.ts): the real page in headless Chromium (software rendering, CPU only), the fake camera playing each genuine recording (${items.map((i) => i.id).join(', ')}), ${RUNS} runs each after one discarded warm-up, standard risk (6 s capture). Each run opens the link, reads the action for ${READ_MS / 1000} s, clicks "Start camera" and waits for the ending; the analysis runs on the same machine. ${machineLine()}.

| measure | median | p90 |
|---|---|---|
${row('open link → action shown', 'open_to_intro')}
${row('click → capture starts (camera, models, steady face)', 'click_to_capture')}
${row('click → verdict', 'click_to_verdict')}
${row(`open link → verdict (with ${READ_MS / 1000} s reading)`, 'open_to_verdict')}

Target: click → verdict ≤ ${TARGET_CLICK_MS / 1000} s median for standard risk: ${clickMedian <= TARGET_CLICK_MS ? 'met' : 'not met'} (${(clickMedian / 1000).toFixed(1)} s). The floor is the capture itself (6 s) plus the 1 s of steady face before it starts. Endings: ${[...results].map(([k, n]) => `${k} ×${n}`).join(', ')}.`;
console.log(body);
if (!process.env.BENCH_NO_WRITE) writeBenchSection('Page speed', body);
