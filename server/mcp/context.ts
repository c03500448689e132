// What every tool handler of createServer() receives: the SDK's request extra, and the resolver
// from it to the caller's LivegateClient.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { LivegateClient } from './client.ts';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** Resolves the caller of one request to its client (throws AppError('unauthorized') when none). */
export type ClientFor = (extra: ToolExtra) => LivegateClient;
