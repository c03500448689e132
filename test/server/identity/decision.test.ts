// The identity decision and its effect on the analysis outcome, with a template service that
// answers fixed similarities (the comparison itself is tested in templates.test.ts).
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../server/analysis/fusion.ts';
import { identityStep } from '../../../server/identity/analysis-step.ts';
import { decideIdentity, IDENTITY_THRESHOLDS, type DecideInput } from '../../../server/identity/decision.ts';
import type { IdentityEvidence } from '../../../server/identity/evidence.ts';
import type { TemplateService } from '../../../server/identity/templates.ts';
import { defaultPolicy } from '../../../server/policies/defaults.ts';
import type { SessionRow } from '../../../server/store/types.ts';

function fakeTemplates(count: number, similarity: number | null) {
  const enrolled: unknown[] = [];
  const service: TemplateService = {
    compare: async () => ({ count, similarity: count ? similarity : null }),
    enrol: async (input) => void enrolled.push(input),
    forget: async () => 0,
    sweep: async () => 0,
    reseal: async () => 0,
  };
  return { service, enrolled };
}

const frames = (n: number): IdentityEvidence => ({ available: true, embeddings: Array.from({ length: n }, () => new Float32Array(128)), considered: n, rejected: {}, ms_per_embedding: 3 });

function input(over: Partial<DecideInput> & { templates: TemplateService }): DecideInput {
  return { mode: 'enroll_or_match', verdict: 'live', evidence: frames(5), tenantId: 't', userIdentifier: 'u', sessionId: 's', model: 'm@1', ...over };
}

describe('decideIdentity', () => {
  it('enrols a live capture when no template exists (enroll, enroll_or_match), never a spoof', async () => {
    for (const mode of ['enroll', 'enroll_or_match'] as const) {
      const t = fakeTemplates(0, null);
      const d = await decideIdentity(input({ mode, templates: t.service }));
      expect(d.identity.status).toBe('enrolled');
      expect(d.facemesh_comparison).toEqual({ match_found: false, similarity_score: null, comparison_count: 0 });
      expect(t.enrolled).toHaveLength(1);
    }
    const t = fakeTemplates(0, null);
    expect((await decideIdentity(input({ verdict: 'spoof', templates: t.service }))).identity.status).toBe('inconclusive');
    expect(t.enrolled).toHaveLength(0);
  });

  it('matches at or above the threshold; mismatch under the grey zone is a spoof only in match mode', async () => {
    const matched = await decideIdentity(input({ templates: fakeTemplates(3, 0.8123).service }));
    expect(matched.identity.status).toBe('matched');
    expect(matched.facemesh_comparison).toEqual({ match_found: true, similarity_score: 0.812, comparison_count: 3 });
    const t = fakeTemplates(2, 0.05);
    const mismatch = await decideIdentity(input({ templates: t.service }));
    expect(mismatch).toMatchObject({ identity: { status: 'mismatch' }, spoofReason: null, retry: false });
    expect(t.enrolled).toHaveLength(0); // another face never joins the user's templates
    expect((await decideIdentity(input({ mode: 'match', templates: t.service }))).spoofReason).toBe('identity:mismatch');
    // enroll mode with a different face: mismatch, nothing enrolled.
    expect((await decideIdentity(input({ mode: 'enroll', templates: t.service }))).identity.status).toBe('mismatch');
    expect(t.enrolled).toHaveLength(0);
  });

  it('the grey zone and too few good frames are inconclusive and ask for another attempt', async () => {
    const grey = (IDENTITY_THRESHOLDS.match + IDENTITY_THRESHOLDS.inconclusive_below) / 2;
    expect(await decideIdentity(input({ templates: fakeTemplates(1, grey).service }))).toMatchObject({ identity: { status: 'inconclusive' }, retry: true, reason: 'identity:grey_zone' });
    expect(await decideIdentity(input({ evidence: frames(2), templates: fakeTemplates(1, 0.9).service }))).toMatchObject({ identity: { status: 'inconclusive' }, retry: true, reason: 'identity:too_few_frames' });
  });

  it('match mode without a template is not a match', async () => {
    const d = await decideIdentity(input({ mode: 'match', templates: fakeTemplates(0, null).service }));
    expect(d).toMatchObject({ identity: { status: 'inconclusive' }, spoofReason: 'identity:not_enrolled', retry: false });
  });
});

describe('identityStep', () => {
  // The identity step passes the checks through untouched: an empty stand-in will do.
  const live: Outcome = { kind: 'verdict', verdict: 'live', score: 90, confidence: 0.9, checks: {} as Outcome['checks'], reasons: [] };
  const session = (attemptsUsed: number) => ({ id: 's', tenant_id: 't', user_identifier: 'u', max_attempts: 3, attempts_used: attemptsUsed }) as SessionRow;

  it('turns a mismatch into spoof identity:mismatch in match mode', async () => {
    const r = await identityStep(fakeTemplates(1, 0.02).service, session(1), { ...defaultPolicy(), identity: 'match' }, live, frames(5));
    expect(r.outcome).toMatchObject({ kind: 'verdict', verdict: 'spoof', reasons: ['identity:mismatch'] });
    expect(r.claims?.identity.status).toBe('mismatch');
    expect(r.audit).toMatchObject({ status: 'mismatch', comparison_count: 1, frames_used: 5 });
  });

  it('asks for another attempt while attempts remain, and settles when none do', async () => {
    const grey = fakeTemplates(1, 0.5).service;
    const retry = await identityStep(grey, session(1), { ...defaultPolicy(), identity: 'match' }, live, frames(5));
    expect(retry.outcome).toMatchObject({ kind: 'quality_failed', reasons: ['identity:grey_zone'] });
    const last = await identityStep(grey, session(3), { ...defaultPolicy(), identity: 'match' }, live, frames(5));
    expect(last.outcome).toMatchObject({ kind: 'verdict', verdict: 'spoof', reasons: ['identity:inconclusive'] });
    const lenient = await identityStep(grey, session(3), { ...defaultPolicy(), identity: 'enroll_or_match' }, live, frames(5));
    expect(lenient.outcome).toMatchObject({ kind: 'verdict', verdict: 'live' });
    expect(lenient.claims?.identity.status).toBe('inconclusive');
  });

  it('does nothing with identity off or without a user', async () => {
    expect(await identityStep(fakeTemplates(1, 0.9).service, session(1), defaultPolicy(), live, frames(5))).toEqual({ outcome: live, claims: null, audit: null });
  });
});
