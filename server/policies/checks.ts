// Which liveness checks this deployment can run: a check needs every model it reads, and a
// missing or truncated model file makes it unavailable (said plainly, with the fix).
import { z } from 'zod';
import { modelStatus } from '../../models/fetch.ts';
import { CHECKS, type CheckName } from './defaults.ts';

/** Models each check reads (names from models/models.json). */
export const CHECK_MODELS: Record<CheckName, readonly string[]> = {
  pulse: ['face_landmarker'],
  cnn: ['face_landmarker', 'minifasnet_v2'],
  light_challenge: ['face_landmarker'],
  motion: ['face_landmarker'],
};

export const CHECK_DESCRIPTIONS: Record<CheckName, string> = {
  pulse: 'Remote photoplethysmography: a heartbeat in the skin colour of forehead and cheeks, cross-checked between page and server.',
  cnn: 'MiniFASNet anti-spoofing CNN on face crops (prints, screens, masks).',
  light_challenge: 'A random sequence of screen colours whose reflection must appear on the face (high risk level).',
  motion: 'Head motion and parallax: a flat photo or screen moves as one plane.',
};

export const CheckInfoSchema = z.object({
  name: z.enum(CHECKS),
  description: z.string(),
  available: z.boolean(),
  models: z.array(z.string()).describe('Models the check reads'),
  reason: z.string().optional().describe('Why the check is unavailable, and how to fix it'),
});
export type CheckInfo = z.infer<typeof CheckInfoSchema>;

export async function listChecks(modelsDir: string): Promise<CheckInfo[]> {
  const status = await modelStatus(modelsDir);
  const byName = new Map(status.map((m) => [m.name, m]));
  return CHECKS.map((name) => {
    const missing = CHECK_MODELS[name].filter((model) => {
      const s = byName.get(model);
      return !s || !s.present || !s.size_ok;
    });
    const info: CheckInfo = { name, description: CHECK_DESCRIPTIONS[name], available: missing.length === 0, models: [...CHECK_MODELS[name]] };
    if (missing.length) {
      info.reason = `Model ${missing.map((m) => byName.get(m)?.file ?? m).join(', ')} is missing or incomplete in ${modelsDir}; run \`livegate models fetch\`.`;
    }
    return info;
  });
}
