import { describe, expect, it } from 'vitest';
import { identityNoticeText } from '../../capture/app/identity-notice.ts';

describe('identity notice', () => {
  it('says a template is kept for this account and for how long, in the person\'s language', () => {
    const en = identityNoticeText({ mode: 'match', retention_days: 90 }, ['en-GB']);
    expect(en).toMatch(/face template/);
    expect(en).toMatch(/this account/);
    expect(en).toContain('90 days');
    expect(identityNoticeText({ mode: 'match', retention_days: 30 }, ['de-DE', 'en'])).toContain('30 Tage');
    expect(identityNoticeText({ mode: 'enroll', retention_days: 7 }, ['it-IT'])).toContain('7 days'); // unknown language: English
  });
});
