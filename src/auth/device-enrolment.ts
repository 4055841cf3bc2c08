/**
 * Device enrolment (SPEC §5.5): an admin asks for a single-use token that expires within 30 minutes;
 * the device exchanges it once for its own MQTT secret. Tokens are 256-bit random and kept only as
 * SHA-256 in the kv store; redeeming deletes the record before the secret is made, and an
 * in-process guard refuses a concurrent second use of the same token.
 */
import type { Clock } from '../core/clock.js';
import { MINUTE } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import type { KvStore } from '../store/store.js';
import { randomSecret, sha256Hex } from './secrets.js';

export const ENROLMENT_PREFIX = 'ppe';
/** SPEC §5.5: single-use enrolment tokens expire within 30 minutes. */
export const MAX_ENROLMENT_TTL_MS = 30 * MINUTE;
const KEY = 'auth/enrolment/';

interface EnrolmentRecord {
  readonly device: string;
  readonly expires_at: number;
}

export class DeviceEnrolment {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly kv: KvStore | undefined,
    private readonly clock: Clock,
  ) {}

  private store(): KvStore {
    if (!this.kv) throw new ParapetError('unavailable', 'device enrolment needs the kv store');
    return this.kv;
  }

  async create(device: string, ttlMs = MAX_ENROLMENT_TTL_MS): Promise<{ token: string; expires_at: number }> {
    if (!(ttlMs > 0 && ttlMs <= MAX_ENROLMENT_TTL_MS)) throw new ParapetError('bad_request', 'an enrolment token lives at most 30 minutes');
    const token = randomSecret(ENROLMENT_PREFIX);
    const expires_at = this.clock.now() + ttlMs;
    await this.store().set(KEY + sha256Hex(token), { device, expires_at } satisfies EnrolmentRecord);
    await this.sweep();
    return { token, expires_at };
  }

  /** The device the token was made for; the token is spent. Throws invalid_credentials otherwise. */
  async redeem(token: string): Promise<string> {
    const refuse = new ParapetError('invalid_credentials', 'the enrolment token is unknown, already used or expired');
    if (!token.startsWith(`${ENROLMENT_PREFIX}_`) || token.length > 128) throw refuse;
    const key = KEY + sha256Hex(token);
    if (this.inFlight.has(key)) throw refuse;
    this.inFlight.add(key);
    try {
      const rec = await this.store().get<EnrolmentRecord>(key);
      if (!rec) throw refuse;
      await this.store().delete(key);
      if (rec.expires_at <= this.clock.now()) throw refuse;
      return rec.device;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Drops expired records so the kv store does not grow with abandoned tokens. */
  private async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const [k, rec] of await this.store().list<EnrolmentRecord>(KEY)) {
      if (rec.expires_at <= now) await this.store().delete(k);
    }
  }
}
