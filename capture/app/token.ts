/**
 * The capture token travels in the URL fragment (never sent to servers or in Referer). Read it
 * once, remove it from the address bar, keep it in memory only.
 */
export interface PageTarget {
  sessionId: string;
  token: string;
}

/** Parse `/s/{session_id}#{token}`; null when either part is missing. */
export function parseVerificationUrl(pathname: string, hash: string): PageTarget | null {
  const m = /\/s\/([^/?#]+)\/?$/.exec(pathname);
  const token = hash.replace(/^#/, '');
  if (!m || !token) return null;
  return { sessionId: decodeURIComponent(m[1]), token: decodeURIComponent(token) };
}

/** Read the target from `loc` and strip the fragment from the visible URL and history entry. */
export function takeTokenFromLocation(loc: Location, history: History): PageTarget | null {
  const target = parseVerificationUrl(loc.pathname, loc.hash);
  if (loc.hash) history.replaceState(history.state, '', loc.pathname + loc.search);
  return target;
}
