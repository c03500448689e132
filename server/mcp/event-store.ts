// Resumable SSE for one MCP HTTP session (SEP-1699): the SDK transport stores every event it
// sends under an id, sends a priming event (id, empty data, retry) first on each POST stream, and
// replays what followed an id when the client reconnects with Last-Event-ID. A 55 s
// wait_for_verification whose connection drops is not lost. Bounded: the last MAX_EVENTS events
// of the session, MAX_BYTES in all, none older than MAX_AGE_MS (a session is one client; replays
// cover short gaps), so a client repeating large requests cannot grow the process.
import type { EventStore } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const MAX_EVENTS = 200;
export const MAX_AGE_MS = 5 * 60_000;
export const MAX_BYTES = 512 * 1024;
/** Suggested reconnection delay sent in the priming event's `retry` field. */
export const SSE_RETRY_MS = 1_000;

interface Stored {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
  at: number;
  bytes: number;
}

export function createSessionEventStore(now: () => number = Date.now): EventStore & { readonly size: number; readonly bytes: number } {
  const events: Stored[] = [];
  let seq = 0;
  let bytes = 0;

  function prune(): void {
    const cutoff = now() - MAX_AGE_MS;
    while (events.length > MAX_EVENTS || bytes > MAX_BYTES || (events.length > 0 && events[0].at < cutoff)) {
      bytes -= events.shift()!.bytes;
    }
  }

  return {
    get size() {
      return events.length;
    },
    get bytes() {
      return bytes;
    },
    async storeEvent(streamId, message) {
      // Stream ids may contain "_" (the SDK's standalone GET stream is "_GET_stream"): the
      // sequence number after the last "_" is ours.
      const id = `${streamId}_${++seq}`;
      const size = JSON.stringify(message).length;
      events.push({ id, streamId, message, at: now(), bytes: size });
      bytes += size;
      prune();
      return id;
    },
    async getStreamIdForEventId(eventId) {
      const cut = eventId.lastIndexOf('_');
      return cut > 0 ? eventId.slice(0, cut) : undefined;
    },
    async replayEventsAfter(lastEventId, { send }) {
      prune();
      const index = events.findIndex((e) => e.id === lastEventId);
      if (index < 0) return '';
      const { streamId } = events[index];
      for (const event of events.slice(index + 1)) {
        // The priming event ({}) carries no message to replay.
        if (event.streamId === streamId && Object.keys(event.message).length > 0) await send(event.id, event.message);
      }
      return streamId;
    },
  };
}
