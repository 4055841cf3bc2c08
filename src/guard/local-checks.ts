/**
 * Leak-guard checks that need no network (SPEC §5.8): public listeners without TLS, data dir and
 * key files readable by others, retention switched off (or so long it is off in effect), and
 * secrets written into the config file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { isLoopbackHost, tlsDir, tlsWanted } from '../transport/http/tls.js';
import { fail, ok, warn, type CheckResult } from './check.js';

/** Longer than this (days) is retention "off" in effect (SPEC §4.7 defaults are ≤ 1 year). */
export const RETENTION_OFF_DAYS = 3650;

const isWin = process.platform === 'win32';
const exposed = (file: string): number | null => {
  if (isWin || !existsSync(file)) return null;
  const mode = statSync(file).mode & 0o777;
  return (mode & 0o077) !== 0 ? mode : null;
};

export function checkListeners(config: Readonly<Config>): CheckResult[] {
  const out: CheckResult[] = [];
  const { host, port } = config.http;
  if (!isLoopbackHost(host) && !tlsWanted(config)) {
    out.push(fail('listener.http', `HTTP listens on ${host}:${port} without TLS`, 'set http.tls.mode to auto or on (or bind http.host to 127.0.0.1)'));
  } else {
    out.push(ok('listener.http', tlsWanted(config) ? `HTTP on ${host}:${port} with TLS` : `HTTP on loopback ${host}:${port}`));
  }
  if (config.mqtt.enabled && !isLoopbackHost(config.mqtt.host)) {
    out.push(fail('listener.mqtt', `the embedded MQTT broker listens on ${config.mqtt.host}:${config.mqtt.port} without TLS`, 'bind mqtt.host to 127.0.0.1 and expose it through a TLS-terminating proxy'));
  } else {
    out.push(ok('listener.mqtt', config.mqtt.enabled ? `MQTT on loopback ${config.mqtt.host}:${config.mqtt.port}` : 'embedded MQTT broker disabled'));
  }
  return out;
}

function secretFiles(dataDir: string): string[] {
  const files: string[] = [];
  const keys = join(dataDir, 'keys');
  if (existsSync(keys)) for (const f of readdirSync(keys)) files.push(join(keys, f));
  const tls = tlsDir(dataDir);
  if (existsSync(tls)) for (const f of readdirSync(tls)) if (f.endsWith('.key')) files.push(join(tls, f));
  if (existsSync(dataDir)) for (const f of readdirSync(dataDir)) if (/^parapet\.db/.test(f)) files.push(join(dataDir, f));
  return files;
}

export function checkPermissions(config: Readonly<Config>): CheckResult[] {
  const out: CheckResult[] = [];
  const dir = config.data_dir;
  if (!existsSync(dir)) {
    out.push(ok('data_dir.permissions', `${dir} does not exist yet; it will be created with mode 700`));
  } else {
    const mode = exposed(dir);
    out.push(mode === null ? ok('data_dir.permissions', `${dir} is private`) : fail('data_dir.permissions', `${dir} is open to group or others (mode ${mode.toString(8)})`, `chmod 700 ${dir}`));
  }
  const leaky = secretFiles(dir).flatMap((f) => {
    const mode = exposed(f);
    return mode === null ? [] : [{ f, mode }];
  });
  // Secrets kept outside the data dir: the TLS key, the DC-09 account keys.
  for (const f of [config.http.tls.key_file, config.integrations.sia.keys_file]) {
    if (f === undefined || !existsSync(f)) continue;
    const mode = exposed(f);
    if (mode !== null) leaky.push({ f, mode });
  }
  out.push(
    leaky.length === 0
      ? ok('keys.permissions', 'key, certificate-key and database files are private')
      : fail('keys.permissions', `readable by group or others: ${leaky.map((l) => `${l.f} (${l.mode.toString(8)})`).join(', ')}`, `chmod 600 ${leaky.map((l) => l.f).join(' ')}`),
  );
  return out;
}

export function checkRetention(config: Readonly<Config>): CheckResult {
  const r = config.privacy.retention;
  const days: Array<[string, number]> = [
    ['lpr_minutes', r.lpr_minutes / 1440],
    ['lpr_hit_days', r.lpr_hit_days],
    ['access_days', r.access_days],
    ['camera_days', r.camera_days],
    ['fire_days', r.fire_days],
    ['env_days', r.env_days],
    ['health_days', r.health_days],
    ['telemetry_days', r.telemetry_days],
    ['system_days', r.system_days],
  ];
  const off = days.filter(([, d]) => d > RETENTION_OFF_DAYS).map(([k]) => k);
  if (off.length > 0) {
    return fail('retention', `retention is off in effect for ${off.join(', ')} (more than ${RETENTION_OFF_DAYS} days)`, 'set privacy.retention to the periods your legal basis allows (defaults: SPEC §4.7)');
  }
  if (r.purge_interval_s > 86_400) {
    return fail('retention', `the purge job runs only every ${r.purge_interval_s} s`, 'set privacy.retention.purge_interval_s to at most 86400');
  }
  return ok('retention', `on: plate reads ${r.lpr_minutes} min, longest ${Math.max(...days.map(([, d]) => d))} days, purge every ${r.purge_interval_s} s`);
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s@/'"]+@/i, 'a URL with a password'],
  [/\bpp[tdse]_[A-Za-z0-9_-]{20,}/, 'a Parapet token or secret'],
  [/^\s*["']?(password|passwd|secret|token|api_key|apikey|master_key|private_key)["']?\s*[:=]\s*["']?[^\s"'#]{4,}/im, 'a password or secret value'],
  // integrations.sia.keys: a DC-09 account mapped to its AES key (128, 192 or 256 bits in hex).
  [/^\s*["']?[0-9A-Fa-f]{3,16}["']?\s*:\s*["']?(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{32})["']?\s*,?\s*$/m, 'a DC-09 account key'],
];

/** Secrets in the config file: a fail when others can read the file, a warning when it is 0600. */
export function checkConfigSecrets(configFile: string | undefined): CheckResult {
  if (configFile === undefined) return ok('config.secrets', 'no config file');
  if (!existsSync(configFile)) return ok('config.secrets', `${configFile} not found`);
  const text = readFileSync(configFile, 'utf8');
  const found: string[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    for (const [re, what] of SECRET_PATTERNS) if (re.test(lineText)) found.push(`line ${i + 1}: ${what}`);
  });
  if (found.length === 0) return ok('config.secrets', `${configFile} holds no secrets`);
  const mode = exposed(configFile);
  const fix = 'move secrets to the environment (e.g. PARAPET_STORE_POSTGRES_URL, PARAPET_MASTER_KEY) or keep the file at chmod 600';
  return mode !== null
    ? fail('config.secrets', `${configFile} (mode ${mode.toString(8)}) holds ${found.join('; ')}`, fix)
    : warn('config.secrets', `${configFile} holds ${found.join('; ')} (file is private)`, fix);
}
