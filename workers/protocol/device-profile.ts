// The device profile the page sends at start (hardware probe and measured stage timings). The
// server keeps it on the attempt for the audit trail; only `capture` feeds the analysis.
import { z } from 'zod';
import { DEFAULT_CAPTURE_SIZE } from './limits.ts';

const ms = z.number().min(0);

/** The camera frame size the pipeline worked on; 0 when the browser did not say. */
export const CaptureSizeSchema = z.looseObject({ width: z.number().min(0).max(100_000), height: z.number().min(0).max(100_000) });
export type CaptureSize = z.infer<typeof CaptureSizeSchema>;

export const DeviceProfileSchema = z.looseObject({
  user_agent: z.string(),
  cores: z.number().nullable(),
  device_memory_gb: z.number().nullable(),
  webgpu: z.looseObject({ adapter: z.boolean(), vendor: z.string().optional(), architecture: z.string().optional(), fallback: z.boolean().optional() }),
  webgl2: z.boolean(),
  wasm_simd: z.boolean(),
  wasm_threads: z.boolean(),
  cross_origin_isolated: z.boolean(),
  camera: z.looseObject({
    label: z.string(),
    width: z.number(),
    height: z.number(),
    frame_rate: z.number(),
    facing_mode: z.string().optional(),
    virtual_hints: z.array(z.string()),
  }),
  landmarks: z.looseObject({ delegate: z.enum(['CPU', 'GPU']), cadence: z.number(), first_frame_ms: ms, median_ms: ms }),
  cnn: z.looseObject({ execution_provider: z.enum(['webgpu', 'wasm']), threads: z.number().int().min(0), median_ms: ms }),
  capture: CaptureSizeSchema,
});
/** What the page sends. */
export type DeviceProfile = z.infer<typeof DeviceProfileSchema>;

/**
 * What `start` accepts and the `device_profile` column holds: any of the page's fields, each
 * typed when present, unknown fields kept (hand-written clients may send less).
 */
export const DeviceProfileInputSchema = DeviceProfileSchema.partial();
export type DeviceProfileInput = z.infer<typeof DeviceProfileInputSchema>;

/** The frame size the evidence was captured at; the plan's default when the page could not tell. */
export function captureFrameSize(profile: DeviceProfileInput | null): { width: number; height: number } {
  const size = profile?.capture;
  return {
    width: size && size.width > 0 ? size.width : DEFAULT_CAPTURE_SIZE.width,
    height: size && size.height > 0 ? size.height : DEFAULT_CAPTURE_SIZE.height,
  };
}
