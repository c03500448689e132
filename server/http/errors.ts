// Maps every thrown error to the one error body shape. 5xx never leak internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_TABLE, type ErrorCode } from '../errors.ts';
import { StoreError } from '../store/types.ts';

/** Seconds a client is asked to wait before retrying a 503 (the store reconnects by itself). */
export const RETRY_AFTER_S = 2;

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
};

function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => {
      const where = [error.validationContext ?? 'body', ...v.instancePath.split('/').filter(Boolean)].join('.');
      return { path: where, message: v.message ?? 'invalid' };
    });
    const first = issues[0];
    return new AppError('invalid_request', first ? `${first.path}: ${first.message}` : 'The request is invalid.', { details: { issues } });
  }
  if (fastifyError.validation) {
    return new AppError('invalid_request', `${fastifyError.validationContext ?? 'request'}: ${fastifyError.message}`);
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError('invalid_request', 'The body is not valid JSON.');
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new AppError(mapped, fastifyError.message);
  if (error instanceof StoreError && error.code === 'unavailable') {
    // A database restart or failover: retryable, and the pool reconnects without a restart.
    return new AppError('service_unavailable', 'The database is unavailable right now.', { hint: `Retry in ${RETRY_AFTER_S} seconds; the server reconnects by itself.`, cause: error });
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    const byStatus = (Object.keys(ERROR_TABLE) as ErrorCode[]).find((code) => ERROR_TABLE[code].status === status);
    return new AppError(byStatus ?? 'invalid_request', fastifyError.message);
  }
  return new AppError('internal_error', 'Something went wrong on our side.', { cause: error });
}

/**
 * Errors the router raises before any route or hook runs (a bad percent-encoding, a path
 * parameter past the router's length limit): the same error shape as everything else.
 * Passed as Fastify's `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The URL is not validly percent-encoded.';
  void reply.status(400).type('application/json').send(new AppError('invalid_request', message).toBody());
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.code === 'service_unavailable') {
      request.log.warn({ err: error }, 'request failed: a dependency is unavailable');
      void reply.header('retry-after', String(RETRY_AFTER_S));
    } else if (appError.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else if (appError.code === 'unauthorized' || appError.code === 'capture_token_invalid') {
      void reply.header('www-authenticate', request.url.startsWith('/mcp') ? 'Bearer realm="livegate-mcp"' : 'Bearer realm="livegate"');
    }
    void reply.status(appError.statusCode).type('application/json').send(appError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
    void reply.status(404).send(error.toBody());
  });
}
