// A tenant's look on the verification page, set on a stored policy (scope policy:write): display
// name, logo and accent colour. The page's CSP loads images from its own origin only, so a logo
// is either an inline image (a data: URL, served with the page's bootstrap) or an http(s) URL on
// the Livegate origin; any other origin is stored but not shown. Never set per session: the agent
// that creates a session must not dress the page up as someone else.
import { z } from 'zod';

export const MAX_LOGO_DATA_URL_CHARS = 64 * 1024;
const DATA_LOGO = /^data:image\/(png|jpeg|webp|gif|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;

export const BrandingSchema = z
  .object({
    name: z.string().trim().min(1).max(60).nullable().optional().describe('Display name shown on the page and on its "Return to" button'),
    logo_url: z
      .string()
      .max(MAX_LOGO_DATA_URL_CHARS)
      .refine((v) => DATA_LOGO.test(v) || isHttpUrl(v), 'must be an http(s) URL or a base64 data:image URL (png, jpeg, webp, gif, svg)')
      .nullable()
      .optional()
      .describe('Logo: an http(s) URL on the Livegate origin, or a base64 data:image URL (at most 64 KiB)'),
    accent_color: z
      .string()
      .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour like #1e40af')
      .nullable()
      .optional()
      .describe('Accent colour of buttons and the quoted action, as #rgb or #rrggbb'),
  })
  .strict();
export type Branding = z.infer<typeof BrandingSchema>;

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
