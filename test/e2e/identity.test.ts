// Face comparison bound to user_identifier, end to end: the real page in headless Chromium with
// real recordings as its camera, identity crops chosen by the page, aligned and embedded by the
// real server (MobileFaceNet), templates sealed in the real store.
// Enrol with one clip of a person, match with another clip of the same person, mismatch with a
// different person (spoof in match mode), forget, enrol again.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestation } from '../../server/attestation/verify.ts';
import { IDENTITY_THRESHOLDS } from '../../server/identity/decision.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { cachedMedia } from '../helpers/media-cache.ts';
import { FACES_DIR, readFacesManifest, type FacesItem } from '../helpers/y4m.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { runWithCamera, type PadRun } from '../eval/lib/pad-run.ts';

const run = promisify(execFile);
const PERSON = 'evm-face';
const OTHER_PERSON = 'fellway-me';

let server: LivegateServer;
let items: FacesItem[];

const item = (id: string) => {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`${id} is not in ${FACES_DIR}/manifest.json`);
  return found;
};

/** The same recording from `offsetS` on (another clip of the same person), framed like the others. */
async function laterClip(id: string, offsetS: number): Promise<string> {
  const it = item(id);
  const trimmed = await cachedMedia(`identity-${id}-from${offsetS}s.mp4`, async (tmp) => {
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-ss', String(offsetS), '-i', resolve(FACES_DIR, it.file), '-an', '-c:v', 'libx264', '-crf', '12', tmp]);
  });
  return cameraMediaFor(FACES_DIR, { id: `${id}-from${offsetS}s`, file: trimmed, media: 'video', fps: it.fps, duration_s: (it.duration_s ?? 10) - offsetS });
}

interface IdentityResult {
  attestation: { verdict: string; identity?: { status: string; model: string }; facemesh_comparison?: { match_found: boolean; similarity_score: number | null; comparison_count: number } };
  signature: string;
  audit_trail: { events: { type: string; data: Record<string, unknown> | null }[] };
}

async function resultOf(r: PadRun): Promise<IdentityResult> {
  return (await (await server.api(`/v1/sessions/${r.session_id}/result`)).json()) as IdentityResult;
}

const describeRun = async (r: PadRun) => {
  const res = await server.api(`/v1/sessions/${r.session_id}/audit`);
  const events = ((await res.json()) as IdentityResult['audit_trail']).events.filter((e) => e.type === 'identity_checked' || e.type === 'quality_failed');
  return JSON.stringify({ status: r.status, verdict: r.verdict, reasons: r.failure_reasons, attempts: r.attempts.map((a) => [a.status, a.reasons]), events });
};

beforeAll(async () => {
  items = await readFacesManifest();
  server = await startLivegate();
}, 180_000);

afterAll(async () => server?.close());

describe('identity bound to user_identifier (Chromium, real recordings)', () => {
  const session = (mode: string, user: string) => ({ session: { user_identifier: user, policy: { identity: mode } } });

  it('tells the person before the camera starts that a template is kept, and for how long', async () => {
    const browser = await launchChromium({ origin: server.origin, grantCamera: false });
    try {
      const withIdentity = await server.createSession({ user_identifier: 'user-notice', policy: { identity: 'enroll_or_match' } });
      const page = await browser.context.newPage();
      await page.goto(withIdentity.url);
      const notice = page.getByTestId('identity-notice');
      await notice.waitFor({ timeout: 30_000 });
      expect(await notice.textContent()).toMatch(/face template .* this account for up to 365 days/);
      // Still on the first screen: the camera has not been asked for.
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('intro');
      const plain = await server.createSession({});
      await page.goto(plain.url);
      await page.waitForFunction(() => document.body.dataset.state === 'intro', null, { timeout: 30_000 });
      expect(await page.getByTestId('identity-notice').count()).toBe(0);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('enrols on the first live verification, matches the same person in another clip, and the verifier can require it', async () => {
    const first = await runWithCamera(server, await cameraMediaFor(FACES_DIR, item(PERSON)), session('enroll_or_match', 'user-1'));
    expect(first.verdict, await describeRun(first)).toBe('live');
    const enrolled = await resultOf(first);
    expect(enrolled.attestation.identity, await describeRun(first)).toMatchObject({ status: 'enrolled', model: expect.stringMatching(/^mobilefacenet@/) });
    expect(enrolled.attestation.facemesh_comparison).toEqual({ match_found: false, similarity_score: null, comparison_count: 0 });

    const second = await runWithCamera(server, await laterClip(PERSON, 4), session('match', 'user-1'));
    expect(second.status, await describeRun(second)).toBe('completed');
    const matched = await resultOf(second);
    expect(matched.attestation.identity?.status, await describeRun(second)).toBe('matched');
    expect(matched.attestation.facemesh_comparison).toMatchObject({ match_found: true, comparison_count: 1 });
    expect(matched.attestation.facemesh_comparison!.similarity_score!).toBeGreaterThanOrEqual(IDENTITY_THRESHOLDS.match);
    expect(second.verdict).toBe('live');
    const jwks = await (await fetch(`${server.origin}/.well-known/jwks.json`)).json();
    await expect(verifyAttestation(matched.signature, { jwks, require: { identity: { status: 'matched' } } })).resolves.toMatchObject({ attestation: { identity: { status: 'matched' } } });
    await expect(verifyAttestation(enrolled.signature, { jwks, require: { identity: { status: 'matched' } } })).rejects.toMatchObject({ code: 'identity_not_matched' });
  }, 600_000);

  it('a different person is a mismatch: spoof with identity:mismatch in match mode', async () => {
    const other = await runWithCamera(server, await cameraMediaFor(FACES_DIR, item(OTHER_PERSON)), session('match', 'user-1'));
    const res = await resultOf(other);
    expect(res.attestation.identity?.status, await describeRun(other)).toBe('mismatch');
    expect(res.attestation.facemesh_comparison).toMatchObject({ match_found: false, comparison_count: 1 });
    expect(res.attestation.facemesh_comparison!.similarity_score!).toBeLessThan(IDENTITY_THRESHOLDS.inconclusive_below);
    expect(other.verdict).toBe('spoof');
    expect(other.failure_reasons).toContain('identity:mismatch');
  }, 600_000);

  it('after forgetting the user, the next session enrols again', async () => {
    const del = await fetch(`${server.origin}/v1/users/user-1/templates`, { method: 'DELETE', headers: { 'x-api-key': server.key } });
    expect(await del.json()).toMatchObject({ user_identifier: 'user-1', templates_deleted: 1 });
    const again = await runWithCamera(server, await cameraMediaFor(FACES_DIR, item(OTHER_PERSON)), session('enroll_or_match', 'user-1'));
    const res = await resultOf(again);
    if (again.verdict === 'live') expect(res.attestation.identity?.status, await describeRun(again)).toBe('enrolled');
    else expect(res.attestation.identity?.status, await describeRun(again)).toBe('inconclusive'); // never enrols from a spoof
    expect(res.attestation.facemesh_comparison?.comparison_count).toBe(0);
  }, 600_000);
});
