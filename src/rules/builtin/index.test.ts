import { describe, expect, it } from 'vitest';
import { validateRules } from '../rule-validate.js';
import { BUILTIN_RULES } from './index.js';

describe('built-in pack', () => {
  it('validates against the rule format', () => {
    expect(validateRules(BUILTIN_RULES, 'builtin')).toHaveLength(BUILTIN_RULES.length);
  });

  it('covers every alert SPEC §2.1 names', () => {
    const ids = BUILTIN_RULES.map((r) => r.id);
    for (const id of [
      'camera-offline', 'camera-video-loss', 'camera-tamper', 'device-heartbeat-missing', 'equipment-fault', 'low-battery',
      'fire-alarm', 'sprinkler-waterflow', 'fire-supervisory', 'fire-trouble', 'door-forced', 'door-held-open',
      'repeated-denials', 'revoked-credential', 'watchlisted-plate', 'zone-over-capacity', 'air-quality-pm25',
      'prohibited-attributes',
    ]) expect(ids).toContain(id);
  });

  it('keeps every rule on by default and gives each a procedure', () => {
    for (const r of BUILTIN_RULES) {
      expect(r.enabled).not.toBe(false);
      expect(r.procedure.length).toBeGreaterThan(40);
    }
  });
});
