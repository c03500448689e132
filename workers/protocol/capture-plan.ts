// The capture plan the server hands out at start and keeps on the attempt (`plan` column).
// Key order is the wire order (the response serializer writes keys in schema order).
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const CapturePlanSchema = z.object({
  duration_ms: positiveInt,
  fps: z.number().positive(),
  chunk_ms: positiveInt,
  face_crop_size: positiveInt,
  context_crop_size: positiveInt,
  context_crop_scale: z.number().positive(),
  /** Context crops for the CNN, spread over the capture. */
  frame_count: z.number().int().min(0),
  max_chunk_bytes: positiveInt,
  max_total_bytes: positiveInt,
  max_frames_per_chunk: positiveInt,
  /** Identity crops to send (policy identity on); absent otherwise. */
  identity_crops: z.number().int().min(0).optional(),
  identity_crop_size: positiveInt.optional(),
  identity_crop_scale: z.number().positive().optional(),
  /**
   * Most the page may record past `duration_ms` while its own pulse estimate is still borderline
   * (adaptive capture length; absent or 0: never). The server refuses frames beyond it.
   */
  extension_ms: z.number().int().min(0).optional(),
});
export type CapturePlan = z.infer<typeof CapturePlanSchema>;
