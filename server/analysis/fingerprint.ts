// Evidence reuse: a compact, one-way fingerprint of each capture (truncated SHA-256 of every face
// crop, context crop, landmark set and ROI-means record, plus each face crop's difference hash,
// which survives re-encoding and tinting), kept per tenant for the replay window.
// A capture whose evidence another attempt already sent — whole, in part, or re-bound to a new
// session and nonce (the hashes cover the evidence, never the binding) — is
// `integrity:replayed_evidence`. A camera never delivers the same bytes twice. Earlier attempts of
// the same session do not count.
import { createHash } from 'node:crypto';
import type { CaptureChunk } from '../../workers/codec/index.ts';
import type { EvidenceReuse, Store } from '../store/types.ts';

export const REPLAY = {
  /** Share of a capture's fingerprint hashes seen before that makes it a replay. */
  min_share: 0.1,
  /** ... and never fewer than this many (a stray coincidence is not a replay). */
  min_matches: 8,
} as const;

const h = (kind: string, bytes: Uint8Array) => `${kind}:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The capture's fingerprint hashes, without repeats; `dhashes`: the crops' difference hashes. */
export function evidenceFingerprint(chunks: readonly Pick<CaptureChunk, 'frames' | 'context'>[], dhashes: readonly string[] = []): string[] {
  const out = new Set<string>(dhashes.map((d) => `p:${d}`));
  for (const c of chunks) {
    for (const f of c.frames) {
      if (f.crop.byteLength > 0) out.add(h('c', f.crop));
      if (f.lm) out.add(h('l', view(f.lm)));
      out.add(h('r', view(f.roi)));
    }
    for (const x of c.context) if (x.crop.byteLength > 0) out.add(h('x', x.crop));
  }
  return [...out];
}

export interface ReplayCheck {
  replayed: boolean;
  hashes: number;
  matches: number;
  /** The attempts whose evidence came back (ids only), most matches first. */
  sources: EvidenceReuse[];
}

/**
 * Stores this attempt's fingerprint first, then looks for attempts of other sessions of the
 * tenant that left the same hashes: of two replays racing, each sees the other.
 */
export async function checkReplay(
  store: Store,
  at: { tenant_id: string; session_id: string; attempt_id: string; now: number },
  chunks: readonly Pick<CaptureChunk, 'frames' | 'context'>[],
  dhashes: readonly string[] = [],
): Promise<ReplayCheck> {
  const hashes = evidenceFingerprint(chunks, dhashes);
  await store.putEvidenceFingerprints({ tenant_id: at.tenant_id, session_id: at.session_id, attempt_id: at.attempt_id, created_at: at.now, hashes });
  // Another session's evidence: an earlier attempt of the same session (a retry after a quality
  // failure) is the same person's own capture, and earns the attacker nothing.
  const sources = (await store.findEvidenceReuse(at.tenant_id, hashes, at.attempt_id)).filter((s) => s.session_id !== at.session_id);
  // The earlier capture that shares the most (the same hash in several captures counts once; a
  // splice of a few captures is still caught by its largest part).
  const matches = sources.reduce((n, s) => Math.max(n, s.matches), 0);
  const replayed = matches >= REPLAY.min_matches && matches >= REPLAY.min_share * hashes.length;
  return { replayed, hashes: hashes.length, matches, sources: sources.slice(0, 5) };
}
