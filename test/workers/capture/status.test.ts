import { describe, expect, it } from 'vitest';
import { createCadence } from '../../../workers/capture/cadence.ts';
import { createFaceTrack } from '../../../workers/capture/face-track.ts';
import { pipelineStatus } from '../../../workers/capture/status.ts';
import { loadAstronaut } from '../face/fixture.ts';

describe('pipeline status', () => {
  const fx = loadAstronaut();
  const roi = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);

  it('reports the face, the rates and the recording progress', () => {
    const track = createFaceTrack();
    track.apply(fx.landmarks, 1000, fx.width, fx.height);
    const cadence = createCadence(30, 10);
    for (let i = 0; i < 30; i++) cadence.frame(1000 + i * 33.3, 1000 + i * 33.3);
    const s = pipelineStatus({ at: 2000, w: fx.width, h: fx.height, face: true, brightness: 90, roi }, track, cadence, { startEpochMs: 1500, frames: 12, chunks: 0 }, false);
    expect(s).toMatchObject({ at: 2000, face: true, brightness: 90, roi: Array.from(roi), landmark_target_hz: 10, dropped: 0, recording: { t: 500, frames: 12, chunks: 0 } });
    expect(s.box).toEqual(Array.from(track.box));
    expect(s.fps).toBeCloseTo(30, 0);
    expect(s).not.toHaveProperty('points');
  });

  it('hides face data without a fresh face, and adds points and polygons for the lab', () => {
    const track = createFaceTrack();
    track.apply(fx.landmarks, 1000, fx.width, fx.height);
    const cadence = createCadence(30, 10);
    const none = pipelineStatus({ at: 5000, w: fx.width, h: fx.height, face: false, brightness: 20, roi }, track, cadence, null, true);
    expect(none).toMatchObject({ face: false, box: null, roi: null, recording: null, points: null, rois_px: [] });
    const lab = pipelineStatus({ at: 1000, w: fx.width, h: fx.height, face: true, brightness: 20, roi }, track, cadence, null, true);
    expect(lab.points).toHaveLength(fx.landmarks.length);
    expect(lab.rois_px).toHaveLength(3);
  });
});
