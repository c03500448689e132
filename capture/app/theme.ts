/**
 * A tenant's look on the page: display name, logo and accent colour (validated by the server,
 * checked again here), on top of the light/dark scheme the browser prefers. The logo is only
 * shown inline (data:) or from this origin: the page's CSP allows no third-party loads.
 */
import type { Translate } from './i18n.ts';

export interface Branding {
  name?: string | null;
  logo_url?: string | null;
  accent_color?: string | null;
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

export function isHexColour(value: unknown): value is string {
  return typeof value === 'string' && HEX.test(value);
}

/** sRGB relative luminance (WCAG 2.x). */
export function luminance(hex: string): number {
  const h = hex.length === 4 ? hex.replace(/^#(.)(.)(.)$/, '#$1$1$2$2$3$3') : hex;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** White or near-black text on the accent, whichever contrasts more. */
export function textOn(hex: string): '#ffffff' | '#111111' {
  const l = luminance(hex);
  const white = 1.05 / (l + 0.05);
  const black = (l + 0.05) / (luminance('#111111') + 0.05);
  return white >= black ? '#ffffff' : '#111111';
}

/** A logo the page may load: an inline data:image URL, or http(s) on the page's own origin. */
export function logoSrc(url: string | null | undefined, origin: string): string | null {
  if (!url) return null;
  if (/^data:image\/(png|jpeg|webp|gif|svg\+xml);base64,/.test(url)) return url;
  try {
    const u = new URL(url, origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.origin === origin ? u.href : null;
  } catch {
    return null;
  }
}

export function applyBranding(b: Branding | null | undefined, t: Translate): void {
  if (!b) return;
  const root = document.documentElement;
  if (isHexColour(b.accent_color)) {
    root.style.setProperty('--accent', b.accent_color);
    root.style.setProperty('--accent-text', textOn(b.accent_color));
  }
  const name = b.name?.trim();
  const header = document.getElementById('brand');
  if (!header || !name) return;
  document.getElementById('brand-name')!.textContent = name;
  const src = logoSrc(b.logo_url, location.origin);
  const img = document.getElementById('brand-logo') as HTMLImageElement;
  if (src) {
    img.src = src;
    img.alt = t('brand_logo_alt', { name });
    img.hidden = false;
  }
  header.hidden = false;
}
