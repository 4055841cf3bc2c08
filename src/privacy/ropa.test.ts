import { describe, expect, it } from 'vitest';
import { testConfig } from '../config/load.js';
import { buildRopa, renderRopaHtml } from './ropa.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

describe('record of processing (GDPR Art. 30)', () => {
  it('covers every Art. 30(1) item for each activity, from the configuration', () => {
    const r = buildRopa(testConfig(), T0, { controller: 'Harbour District Ltd', contact: 'privacy@harbour.example', dpo: 'dpo@harbour.example' });
    expect(r.controller).toEqual({ name: 'Harbour District Ltd', contact: 'privacy@harbour.example', dpo: 'dpo@harbour.example' });
    expect(r.activities.map((a) => a.name)).toEqual(['Licence-plate recognition', 'Access control', 'Wi-Fi presence counting', 'Video analytics events', 'Operator accounts and audit log']);
    for (const a of r.activities) {
      expect(a.purposes.length).toBeGreaterThan(0);
      expect(a.data_subjects.length).toBeGreaterThan(0);
      expect(a.personal_data.length).toBeGreaterThan(0);
      expect(a.recipients.length).toBeGreaterThan(0);
      expect(a.third_country_transfers).not.toBe('');
      expect(a.erasure).not.toBe('');
    }
    const lpr = r.activities[0];
    expect(lpr?.erasure).toContain('72 h');
    expect(lpr?.erasure).toContain('30 days');
    expect(r.activities[2]?.personal_data[0]).toMatch(/discarded within 5 minutes/);
    expect(r.security_measures.join(' ')).toMatch(/encrypted at rest/);
    expect(r.not_collected).toContain('person names');
  });

  it('follows the configuration: dwell mode, dual control off, shorter retention, other store, TLS', () => {
    const r = buildRopa(
      testConfig({ privacy: { wifi_mode: 'dwell', dual_control: false, retention: { lpr_minutes: 30 } }, store: { kind: 'memory' }, http: { tls: { mode: 'off' } } }),
      T0,
    );
    expect(r.controller.name).toMatch(/to be completed/);
    expect(r.activities[0]?.erasure).toContain('30 min');
    expect(r.activities[0]?.recipients.join(' ')).toMatch(/SWITCHED OFF/);
    expect(r.activities[2]?.personal_data[0]).toMatch(/24 hours/);
    expect(r.activities[2]?.erasure).toMatch(/after 24 h/);
    expect(r.security_measures).toContain('store: memory');
    expect(r.security_measures).toContain('loopback-only listeners (TLS off)');
  });

  it('renders readable HTML', () => {
    const html = renderRopaHtml(buildRopa(testConfig(), T0, { controller: 'A & B' }));
    expect(html).toContain('<h1>Record of processing activities (GDPR Art. 30)</h1>');
    expect(html).toContain('A &#38; B');
    expect(html).toContain('<h2>Licence-plate recognition</h2>');
    expect(html).toContain('Time limits for erasure');
  });
});
