// Webhook event types and the payload envelope every delivery carries.
import { z } from 'zod';

export const WEBHOOK_EVENT_TYPES = [
  'session.completed',
  'session.failed',
  'session.expired',
  'session.cancelled',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

/** The JSON body of a delivery (Standard Webhooks envelope: type, timestamp, data). */
export const webhookPayloadSchema = z.object({
  type: webhookEventTypeSchema,
  timestamp: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

export function buildWebhookPayload(type: WebhookEventType, at: number, data: Record<string, unknown>): WebhookPayload {
  return { type, timestamp: new Date(at).toISOString(), data };
}

/** An endpoint with no event list receives every event. */
export function endpointWantsEvent(events: readonly string[], type: string): boolean {
  return events.length === 0 || events.includes(type);
}
