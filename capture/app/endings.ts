/**
 * How a visit ends: "try again" with the tips that fit the refusal, or a final screen with the
 * action verbatim, the time, and a way back to the relying party's app. The page never learns
 * scores or which anti-spoofing check fired: the server sends a coarse `retry_hint` only.
 */
import type { Bootstrap, RetryHint } from '../../workers/protocol/index.ts';
import { announce, byId, setState, showScreen } from './dom.ts';
import type { Locale, MessageKey, Translate } from './i18n.ts';

/** What the return link tells the app; a hint only, the app must ask the API for the result. */
export type Outcome = 'verified' | 'not_verified' | 'pending' | 'failed' | 'cancelled' | 'declined';

const TIPS: Record<RetryHint | 'other', MessageKey[]> = {
  light: ['tip_light_1', 'tip_light_2'],
  distance: ['tip_distance_1'],
  stillness: ['tip_stillness_1'],
  glare: ['tip_glare_1', 'tip_glare_2'],
  one_face: ['tip_one_face_1', 'tip_one_face_2'],
  other: ['tip_other_1'],
};

const REASON: Record<RetryHint | 'other', MessageKey> = {
  light: 'reason_light',
  distance: 'reason_distance',
  stillness: 'reason_stillness',
  glare: 'reason_glare',
  one_face: 'reason_no_face',
  other: 'reason_unknown',
};

export function tipKeys(hint: RetryHint | null | undefined): MessageKey[] {
  return TIPS[hint ?? 'other'] ?? TIPS.other;
}

export function reasonKey(hint: RetryHint | null | undefined): MessageKey {
  return REASON[hint ?? 'other'] ?? REASON.other;
}

/** The page's own quality failures (no attempt was analysed) in the server's categories. */
export function localHint(reason: string): RetryHint | null {
  if (reason === 'quality:no_face') return 'one_face';
  if (reason === 'quality:too_dark') return 'light';
  return null;
}

/** The return link: http(s) only, the session id and the outcome as query parameters. */
export function redirectHref(base: string | null | undefined, outcome: Outcome, sessionId: string): string | null {
  if (!base) return null;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.searchParams.set('livegate_session', sessionId);
  url.searchParams.set('livegate_outcome', outcome);
  return url.href;
}

/**
 * How the app is named on the button: always the link's host (a session may carry the agent's own
 * redirect URL, so the tenant's name alone must not vouch for it), after the tenant's display name.
 */
export function appName(href: string, brandName: string | null | undefined): string {
  const name = brandName?.trim();
  const host = new URL(href).host;
  return name ? `${name} (${host})` : host;
}

export interface EndingContext {
  t: Translate;
  locale: Locale;
  session: Bootstrap | null;
  retry: () => void;
}

export interface EndingView {
  /** data-result on the body, for tests and support. */
  kind: 'verified' | 'fail' | 'received' | 'retry' | 'cancelled' | 'declined';
  title: string;
  body?: string;
  /** Retry screen: the tips that fit. */
  hint?: RetryHint | null;
  retry?: boolean;
  /** Final screen: what the return link says. */
  outcome?: Outcome;
}

function clear(el: HTMLElement): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function showEnding(ctx: EndingContext, view: EndingView): void {
  const { t } = ctx;
  setState('result');
  document.body.dataset.result = view.kind;
  showScreen('result');
  const h = byId('result-title');
  h.textContent = view.title;
  byId('result-body').textContent = view.body ?? '';
  byId('result-next').textContent = '';

  const tips = byId<HTMLUListElement>('result-tips');
  clear(tips);
  if (view.kind === 'retry') {
    for (const key of tipKeys(view.hint)) {
      const li = document.createElement('li');
      li.textContent = t(key);
      tips.appendChild(li);
    }
  }
  tips.hidden = tips.childElementCount === 0;
  tips.setAttribute('aria-label', t('tips_label'));
  document.body.dataset.hint = view.kind === 'retry' ? (view.hint ?? 'other') : '';

  const action = byId<HTMLButtonElement>('result-action');
  action.hidden = !view.retry;
  action.textContent = t('retry');
  action.onclick = () => ctx.retry();

  renderFinal(ctx, view.outcome);
  announce(`${view.title} ${view.body ?? ''}`);
  h.focus();
}

/** The action verbatim with the time, and the return link, on a final screen; hidden otherwise. */
export function renderFinal(ctx: EndingContext, outcome: Outcome | undefined): void {
  const { t, session } = ctx;
  const summary = byId('result-summary');
  const link = byId<HTMLAnchorElement>('result-return');
  const note = byId('result-return-note');
  summary.hidden = !outcome || !session;
  link.hidden = true;
  note.hidden = true;
  if (!outcome || !session) return;
  byId('result-summary-label').textContent = t('ending_action');
  // Verbatim, as on the first screen: the person sees exactly what was (not) confirmed.
  byId('result-summary-action').textContent = session.action_description;
  const time = new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'long', timeStyle: 'short' }).format(new Date());
  byId('result-summary-time').textContent = t('ending_time', { time });
  const base = outcome === 'verified' || outcome === 'pending' ? session.success_redirect_url : session.failure_redirect_url;
  const href = redirectHref(base, outcome, session.session_id);
  if (!href) return;
  link.href = href;
  link.textContent = t('return_to', { app: appName(href, session.branding?.name) });
  link.hidden = false;
  note.textContent = t('return_note');
  note.hidden = false;
}
