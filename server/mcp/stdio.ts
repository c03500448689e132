// `livegate mcp`: the MCP server over stdio. Embedded: the store in --data (the same services as
// `livegate start`; with --serve it also listens, serving the verification page and analysing
// captures itself), acting as the default tenant with every scope, or as the key in
// LIVEGATE_API_KEY. Remote: --url URL with LIVEGATE_API_KEY, over that server's REST API.
// stdout carries only JSON-RPC; messages for the person go to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { jwks } from '../application/account.ts';
import { requireScopeOf, type AuthContext } from '../auth/api-keys.ts';
import { DEFAULT_TENANT_ID, ensureDefaultTenant, listenOrExplain } from '../bootstrap.ts';
import { readEnvSecret, type Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { openApp } from '../open.ts';
import { ALL_SCOPES } from '../store/types.ts';
import type { LivegateClient } from './client.ts';
import { listChecks } from '../policies/checks.ts';
import { createLocalClientFactory } from './local.ts';
import { createPageServerCheck } from './page-check.ts';
import { pollingWait, pollingWatch } from './polling.ts';
import { createRemoteClient } from './remote.ts';
import { createServer } from './server.ts';

export interface StdioOptions {
  config: Config;
  url?: string;
  /** Embedded only: also listen on the config's host and port (page, capture API, REST, /mcp). */
  serve?: boolean;
  env?: NodeJS.ProcessEnv;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** The public URL was named by the operator (--public-url or LIVEGATE_PUBLIC_URL), not the default. */
  publicUrlExplicit?: boolean;
}

/**
 * The models of this installation: `livegate mcp` is started by desktop clients from any working
 * directory (often /), so ./models would be wherever that is.
 */
export function installedModelsDir(): string {
  return fileURLToPath(new URL('../../models', import.meta.url));
}

/** One stderr line per check a missing model disables (sessions requiring it could never pass). */
export async function warnAboutModels(modelsDir: string, stderr: Writable): Promise<void> {
  for (const check of await listChecks(modelsDir)) {
    if (!check.available) stderr.write(`livegate mcp: warning: check ${check.name} is unavailable: ${check.reason}\n`);
  }
}

/** Resolves when the client goes away (stdin ends) or on SIGINT/SIGTERM, after releasing everything. */
export async function runStdio(options: StdioOptions): Promise<void> {
  const { config } = options;
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const apiKey = readEnvSecret('LIVEGATE_API_KEY', options.env);
  const cleanups: (() => Promise<void>)[] = [];
  let client: LivegateClient;

  if (options.url) {
    if (!apiKey) {
      throw new AppError('unauthorized', '`livegate mcp --url` needs an API key of the remote server.', {
        hint: 'Set LIVEGATE_API_KEY to a key created on that server (livegate keys create).',
      });
    }
    client = createRemoteClient({ url: options.url, apiKey });
    await client.whoami(); // fail now, with the server's own message, rather than on the first tool call
  } else {
    const notice = (message: string) => stderr.write(`livegate: ${message}\n`);
    // background: the expiry sweeper and webhook delivery run as they do under `livegate start`.
    // Without --serve no analyzer: captures reach the process that serves the page.
    const app = await openApp(config, { notice, env: options.env, background: true, ...(options.serve ? {} : { analyzer: false as const }) });
    const { store } = app.services;
    cleanups.push(() => app.close());
    try {
      await warnAboutModels(config.modelsDir, stderr);
      if (options.serve) {
        // Before the first key: a start that cannot listen creates nothing it could not show.
        await listenOrExplain(app, config);
        stderr.write(`livegate mcp: serving the verification page and API at ${config.publicUrl}\n`);
      }
      const created = await ensureDefaultTenant(store);
      if (created) {
        stderr.write(`livegate: created the default tenant in ${config.dataDir}; its first API key (shown once): ${created.key}\n`);
      }
      let auth: AuthContext;
      if (apiKey) {
        auth = await app.services.authenticate(apiKey);
      } else {
        if (!(await store.getTenant(DEFAULT_TENANT_ID))) {
          throw new AppError('unauthorized', `This store has no "${DEFAULT_TENANT_ID}" tenant to act as.`, {
            hint: 'Set LIVEGATE_API_KEY to a key of the tenant the MCP server should act as.',
          });
        }
        auth = { tenantId: DEFAULT_TENANT_ID, keyId: 'stdio', scopes: ALL_SCOPES };
      }
      const local = createLocalClientFactory(app.services)(auth);
      // Without --serve the page is served by `livegate start` on the same data: its changes
      // happen in that process, so waits and subscriptions here poll the shared store.
      if (options.serve) {
        client = local;
      } else {
        // Links go to the page served by another process: only once it answers for this data.
        const pageServed = createPageServerCheck({
          publicUrl: config.publicUrl,
          dataDir: config.dataDir,
          explicit: options.publicUrlExplicit ?? false,
          localJwks: () => jwks(app.services),
          warn: (line) => stderr.write(`${line}\n`),
        });
        client = {
          ...local,
          createSession: async (input) => {
            requireScopeOf(auth, 'session:write'); // the caller's own fault first
            await pageServed();
            return local.createSession(input);
          },
          waitForTerminal: pollingWait(local.getStatus),
          watchSession: pollingWatch(local.getStatus),
        };
      }
    } catch (err) {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
      throw err;
    }
  }

  const server = createServer({ clientFor: () => client, logger: { error: (obj, msg) => stderr.write(`livegate mcp: ${msg ?? 'error'} ${String((obj as { err?: unknown })?.err ?? '')}\n`) } });
  const transport = new StdioServerTransport(stdin, stdout);
  answerMalformedLines(transport);
  await server.connect(transport);

  await new Promise<void>((resolve) => {
    const done = () => {
      stdin.off('end', done);
      stdin.off('close', done);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    stdin.once('end', done);
    stdin.once('close', done);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}

/**
 * JSON-RPC 2.0 (section 5.1) answers a line that is not JSON with -32700 (Parse error) and JSON
 * that is not a JSON-RPC message with -32600 (Invalid Request), both with id null. The SDK's stdio
 * transport only reports such a line to onerror, and a client would wait for an answer that never
 * comes; the HTTP transport answers them already. Set before connecting: the server keeps it.
 */
export function answerMalformedLines(transport: StdioServerTransport): void {
  transport.onerror = (error) => {
    const code = error instanceof SyntaxError ? -32700 : error.name === 'ZodError' ? -32600 : null;
    if (code === null) return;
    const message = code === -32700 ? 'Parse error: the line is not JSON.' : 'Invalid Request: the line is not a JSON-RPC 2.0 message.';
    // id null is what the specification prescribes here; the SDK's message type has no room for it.
    const answer = { jsonrpc: '2.0', id: null, error: { code, message } } as unknown as JSONRPCMessage;
    transport.send(answer).catch(() => undefined);
  };
}
