// MCP sessions over Streamable HTTP: one transport and one McpServer per `mcp-session-id`, bound
// to the API key that opened it. Released on DELETE, when the transport closes, after an idle
// timeout, and all at once when the app closes.
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthContext } from '../auth/api-keys.ts';

export const DEFAULT_IDLE_MS = 15 * 60_000;
export const DEFAULT_MAX_SESSIONS = 1_000;

export interface McpHttpSession {
  id: string | undefined;
  keyId: string;
  tenantId: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
  /** Open GET streams and in-flight requests: a session with any is not idle. */
  active: number;
}

export interface McpSessionRegistryOptions {
  createServer(): McpServer;
  idleMs?: number;
  maxSessions?: number;
  now?: () => number;
}

export type McpSessionRegistry = ReturnType<typeof createMcpSessionRegistry>;

export function createMcpSessionRegistry(options: McpSessionRegistryOptions) {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, McpHttpSession>();
  /** Opened but not yet initialized (no id yet); closed if initialization fails. */
  const pending = new Set<McpHttpSession>();
  let sweeper: NodeJS.Timeout | undefined;

  async function release(session: McpHttpSession): Promise<void> {
    pending.delete(session);
    if (session.id) sessions.delete(session.id);
    // McpServer.close() closes its transport, whose onclose runs the server's cleanup.
    await session.server.close().catch(() => undefined);
  }

  function ensureSweeper(): void {
    if (sweeper) return;
    sweeper = setInterval(() => void registry.closeIdle(), Math.max(1_000, Math.min(idleMs / 2, 60_000)));
    sweeper.unref();
  }

  const registry = {
    get size() {
      return sessions.size;
    },
    get pendingSize() {
      return pending.size;
    },
    get(id: string): McpHttpSession | undefined {
      return sessions.get(id);
    },
    /** Marks activity on a session (the idle timeout counts from the last one). */
    touch(session: McpHttpSession): void {
      session.lastSeen = now();
    },
    /** False when the cap is reached: the caller answers 503. */
    canOpen(): boolean {
      return sessions.size + pending.size < maxSessions;
    },
    /** A new transport + server, registered under its id once the initialize request succeeds. */
    async open(auth: AuthContext): Promise<McpHttpSession> {
      ensureSweeper();
      const server = options.createServer();
      const session: McpHttpSession = {
        id: undefined,
        keyId: auth.keyId,
        tenantId: auth.tenantId,
        server,
        lastSeen: now(),
        active: 0,
        transport: new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          onsessioninitialized: (id) => {
            session.id = id;
            pending.delete(session);
            sessions.set(id, session);
          },
          // DELETE /mcp: the transport closes itself; drop our reference.
          onsessionclosed: (id) => {
            sessions.delete(id);
          },
        }),
      };
      session.transport.onclose = () => {
        pending.delete(session);
        if (session.id) sessions.delete(session.id);
      };
      pending.add(session);
      try {
        await server.connect(session.transport);
      } catch (err) {
        await release(session);
        throw err;
      }
      return session;
    },
    /** After the initialize request: a transport that did not get a session id is released. */
    async settle(session: McpHttpSession): Promise<void> {
      if (!session.id) await release(session);
    },
    async closeIdle(maxIdleMs = idleMs): Promise<number> {
      const cutoff = now() - maxIdleMs;
      const stale = [...sessions.values()].filter((s) => s.active === 0 && s.lastSeen <= cutoff);
      await Promise.all(stale.map(release));
      return stale.length;
    },
    async closeAll(): Promise<void> {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      await Promise.all([...sessions.values(), ...pending].map(release));
    },
  };
  return registry;
}
