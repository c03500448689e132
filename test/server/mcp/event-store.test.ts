// The per-session SSE event store: ids that name their stream, replay of what followed an id on
// the same stream only, and the bounds (count, bytes, age) that keep one client from growing it.
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createSessionEventStore, MAX_AGE_MS, MAX_BYTES, MAX_EVENTS } from '../../../server/mcp/event-store.ts';

const msg = (id: number, pad = ''): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { pad } });

async function replay(store: ReturnType<typeof createSessionEventStore>, after: string) {
  const sent: [string, JSONRPCMessage][] = [];
  const stream = await store.replayEventsAfter(after, { send: async (id, m) => void sent.push([id, m]) });
  return { stream, sent };
}

describe('session event store', () => {
  it('replays what followed an id on its own stream, skipping the priming event', async () => {
    const store = createSessionEventStore();
    const priming = await store.storeEvent('_GET_stream', {} as JSONRPCMessage);
    const a = await store.storeEvent('_GET_stream', msg(1));
    await store.storeEvent('post-1', msg(2));
    const b = await store.storeEvent('_GET_stream', msg(3));
    expect(await store.getStreamIdForEventId!(priming)).toBe('_GET_stream');
    const { stream, sent } = await replay(store, priming);
    expect(stream).toBe('_GET_stream');
    expect(sent.map(([id]) => id)).toEqual([a, b]);
    expect((await replay(store, 'unknown_1')).stream).toBe('');
  });

  it('keeps at most MAX_EVENTS events, MAX_BYTES bytes, none older than MAX_AGE_MS', async () => {
    let clock = 0;
    const store = createSessionEventStore(() => clock);
    for (let i = 0; i < MAX_EVENTS + 50; i++) await store.storeEvent('s', msg(i));
    expect(store.size).toBe(MAX_EVENTS);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 20; i++) await store.storeEvent('s', msg(i, big));
    expect(store.bytes).toBeLessThanOrEqual(MAX_BYTES);
    clock += MAX_AGE_MS + 1;
    const last = await store.storeEvent('s', msg(99));
    expect(store.size).toBe(1);
    expect((await replay(store, last)).sent).toEqual([]);
  });
});
