// Fitted parameters of the calibrated fusion (server/analysis/fusion.ts): a logistic regression
// over the per-check features of server/analysis/features.ts. Regenerate with
// `npm run eval:pad:calibrate -- <recordings dir> --write` (docs/CALIBRATION.md); the light
// challenge's weight is set by hand (no recording of a real face under the challenge exists).
export const FUSION_PARAMS = {
  bias: 0,
  weights: { pulse: 1.5, cnn: 1.5, motion: 1.5, light_challenge: 3 },
  fitted: null as null | { at: string; items: number; subjects: number; l2: number },
} as const;
