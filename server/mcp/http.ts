// Streamable HTTP transport at /mcp (filled in by the MCP layer).
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app.ts';

export async function mcpHttpPlugin(_app: FastifyInstance, _services: AppServices): Promise<void> {}
