import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { DEFAULT_HTTP_PORT, DEFAULT_MQTT_PORT } from './schema.js';
import { ParapetError } from '../core/errors.js';

function detail(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof ParapetError ? e.detail : String(e);
  }
}

describe('configuration', () => {
  it('fills every default, binds loopback and keeps retention on', () => {
    const c = loadConfig();
    expect(c.http.host).toBe('127.0.0.1');
    expect(c.http.port).toBe(DEFAULT_HTTP_PORT);
    expect(c.mqtt.port).toBe(DEFAULT_MQTT_PORT);
    expect(c.privacy.retention.lpr_minutes).toBe(72 * 60);
    expect(c.privacy.k_anonymity).toBe(5);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('applies flags over environment over file over defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-cfg-'));
    const file = join(dir, 'parapet.yaml');
    writeFileSync(file, 'http:\n  port: 9001\n  max_batch: 50\nlog:\n  level: warn\n');
    const c = loadConfig({ file, env: { PARAPET_HTTP_PORT: '9002', PARAPET_LOG_LEVEL: 'error' }, flags: { http: { port: 9003 } } });
    expect(c.http.port).toBe(9003);
    expect(c.log.level).toBe('error');
    expect(c.http.max_batch).toBe(50);
  });

  it('rejects unknown keys naming their path, and bad values', () => {
    expect(detail(() => loadConfig({ flags: { http: { prot: 1 } } }))).toBe('unknown key http.prot');
    expect(detail(() => loadConfig({ flags: { nonsense: true } }))).toBe('unknown key nonsense');
    expect(detail(() => loadConfig({ env: { PARAPET_HTTP_PORT: 'eighty' } }))).toMatch(/http\.port/);
    expect(detail(() => loadConfig({ flags: { privacy: { retention: { lpr_minutes: 0 } } } }))).toMatch(/lpr_minutes/);
  });

  it('names a config file it cannot read or parse', () => {
    expect(detail(() => loadConfig({ file: '/nonexistent/parapet.json' }))).toMatch(/cannot read config file/);
    const dir = mkdtempSync(join(tmpdir(), 'parapet-cfg-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ nope');
    expect(detail(() => loadConfig({ file }))).toMatch(/is not valid/);
  });
});
