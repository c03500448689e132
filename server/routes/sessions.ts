// REST API v1: sessions and attestations. Thin: validation by schema, state changes in the service.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema } from '../http/schemas.ts';
import {
  AttestationStatus,
  AuditTrail,
  CancelBody,
  CancelResult,
  CreateSessionBody,
  RevokeAttestationBody,
  SessionCreated,
  SessionResult,
  SessionStatusView,
} from '../sessions/schemas.ts';
import type { SessionService } from '../sessions/service.ts';

const SessionParams = z.object({ id: z.string().min(1).max(64).describe('Session id (UUID)') });
const JtiParams = z.object({ jti: z.string().min(1).max(64).describe('Attestation id (= session id)') });
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 429: ErrorBodySchema };

export async function sessionRoutes(root: FastifyInstance, { sessions }: { sessions: SessionService }): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post('/v1/sessions', {
    schema: {
      tags: ['sessions'],
      summary: 'Open a verification session bound to an action',
      headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }),
      body: CreateSessionBody,
      response: { 201: SessionCreated, ...errors, 413: ErrorBodySchema, 415: ErrorBodySchema },
    },
    handler: async (request, reply) => {
      const created = await sessions.createSession(request.auth, request.body, request.headers['idempotency-key']);
      return reply.status(201).send(created);
    },
  });

  app.get('/v1/sessions/:id', {
    schema: { tags: ['sessions'], summary: 'Session status', params: SessionParams, response: { 200: SessionStatusView, ...errors } },
    handler: async (request) => sessions.getStatus(request.auth, request.params.id),
  });

  app.get('/v1/sessions/:id/result', {
    schema: {
      tags: ['sessions'],
      summary: 'Signed attestation of a completed session',
      params: SessionParams,
      response: { 200: SessionResult, ...errors },
    },
    handler: async (request) => sessions.getResult(request.auth, request.params.id),
  });

  app.post('/v1/sessions/:id/cancel', {
    schema: {
      tags: ['sessions'],
      summary: 'Cancel a pending or in-progress session',
      params: SessionParams,
      body: CancelBody.optional(),
      response: { 200: CancelResult, ...errors },
    },
    handler: async (request) => sessions.cancel(request.auth, request.params.id, request.body?.reason),
  });

  const auditSchema = { tags: ['sessions'], params: SessionParams, response: { 200: AuditTrail, ...errors } };
  app.get('/v1/sessions/:id/audit', {
    schema: { ...auditSchema, summary: 'Audit trail (scope session:audit)' },
    handler: async (request) => sessions.getAuditTrail(request.auth, request.params.id),
  });
  app.post('/v1/sessions/:id/audit', {
    schema: {
      ...auditSchema,
      summary: 'Audit trail, optionally appending a note (scope session:audit)',
      body: z.object({ note: z.string().min(1).max(2000).optional() }).strict().optional(),
    },
    handler: async (request) => sessions.getAuditTrail(request.auth, request.params.id, request.body?.note),
  });

  app.get('/v1/attestations/:jti', {
    schema: { tags: ['attestations'], summary: 'Whether an attestation still stands', params: JtiParams, response: { 200: AttestationStatus, ...errors } },
    handler: async (request) => sessions.attestationStatus(request.auth, request.params.jti),
  });
  app.post('/v1/attestations/:jti/revoke', {
    schema: {
      tags: ['attestations'],
      summary: 'Revoke an attestation',
      params: JtiParams,
      body: RevokeAttestationBody.optional(),
      response: { 200: AttestationStatus, ...errors },
    },
    handler: async (request) => sessions.revokeAttestation(request.auth, request.params.jti, request.body?.reason),
  });
}
