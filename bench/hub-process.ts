/**
 * The hub under test for the end-to-end section, in its own process so its CPU and memory are its
 * own: `tsx bench/hub-process.ts DATA_DIR DEVICES COMMIT_BATCH`. It starts the real hub (SQLite
 * store, rules, auth — everything but MQTT), registers the benchmark's devices, and prints one JSON
 * line {url, ingest, operator} with the HTTP URL and two tokens. SIGTERM closes it.
 */
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/core/log.js';
import { startHub } from '../src/hub.js';
import { districtDevices } from './rows.js';

const [dir, devicesArg, commitBatchArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: hub-process.ts DATA_DIR DEVICES COMMIT_BATCH');
const config = loadConfig({
  flags: {
    data_dir: dir,
    http: { port: 0 },
    mqtt: { enabled: false, port: 0 },
    log: { level: 'warn' },
    store: { kind: 'sqlite' },
    ...(commitBatchArg ? { ingest: { commit_batch: Number(commitBatchArg) } } : {}),
  },
});
const hub = await startHub({ config, env: {}, logger: createLogger('warn') });
for (const d of districtDevices(Number(devicesArg ?? 1000))) await hub.deps.registry.put(d);
const ingest = await hub.deps.auth.createToken('bench-ingest', 'ingest', []);
const operator = await hub.deps.auth.createToken('bench-operator', 'operator', []);
process.stdout.write(`${JSON.stringify({ url: hub.httpUrl, ingest: ingest.secret, operator: operator.secret })}\n`);

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void hub.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
