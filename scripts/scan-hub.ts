/**
 * A Parapet hub for the external scanners (scripts/scan.sh): loopback only, TLS on (generated
 * per-install CA), a temp data dir, a few devices and events, and one token per role. Writes what
 * the scanners need to the JSON file named by argv[2], then runs until SIGTERM / SIGINT.
 * Store and other settings follow PARAPET_* as usual (default: the SQLite store).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/core/log.js';
import { startHub } from '../src/hub.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: tsx scripts/scan-hub.ts OUT.json\n');
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), 'parapet-scan-'));
const config = loadConfig({
  env: process.env,
  flags: {
    data_dir: dataDir,
    http: { host: '127.0.0.1', port: 0, tls: { mode: 'on' }, rate_limit_per_min: 1_000_000 },
    mqtt: { enabled: false, port: 0 },
    log: { level: 'warn' },
  },
});
const hub = await startHub({ config, env: process.env, logger: createLogger('warn') });
const { auth, registry, pipeline } = hub.deps;
for (const [id, type, site] of [
  ['cam-1', 'camera', 'harbour'],
  ['lpr-1', 'lpr', 'harbour'],
  ['env-1', 'env', 'campus'],
] as const) {
  await registry.put({ id, type, site, zone: 'gate-north', name: `${id} scanner fixture`, lat: 38.7681, lon: -9.0952, heartbeat_s: 60 });
}
const tokens: Record<string, string> = {};
for (const role of ['admin', 'operator', 'investigator', 'auditor', 'ingest'] as const) {
  tokens[role] = (await auth.createToken(`scan-${role}`, role, [])).secret;
}
const ingest = await auth.authenticateBearer(tokens.ingest ?? '');
if (!ingest) throw new Error('the ingest token does not authenticate');
const now = Date.now();
await pipeline.ingest(
  [
    { item: { id: 'scan-1', ts: now - 60_000, device: 'cam-1', kind: 'camera.intrusion', data: { zone: 'gate-north', object: 'person', confidence: 0.9 } } },
    { item: { id: 'scan-2', ts: now - 30_000, device: 'lpr-1', kind: 'lpr.read', data: { plate: 'AB123CD' } } },
    { item: { id: 'scan-3', ts: now - 10_000, device: 'env-1', kind: 'env.noise', data: { laeq: 61.5 } } },
  ],
  { principal: ingest },
);
writeFileSync(out, JSON.stringify({ url: hub.httpUrl, ca: hub.tls?.caFile ?? null, fingerprint: hub.tls?.fingerprint ?? null, admin_password: hub.firstAdmin?.password ?? null, tokens, data_dir: dataDir }, null, 2), { mode: 0o600 });
process.stderr.write(`scan hub listening on ${hub.httpUrl} (CA ${hub.tls?.fingerprint ?? 'none'})\n`);

const stop = async (): Promise<void> => {
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
