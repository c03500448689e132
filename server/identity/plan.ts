// What the capture page needs for the identity check: identity crops in the capture plan, and
// the notice it shows before the camera starts (a face template is kept, for how long).
import type { IdentityMode, PolicyConfig } from '../policies/defaults.ts';

/** Identity crops per capture, their JPEG side (px) and the face box scale they cover. */
export const IDENTITY_CAPTURE = { crops: 8, size: 192, scale: 1.6 } as const;

export function identityPlan(policy: Pick<PolicyConfig, 'identity'>): { identity_crops?: number; identity_crop_size?: number; identity_crop_scale?: number } {
  if ((policy.identity ?? 'off') === 'off') return {};
  return { identity_crops: IDENTITY_CAPTURE.crops, identity_crop_size: IDENTITY_CAPTURE.size, identity_crop_scale: IDENTITY_CAPTURE.scale };
}

export interface IdentityNotice {
  mode: Exclude<IdentityMode, 'off'>;
  /** How long a template is kept, in days (LIVEGATE_IDENTITY_RETENTION). */
  retention_days: number;
}

export function identityNotice(policy: Pick<PolicyConfig, 'identity'>, retentionS: number): { identity?: IdentityNotice } {
  const mode = policy.identity ?? 'off';
  if (mode === 'off') return {};
  return { identity: { mode, retention_days: Math.max(1, Math.round(retentionS / 86_400)) } };
}
