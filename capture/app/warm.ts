/**
 * Workers and models started while the person reads the action: the first capture takes this
 * pipeline instead of loading everything after the click. Started once per page, for a camera at
 * the usual 30 fps; a camera at another rate gets a fresh pipeline (the signal worker counts
 * dropped frames against the camera's rate).
 */
import type { Pipeline } from './pipeline.ts';

export const WARM_FPS = 30;

export interface WarmPipeline {
  /** Start loading (once). */
  start(make: (cameraFps: number) => Promise<Pipeline>): void;
  /** The warm pipeline when it fits this camera; null otherwise (the caller makes its own). */
  take(cameraFps: number): Promise<Pipeline | null>;
  /** Terminate an untaken warm pipeline (the page ends without a capture). */
  discard(): void;
}

export function createWarmPipeline(): WarmPipeline {
  let pending: Promise<Pipeline | null> | null = null;
  let started = false;
  return {
    start(make) {
      if (started) return;
      started = true;
      pending = make(WARM_FPS).catch(() => null);
    },
    async take(cameraFps) {
      const p = pending;
      pending = null;
      const pipeline = p ? await p : null;
      if (pipeline && Math.abs(cameraFps - WARM_FPS) > 1) {
        void pipeline.terminate();
        return null;
      }
      return pipeline;
    },
    discard() {
      const p = pending;
      pending = null;
      void p?.then((pipeline) => pipeline?.terminate());
    },
  };
}
