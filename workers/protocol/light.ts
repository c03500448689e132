// The light challenge on the wire: the schedule the server draws and keeps on the attempt, the
// start answer's announcement (how many steps, never their colours) and the just-in-time reveals.
import { z } from 'zod';

const channel = z.number().int().min(0).max(255);
export const RgbSchema = z.tuple([channel, channel, channel]);
export type Rgb = z.infer<typeof RgbSchema>;

/** One full-screen colour, `start_ms` from the capture's t = 0. */
export const LightChallengeStepSchema = z.object({
  start_ms: z.number().min(0),
  duration_ms: z.number().positive(),
  rgb: RgbSchema,
});
export type LightChallengeStep = z.infer<typeof LightChallengeStepSchema>;

/** The attempt's `light_challenge` column: the drawn schedule (null column: no challenge). */
export const LightChallengeColumnSchema = z.object({ schedule: z.array(LightChallengeStepSchema) });
export type LightChallengeColumn = z.infer<typeof LightChallengeColumnSchema>;

export const LIGHT_CHALLENGE_MODE = 'just_in_time';

/** What the start response says about the light challenge. */
export const LightChallengeAnnouncementSchema = z.object({
  mode: z.literal(LIGHT_CHALLENGE_MODE),
  steps: z.number().int(),
  reveal_lead_ms: z.number().int(),
});
export type LightChallengeAnnouncement = z.infer<typeof LightChallengeAnnouncementSchema>;

export const RevealedLightStepSchema = z.object({ step: z.number().int(), start_ms: z.number(), duration_ms: z.number(), rgb: z.tuple([z.number(), z.number(), z.number()]) });
export type RevealedLightStep = z.infer<typeof RevealedLightStepSchema>;

/** Body of `POST /v1/capture/{id}/light`. */
export const LightBodySchema = z.object({ attempt_id: z.string().uuid() });
export type LightBody = z.infer<typeof LightBodySchema>;

/** Answer of `POST /v1/capture/{id}/light`. */
export const LightRevealSchema = z.object({
  /** Every step revealed so far, in order (a page that missed a response gets them again). */
  steps: z.array(RevealedLightStepSchema),
  /** When (ms from now) the next step becomes revealable; null once every step is revealed. */
  next_reveal_in_ms: z.number().int().nullable(),
});
export type LightReveal = z.infer<typeof LightRevealSchema>;
