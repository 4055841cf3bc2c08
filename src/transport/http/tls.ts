/**
 * TLS for the HTTP listener (SPEC §5.5). Anything but loopback requires TLS (`http.tls.mode: auto`
 * turns it on by itself there). With no certificate configured, first start creates a per-install
 * CA and a server certificate signed by it in `<data_dir>/tls/` (private keys 0600) and reports the
 * CA's SHA-256 fingerprint, so clients can pin or install it. Only TLS 1.2 and 1.3, only ECDHE key
 * exchange with AEAD ciphers (Node 20's default list still offers CBC and SHA-1 suites), no
 * client-initiated renegotiation.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { ServerOptions } from 'node:https';
import { generate } from 'selfsigned';
import type { Config } from '../../config/schema.js';
import { DAY } from '../../core/clock.js';
import { ParapetError } from '../../core/errors.js';

/**
 * Mozilla "intermediate" TLS 1.2 suites restricted to ECDHE + AEAD, then the TLS 1.3 suites
 * (all AEAD). No CBC, no SHA-1 MAC, no static RSA, no finite-field DHE.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;
export const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
export const TLS_CIPHERS = [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':');
export const TLS_MIN_VERSION = 'TLSv1.2';

/** Browsers refuse leaf certificates valid longer than 398 days (CA/B Forum BR 6.3.2). */
const SERVER_CERT_DAYS = 397;
const CA_CERT_DAYS = 3650;
/** A generated server certificate is renewed (from the same CA) when it has less than this left. */
const RENEW_BEFORE_MS = 30 * DAY;

export interface TlsSetup {
  readonly options: ServerOptions;
  /** The CA that signed the certificate, when Parapet made it (null for a configured certificate). */
  readonly caFile: string | null;
  /** SHA-256 fingerprint of that CA (or of the configured certificate), colon-separated hex. */
  readonly fingerprint: string;
  /** True when this start created the CA. */
  readonly createdCa: boolean;
  readonly certFile: string;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether the listener must (mode on, or auto off loopback) use TLS. */
export function tlsWanted(config: Readonly<Config>): boolean {
  const mode = config.http.tls.mode;
  return mode === 'on' || (mode === 'auto' && !isLoopbackHost(config.http.host));
}

export function tlsDir(dataDir: string): string {
  return join(dataDir, 'tls');
}

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function assertPrivateKeyFile(file: string): void {
  const st = statSync(file);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new ParapetError('invalid_config', `TLS key ${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
}

function serverNames(host: string): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  const h = hostname();
  if (h) dns.add(h);
  if (host !== '0.0.0.0' && host !== '::' && host !== '') {
    if (isIP(host)) ips.add(host);
    else dns.add(host);
  }
  return { dns: [...dns], ips: [...ips] };
}

async function makeCa(dir: string): Promise<void> {
  const now = Date.now();
  const ca = await generate([{ name: 'commonName', value: `Parapet install CA ${new Date(now).toISOString().slice(0, 10)}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 5 * 60_000),
    notAfterDate: new Date(now + CA_CERT_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  writePrivate(join(dir, 'ca.key'), ca.private);
  writeFileSync(join(dir, 'ca.crt'), ca.cert, { mode: 0o644 });
}

async function makeServerCert(dir: string, host: string): Promise<void> {
  const now = Date.now();
  const names = serverNames(host);
  const srv = await generate([{ name: 'commonName', value: names.dns[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 5 * 60_000),
    notAfterDate: new Date(now + SERVER_CERT_DAYS * DAY),
    ca: { key: readFileSync(join(dir, 'ca.key'), 'utf8'), cert: readFileSync(join(dir, 'ca.crt'), 'utf8') },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  writePrivate(join(dir, 'server.key'), srv.private);
  writeFileSync(join(dir, 'server.crt'), srv.cert, { mode: 0o644 });
}

function needsNewServerCert(dir: string, host: string): boolean {
  const file = join(dir, 'server.crt');
  if (!existsSync(file) || !existsSync(join(dir, 'server.key'))) return true;
  const cert = new X509Certificate(readFileSync(file));
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return true;
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
  if (!cert.checkIssued(ca)) return true;
  const bare = host.replace(/^\[|\]$/g, '');
  return !(host === '0.0.0.0' || host === '::' || (isIP(bare) ? cert.checkIP(bare) : cert.checkHost(bare)));
}

export function hardenedOptions(key: string | Buffer, cert: string | Buffer): ServerOptions {
  return {
    key,
    cert,
    minVersion: TLS_MIN_VERSION,
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    ecdhCurve: 'X25519:P-256:P-384',
    // Session tickets are fine; no client renegotiation (disabled per socket, see disableRenegotiation).
  };
}

/** Null when TLS is not wanted; otherwise the server options, making the CA and certificate on first use. */
export async function resolveTls(config: Readonly<Config>): Promise<TlsSetup | null> {
  if (!tlsWanted(config)) return null;
  const { cert_file: certFile, key_file: keyFile } = config.http.tls;
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) throw new ParapetError('invalid_config', 'http.tls needs both cert_file and key_file (or neither, for a generated certificate)');
    assertPrivateKeyFile(keyFile);
    const cert = readFileSync(certFile);
    return { options: hardenedOptions(readFileSync(keyFile), cert), caFile: null, fingerprint: new X509Certificate(cert).fingerprint256, createdCa: false, certFile };
  }
  const dir = tlsDir(config.data_dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const createdCa = !existsSync(join(dir, 'ca.key')) || !existsSync(join(dir, 'ca.crt'));
  if (createdCa) await makeCa(dir);
  assertPrivateKeyFile(join(dir, 'ca.key'));
  if (createdCa || needsNewServerCert(dir, config.http.host)) await makeServerCert(dir, config.http.host);
  assertPrivateKeyFile(join(dir, 'server.key'));
  const caPem = readFileSync(join(dir, 'ca.crt'));
  // The leaf alone: the CA is a root that clients install or pin themselves (never sent as trust).
  return {
    options: hardenedOptions(readFileSync(join(dir, 'server.key')), readFileSync(join(dir, 'server.crt'))),
    caFile: join(dir, 'ca.crt'),
    fingerprint: new X509Certificate(caPem).fingerprint256,
    createdCa,
    certFile: join(dir, 'server.crt'),
  };
}

/** Client-initiated renegotiation is a DoS lever (CVE-2011-1473); refuse it on every connection. */
export function refuseRenegotiation(server: { on(event: 'secureConnection', fn: (s: { disableRenegotiation(): void }) => void): unknown }): void {
  server.on('secureConnection', (socket) => socket.disableRenegotiation());
}
