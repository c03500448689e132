// A tenant's branding on a stored policy: validated at the API (name, http(s) or data:image logo,
// hex accent colour), refused per session (the agent must not dress the page up), and handed to
// the page with the bootstrap together with the redirect URLs and the light-challenge flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const LOGO = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('branding', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(async () => t.close());

  const createPolicy = (config: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/v1/policies', headers: { 'x-api-key': t.key }, payload: { name: `p${Math.random().toString(36).slice(2, 8)}`, config } });

  it('refuses a colour that is not hex, a logo that is not http(s) or an image data URL, unknown fields', async () => {
    for (const branding of [
      { accent_color: 'red' },
      { accent_color: '#12345g' },
      { accent_color: '#fff; background: url(https://evil.example)' },
      { logo_url: 'javascript:alert(1)' },
      { logo_url: 'data:text/html;base64,PGgxPg==' },
      { logo_url: 'ftp://files.example/logo.png' },
      { name: '' },
      { name: 'Acme', colour: '#fff' },
    ]) {
      const res = await createPolicy({ branding });
      expect(res.statusCode, JSON.stringify(branding)).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
  });

  it('a stored policy carries it to the page bootstrap; a session cannot set it inline', async () => {
    const created = await createPolicy({ risk_level: 'high', failure_redirect_url: 'https://app.example/no', branding: { name: 'Acme Bank', logo_url: LOGO, accent_color: '#0f766e' } });
    expect(created.statusCode, created.body).toBe(201);
    const policy = created.json();
    expect(policy.config.branding).toEqual({ name: 'Acme Bank', logo_url: LOGO, accent_color: '#0f766e' });

    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: pay invoice 7', policy: policy.policy_id } });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    const token = s.verification_url.split('#')[1];
    const boot = await t.app.inject({ url: `/v1/capture/${s.session_id}`, headers: { authorization: `Capture ${token}` } });
    expect(boot.json()).toMatchObject({
      branding: { name: 'Acme Bank', logo_url: LOGO, accent_color: '#0f766e' },
      failure_redirect_url: 'https://app.example/no',
      success_redirect_url: null,
      light_challenge: true,
    });

    const inline = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: pay invoice 7', policy: { branding: { name: 'Your Bank' } } } });
    expect(inline.statusCode).toBe(400);
    expect(inline.json().error.message).toMatch(/branding.*stored policy/);
  });

  it('without branding the bootstrap says null and standard risk has no light challenge', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: pay invoice 8' } });
    const s = res.json();
    const boot = await t.app.inject({ url: `/v1/capture/${s.session_id}`, headers: { authorization: `Capture ${s.verification_url.split('#')[1]}` } });
    expect(boot.json()).toMatchObject({ branding: null, light_challenge: false });
  });
});
