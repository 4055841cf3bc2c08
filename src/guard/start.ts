/** The leak guard's two moments in `startHub` (SPEC §5.8): before any listener opens, and right after. */
import type { Config } from '../config/schema.js';
import { ParapetError } from '../core/errors.js';
import { failures, formatCheck } from './check.js';
import { enforceGuard, probeOwnListeners, runGuard, type GuardLogger, type OwnListeners } from './guard.js';

/** Runs every check; throws (invalid_config) on a failure unless `guard.allow_unsafe`. Returns failures overridden. */
export async function guardBeforeStart(config: Readonly<Config>, configFile: string | undefined, log: GuardLogger): Promise<number> {
  const results = await runGuard({ config, probe: config.guard.probe_external, ...(configFile !== undefined ? { configFile } : {}) });
  enforceGuard(results, config.guard.allow_unsafe, log);
  return failures(results).length;
}

/** Knocks on our own listeners without credentials; throws when one lets us in (unless overridden). */
export async function guardAfterStart(listeners: OwnListeners, config: Readonly<Config>, log: GuardLogger): Promise<void> {
  const results = await probeOwnListeners(listeners);
  for (const r of results) log.info({ mod: 'guard', check: r.name }, formatCheck(r));
  const bad = failures(results);
  if (bad.length === 0) return;
  if (!config.guard.allow_unsafe) throw new ParapetError('internal', `the leak guard's self-probe failed: ${bad.map((r) => formatCheck(r)).join(' | ')}`);
  for (const r of bad) log.error({ mod: 'guard', override: true }, `LEAK GUARD OVERRIDDEN (guard.allow_unsafe): ${formatCheck(r)}`);
}
