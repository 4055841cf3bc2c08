import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../config/load.js';
import { refuseRenegotiation, resolveTls, tlsWanted, type TlsSetup } from './tls.js';

let dir: string;
let setup: TlsSetup;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parapet-tls-'));
  const s = await resolveTls(testConfig({ data_dir: dir, http: { tls: { mode: 'on' } } }));
  if (!s) throw new Error('TLS expected');
  setup = s;
  server = createServer(setup.options, (_req, res) => res.end('ok'));
  refuseRenegotiation(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function handshake(opts: ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(join(dir, 'tls', 'ca.crt')), ...opts }, () => {
      const r = { protocol: s.getProtocol(), cipher: s.getCipher().name };
      s.end();
      resolve(r);
    });
    s.on('error', reject);
  });
}

describe('TLS setup', () => {
  it('wants TLS off loopback in auto mode, and when forced on', () => {
    expect(tlsWanted(testConfig({ http: { host: '127.0.0.1' } }))).toBe(false);
    expect(tlsWanted(testConfig({ http: { host: '0.0.0.0' } }))).toBe(true);
    expect(tlsWanted(testConfig({ http: { host: '127.0.0.1', tls: { mode: 'on' } } }))).toBe(true);
  });

  it('creates a per-install CA and a server certificate with private keys at 0600', () => {
    expect(setup.createdCa).toBe(true);
    for (const f of ['ca.key', 'server.key']) expect(statSync(join(dir, 'tls', f)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tls')).mode & 0o777).toBe(0o700);
    const ca = new X509Certificate(readFileSync(join(dir, 'tls', 'ca.crt')));
    const leaf = new X509Certificate(readFileSync(join(dir, 'tls', 'server.crt')));
    expect(setup.fingerprint).toBe(ca.fingerprint256);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(Date.parse(leaf.validTo) - Date.now()).toBeLessThan(398 * 86_400_000);
  });

  it('reuses the CA on the next start', async () => {
    const again = await resolveTls(testConfig({ data_dir: dir, http: { tls: { mode: 'on' } } }));
    expect(again?.createdCa).toBe(false);
    expect(again?.fingerprint).toBe(setup.fingerprint);
  });

  it('negotiates TLS 1.3 and TLS 1.2 with ECDHE and AEAD ciphers only', async () => {
    expect((await handshake({})).protocol).toBe('TLSv1.3');
    const t12 = await handshake({ maxVersion: 'TLSv1.2' });
    expect(t12.protocol).toBe('TLSv1.2');
    expect(t12.cipher).toMatch(/^ECDHE-.*(GCM|CHACHA20)/);
  });

  it('refuses TLS 1.1 and CBC or non-ECDHE suites', async () => {
    await expect(handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow();
    await expect(handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:AES128-GCM-SHA256' })).rejects.toThrow();
  });

  it('refuses a configured key file readable by others, and half a configuration', async () => {
    const key = join(dir, 'k.pem');
    writeFileSync(key, readFileSync(join(dir, 'tls', 'server.key')));
    chmodSync(key, 0o644);
    const cfg = testConfig({ data_dir: dir, http: { tls: { mode: 'on', key_file: key, cert_file: join(dir, 'tls', 'server.crt') } } });
    await expect(resolveTls(cfg)).rejects.toThrow(/chmod 600/);
    chmodSync(key, 0o600);
    expect((await resolveTls(cfg))?.caFile).toBeNull();
    await expect(resolveTls(testConfig({ data_dir: dir, http: { tls: { mode: 'on', key_file: key } } }))).rejects.toThrow(/both/);
  });
});
