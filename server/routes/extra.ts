// REST routes beyond sessions (policies, reviews, whoami, checks), registered inside the
// authenticated /v1 scope. Filled in by the MCP layer so `livegate mcp --url` can reach them.
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app.ts';

export async function extraApiRoutes(_app: FastifyInstance, _services: AppServices): Promise<void> {}
