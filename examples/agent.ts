// An agent that asks for a live person's approval before acting, over MCP.
//
//   LIVEGATE_URL=http://127.0.0.1:8787 LIVEGATE_API_KEY=lg_... node examples/agent.ts "Approve: wire $50,000 to Acme Corp"
//
// It calls verify_human_presence, prints the link for the person, waits (wait_for_verification,
// again while timed_out), fetches the signed result and verifies the attestation offline against
// the server's published keys, as a relying party would before executing the action.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AttestationError, verifyAttestation } from '../server/attestation/verify.ts';

const baseUrl = (process.env.LIVEGATE_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const apiKey = process.env.LIVEGATE_API_KEY;
const action = process.argv[2] ?? 'Approve: wire transfer of $50,000 to Acme Corp';
if (!apiKey) {
  process.stderr.write('Set LIVEGATE_API_KEY to a key of the Livegate server (livegate keys create --name agent).\n');
  process.exit(2);
}

/** structuredContent of a successful call; a tool error is printed with its code and hint. */
function valueOf<T>(result: CallToolResult): T {
  if (result.isError) {
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    throw new Error(text);
  }
  return result.structuredContent as T;
}

const client = new Client({ name: 'livegate-example-agent', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } });
await client.connect(transport);

try {
  const nonce = crypto.randomUUID();
  const created = valueOf<{ session_id: string; verification_url: string; expires_at: string }>(
    (await client.callTool({ name: 'verify_human_presence', arguments: { action_description: action, nonce } })) as CallToolResult,
  );
  process.stdout.write(`\nAsk the person to open this link on a device with a camera (until ${created.expires_at}):\n\n  ${created.verification_url}\n\n`);

  let status: { status: string; verdict?: string; timed_out: boolean };
  do {
    status = valueOf(
      (await client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 50 } }, undefined, {
        // Progress notifications also keep the request alive past the default timeout.
        onprogress: (p) => process.stdout.write(`  ... ${p.message}\n`),
        resetTimeoutOnProgress: true,
      })) as CallToolResult,
    );
    if (status.timed_out) process.stdout.write(`  still ${status.status}, waiting on\n`);
  } while (status.timed_out);

  if (status.status !== 'completed') {
    process.stdout.write(`The verification ended ${status.status}; not executing "${action}".\n`);
    process.exitCode = 1;
  } else {
    const result = valueOf<{ signature: string; attestation: { verdict: string; score: number } }>(
      (await client.callTool({ name: 'get_verification_result', arguments: { session_id: created.session_id } })) as CallToolResult,
    );
    // Offline check, as the service executing the action would do it: signature against the
    // published JWKS, expiry, the exact action and our nonce; by default only verdict "live"
    // passes (a validly signed spoof throws verdict_not_live).
    try {
      const claims = await verifyAttestation(result.signature, {
        jwksUrl: `${baseUrl}/.well-known/jwks.json`,
        action: { description: action },
        nonce,
      });
      process.stdout.write(`Verified: a live person approved "${action}" (score ${claims.attestation.score}). Executing.\n`);
    } catch (err) {
      if (!(err instanceof AttestationError)) throw err;
      process.stdout.write(`Not executing "${action}": ${err.code} (${err.message}).\n`);
      process.exitCode = 1;
    }
  }
} finally {
  await transport.terminateSession().catch(() => undefined);
  await client.close();
}
