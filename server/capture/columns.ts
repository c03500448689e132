// The attempt's JSON columns (plan, light_challenge, device_profile, client_summary) are read
// back through the protocol schemas: a malformed column is an error naming the attempt, the
// column and what is wrong, never a silent default.
import { z } from 'zod';
import {
  CapturePlanSchema, ClientSummarySchema, DeviceProfileInputSchema, LightChallengeColumnSchema, captureFrameSize,
  type CapturePlan, type ClientSummary, type LightChallengeStep,
} from '../../workers/protocol/index.ts';
import type { AttemptRow } from '../store/types.ts';

type JsonColumn = 'plan' | 'light_challenge' | 'device_profile' | 'client_summary';

export class MalformedColumnError extends Error {
  readonly attemptId: string;
  readonly column: JsonColumn;
  constructor(attemptId: string, column: JsonColumn, issues: string) {
    super(`Attempt ${attemptId}: the stored ${column} does not match the capture protocol (${issues}).`);
    this.name = 'MalformedColumnError';
    this.attemptId = attemptId;
    this.column = column;
  }
}

export function parseColumn<S extends z.ZodType>(schema: S, attempt: Pick<AttemptRow, 'id' | JsonColumn>, column: JsonColumn): z.infer<S> {
  const parsed = schema.safeParse(attempt[column]);
  if (parsed.success) return parsed.data;
  throw new MalformedColumnError(attempt.id, column, z.prettifyError(parsed.error).replace(/\n+/g, '; '));
}

export interface AttemptInputs {
  plan: CapturePlan;
  /** The drawn light-challenge schedule; null when the policy did not ask for one. */
  lightSchedule: LightChallengeStep[] | null;
  /** The frame size the page captured at (device profile), for the landmark geometry. */
  frame: { width: number; height: number };
  clientSummary: ClientSummary | null;
}

/** Everything the analysis reads from the attempt's JSON columns, parsed. */
export function attemptInputs(attempt: Pick<AttemptRow, 'id' | JsonColumn>): AttemptInputs {
  return {
    plan: parseColumn(CapturePlanSchema, attempt, 'plan'),
    lightSchedule: parseColumn(LightChallengeColumnSchema.nullable(), attempt, 'light_challenge')?.schedule ?? null,
    frame: captureFrameSize(parseColumn(DeviceProfileInputSchema.nullable(), attempt, 'device_profile')),
    clientSummary: parseColumn(ClientSummarySchema.nullable(), attempt, 'client_summary'),
  };
}
