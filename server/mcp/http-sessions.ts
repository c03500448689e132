// MCP sessions over Streamable HTTP: one transport and one McpServer per `mcp-session-id`, bound
// to the API key that opened it. Capped per process, per API key and per tenant, so one tenant
// cannot take every slot. Released on DELETE, when the transport closes, after an idle timeout
// (quickly when no call followed `initialize`), when the key that opened it is revoked, and all
// at once when the app closes.
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthContext } from '../auth/api-keys.ts';
import { createSessionEventStore, SSE_RETRY_MS } from './event-store.ts';

export const DEFAULT_IDLE_MS = 15 * 60_000;
export const DEFAULT_MAX_SESSIONS = 1_000;
export const DEFAULT_MAX_SESSIONS_PER_KEY = 50;
export const DEFAULT_MAX_SESSIONS_PER_TENANT = 200;
/** A session that made no call after `initialize` is released after this, streams or not. */
export const DEFAULT_UNUSED_MS = 60_000;
/** How often the keys behind open sessions are looked up again (revocation from the CLI). */
export const DEFAULT_REVALIDATE_MS = 5_000;

/** Which cap refused a new session. */
export type McpSessionCap = 'process' | 'key' | 'tenant';

export interface McpHttpSession {
  id: string | undefined;
  keyId: string;
  tenantId: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** When the last request started or ended (for a new session: when initialize was answered). */
  lastSeen: number;
  /** Whether a request other than `initialize` came (notifications and GET streams do not count). */
  used: boolean;
  /** Open GET streams and in-flight requests: a session with any is not idle. */
  active: number;
}

export interface McpSessionRegistryOptions {
  createServer(): McpServer;
  idleMs?: number;
  /** Release sessions that made no call after `initialize` this long after opening. */
  unusedMs?: number;
  maxSessions?: number;
  maxSessionsPerKey?: number;
  maxSessionsPerTenant?: number;
  /** False when the key was revoked or deleted: its sessions are released. Errors keep them. */
  isKeyActive?: (keyId: string) => Promise<boolean>;
  revalidateMs?: number;
  now?: () => number;
}

export type McpSessionRegistry = ReturnType<typeof createMcpSessionRegistry>;

export function createMcpSessionRegistry(options: McpSessionRegistryOptions) {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const unusedMs = options.unusedMs ?? DEFAULT_UNUSED_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const maxPerKey = options.maxSessionsPerKey ?? DEFAULT_MAX_SESSIONS_PER_KEY;
  const maxPerTenant = options.maxSessionsPerTenant ?? DEFAULT_MAX_SESSIONS_PER_TENANT;
  const revalidateMs = options.revalidateMs ?? DEFAULT_REVALIDATE_MS;
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

  let revalidator: NodeJS.Timeout | undefined;

  function ensureSweeper(): void {
    if (sweeper) return;
    sweeper = setInterval(() => void registry.closeIdle(), Math.max(1_000, Math.min(idleMs / 2, unusedMs / 2, 60_000)));
    sweeper.unref();
    if (options.isKeyActive) {
      revalidator = setInterval(() => void registry.closeRevoked(), Math.max(100, revalidateMs));
      revalidator.unref();
    }
  }

  function all(): McpHttpSession[] {
    return [...sessions.values(), ...pending];
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
    /** The cap a new session of `auth` would pass (the caller answers 503 or 429), or null. */
    capReached(auth: Pick<AuthContext, 'keyId' | 'tenantId'>): McpSessionCap | null {
      if (sessions.size + pending.size >= maxSessions) return 'process';
      let byKey = 0;
      let byTenant = 0;
      for (const s of all()) {
        if (s.keyId === auth.keyId) byKey++;
        if (s.tenantId === auth.tenantId) byTenant++;
      }
      if (byKey >= maxPerKey) return 'key';
      if (byTenant >= maxPerTenant) return 'tenant';
      return null;
    },
    /** False when the process-wide cap is reached. */
    canOpen(): boolean {
      return sessions.size + pending.size < maxSessions;
    },
    limits: { maxSessions, maxPerKey, maxPerTenant },
    /** Marks that a call other than initialize reached the session (it is then no longer "unused"). */
    markUsed(session: McpHttpSession): void {
      session.used = true;
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
        used: false,
        active: 0,
        transport: new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          // Resumable streams: event ids, a priming event with `retry`, replay on Last-Event-ID.
          eventStore: createSessionEventStore(),
          retryInterval: SSE_RETRY_MS,
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
      const unusedCutoff = now() - unusedMs;
      const stale = [...sessions.values()].filter(
        (s) => (s.active === 0 && s.lastSeen <= cutoff) || (!s.used && s.lastSeen <= unusedCutoff),
      );
      await Promise.all(stale.map(release));
      return stale.length;
    },
    /** Releases every session of a key (revoked): its streams end, its notifications stop. */
    async closeKey(keyId: string): Promise<number> {
      const of = all().filter((s) => s.keyId === keyId);
      await Promise.all(of.map(release));
      return of.length;
    },
    /** Asks isKeyActive about each key with open sessions; releases the sessions of revoked ones. */
    async closeRevoked(): Promise<number> {
      if (!options.isKeyActive) return 0;
      let closed = 0;
      for (const keyId of new Set(all().map((s) => s.keyId))) {
        const active = await options.isKeyActive(keyId).catch(() => true);
        if (!active) closed += await registry.closeKey(keyId);
      }
      return closed;
    },
    async closeAll(): Promise<void> {
      if (sweeper) clearInterval(sweeper);
      if (revalidator) clearInterval(revalidator);
      sweeper = undefined;
      revalidator = undefined;
      await Promise.all(all().map(release));
    },
  };
  return registry;
}
