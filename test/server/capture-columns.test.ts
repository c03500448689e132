// The attempt's JSON columns are read through the protocol schemas (server/capture/columns.ts):
// well-formed rows give typed inputs, a malformed column is an error that names the attempt, the
// column and the field, never a silent default.
import { describe, expect, it } from 'vitest';
import { attemptInputs, MalformedColumnError } from '../../server/capture/columns.ts';

const plan = {
  duration_ms: 6000, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4,
  frame_count: 10, max_chunk_bytes: 1_048_576, max_total_bytes: 16_777_216, max_frames_per_chunk: 90,
};
const row = {
  id: 'att-1',
  plan,
  light_challenge: { schedule: [{ start_ms: 1000, duration_ms: 600, rgb: [0, 0, 255] }] },
  device_profile: { capture: { width: 1280, height: 720 }, cores: 4 },
  client_summary: { heart_rate_bpm: 71.5, frames: 180 },
};

function failure(fn: () => unknown): MalformedColumnError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MalformedColumnError) return err;
    throw err;
  }
  throw new Error('expected a MalformedColumnError');
}

describe('attemptInputs', () => {
  it('parses every column of a well-formed attempt', () => {
    const inputs = attemptInputs(row);
    expect(inputs.plan).toEqual(plan);
    expect(inputs.lightSchedule).toEqual([{ start_ms: 1000, duration_ms: 600, rgb: [0, 0, 255] }]);
    expect(inputs.frame).toEqual({ width: 1280, height: 720 });
    expect(inputs.clientSummary?.heart_rate_bpm).toBe(71.5);
  });

  it('null columns: no light challenge, no summary, the default frame size', () => {
    const inputs = attemptInputs({ ...row, light_challenge: null, device_profile: null, client_summary: null });
    expect(inputs.lightSchedule).toBeNull();
    expect(inputs.clientSummary).toBeNull();
    expect(inputs.frame).toEqual({ width: 640, height: 480 });
  });

  it('a plan without its frame rate is an error naming the attempt, the column and the field', () => {
    const { fps: _fps, ...broken } = plan;
    const err = failure(() => attemptInputs({ ...row, plan: broken }));
    expect(err.column).toBe('plan');
    expect(err.attemptId).toBe('att-1');
    expect(err.message).toMatch(/^Attempt att-1: the stored plan does not match the capture protocol \(.*fps/);
  });

  it('a frame size that is not a number is an error, not 640x480', () => {
    const err = failure(() => attemptInputs({ ...row, device_profile: { capture: { width: 'wide', height: 480 } } }));
    expect(err.column).toBe('device_profile');
    expect(err.message).toMatch(/capture\.width/);
  });

  it('a light challenge without a schedule and a summary with a text heart rate are errors', () => {
    expect(failure(() => attemptInputs({ ...row, light_challenge: { colors: ['#f00'] } })).column).toBe('light_challenge');
    expect(failure(() => attemptInputs({ ...row, light_challenge: { schedule: [{ start_ms: 0, duration_ms: 500, rgb: [300, 0, 0] }] } })).column).toBe('light_challenge');
    expect(failure(() => attemptInputs({ ...row, client_summary: { heart_rate_bpm: '72' } })).column).toBe('client_summary');
  });
});
