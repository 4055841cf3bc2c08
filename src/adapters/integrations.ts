/**
 * The long-running integrations the hub starts when configured (SPEC §6): the Frigate MQTT bridge
 * and the SIA DC-09 receiver. Webhook integrations need nothing started: they are HTTP routes
 * (transport/http/routes/integrations.ts).
 */
import { ParapetError } from '../core/errors.js';
import type { HubDeps } from '../hub-deps.js';
import { startFrigateBridge, type FrigateBridge } from './frigate-bridge.js';
import { startSiaServer, type SiaServer } from './sia-server.js';

export interface Integrations {
  readonly frigate: FrigateBridge | null;
  readonly sia: SiaServer | null;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

export async function startIntegrations(deps: HubDeps): Promise<Integrations> {
  const cfg = deps.config.integrations;
  let sia: SiaServer | null = null;
  let frigate: FrigateBridge | null = null;
  try {
    if (cfg.sia.enabled) {
      // Unencrypted DC-09 authenticates nobody: off loopback, anyone could fake a fire alarm (SPEC §5.5).
      if (!isLoopback(cfg.sia.host)) {
        throw new ParapetError('invalid_config', `the SIA DC-09 receiver speaks unencrypted DC-09, so listening on ${cfg.sia.host} is refused (SPEC §5.5); bind 127.0.0.1 behind a VPN or an encrypting receiver`);
      }
      sia = await startSiaServer(deps, cfg.sia);
    }
    if (cfg.frigate.enabled) frigate = await startFrigateBridge(deps, { settings: cfg.frigate, allowAnonymousBroker: deps.config.guard.allow_unsafe });
  } catch (err) {
    await sia?.close();
    throw err;
  }
  return {
    frigate,
    sia,
    async close() {
      await frigate?.close();
      await sia?.close();
    },
  };
}
