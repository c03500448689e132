/**
 * Whether the page offers "On a computer without a camera? Scan this code": not on a phone or a
 * tablet (a mobile browser, a coarse pointer without a fine one, or a narrow viewport), where the
 * person already holds the device with the camera.
 */
import { isMobileBrowser } from './profile.ts';

export const HANDOFF_MIN_WIDTH_PX = 600;

export function offersHandOff(win: Pick<Window, 'matchMedia' | 'innerWidth'> = window, mobile = isMobileBrowser()): boolean {
  if (mobile) return false;
  const coarseOnly = win.matchMedia('(pointer: coarse)').matches && !win.matchMedia('(any-pointer: fine)').matches;
  if (coarseOnly) return false;
  return win.innerWidth >= HANDOFF_MIN_WIDTH_PX;
}
