/**
 * The store port (STYLE §2–3). The pipeline, services and transports see only this interface; only
 * hub.ts imports a concrete adapter (memory/, sqlite/, later postgres/). Every adapter runs the one
 * contract suite in store.contract.ts. Sections are separate interfaces so a feature adds its own
 * section (alerts, audit, keys …) without touching the others.
 *
 * Every method is async, so a network database fits the same port. Times are epoch milliseconds.
 */
import type { SafeEvent, StoredEvent } from '../core/event.js';
import type { Device, DeviceLiveness } from '../core/device.js';

// ---------------------------------------------------------------- events

/** Keyset position: events are ordered by (ts, seq). */
export interface EventCursor {
  readonly ts: number;
  readonly seq: number;
}

export interface EventFilter {
  /** Inclusive lower bound on event time. */
  readonly from?: number;
  /** Exclusive upper bound on event time. */
  readonly to?: number;
  readonly site?: string;
  /** Restrict to these sites (the caller's site scope); undefined = no restriction. */
  readonly sites?: readonly string[];
  readonly zone?: string;
  readonly device?: string;
  /** Exact kind or a family prefix such as `camera.*`. */
  readonly kind?: string;
}

export interface EventQuery extends EventFilter {
  readonly limit: number;
  /** Continue after this position (exclusive), in `order`. */
  readonly after?: EventCursor;
  /** Newest first by default. */
  readonly order?: 'asc' | 'desc';
}

export interface EventPage {
  readonly events: StoredEvent[];
  /** Position of the last event returned when more may follow, else null. */
  readonly next: EventCursor | null;
}

export interface HistogramQuery extends EventFilter {
  readonly from: number;
  readonly to: number;
  /** Bucket width, ms. Buckets start at multiples of the interval since the epoch. */
  readonly intervalMs: number;
}

export interface HistogramBucket {
  /** Bucket start, epoch ms. */
  readonly t: number;
  readonly count: number;
}

/** Liveness to write in the same transaction as the events that changed it. */
export interface LivenessUpdate extends DeviceLiveness {
  readonly device: string;
}

/** Per input event: its assigned seq, or 'duplicate' when (device, id) was already stored. */
export type AppendResult = number | 'duplicate';

export interface EventStore {
  /**
   * Stores a batch in one transaction and resolves only after it committed durably enough to
   * survive a process kill (SPEC §7: an acknowledged event is never lost). Events with a non-null
   * id that repeat an already-stored (device, id) — or an earlier member of the same batch — are
   * not stored and come back as 'duplicate'. Seqs are strictly increasing across calls.
   */
  append(events: readonly SafeEvent[], liveness?: readonly LivenessUpdate[]): Promise<AppendResult[]>;
  query(q: EventQuery): Promise<EventPage>;
  histogram(q: HistogramQuery): Promise<HistogramBucket[]>;
  /** Count of stored events matching the filter (for reports and tests; may scan). */
  count(f: EventFilter): Promise<number>;
  /** Deletes events of these kinds with ts < before; returns how many were deleted. */
  purge(kinds: readonly string[], before: number): Promise<number>;
  /** Highest seq assigned so far (0 when empty). */
  lastSeq(): Promise<number>;
}

// ---------------------------------------------------------------- devices

export interface DeviceRecord extends Device, DeviceLiveness {
  readonly created_at: number;
  readonly updated_at: number;
}

export interface DeviceStore {
  /**
   * Creates or replaces the device's registry fields; liveness is kept. `rev` is the devices
   * revision this write made (see `revision`).
   */
  put(device: Device, now: number): Promise<{ created: boolean; rev: number }>;
  get(id: string): Promise<DeviceRecord | null>;
  list(): Promise<DeviceRecord[]>;
  /** `rev`: the revision after the delete (unchanged when there was nothing to delete). */
  delete(id: string): Promise<{ existed: boolean; rev: number }>;
  /**
   * The devices revision: 0 for a store never written, then +1 with every put and every delete
   * that removed a row, in the same transaction as the change (liveness does not count). A process
   * that did not make a change — an offline `parapet device import` beside a running hub, another
   * node on the same database — sees it as a revision it did not write (registry.ts).
   */
  revision(): Promise<number>;
  /** Liveness changes not tied to an append (e.g. status sweeps); normally written by events.append. */
  setLiveness(updates: readonly LivenessUpdate[]): Promise<void>;
}

// ---------------------------------------------------------------- principals

export type Role = 'admin' | 'operator' | 'investigator' | 'auditor' | 'ingest';
export const ROLES: readonly Role[] = ['admin', 'operator', 'investigator', 'auditor', 'ingest'];

export interface UserRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Site scope; empty = all sites. */
  readonly sites: readonly string[];
  readonly password_hash: string;
  /** Encrypted TOTP secret (security issue), null when not enrolled. */
  readonly totp: string | null;
  readonly disabled: boolean;
  readonly created_at: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[];
  /** SHA-256 of the token secret, hex. Tokens are ≥128-bit random, so a fast hash is sound. */
  readonly hash: string;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly revoked_at: number | null;
  readonly last_used_at: number | null;
}

export interface SessionRecord {
  /** SHA-256 of the session id, hex. */
  readonly id_hash: string;
  readonly user_id: string;
  readonly csrf: string;
  readonly created_at: number;
  readonly last_seen_at: number;
  readonly expires_at: number;
}

export interface DeviceSecretRecord {
  readonly device: string;
  /** argon2id hash of the device's MQTT secret. */
  readonly hash: string;
  readonly created_at: number;
}

export interface PrincipalStore {
  createUser(u: UserRecord): Promise<void>;
  getUserByName(name: string): Promise<UserRecord | null>;
  getUser(id: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(id: string, patch: Partial<Omit<UserRecord, 'id' | 'created_at'>>): Promise<boolean>;
  deleteUser(id: string): Promise<boolean>;

  createToken(t: TokenRecord): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | null>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  touchToken(id: string, at: number): Promise<void>;

  createSession(s: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  touchSession(idHash: string, at: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  deleteSessionsOfUser(userId: string): Promise<void>;

  setDeviceSecret(r: DeviceSecretRecord): Promise<void>;
  getDeviceSecret(device: string): Promise<DeviceSecretRecord | null>;
  deleteDeviceSecret(device: string): Promise<void>;
}

// ---------------------------------------------------------------- small state

/** Small named values (JSON-serialisable): rule state, counters, settings written at run time. */
export interface KvStore {
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Stores the value only when the key holds none, atomically, and returns what the key holds
   * afterwards: this value, or the one another writer (a CLI process, another node) stored first.
   */
  setIfAbsent<T>(key: string, value: T): Promise<T>;
  /** Keys starting with prefix, with their values. */
  list<T>(prefix: string): Promise<Array<[string, T]>>;
  /**
   * Adds `delta` to the number the key holds (none counts as 0), atomically with every other
   * writer of the store (other nodes), and returns the sum: shared counters such as rate limits.
   * Rejects when the key holds something other than a number.
   */
  add(key: string, delta: number): Promise<number>;
}

export interface Store {
  readonly events: EventStore;
  readonly devices: DeviceStore;
  readonly principals: PrincipalStore;
  readonly kv: KvStore;
  close(): Promise<void>;
  /** The store's own threads (SQLite's workers) and how long each has been busy, ms; absent when it has none. */
  threads?(): ThreadBusy[];
  /** How much room the store takes and has, when it knows (SQLite's file); absent otherwise. */
  size?(): StoreSize;
}

export interface StoreSize {
  /** Bytes the store's file takes (its pages). */
  readonly fileBytes: number;
  /** Of those, free pages left by deletions, reused before the file grows. */
  readonly freeBytes: number;
  /** The cap (`store.sqlite_max_mb`), null when none. */
  readonly maxBytes: number | null;
}

export interface ThreadBusy {
  readonly thread: string;
  readonly busyMs: number;
}
