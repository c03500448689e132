/** Tiny DOM helpers for the page's fixed markup (index.html). */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

export type Screen = 'intro' | 'camera' | 'result';

export function showScreen(screen: Screen): void {
  for (const s of ['intro', 'camera', 'result'] as const) byId(s).hidden = s !== screen;
}

export function setState(state: string): void {
  document.body.dataset.state = state;
}

/** Polite announcement for screen readers (the live region re-reads changed text). */
export function announce(text: string): void {
  const el = byId('announcer');
  el.textContent = '';
  requestAnimationFrame(() => (el.textContent = text));
}

export function setProgress(fraction: number): void {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  byId('ring-bar').style.strokeDasharray = `${pct} 100`;
  byId('ring').setAttribute('aria-valuenow', String(pct));
}
