// The light challenge seen in the context crops: the wider crops the page sends for the CNN come
// from the same camera frames as the face crops, so the face at their centre must answer the
// screen colours as the face crops do. Evidence whose face crops were tinted to follow the colours
// while the rest of the evidence was not (a replay or a generator that only edits the face crops)
// fails here (`light_challenge:context_disagrees`), and so does a capture with too few context
// crops in the scored steps to check it (`light_challenge:context_missing`; the page sends
// frame_count of them, 30 at high risk, spread over the capture).
import jpeg from 'jpeg-js';
import type { CaptureChunk } from '../../workers/codec/index.ts';
import { scoreLightChallenge, type LightChallengeOptions, type LightChallengeResult, type LightChallengeStep } from '../../workers/signal/index.ts';

/**
 * The correlation the context crops' face must reach when the face crops passed. The simulated
 * reflection of the e2e control reached 0.91 in both (docs/CALIBRATION.md); a tint of the face
 * crops alone leaves the context crops near 0.
 */
export const CONTEXT_MIN_CORRELATION = 0.25;
/** Fewest context crops inside the scored steps before the comparison counts. */
export const CONTEXT_MIN_FRAMES = 8;

/** Mean RGB of the central square (the face: the context crop is the face box scaled up) of each context crop. */
export function contextFaceTrace(chunks: readonly Pick<CaptureChunk, 'context'>[], contextScale: number): { times: number[]; rgb: number[] } {
  const times: number[] = [];
  const rgb: number[] = [];
  const items = chunks.flatMap((c) => c.context).sort((a, b) => a.t - b.t);
  for (const item of items) {
    let img: { data: Uint8Array; width: number; height: number };
    try {
      img = jpeg.decode(item.crop, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 1, maxMemoryUsageInMB: 64 });
    } catch {
      continue;
    }
    // The face box spans 1/contextScale of the crop; its central 60 % is skin and features.
    const side = Math.max(2, Math.round((0.6 * img.width) / contextScale));
    const x0 = Math.round((img.width - side) / 2), y0 = Math.round((img.height - side) / 2);
    let r = 0, g = 0, b = 0;
    for (let y = y0; y < y0 + side; y++) {
      for (let x = x0, o = 4 * (y * img.width + x0); x < x0 + side; x++, o += 4) (r += img.data[o]), (g += img.data[o + 1]), (b += img.data[o + 2]);
    }
    const n = side * side;
    times.push(item.t);
    rgb.push(r / n, g / n, b / n);
  }
  return { times, rgb };
}

/** The context crops' own light-challenge score (null: too few to judge). */
export function contextLightChallenge(
  schedule: readonly LightChallengeStep[],
  chunks: readonly Pick<CaptureChunk, 'context'>[],
  contextScale: number,
  options: LightChallengeOptions = {},
): LightChallengeResult | null {
  const trace = contextFaceTrace(chunks, contextScale);
  if (trace.times.length < CONTEXT_MIN_FRAMES) return null;
  const result = scoreLightChallenge(schedule, trace.times, trace.rgb, { ...options, minFrames: CONTEXT_MIN_FRAMES });
  return result.reason === 'too_few_frames' || result.reason === 'schedule_uninformative' ? null : result;
}
