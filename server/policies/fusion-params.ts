// Fitted parameters of the calibrated fusion (server/analysis/fusion.ts): a logistic regression
// over the per-check features of server/analysis/features.ts. Regenerate with
// `npm run eval:pad:calibrate -- <recordings dir> --write` (docs/CALIBRATION.md); the light
// challenge's weight is set by hand (no recording of a real face under the challenge exists).
// Fitted 2026-12-01 on 75 recordings (scored or quality-gated) of 25 subjects (l2 1; not fitted against deepfake).
export const FUSION_PARAMS = {
  bias: -0.996,
  weights: { pulse: 1.076, cnn: 1.555, motion: 0.22, expression: 2.443, light_challenge: 8 },
  fitted: { at: '2026-12-01', items: 75, subjects: 25, l2: 1 } as null | { at: string; items: number; subjects: number; l2: number },
} as const;
