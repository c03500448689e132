// Pure parts of the page's endings, fill light, hand-off and branding.
import { describe, expect, it } from 'vitest';
import { appName, localHint, reasonKey, redirectHref, tipKeys } from '../../capture/app/endings.ts';
import { createFillLight, FILL_AFTER_MS, FILL_GIVE_UP_MS } from '../../capture/app/fill-light.ts';
import { offersHandOff } from '../../capture/app/handoff.ts';
import { isHexColour, logoSrc, textOn } from '../../capture/app/theme.ts';
import { createTranslator } from '../../capture/app/i18n.ts';

describe('retry tips', () => {
  it('one or two tips per category, none naming a check or a score', () => {
    const t = createTranslator('en');
    for (const hint of ['light', 'distance', 'stillness', 'glare', 'one_face', null] as const) {
      const keys = tipKeys(hint);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(keys.length).toBeLessThanOrEqual(2);
      for (const k of keys) expect(t(k)).not.toMatch(/pulse|cnn|score|spoof|attack|light challenge/i);
    }
    expect(t(tipKeys('light')[1])).toMatch(/brightness/i);
    expect(t(reasonKey('one_face'))).toMatch(/could not see your face/);
  });
  it('local page failures map onto the same categories', () => {
    expect(localHint('quality:no_face')).toBe('one_face');
    expect(localHint('quality:too_dark')).toBe('light');
    expect(localHint('something')).toBeNull();
  });
});

describe('redirectHref', () => {
  it('adds the session and the outcome to an http(s) URL, keeping its query', () => {
    const href = redirectHref('https://app.example/done?x=1', 'verified', 'ses_1')!;
    const u = new URL(href);
    expect(u.origin + u.pathname).toBe('https://app.example/done');
    expect(Object.fromEntries(u.searchParams)).toEqual({ x: '1', livegate_session: 'ses_1', livegate_outcome: 'verified' });
  });
  it('refuses anything but http and https, and missing URLs', () => {
    expect(redirectHref('javascript:alert(1)', 'failed', 's')).toBeNull();
    expect(redirectHref('data:text/html,hi', 'failed', 's')).toBeNull();
    expect(redirectHref('not a url', 'failed', 's')).toBeNull();
    expect(redirectHref(null, 'failed', 's')).toBeNull();
  });
  it('names the app by its host, after the tenant display name when there is one', () => {
    expect(appName('https://shop.example:8443/x', null)).toBe('shop.example:8443');
    expect(appName('https://shop.example/x', '  Acme  ')).toBe('Acme (shop.example)');
  });
});

describe('fill light', () => {
  it('lights after a steady too-dark spell, stays on, and gives up only after the grace period', () => {
    const seen: boolean[] = [];
    const fill = createFillLight((on) => seen.push(on));
    expect(fill.update('guide_too_dark', 0)).toBe('ok');
    expect(fill.on).toBe(false);
    fill.update('guide_too_dark', FILL_AFTER_MS);
    expect(fill.on).toBe(true);
    // Brighter now: the light stays on.
    fill.update('guide_good', FILL_AFTER_MS + 100);
    expect(fill.on).toBe(true);
    expect(fill.update('guide_too_dark', FILL_AFTER_MS + 200)).toBe('ok');
    expect(fill.update('guide_too_dark', FILL_AFTER_MS + 200 + FILL_GIVE_UP_MS)).toBe('give_up');
    fill.off();
    expect(fill.on).toBe(false);
    expect(seen).toEqual([true, false]);
  });
  it('a short dark moment does not light it', () => {
    const fill = createFillLight(() => {});
    fill.update('guide_too_dark', 0);
    fill.update('guide_good', FILL_AFTER_MS / 2);
    fill.update('guide_too_dark', FILL_AFTER_MS);
    expect(fill.on).toBe(false);
  });
});

describe('hand-off QR', () => {
  const win = (width: number, coarse: boolean, fine: boolean) => ({
    innerWidth: width,
    matchMedia: (q: string) => ({ matches: q === '(pointer: coarse)' ? coarse : q === '(any-pointer: fine)' ? fine : false }) as MediaQueryList,
  });
  it('offered on a desktop, not on a phone, a touch-only device or a narrow window', () => {
    expect(offersHandOff(win(1280, false, true), false)).toBe(true);
    expect(offersHandOff(win(1280, false, true), true)).toBe(false);
    expect(offersHandOff(win(1024, true, false), false)).toBe(false);
    expect(offersHandOff(win(390, false, true), false)).toBe(false);
    // A touch laptop with a mouse still gets it.
    expect(offersHandOff(win(1280, true, true), false)).toBe(true);
  });
});

describe('branding', () => {
  it('accepts hex colours only and picks readable text on them', () => {
    expect(isHexColour('#0a7')).toBe(true);
    expect(isHexColour('#00aa77')).toBe(true);
    expect(isHexColour('red')).toBe(false);
    expect(isHexColour('#00aa77; background:url(x)')).toBe(false);
    expect(textOn('#1e3a8a')).toBe('#ffffff');
    expect(textOn('#fde047')).toBe('#111111');
  });
  it('loads a logo inline or from this origin only', () => {
    expect(logoSrc('/branding/t1/logo.png', 'https://lg.example')).toBe('https://lg.example/branding/t1/logo.png');
    expect(logoSrc('https://cdn.other/logo.png', 'https://lg.example')).toBeNull();
    expect(logoSrc('javascript:1', 'https://lg.example')).toBeNull();
    expect(logoSrc('data:image/png;base64,iVBORw0KGgo=', 'https://lg.example')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(logoSrc('data:text/html;base64,PGgxPg==', 'https://lg.example')).toBeNull();
  });
});
