import { z } from 'zod';

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Stable error code (see docs/API.md)'),
    message: z.string(),
    hint: z.string().describe('What to do next'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
