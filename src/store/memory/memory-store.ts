/**
 * The reference store (tests, `store: memory`): every section of the port in plain maps and arrays.
 * Values are cloned in and out like a database would, so callers can never alias stored state.
 */
import { addTo } from '../kv-add.js';
import { toStoredEvent, type SafeEvent } from '../../core/event.js';
import { kindMatches } from '../../core/kinds.js';
import { ParapetError } from '../../core/errors.js';
import type {
  AppendResult,
  DeviceRecord,
  DeviceStore,
  EventFilter,
  EventStore,
  KvStore,
  PrincipalStore,
  SessionRecord,
  Store,
  TokenRecord,
  UserRecord,
  DeviceSecretRecord,
} from '../store.js';

const clone = <T>(v: T): T => structuredClone(v);

interface Row {
  readonly seq: number;
  readonly event: SafeEvent;
}

export function matchesFilter(e: SafeEvent, f: EventFilter): boolean {
  if (f.from !== undefined && e.ts < f.from) return false;
  if (f.to !== undefined && e.ts >= f.to) return false;
  if (f.site !== undefined && e.site !== f.site) return false;
  if (f.sites !== undefined && !f.sites.includes(e.site)) return false;
  if (f.zone !== undefined && e.zone !== f.zone) return false;
  if (f.device !== undefined && e.device !== f.device) return false;
  if (f.kind !== undefined && !kindMatches(f.kind, e.kind)) return false;
  return true;
}

function compareRows(a: Row, b: Row): number {
  return a.event.ts - b.event.ts || a.seq - b.seq;
}

export function createMemoryEventStore(devices: Map<string, DeviceRecord>): EventStore {
  let rows: Row[] = [];
  let seq = 0;
  const ids = new Set<string>();
  const idKey = (e: SafeEvent) => `${e.device}\u0000${e.id ?? ''}`;
  return {
    async append(events, liveness = []) {
      const out: AppendResult[] = [];
      for (const e of events) {
        if (e.id !== null && ids.has(idKey(e))) {
          out.push('duplicate');
          continue;
        }
        seq++;
        rows.push({ seq, event: clone(e) });
        if (e.id !== null) ids.add(idKey(e));
        out.push(seq);
      }
      for (const u of liveness) {
        const d = devices.get(u.device);
        if (d) devices.set(u.device, { ...d, last_seen: u.last_seen, fault_since: u.fault_since, fault_code: u.fault_code });
      }
      return out;
    },
    async query(q) {
      const desc = q.order !== 'asc';
      const after = q.after;
      const matching = rows.filter((r) => {
        if (!matchesFilter(r.event, q)) return false;
        if (!after) return true;
        const c = r.event.ts - after.ts || r.seq - after.seq;
        return desc ? c < 0 : c > 0;
      });
      matching.sort((a, b) => (desc ? compareRows(b, a) : compareRows(a, b)));
      const page = matching.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        events: page.map((r) => clone(toStoredEvent(r.seq, r.event))),
        next: matching.length > q.limit && last ? { ts: last.event.ts, seq: last.seq } : null,
      };
    },
    async histogram(q) {
      const buckets = new Map<number, number>();
      for (const r of rows) {
        if (!matchesFilter(r.event, q)) continue;
        const t = Math.floor(r.event.ts / q.intervalMs) * q.intervalMs;
        buckets.set(t, (buckets.get(t) ?? 0) + 1);
      }
      return [...buckets].sort((a, b) => a[0] - b[0]).map(([t, count]) => ({ t, count }));
    },
    async count(f) {
      return rows.filter((r) => matchesFilter(r.event, f)).length;
    },
    async purge(kinds, before) {
      const drop = new Set<string>(kinds);
      const kept: Row[] = [];
      let deleted = 0;
      for (const r of rows) {
        if (!(drop.has(r.event.kind) && r.event.ts < before)) kept.push(r);
        else {
          deleted++;
          // A (device, id) names one stored event, so its dedupe entry goes with it.
          if (r.event.id !== null) ids.delete(idKey(r.event));
        }
      }
      rows = kept;
      return deleted;
    },
    async lastSeq() {
      return seq;
    },
  };
}

function createMemoryDeviceStore(devices: Map<string, DeviceRecord>): DeviceStore {
  let devicesRev = 0;
  return {
    async put(device, now) {
      const prev = devices.get(device.id);
      devices.set(device.id, {
        ...device,
        last_seen: prev?.last_seen ?? null,
        fault_since: prev?.fault_since ?? null,
        fault_code: prev?.fault_code ?? null,
        created_at: prev?.created_at ?? now,
        updated_at: now,
      });
      return { created: !prev, rev: ++devicesRev };
    },
    async get(id) {
      const d = devices.get(id);
      return d ? clone(d) : null;
    },
    async list() {
      return [...devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(clone);
    },
    async delete(id) {
      const existed = devices.delete(id);
      if (existed) devicesRev++;
      return { existed, rev: devicesRev };
    },
    async revision() {
      return devicesRev;
    },
    async setLiveness(updates) {
      for (const u of updates) {
        const d = devices.get(u.device);
        if (d) devices.set(u.device, { ...d, last_seen: u.last_seen, fault_since: u.fault_since, fault_code: u.fault_code });
      }
    },
  };
}

function createMemoryPrincipalStore(): PrincipalStore {
  const users = new Map<string, UserRecord>();
  const tokens = new Map<string, TokenRecord>();
  const sessions = new Map<string, SessionRecord>();
  const secrets = new Map<string, DeviceSecretRecord>();
  const find = <T>(m: Map<string, T>, pred: (v: T) => boolean): T | null => {
    for (const v of m.values()) if (pred(v)) return clone(v);
    return null;
  };
  return {
    async createUser(u) {
      if (users.has(u.id) || find(users, (x) => x.name === u.name)) throw new ParapetError('conflict', `a user named ${u.name} already exists`);
      users.set(u.id, clone(u));
    },
    getUserByName: async (name) => find(users, (u) => u.name === name),
    getUser: async (id) => (users.has(id) ? clone(users.get(id) as UserRecord) : null),
    listUsers: async () => [...users.values()].map(clone),
    async updateUser(id, patch) {
      const u = users.get(id);
      if (!u) return false;
      users.set(id, { ...u, ...clone(patch) });
      return true;
    },
    deleteUser: async (id) => users.delete(id),
    async createToken(t) {
      tokens.set(t.id, clone(t));
    },
    getTokenByHash: async (hash) => find(tokens, (t) => t.hash === hash),
    listTokens: async () => [...tokens.values()].map(clone),
    async revokeToken(id, at) {
      const t = tokens.get(id);
      if (!t || t.revoked_at !== null) return false;
      tokens.set(id, { ...t, revoked_at: at });
      return true;
    },
    async touchToken(id, at) {
      const t = tokens.get(id);
      if (t) tokens.set(id, { ...t, last_used_at: at });
    },
    async createSession(s) {
      sessions.set(s.id_hash, clone(s));
    },
    getSession: async (h) => (sessions.has(h) ? clone(sessions.get(h) as SessionRecord) : null),
    async touchSession(h, at) {
      const s = sessions.get(h);
      if (s) sessions.set(h, { ...s, last_seen_at: at });
    },
    async deleteSession(h) {
      sessions.delete(h);
    },
    async deleteSessionsOfUser(userId) {
      for (const [h, s] of sessions) if (s.user_id === userId) sessions.delete(h);
    },
    async setDeviceSecret(r) {
      secrets.set(r.device, clone(r));
    },
    getDeviceSecret: async (d) => (secrets.has(d) ? clone(secrets.get(d) as DeviceSecretRecord) : null),
    async deleteDeviceSecret(d) {
      secrets.delete(d);
    },
  };
}

function createMemoryKvStore(): KvStore {
  const kv = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => (kv.has(key) ? (clone(kv.get(key)) as T) : null),
    async set(key, value) {
      kv.set(key, clone(value));
    },
    async delete(key) {
      kv.delete(key);
    },
    async setIfAbsent<T>(key: string, value: T): Promise<T> {
      if (!kv.has(key)) kv.set(key, clone(value));
      return clone(kv.get(key)) as T;
    },
    async add(key, delta) {
      const sum = addTo(kv.get(key), delta, key);
      kv.set(key, sum);
      return sum;
    },
    list: async <T>(prefix: string) =>
      [...kv]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, clone(v) as T] as [string, T]),
  };
}

export function createMemoryStore(): Store {
  const devices = new Map<string, DeviceRecord>();
  return {
    events: createMemoryEventStore(devices),
    devices: createMemoryDeviceStore(devices),
    principals: createMemoryPrincipalStore(),
    kv: createMemoryKvStore(),
    async close() {},
  };
}

