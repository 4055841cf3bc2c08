/**
 * Enrolling and checking the TOTP second factor (SPEC §5.4). Enrolment is two steps: `begin` makes
 * a seed (kept sealed in the kv store for 10 minutes) and returns its `otpauth://` URI; `confirm`
 * with a code from the app moves it into the account and returns the one-time recovery codes.
 */
import type { Clock } from '../core/clock.js';
import { MINUTE } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import type { KvStore, PrincipalStore, UserRecord } from '../store/store.js';
import type { SecretBox } from './secret-box.js';
import {
  acceptTotp,
  looksLikeRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normaliseRecoveryCode,
  otpauthUri,
  roleNeedsTotp,
  type TotpState,
} from './totp.js';

export const TOTP_ENROLMENT_TTL_MS = 10 * MINUTE;
const PENDING_PREFIX = 'auth/totp-pending/';

/** ok: code accepted (or not needed); restricted: needs enrolment first; required: send a code; invalid: wrong or replayed. */
export type SecondFactorResult = 'ok' | 'restricted' | 'required' | 'invalid';

export interface SecondFactorOptions {
  readonly store: PrincipalStore;
  readonly kv: KvStore | undefined;
  readonly clock: Clock;
  readonly box: SecretBox | undefined;
}

export class SecondFactor {
  /** Checks of one account run one at a time, so two logins racing with the same code cannot both pass. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly o: SecondFactorOptions) {}

  private serial<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(userId) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.queues.set(userId, tail);
    void tail.then(() => {
      if (this.queues.get(userId) === tail) this.queues.delete(userId);
    });
    return next;
  }

  private box(): SecretBox {
    if (!this.o.box) throw new ParapetError('unavailable', 'second factors need the master key');
    return this.o.box;
  }

  private kv(): KvStore {
    if (!this.o.kv) throw new ParapetError('unavailable', 'second-factor enrolment needs the kv store');
    return this.o.kv;
  }

  state(user: UserRecord): TotpState | null {
    if (user.totp === null) return null;
    const plain = this.box().open(user.totp, user.id);
    if (plain === null) throw new ParapetError('internal', 'a second-factor record cannot be opened (wrong master key?)');
    return JSON.parse(plain) as TotpState;
  }

  /** Whether this account must (and can already) use a second factor at login. */
  needsCode(user: UserRecord): boolean {
    return roleNeedsTotp(user.role) && user.totp !== null;
  }

  isRestricted(user: UserRecord): boolean {
    return roleNeedsTotp(user.role) && user.totp === null;
  }

  /** Checks the login's second factor; a valid code or recovery code is consumed. */
  check(user: UserRecord, code: string | undefined): Promise<SecondFactorResult> {
    return this.serial(user.id, () => this.checkNow(user.id, code));
  }

  private async checkNow(userId: string, code: string | undefined): Promise<SecondFactorResult> {
    // Re-read inside the queue: the record may have changed (a code consumed) since the caller read it.
    const user = await this.o.store.getUser(userId);
    if (!user) return 'invalid';
    if (!roleNeedsTotp(user.role)) return 'ok';
    const st = this.state(user);
    if (!st) return 'restricted';
    if (code === undefined || code.trim() === '') return 'required';
    const now = this.o.clock.now();
    const step = acceptTotp(st.secret, code.trim(), now, st.last_step);
    if (step !== null) {
      await this.save(user, { ...st, last_step: step });
      return 'ok';
    }
    if (looksLikeRecoveryCode(code)) {
      const h = this.box().mac(normaliseRecoveryCode(code));
      if (st.recovery.includes(h)) {
        await this.save(user, { ...st, recovery: st.recovery.filter((r) => r !== h) });
        return 'ok';
      }
    }
    return 'invalid';
  }

  async begin(user: UserRecord): Promise<{ uri: string; secret: string; expires_at: number }> {
    if (user.totp !== null) throw new ParapetError('conflict', 'a second factor is already enrolled; an admin can reset it');
    const secret = newTotpSecret();
    const expires_at = this.o.clock.now() + TOTP_ENROLMENT_TTL_MS;
    await this.kv().set(PENDING_PREFIX + user.id, { sealed: this.box().seal(secret, `pending:${user.id}`), expires_at });
    return { uri: otpauthUri(secret, user.name), secret, expires_at };
  }

  async confirm(user: UserRecord, code: string): Promise<{ recovery_codes: string[] }> {
    if (user.totp !== null) throw new ParapetError('conflict', 'a second factor is already enrolled');
    const pending = await this.kv().get<{ sealed: string; expires_at: number }>(PENDING_PREFIX + user.id);
    const now = this.o.clock.now();
    const secret = pending && pending.expires_at > now ? this.box().open(pending.sealed, `pending:${user.id}`) : null;
    if (secret === null) throw new ParapetError('unprocessable', 'no enrolment in progress (or it expired); start again');
    const step = acceptTotp(secret, code.trim(), now, 0);
    if (step === null) throw new ParapetError('invalid_credentials', 'the code does not match; check the device clock and try again');
    const codes = newRecoveryCodes();
    await this.save(user, { v: 1, secret, last_step: step, recovery: codes.map((c) => this.box().mac(normaliseRecoveryCode(c))) });
    await this.kv().delete(PENDING_PREFIX + user.id);
    return { recovery_codes: codes };
  }

  async reset(userId: string): Promise<void> {
    await this.o.store.updateUser(userId, { totp: null });
    await this.o.kv?.delete(PENDING_PREFIX + userId);
  }

  private async save(user: UserRecord, st: TotpState): Promise<void> {
    await this.o.store.updateUser(user.id, { totp: this.box().seal(JSON.stringify(st), user.id) });
  }
}
