// Asks a Livegate whether an attestation was revoked: GET /v1/attestations/{jti} with an API key
// of the issuing tenant. Fails closed: an attestation the server does not know, or any answer
// other than a clear `valid`, is reported as an error, never as "not revoked".
import { z } from 'zod';

export const DEFAULT_REVOCATION_TIMEOUT_MS = 10_000;

const StatusBody = z.object({ jti: z.string(), status: z.enum(['valid', 'revoked', 'unknown']) });

export async function fetchRevoked(
  baseUrl: string,
  jti: string,
  apiKey: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<boolean> {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/attestations/${encodeURIComponent(jti)}`;
  const res = await (options.fetch ?? fetch)(url, {
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
    signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const body = StatusBody.parse(await res.json());
  if (body.status === 'unknown') throw new Error(`${baseUrl} does not know attestation ${jti} (another issuer, or an API key of another tenant)`);
  return body.status === 'revoked';
}
