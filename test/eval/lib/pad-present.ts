// Presents one item to the real page the way a person (or an attacker) in front of a camera would,
// for eval:pad and eval:pad:robust alike:
// - when the page keeps asking to move closer, back or to the centre, the source is re-framed as a
//   person moving would (pad-media.ts reframeWindow), at most MAX_REFRAMES times;
// - when the page never finds a face at all (a phone held up at arm's length, a seated person far
//   back), the face is found in the source (BlazeFace, find-face.ts) and brought closer once, so an
//   attack is judged by the checks rather than stopped by the page's framing alone;
// - when the page fails before any decision about the face (models not loaded on a loaded
//   machine, a page error), the person reloads, at most MAX_RELOADS times.
import type { LivegateServer } from '../../helpers/livegate-server.ts';
import { NO_FACE, noFaceWindow } from './find-face.ts';
import { MODELS_DIR } from './pad-analyse.ts';
import { cameraMedia, reframeWindow, type CameraMediaOptions, type MediaItem, type SourceWindow } from './pad-media.ts';
import { runWithCamera, type PadRun, type PadRunOptions } from './pad-run.ts';

/** Moves per item (a person moves once or twice, not forever). */
export const MAX_REFRAMES = 2;
/** Page failures that are not a decision about the face, and how often a person reloads. */
const PAGE_FAILURE = /^(models_failed|camera_|error)/;
const MAX_RELOADS = 2;
/** How long the page may keep asking for the same move before the person makes it. */
const STUCK_GUIDANCE_MS = 6000;

export interface Reframe {
  /** What the page asked for (`too_far`, `too_close`, `off_centre`...), or `no_face`: the attacker's move. */
  guide: string;
  window: SourceWindow;
}

export interface PresentOptions {
  /** How each page run goes (risk level, injected script, console); the guidance timeout is set here. */
  run?: Omit<PadRunOptions, 'stuckGuidanceMs'>;
  /** How the source becomes camera media (a perturbation); a move adds its window to it. */
  media?: CameraMediaOptions;
  /** false: the source plays as it is, whatever the page asks (eval:pad --no-reframe). */
  reframe?: boolean;
  log?: (line: string) => void;
}

export interface Presented {
  /** The last page run: the one that counts. */
  run: PadRun;
  reframes: Reframe[];
  reloads: number;
}

export async function presentItem(server: LivegateServer, dir: string, item: MediaItem, opts: PresentOptions = {}): Promise<Presented> {
  const log = opts.log ?? (() => {});
  const reframes: Reframe[] = [];
  let media = await cameraMedia(dir, item, opts.media);
  let reloads = 0;
  for (;;) {
    const canMove = opts.reframe !== false && reframes.length < MAX_REFRAMES;
    const run = await runWithCamera(server, media.path, { ...opts.run, stuckGuidanceMs: canMove ? STUCK_GUIDANCE_MS : undefined });
    const noCapture = !run.stuck && run.attempts.length === 0;
    if (noCapture && PAGE_FAILURE.test(run.page_result) && reloads < MAX_RELOADS) {
      reloads++;
      log(`  page failed (${run.page_result}): reload ${reloads}`);
      continue;
    }
    if (noCapture && canMove && NO_FACE.test(run.page_result) && !reframes.some((r) => r.guide === 'no_face')) {
      const move = await noFaceWindow(MODELS_DIR, dir, item, media);
      if (move) {
        reframes.push({ guide: 'no_face', window: move.window });
        log(`  page found no face; brought the source's face closer (BlazeFace ${move.found.score.toFixed(2)} at ${move.found.at_s.toFixed(1)} s): ${JSON.stringify(move.window)}`);
        media = await cameraMedia(dir, item, { ...opts.media, window: move.window });
        continue;
      }
    }
    const window = run.stuck ? reframeWindow(media, run.stuck.box) : null;
    if (!run.stuck || !window) return { run, reframes, reloads };
    reframes.push({ guide: run.stuck.guide, window });
    log(`  page says ${run.stuck.guide} (face box ${run.stuck.box.join(',')}): re-framed to ${JSON.stringify(window)}`);
    media = await cameraMedia(dir, item, { ...opts.media, window });
  }
}
