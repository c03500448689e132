/**
 * Failures the signal pipeline survives during a capture, counted by where they happened: a
 * landmark or CNN worker call that rejected, a frame whose processing threw, the YUV copy refused
 * (the canvas path takes over), the camera stream failing, the page's own pulse or light-challenge
 * scoring. Sent in the capture summary (`worker_errors`) and kept in the capture's audit entry.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const WorkerErrorsSchema = z.object({
  landmarks: count,
  cnn: count,
  frame: count,
  frame_convert: count,
  stream: count,
  heart_rate: count,
  light_challenge: count,
});

export type WorkerErrors = z.infer<typeof WorkerErrorsSchema>;
export type WorkerErrorKind = keyof WorkerErrors;

export function emptyWorkerErrors(): WorkerErrors {
  return { landmarks: 0, cnn: 0, frame: 0, frame_convert: 0, stream: 0, heart_rate: 0, light_challenge: 0 };
}

export interface ErrorCounter {
  count(kind: WorkerErrorKind): void;
  snapshot(): WorkerErrors;
}

export function createErrorCounter(): ErrorCounter {
  const counts = emptyWorkerErrors();
  return {
    count(kind) {
      counts[kind]++;
    },
    snapshot() {
      return { ...counts };
    },
  };
}
