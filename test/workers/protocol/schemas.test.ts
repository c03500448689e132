// The capture protocol's schemas (workers/protocol): what they accept, what they refuse, and that
// an answer serialised through them keeps the wire's key order.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  BootstrapSchema, CapturePlanSchema, ClientSummarySchema, DEFAULT_CAPTURE_SIZE, DeviceProfileInputSchema, DeviceProfileSchema, FinishAnswerSchema, FinishBodySchema,
  LightChallengeColumnSchema, LightChallengeStepSchema, LightRevealSchema, SESSION_STATUSES, SessionStatusSchema, StartAnswerSchema, StartBodySchema,
  TERMINAL_SESSION_STATUSES, captureFrameSize, type DeviceProfile,
} from '../../../workers/protocol/index.ts';

const plan = {
  duration_ms: 6000, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4,
  frame_count: 10, max_chunk_bytes: 1_048_576, max_total_bytes: 16_777_216, max_frames_per_chunk: 90,
};

const profile: DeviceProfile = {
  user_agent: 'Mozilla/5.0', cores: 8, device_memory_gb: null,
  webgpu: { adapter: false }, webgl2: true, wasm_simd: true, wasm_threads: false, cross_origin_isolated: false,
  camera: { label: 'FaceTime HD', width: 640, height: 480, frame_rate: 30, virtual_hints: [] },
  landmarks: { delegate: 'CPU', cadence: 15, first_frame_ms: 400, median_ms: 33 },
  cnn: { execution_provider: 'wasm', threads: 1, median_ms: 7 },
  capture: { width: 640, height: 480 },
};

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('session statuses', () => {
  it('names six states, four of them terminal', () => {
    expect(SESSION_STATUSES).toEqual(['pending', 'in_progress', 'completed', 'failed', 'expired', 'cancelled']);
    expect(TERMINAL_SESSION_STATUSES.every((s) => SessionStatusSchema.safeParse(s).success)).toBe(true);
    expect(SessionStatusSchema.safeParse('done').success).toBe(false);
  });
});

describe('capture plan', () => {
  it('accepts the plan the server hands out, with or without identity crops', () => {
    expect(CapturePlanSchema.parse(plan)).toEqual(plan);
    const identity = { ...plan, identity_crops: 8, identity_crop_size: 192, identity_crop_scale: 1.6 };
    expect(CapturePlanSchema.parse(identity)).toEqual(identity);
  });
  it('refuses a missing field, a wrong type and a non-positive size', () => {
    const { fps: _fps, ...noFps } = plan;
    expect(issuesOf(CapturePlanSchema, noFps)).toEqual(['fps']);
    expect(issuesOf(CapturePlanSchema, { ...plan, duration_ms: '6000' })).toEqual(['duration_ms']);
    expect(issuesOf(CapturePlanSchema, { ...plan, face_crop_size: 0 })).toEqual(['face_crop_size']);
  });
});

describe('light challenge', () => {
  it('a step has a start, a duration and an 8-bit RGB triple', () => {
    expect(LightChallengeStepSchema.parse({ start_ms: 1000, duration_ms: 640, rgb: [255, 0, 0] })).toEqual({ start_ms: 1000, duration_ms: 640, rgb: [255, 0, 0] });
    expect(issuesOf(LightChallengeStepSchema, { start_ms: 1000, duration_ms: 640, rgb: [255, 0] })).toEqual(['rgb']);
    expect(issuesOf(LightChallengeStepSchema, { start_ms: 1000, duration_ms: 640, rgb: [256, 0, 0] })).toEqual(['rgb.0']);
    expect(issuesOf(LightChallengeStepSchema, { start_ms: 1000, duration_ms: 0, rgb: [0, 0, 0] })).toEqual(['duration_ms']);
  });
  it('the attempt column holds the schedule', () => {
    expect(LightChallengeColumnSchema.parse({ schedule: [] })).toEqual({ schedule: [] });
    expect(issuesOf(LightChallengeColumnSchema, { colors: ['#f00'] })).toEqual(['schedule']);
  });
  it('a reveal lists numbered steps and when to ask again', () => {
    const reveal = { steps: [{ step: 0, start_ms: 1000, duration_ms: 640, rgb: [255, 0, 0] }], next_reveal_in_ms: 410 };
    expect(LightRevealSchema.parse(reveal)).toEqual(reveal);
    expect(issuesOf(LightRevealSchema, { ...reveal, next_reveal_in_ms: 1.5 })).toEqual(['next_reveal_in_ms']);
  });
});

describe('device profile', () => {
  it('the page sends every field; unknown ones are kept', () => {
    expect(DeviceProfileSchema.parse({ ...profile, extra: 1 })).toEqual({ ...profile, extra: 1 });
    expect(issuesOf(DeviceProfileSchema, { ...profile, capture: undefined })).toEqual(['capture']);
  });
  it('start accepts any subset, each field typed when present', () => {
    expect(StartBodySchema.parse({})).toEqual({ device_profile: {} });
    expect(StartBodySchema.parse({ device_profile: { cores: 2, ua: 'x' } })).toEqual({ device_profile: { cores: 2, ua: 'x' } });
    expect(issuesOf(StartBodySchema, { device_profile: { capture: { width: 'wide', height: 480 } } })).toEqual(['device_profile.capture.width']);
    expect(issuesOf(StartBodySchema, { device_profile: { capture: { width: -1, height: 480 } } })).toEqual(['device_profile.capture.width']);
    expect(issuesOf(StartBodySchema, { device_profile: 'phone' })).toEqual(['device_profile']);
  });
  it('the frame size is the reported one, or the default where the browser reported none', () => {
    expect(captureFrameSize(DeviceProfileInputSchema.parse({ capture: { width: 1280, height: 720 } }))).toEqual({ width: 1280, height: 720 });
    expect(captureFrameSize(DeviceProfileInputSchema.parse({ capture: { width: 0, height: 0 } }))).toEqual(DEFAULT_CAPTURE_SIZE);
    expect(captureFrameSize(DeviceProfileInputSchema.parse({}))).toEqual(DEFAULT_CAPTURE_SIZE);
    expect(captureFrameSize(null)).toEqual(DEFAULT_CAPTURE_SIZE);
  });
});

describe('finish', () => {
  const summary = {
    frames: 180, face_frames: 178, landmark_frames: 90, dropped_frames: 0, fps: 30, landmark_hz: 15, bytes: 400_000,
    heart_rate_bpm: 72, snr_db: 4.1, pulse_confident: true, light_challenge: null, cnn_real: 0.91, cnn_scores: [{ t: 300, real: 0.9 }],
    landmarks: { delegate: 'CPU', median_ms: 33 }, timings: { draw_ms: 1, roi_ms: 1, crop_ms: 2, landmarks_ms: 33, cnn_ms: 7, frame_ms: 5 },
  };
  it('accepts the summary the page sends, an empty one, and nulls where JSON has no number', () => {
    const id = crypto.randomUUID();
    expect(FinishBodySchema.parse({ attempt_id: id, chunk_count: 6, client_summary: summary }).client_summary).toEqual(summary);
    expect(FinishBodySchema.parse({ attempt_id: id, chunk_count: 6 })).toEqual({ attempt_id: id, chunk_count: 6 });
    expect(ClientSummarySchema.parse({ heart_rate_bpm: null, fps: null, note: 'kept' })).toEqual({ heart_rate_bpm: null, fps: null, note: 'kept' });
  });
  it('worker error counters: kept when well formed, dropped (not refused) when not', () => {
    const counters = { landmarks: 2, cnn: 1, frame: 0, frame_convert: 1, stream: 0, heart_rate: 0, light_challenge: 0 };
    expect(ClientSummarySchema.parse({ worker_errors: counters }).worker_errors).toEqual(counters);
    expect(ClientSummarySchema.parse({ worker_errors: { ...counters, cnn: -1 } }).worker_errors).toBeUndefined();
    expect(JSON.stringify(ClientSummarySchema.parse({ frames: 3, worker_errors: 'many' }))).toBe('{"frames":3}');
  });
  it('refuses a mistyped summary field, a bad attempt id and an impossible chunk count', () => {
    const id = crypto.randomUUID();
    expect(issuesOf(FinishBodySchema, { attempt_id: id, chunk_count: 6, client_summary: { heart_rate_bpm: '72' } })).toEqual(['client_summary.heart_rate_bpm']);
    expect(issuesOf(FinishBodySchema, { attempt_id: 'a1', chunk_count: 6 })).toEqual(['attempt_id']);
    expect(issuesOf(FinishBodySchema, { attempt_id: id, chunk_count: 0 })).toEqual(['chunk_count']);
    expect(issuesOf(FinishBodySchema, { attempt_id: id, chunk_count: 10_001 })).toEqual(['chunk_count']);
  });
  it('the answer carries a status, a verdict or null, and a coarse hint', () => {
    const answer = { status: 'in_progress', verdict: null, attempts_left: 2, failure_reasons: ['quality:too_dark'], retry: true, retry_hint: 'light' };
    expect(FinishAnswerSchema.parse(answer)).toEqual(answer);
    expect(issuesOf(FinishAnswerSchema, { ...answer, retry_hint: 'pulse' })).toEqual(['retry_hint']);
    expect(issuesOf(FinishAnswerSchema, { ...answer, verdict: 'maybe' })).toEqual(['verdict']);
  });
});

describe('answers keep the wire order', () => {
  it('start: keys in the order the server writes them, nothing added or dropped', () => {
    const answer = { attempt_id: 'a', attempt_number: 1, max_attempts: 3, nonce: 'n', plan, light_challenge: { mode: 'just_in_time', steps: 9, reveal_lead_ms: 250 } };
    const shuffled = Object.fromEntries(Object.entries(answer).reverse());
    expect(JSON.stringify(z.encode(StartAnswerSchema, shuffled as never))).toBe(JSON.stringify(answer));
    expect(issuesOf(StartAnswerSchema, { ...answer, light_challenge: { mode: 'upfront', steps: 9, reveal_lead_ms: 250 } })).toEqual(['light_challenge.mode']);
  });
  it('bootstrap: identity is optional, branding nullable, status one of the six', () => {
    const bootstrap = {
      session_id: 's', status: 'pending', action_description: 'Approve: pay', action_details: null, risk_level: 'standard', expires_at: '2026-01-01T00:00:00.000Z',
      attempts_used: 0, max_attempts: 3, verdict: null, success_redirect_url: null, failure_redirect_url: null, light_challenge: false, branding: null,
    };
    expect(JSON.stringify(z.encode(BootstrapSchema, bootstrap as never))).toBe(JSON.stringify(bootstrap));
    expect(issuesOf(BootstrapSchema, { ...bootstrap, status: 'open' })).toEqual(['status']);
    expect(issuesOf(BootstrapSchema, { ...bootstrap, branding: { accent_color: 'blue' } })).toEqual(['branding.accent_color']);
  });
});
