/**
 * Failures the signal pipeline survives during a capture, counted by where they happened: a
 * landmark or CNN worker call that rejected, a frame whose processing threw, the YUV copy refused
 * (the canvas path takes over), the camera stream failing, the page's own pulse or light-challenge
 * scoring. Sent in the capture summary (`worker_errors`) and kept in the capture's audit entry.
 */
import type { WorkerErrors } from '../protocol/index.ts';

// The counters' wire shape is the protocol's (workers/protocol/client-summary.ts).
export type { WorkerErrors };
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
