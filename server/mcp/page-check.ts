// `livegate mcp --data DIR` without --serve hands out links to a page this process does not
// serve: to the public URL, where `livegate start --data DIR` is expected. A link is only
// handed out once that URL answers as a Livegate signing with the same keys as this store
// (same data, not whatever else listens on 127.0.0.1:8787); otherwise verify_human_presence
// refuses with the fix.
import type { JSONWebKeySet } from 'jose';
import { AppError } from '../errors.ts';

export const PAGE_CHECK_TIMEOUT_MS = 2_000;
/** A positive answer is trusted this long (the server rarely goes away mid-conversation). */
export const PAGE_CHECK_TTL_MS = 60_000;

export interface PageServerCheckOptions {
  publicUrl: string;
  dataDir: string;
  localJwks(): Promise<JSONWebKeySet>;
  /** The operator named the public URL (flag or LIVEGATE_PUBLIC_URL): unreachable is tolerated, other keys are not. */
  explicit: boolean;
  fetch?: typeof fetch;
  warn?(line: string): void;
  now?: () => number;
}

type Verdict = { ok: true } | { ok: false; unreachable: boolean; why: string };

export function createPageServerCheck(options: PageServerCheckOptions): () => Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const base = options.publicUrl.replace(/\/+$/, '');
  let okUntil = 0;
  let warned = false;

  async function probe(): Promise<Verdict> {
    let remote: JSONWebKeySet;
    try {
      const res = await doFetch(`${base}/.well-known/jwks.json`, { signal: AbortSignal.timeout(PAGE_CHECK_TIMEOUT_MS) });
      if (!res.ok) return { ok: false, unreachable: false, why: `${base} answered ${res.status}, not a Livegate` };
      remote = (await res.json()) as JSONWebKeySet;
    } catch (err) {
      return { ok: false, unreachable: true, why: `nothing answers at ${base} (${(err as Error).message})` };
    }
    const local = new Set((await options.localJwks()).keys.map((k) => k.kid));
    const shared = (remote.keys ?? []).some((k) => k.kid !== undefined && local.has(k.kid));
    return shared ? { ok: true } : { ok: false, unreachable: false, why: `the server at ${base} is not serving ${options.dataDir} (other signing keys)` };
  }

  return async () => {
    if (now() < okUntil) return;
    const verdict = await probe();
    if (verdict.ok) {
      okUntil = now() + PAGE_CHECK_TTL_MS;
      return;
    }
    if (verdict.unreachable && options.explicit) {
      if (!warned) options.warn?.(`livegate mcp: warning: ${verdict.why}; links will point there anyway (--public-url was given).`);
      warned = true;
      return;
    }
    throw new AppError('service_unavailable', `No verification page for this data: ${verdict.why}, so a link there would not work.`, {
      hint:
        `Start \`livegate start --data ${options.dataDir}\` (same data directory) and call again, or restart this MCP server ` +
        'with --serve (it then serves the page itself), or with --url pointing at a running Livegate.',
    });
  };
}
