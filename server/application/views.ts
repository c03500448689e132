// The views both transports answer with (REST routes and MCP tools): who the caller is, the
// server's health and manual reviews. Declared once; the schemas document the REST API and type
// the MCP tools' output.
import { z } from 'zod';
import type { AuthContext } from '../auth/api-keys.ts';
import { SessionStatusView, type SessionStatus } from '../sessions/schemas.ts';
import { TERMINAL_STATUSES, type ReviewRow } from '../store/types.ts';
import { VERSION } from '../version.ts';

/** The longest a wait answers after (REST /v1/sessions/{id}/wait, MCP wait_for_verification): under the usual 60 s client timeout. */
export const MAX_WAIT_S = 55;

/** The answer of a wait: the status now, and whether the wait ended before the session did. */
export const WaitView = SessionStatusView.extend({ timed_out: z.boolean().describe('true when the wait ended before the session did; call again to keep waiting') });
export type Wait = z.infer<typeof WaitView>;

/**
 * timed_out from the status, not from the wait: the service can report a wait that ended while
 * the session was still active (its expiry timer fires at the wait's deadline) as not timed out.
 */
export function waitView(status: SessionStatus): Wait {
  return { ...status, timed_out: !TERMINAL_STATUSES.includes(status.status) };
}

export const WhoamiView = z.object({
  tenant: z.string().describe('Tenant the key belongs to'),
  key_id: z.string().describe('Public id of the API key in use'),
  scopes: z.array(z.string()).describe('Scopes of the key'),
  server_version: z.string(),
  public_url: z.string().describe('Where people and agents reach this Livegate'),
});
export type Whoami = z.infer<typeof WhoamiView>;

export const ReviewView = z.object({
  review_id: z.string(),
  session_id: z.string(),
  kind: z.enum(['comment', 'decision']),
  message: z.string(),
  decision: z.enum(['approved', 'declined']).nullable(),
  created_at: z.string(),
});
export type Review = z.infer<typeof ReviewView>;

export const HealthSchema = z.object({
  status: z.literal('ok'),
  uptime: z.string().describe('Seconds since start, e.g. "42s"'),
  timestamp: z.string(),
  version: z.string(),
});
export type HealthView = z.infer<typeof HealthSchema>;

export function whoamiView(auth: AuthContext, publicUrl: string): Whoami {
  return { tenant: auth.tenantId, key_id: auth.keyId, scopes: [...auth.scopes], server_version: VERSION, public_url: publicUrl };
}

export function healthView(startedAt: number, now = Date.now()): HealthView {
  return {
    status: 'ok' as const,
    uptime: `${Math.floor((now - startedAt) / 1000)}s`,
    timestamp: new Date(now).toISOString(),
    version: VERSION,
  };
}

export function reviewView(row: ReviewRow): Review {
  return {
    review_id: row.id,
    session_id: row.session_id,
    kind: row.kind,
    message: row.message,
    decision: row.decision,
    created_at: new Date(row.created_at).toISOString(),
  };
}
