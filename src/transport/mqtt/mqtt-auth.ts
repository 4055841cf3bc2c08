/**
 * Who an MQTT client is (SPEC §3, §5.1): nobody connects anonymously. A device logs in as itself
 * (username = its registered id, password = its secret from `parapet device credentials ID`); an
 * operator's machine logs in with username `token` and an API token as password. Failed logins are
 * throttled per client address (backoff.ts), and so is the number of password checks an address may
 * have running at once, because each argon2id check costs ~19 MiB and tens of milliseconds.
 */
import type { Principal } from '../../auth/principal.js';
import { can } from '../../auth/policy.js';
import type { Device } from '../../core/device.js';
import type { LoginBackoff } from './backoff.js';

/** The username that selects bearer-token login; a device cannot be addressed by it. */
export const TOKEN_USERNAME = 'token';
/** Longest password looked at; real secrets and tokens are far shorter. */
const MAX_PASSWORD_BYTES = 256;
/** Password checks one address may have in flight. */
const MAX_PENDING_PER_ADDRESS = 4;

/** MQTT 3.1.1 CONNACK return codes used here. */
export const BAD_USERNAME_OR_PASSWORD = 4;
export const NOT_AUTHORIZED = 5;

export interface MqttAuthDeps {
  readonly registry: { get(id: string): Device | undefined };
  readonly auth: {
    verifyDeviceSecret(device: string, secret: string): Promise<boolean>;
    authenticateBearer(secret: string): Promise<Principal | null>;
  };
}

export type LoginRefusal = 'anonymous' | 'throttled' | 'bad_credentials' | 'role_not_allowed';

export type LoginResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: LoginRefusal; readonly returnCode: typeof BAD_USERNAME_OR_PASSWORD | typeof NOT_AUTHORIZED };

export function devicePrincipal(device: Device): Principal {
  return { kind: 'device', id: device.id, name: device.id, role: 'ingest', sites: [device.site] };
}

export class MqttAuthenticator {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly deps: MqttAuthDeps,
    private readonly backoff: LoginBackoff,
  ) {}

  async login(address: string, username: string | undefined, password: Buffer | undefined): Promise<LoginResult> {
    if (username === undefined || username === '' || password === undefined || password.length === 0) {
      return { ok: false, reason: 'anonymous', returnCode: NOT_AUTHORIZED };
    }
    if (this.backoff.retryAfter(address) > 0 || (this.pending.get(address) ?? 0) >= MAX_PENDING_PER_ADDRESS) {
      return { ok: false, reason: 'throttled', returnCode: NOT_AUTHORIZED };
    }
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
    try {
      const result = await this.check(username, password);
      if (result.ok) this.backoff.succeeded(address);
      else if (result.reason === 'bad_credentials') this.backoff.failed(address);
      return result;
    } finally {
      const n = (this.pending.get(address) ?? 1) - 1;
      if (n <= 0) this.pending.delete(address);
      else this.pending.set(address, n);
    }
  }

  private async check(username: string, password: Buffer): Promise<LoginResult> {
    const bad = { ok: false, reason: 'bad_credentials', returnCode: BAD_USERNAME_OR_PASSWORD } as const;
    if (password.length > MAX_PASSWORD_BYTES) return bad;
    const secret = password.toString('utf8');
    if (username === TOKEN_USERNAME) {
      const principal = await this.deps.auth.authenticateBearer(secret);
      if (!principal) return bad;
      // Only the alerts feed is offered to tokens (SPEC §3), so only roles that may read alerts connect.
      if (!can(principal.role, 'alerts.read')) return { ok: false, reason: 'role_not_allowed', returnCode: NOT_AUTHORIZED };
      return { ok: true, principal };
    }
    const device = this.deps.registry.get(username);
    // verifyDeviceSecret spends a full hash check even for unknown ids, so ids cannot be probed by timing.
    const valid = await this.deps.auth.verifyDeviceSecret(username, secret);
    if (!device || !valid) return bad;
    return { ok: true, principal: devicePrincipal(device) };
  }
}
