// ISO/IEC 30107-3 style error rates over scored presentations. A presentation with no verdict
// (quality failure on every attempt, page error) is not accepted: it counts as rejected for the
// error rates and is reported separately as a non-response.
export interface ScoredPresentation {
  label: 'bona_fide' | 'attack';
  attack_type: string | null;
  verdict: 'live' | 'spoof' | null;
}

export interface PadSummary {
  /** Per attack type: attacks accepted as live / attacks of that type. */
  apcer: Record<string, number>;
  /** Bona fide presentations not accepted as live / bona fide presentations (null when none). */
  bpcer: number | null;
  counts: { bona_fide: number; attacks: Record<string, number>; no_verdict: number };
}

export function summarise(items: readonly ScoredPresentation[]): PadSummary {
  const attacks: Record<string, number> = {};
  const accepted: Record<string, number> = {};
  let bona = 0, rejected = 0, noVerdict = 0;
  for (const i of items) {
    if (i.verdict === null) noVerdict++;
    if (i.label === 'bona_fide') {
      bona++;
      if (i.verdict !== 'live') rejected++;
    } else {
      const type = i.attack_type ?? 'unspecified';
      attacks[type] = (attacks[type] ?? 0) + 1;
      accepted[type] = (accepted[type] ?? 0) + (i.verdict === 'live' ? 1 : 0);
    }
  }
  const apcer: Record<string, number> = {};
  for (const type of Object.keys(attacks).sort()) apcer[type] = accepted[type] / attacks[type];
  return { apcer, bpcer: bona ? rejected / bona : null, counts: { bona_fide: bona, attacks, no_verdict: noVerdict } };
}

export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
