/**
 * Frame-rate, drop and landmark-cadence control. The landmark worker runs at the rate the device
 * sustains: it gets a frame only when idle and due, backs off when camera frames drop and creeps
 * back up after calm seconds. Pure: times in, decisions out.
 */

/** A gap longer than this many frame intervals means frames were dropped. */
export const DROP_GAP_FACTOR = 1.5;
/** The frame rate and the landmark rate are measured over this trailing window. */
export const RATE_WINDOW_MS = 2000;
/** The landmark cadence is adapted once per window of this length. */
export const CADENCE_WINDOW_MS = 1000;
/** Cadence multiplier after a window with drops. */
export const CADENCE_BACKOFF = 0.75;
/** Cadence multiplier after enough calm windows. */
export const CADENCE_CREEP = 1.15;
/** Windows without drops before the cadence creeps up. */
export const CALM_WINDOWS_BEFORE_CREEP = 3;
/** The cadence never backs off below this rate (detections per second). */
export const MIN_LANDMARK_HZ = 2;

export interface Cadence {
  /**
   * A frame arrived at epoch ms `at`, stamped `cameraMs` by the camera (its arrival time when
   * the source has no timestamp). Returns the frames missed just before it.
   */
  frame(cameraMs: number, at: number): number;
  /** Epoch ms of a frame: camera timestamps (steadier than arrivals) anchored to the first arrival. */
  frameTime(cameraMs: number | null, at: number): number;
  /** Claims the landmark worker for the frame at `at` when it is idle and a detection is due. */
  claimLandmarks(at: number): boolean;
  /** The claimed detection settled (result or error): the landmark worker is idle again. */
  releaseLandmarks(): void;
  /** A detection finished at epoch ms `at` (for the landmark rate). */
  landmarksDone(at: number): void;
  /** Frames missed since the pipeline started. */
  readonly dropped: number;
  /** Landmark detections per second asked for now. */
  targetHz: number;
  /** Frames per second over the trailing window; 0 before two frames. */
  fps(): number;
  /** Detections per second over the trailing window. */
  landmarkHz(): number;
}

export function createCadence(cameraFps: number, landmarkHz: number): Cadence {
  let lastCameraMs = -1;
  let firstCameraMs = -1;
  let firstEpoch = 0;
  let dropped = 0;
  let droppedInWindow = 0;
  let windowStart = 0;
  let calmWindows = 0;
  let busy = false;
  let lastDispatch = -Infinity;
  const arrivals: number[] = [];
  const detections: number[] = [];

  const adapt = (at: number): void => {
    if (at - windowStart < CADENCE_WINDOW_MS) return;
    if (droppedInWindow > 0) {
      cadence.targetHz = Math.max(MIN_LANDMARK_HZ, cadence.targetHz * CADENCE_BACKOFF);
      calmWindows = 0;
    } else if (++calmWindows >= CALM_WINDOWS_BEFORE_CREEP) {
      cadence.targetHz = Math.min(cameraFps, cadence.targetHz * CADENCE_CREEP);
      calmWindows = 0;
    }
    droppedInWindow = 0;
    windowStart = at;
  };

  const cadence: Cadence = {
    targetHz: landmarkHz,
    get dropped() {
      return dropped;
    },
    frame(cameraMs, at) {
      if (firstCameraMs < 0) {
        firstCameraMs = cameraMs;
        firstEpoch = at;
        windowStart = at;
      }
      let missed = 0;
      if (lastCameraMs >= 0) {
        const expected = 1000 / cameraFps;
        const gap = cameraMs - lastCameraMs;
        if (gap > expected * DROP_GAP_FACTOR) missed = Math.round(gap / expected) - 1;
      }
      dropped += missed;
      droppedInWindow += missed;
      lastCameraMs = cameraMs;
      arrivals.push(at);
      while (arrivals.length && arrivals[0] < at - RATE_WINDOW_MS) arrivals.shift();
      while (detections.length && detections[0] < at - RATE_WINDOW_MS) detections.shift();
      adapt(at);
      return missed;
    },
    frameTime(cameraMs, at) {
      return cameraMs !== null && firstCameraMs >= 0 ? firstEpoch + (cameraMs - firstCameraMs) : at;
    },
    claimLandmarks(at) {
      if (busy || at - lastDispatch < 1000 / cadence.targetHz) return false;
      busy = true;
      lastDispatch = at;
      return true;
    },
    releaseLandmarks() {
      busy = false;
    },
    landmarksDone(at) {
      detections.push(at);
    },
    fps() {
      if (arrivals.length < 2) return 0;
      return ((arrivals.length - 1) * 1000) / (arrivals[arrivals.length - 1] - arrivals[0]);
    },
    landmarkHz() {
      return detections.length / (RATE_WINDOW_MS / 1000);
    },
  };
  return cadence;
}
