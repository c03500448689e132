// The input guard (server/input-guard.ts) applied once to every route: query and body problems
// answer 400 (input_too_deep, invalid_text); a path parameter with a NUL names nothing and
// answers the collection's 404, on both stores alike. /mcp answers in JSON-RPC.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_TABLE, type ErrorCode } from '../errors.ts';
import { findInputProblem, hasNul, inputProblemError } from '../input-guard.ts';

/** The not-found code of the collection a path names (`/v1/policies/:id` -> policy_not_found). */
const NOT_FOUND_BY_COLLECTION: Record<string, ErrorCode> = {
  sessions: 'session_not_found',
  capture: 'session_not_found',
  attestations: 'attestation_not_found',
  policies: 'policy_not_found',
  webhooks: 'webhook_not_found',
};

function notFoundFor(request: FastifyRequest): AppError {
  const collection = (request.routeOptions.url ?? '').split('/')[2] ?? '';
  const code = NOT_FOUND_BY_COLLECTION[collection] ?? 'not_found';
  return new AppError(code, `Nothing is stored under that ${collection ? `${collection} ` : ''}id.`, { hint: ERROR_TABLE[code].hint });
}

function answerMcp(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const body = request.body as { id?: unknown } | undefined;
  const id = body && typeof body === 'object' && !Array.isArray(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
  // A request with an id gets its JSON-RPC error response (200, as any response to it), so the
  // client surfaces it as a protocol error with the code; anything else is a plain bad request.
  return reply
    .status(id === null ? error.statusCode : 200)
    .type('application/json')
    .send({ jsonrpc: '2.0', error: { code: -32602, message: `${error.code}: ${error.message}`, data: { code: error.code, hint: error.hint } }, id });
}

export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    let error: AppError | null = null;
    if (hasNul(request.params)) error = notFoundFor(request);
    else {
      const problem = findInputProblem(request.query, 'query') ?? findInputProblem(request.body, 'body');
      if (problem) error = inputProblemError(problem);
    }
    if (!error) return;
    if (request.url.startsWith('/mcp')) return answerMcp(request, reply, error);
    throw error;
  });
}
