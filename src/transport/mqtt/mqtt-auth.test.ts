import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.js';
import type { Device } from '../../core/device.js';
import type { Principal } from '../../auth/principal.js';
import { LoginBackoff } from './backoff.js';
import { MqttAuthenticator, type MqttAuthDeps } from './mqtt-auth.js';

const cam: Device = { id: 'cam-1', type: 'camera', name: 'Cam', site: 'harbour', zone: 'gate', lat: null, lon: null, heartbeat_s: 60 };
const operator: Principal = { kind: 'token', id: 'tok_1', name: 'wall', role: 'operator', sites: [] };
const ingest: Principal = { kind: 'token', id: 'tok_2', name: 'feeder', role: 'ingest', sites: [] };

function setup() {
  const clock = new FakeClock();
  const deps: MqttAuthDeps = {
    registry: { get: (id) => (id === 'cam-1' ? cam : undefined) },
    auth: {
      verifyDeviceSecret: async (device, secret) => secret === `secret-of-${device}`,
      authenticateBearer: async (s) => (s === 'ppt_op' ? operator : s === 'ppt_in' ? ingest : null),
    },
  };
  const backoff = new LoginBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 4000, maxKeys: 10, now: () => clock.now() });
  return { clock, auth: new MqttAuthenticator(deps, backoff) };
}
const pw = (s: string) => Buffer.from(s);

describe('MQTT login', () => {
  it('refuses anonymous clients as not authorized', async () => {
    const { auth } = setup();
    expect(await auth.login('1.1.1.1', undefined, undefined)).toMatchObject({ ok: false, reason: 'anonymous', returnCode: 5 });
    expect(await auth.login('1.1.1.1', 'cam-1', undefined)).toMatchObject({ ok: false, reason: 'anonymous' });
    expect(await auth.login('1.1.1.1', '', pw('x'))).toMatchObject({ ok: false, reason: 'anonymous' });
  });

  it('logs a registered device in as itself, scoped to its site', async () => {
    const { auth } = setup();
    expect(await auth.login('1.1.1.1', 'cam-1', pw('secret-of-cam-1'))).toEqual({
      ok: true,
      principal: { kind: 'device', id: 'cam-1', name: 'cam-1', role: 'ingest', sites: ['harbour'] },
    });
  });

  it('refuses a wrong secret and an unregistered device alike', async () => {
    const { auth } = setup();
    expect(await auth.login('1.1.1.1', 'cam-1', pw('nope'))).toMatchObject({ ok: false, reason: 'bad_credentials', returnCode: 4 });
    expect(await auth.login('1.1.1.2', 'cam-9', pw('secret-of-cam-9'))).toMatchObject({ ok: false, reason: 'bad_credentials', returnCode: 4 });
  });

  it('accepts an operator token and refuses a token whose role cannot read alerts', async () => {
    const { auth } = setup();
    expect(await auth.login('1.1.1.1', 'token', pw('ppt_op'))).toEqual({ ok: true, principal: operator });
    expect(await auth.login('1.1.1.1', 'token', pw('ppt_in'))).toMatchObject({ ok: false, reason: 'role_not_allowed', returnCode: 5 });
    expect(await auth.login('1.1.1.1', 'token', pw('ppt_bad'))).toMatchObject({ ok: false, reason: 'bad_credentials' });
  });

  it('throttles an address after repeated bad passwords, even for the right one, until the wait passes', async () => {
    const { auth, clock } = setup();
    for (let i = 0; i < 3; i++) await auth.login('6.6.6.6', 'cam-1', pw('guess'));
    expect(await auth.login('6.6.6.6', 'cam-1', pw('secret-of-cam-1'))).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await auth.login('7.7.7.7', 'cam-1', pw('secret-of-cam-1'))).ok).toBe(true);
    clock.advance(1000);
    expect((await auth.login('6.6.6.6', 'cam-1', pw('secret-of-cam-1'))).ok).toBe(true);
  });

  it('refuses an oversized password without checking it', async () => {
    const { auth } = setup();
    expect(await auth.login('1.1.1.1', 'cam-1', Buffer.alloc(300, 0x61))).toMatchObject({ ok: false, reason: 'bad_credentials' });
  });
});
