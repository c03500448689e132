// Serves the SDK's web-standard Streamable HTTP transport straight from Node's req/res. The SDK's
// Node wrapper converts every request through @hono/node-server into a full fetch Request and
// back; the transport only reads method, url and a few headers, so a thin view is enough and
// saves that per-call cost (docs/BENCHMARKS.md, MCP).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The parts of a fetch Request the transport reads (method, url, headers.get/entries). */
function requestView(req: IncomingMessage, url: string): Request {
  const headers = {
    get: (name: string) => headerValue(req.headers[name.toLowerCase()]),
    has: (name: string) => req.headers[name.toLowerCase()] !== undefined,
    entries: () => Object.entries(req.headers).map(([k, v]) => [k, headerValue(v) ?? '']) [Symbol.iterator](),
  };
  return { method: req.method ?? 'GET', url, headers } as unknown as Request;
}

export async function serveTransport(
  transport: WebStandardStreamableHTTPServerTransport,
  req: IncomingMessage,
  res: ServerResponse,
  options: { url: string; parsedBody?: unknown; authInfo?: AuthInfo },
): Promise<void> {
  const response = await transport.handleRequest(requestView(req, options.url), { parsedBody: options.parsedBody, authInfo: options.authInfo });
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // The client went away: cancelling the stream runs the transport's own cleanup for it.
  const onClose = () => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  res.flushHeaders(); // SSE: the client needs the headers before the first event
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
    }
  } catch {
    /* cancelled because the client left */
  } finally {
    res.off('close', onClose);
    if (!res.writableEnded) res.end();
  }
}
