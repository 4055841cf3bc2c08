import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../config/load.js';
import { formatCheck, type CheckResult } from './check.js';
import { checkExternal, enforceGuard, probeOwnListeners, runGuard } from './guard.js';
import { checkConfigSecrets, checkPermissions, checkRetention } from './local-checks.js';
import { probeMqttAnonymous } from './probes.js';
import { freePort } from '../../test/helpers/ports.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parapet-guard-'));
  chmodSync(dir, 0o700);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byName = (rs: CheckResult[], name: string) => rs.find((r) => r.name === name);

function collectingLog() {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    error: (_o: object, m: string) => void lines.push(['error', m]),
    warn: (_o: object, m: string) => void lines.push(['warn', m]),
    info: (_o: object, m: string) => void lines.push(['info', m]),
  };
}

describe('leak guard: local checks', () => {
  it('passes a default loopback configuration', async () => {
    const results = await runGuard({ config: testConfig({ data_dir: dir }) });
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
  });

  it('fails a public HTTP listener without TLS and names the fix', async () => {
    const results = await runGuard({ config: testConfig({ data_dir: dir, http: { host: '0.0.0.0', tls: { mode: 'off' } } }) });
    const r = byName(results, 'listener.http');
    expect(r?.status).toBe('fail');
    expect(formatCheck(r as CheckResult)).toMatch(/^FAIL listener\.http: HTTP listens on 0\.0\.0\.0:\d+ without TLS — fix: set http\.tls\.mode/);
    expect(byName(await runGuard({ config: testConfig({ data_dir: dir, http: { host: '0.0.0.0' } }) }), 'listener.http')?.status).toBe('ok');
  });

  it('fails a public MQTT listener', async () => {
    const results = await runGuard({ config: testConfig({ data_dir: dir, mqtt: { host: '0.0.0.0' } }) });
    expect(byName(results, 'listener.mqtt')?.status).toBe('fail');
  });

  it('fails a data dir or key file readable by others', () => {
    const d = mkdtempSync(join(tmpdir(), 'parapet-guard-perm-'));
    try {
      mkdirSync(join(d, 'keys'));
      writeFileSync(join(d, 'keys', 'master.key'), 'x', { mode: 0o644 });
      chmodSync(join(d, 'keys', 'master.key'), 0o644);
      chmodSync(d, 0o755);
      const rs = checkPermissions(testConfig({ data_dir: d }));
      expect(byName(rs, 'data_dir.permissions')).toMatchObject({ status: 'fail', fix: `chmod 700 ${d}` });
      expect(byName(rs, 'keys.permissions')).toMatchObject({ status: 'fail', fix: `chmod 600 ${join(d, 'keys', 'master.key')}` });
      chmodSync(d, 0o700);
      chmodSync(join(d, 'keys', 'master.key'), 0o600);
      expect(checkPermissions(testConfig({ data_dir: d })).every((r) => r.status === 'ok')).toBe(true);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('fails retention that is off in effect', () => {
    expect(checkRetention(testConfig({ privacy: { retention: { camera_days: 36_500 } } }))).toMatchObject({ status: 'fail' });
    expect(checkRetention(testConfig({ privacy: { retention: { purge_interval_s: 10 * 86_400 } } }))).toMatchObject({ status: 'fail' });
    expect(checkRetention(testConfig({})).status).toBe('ok');
  });

  it('fails secrets in a config file others can read, and warns when the file is private', () => {
    const f = join(dir, 'parapet.yaml');
    writeFileSync(f, 'store:\n  kind: postgres\n  postgres_url: postgres://parapet:s3cret@db:5432/parapet\n');
    chmodSync(f, 0o644);
    const r = checkConfigSecrets(f);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/line 3: a URL with a password/);
    expect(r.message).not.toMatch(/s3cret/);
    chmodSync(f, 0o600);
    expect(checkConfigSecrets(f).status).toBe('warn');
    writeFileSync(f, 'http:\n  port: 7070\n');
    expect(checkConfigSecrets(f).status).toBe('ok');
    writeFileSync(f, '-----BEGIN EC PRIVATE KEY-----\n');
    chmodSync(f, 0o640);
    expect(checkConfigSecrets(f).message).toMatch(/a private key/);
    // DC-09 account keys written inline, in YAML or JSON.
    const key = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
    writeFileSync(f, `integrations:\n  sia:\n    keys:\n      "1234": ${key}\n`);
    expect(checkConfigSecrets(f).status).toBe('fail');
    expect(checkConfigSecrets(f).message).toMatch(/line 4: a DC-09 account key/);
    expect(checkConfigSecrets(f).message).not.toContain(key);
    writeFileSync(f, `{"integrations": {"sia": {"keys": {\n  "0A1F": "${key}${key}"\n}}}}`);
    expect(checkConfigSecrets(f).message).toMatch(/line 2: a DC-09 account key/);
    writeFileSync(f, `integrations:\n  sia:\n    keys_file: /etc/parapet/dc09-keys.yaml\n`);
    expect(checkConfigSecrets(f).status).toBe('ok');
  });

  it('fails a DC-09 keys file others can read', () => {
    const d = mkdtempSync(join(tmpdir(), 'parapet-guard-sia-'));
    try {
      const keys = join(d, 'dc09-keys.yaml');
      writeFileSync(keys, '"1234": A1B2C3D4E5F60718293A4B5C6D7E8F90\n');
      chmodSync(keys, 0o644);
      const cfg = testConfig({ data_dir: join(d, 'data'), integrations: { sia: { keys_file: keys } } });
      expect(byName(checkPermissions(cfg), 'keys.permissions')).toMatchObject({ status: 'fail', fix: `chmod 600 ${keys}` });
      chmodSync(keys, 0o600);
      expect(byName(checkPermissions(cfg), 'keys.permissions')?.status).toBe('ok');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('leak guard: external services (probed anonymously)', () => {
  it('fails a PostgreSQL that accepts passwordless connections (the local one trusts)', async () => {
    const rs = await checkExternal(testConfig({ store: { postgres_url: 'postgres://postgres:pw@127.0.0.1:5432/postgres' } }), true);
    expect(byName(rs, 'store.postgres.probe')?.status).toBe('fail');
    const noPw = await checkExternal(testConfig({ store: { postgres_url: 'postgres://postgres@127.0.0.1:5432/postgres' } }), false);
    expect(byName(noPw, 'store.postgres')?.message).toMatch(/has no password/);
  });

  it('fails a NATS server that accepts anonymous clients, warns when unreachable', async () => {
    const rs = await checkExternal(testConfig({ bus: { nats_url: 'nats://127.0.0.1:4222' } }), true);
    expect(byName(rs, 'bus.nats.probe')?.status).toBe('fail');
    const closed = await freePort();
    const rs2 = await checkExternal(testConfig({ bus: { nats_url: `nats://127.0.0.1:${closed}` } }), true);
    expect(byName(rs2, 'bus.nats.probe')?.status).toBe('warn');
  });

  it('fails the Frigate bridge broker when it accepts anonymous clients (the local Mosquitto does)', async () => {
    const rs = await checkExternal(testConfig({ integrations: { frigate: { enabled: true, url: 'mqtt://127.0.0.1:1883', username: 'u', password: 'p' } } }), true);
    expect(byName(rs, 'mqtt.bridge.probe')?.status).toBe('fail');
    const off = await checkExternal(testConfig({ integrations: { frigate: { enabled: false, url: 'mqtt://127.0.0.1:1883' } } }), true);
    expect(byName(off, 'mqtt.bridge.probe')).toBeUndefined();
  });

  it('tells an MQTT broker that accepts anonymous clients from one that refuses them', async () => {
    expect((await probeMqttAnonymous('mqtt://127.0.0.1:1883')).result).toBe('accepted');
    const broker = await Aedes.createBroker({
      authenticate: (_c, user, _p, done) => {
        const err = Object.assign(new Error('not authorized'), { returnCode: 5 });
        done(user ? null : err, false);
      },
    });
    const server = createNetServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      expect((await probeMqttAnonymous(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`)).result).toBe('refused');
    } finally {
      await new Promise((r) => server.close(r));
      await new Promise<void>((r) => broker.close(() => r()));
    }
  });
});

describe('leak guard: enforcement and self-probes', () => {
  const bad: CheckResult[] = [{ name: 'listener.http', status: 'fail', message: 'open', fix: 'close it' }];

  it('refuses to start on a failure', () => {
    const log = collectingLog();
    expect(() => enforceGuard(bad, false, log)).toThrow(/leak guard refuses to start: FAIL listener\.http/);
  });

  it('starts with the override but logs every failure loudly', () => {
    const log = collectingLog();
    enforceGuard(bad, true, log);
    expect(log.lines.filter(([l]) => l === 'error').map(([, m]) => m).join('\n')).toMatch(/LEAK GUARD OVERRIDDEN[\s\S]*UNSAFE DEPLOYMENT/);
  });

  it('fails when its own HTTP listener answers an anonymous request', async () => {
    let status = 200;
    const server: Server = createServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await probeOwnListeners({ httpUrl: url, mqttUrl: null }))[0]?.status).toBe('fail');
      status = 401;
      expect((await probeOwnListeners({ httpUrl: url, mqttUrl: null }))[0]?.status).toBe('ok');
      const withMqtt = await probeOwnListeners({ httpUrl: url, mqttUrl: 'mqtt://127.0.0.1:1883' });
      expect(byName(withMqtt, 'self.mqtt')?.status).toBe('fail');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

