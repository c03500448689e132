// Session states and verdicts as the page, the API and the store all name them.
import { z } from 'zod';

export const SESSION_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'expired', 'cancelled'] as const;
export const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

/** States a session never leaves. */
export const TERMINAL_SESSION_STATUSES = ['completed', 'failed', 'expired', 'cancelled'] as const satisfies readonly SessionStatus[];
export type TerminalSessionStatus = (typeof TERMINAL_SESSION_STATUSES)[number];

export const VERDICTS = ['live', 'spoof'] as const;
export const VerdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof VerdictSchema>;

export const RISK_LEVELS = ['standard', 'high'] as const;
export const RiskLevelSchema = z.enum(RISK_LEVELS);
export type RiskLevel = z.infer<typeof RiskLevelSchema>;

/** The coarse advice a refused capture may carry to the page (server/capture/retry-hint.ts). */
export const RETRY_HINTS = ['light', 'distance', 'stillness', 'glare', 'one_face'] as const;
export const RetryHintSchema = z.enum(RETRY_HINTS);
export type RetryHint = z.infer<typeof RetryHintSchema>;
