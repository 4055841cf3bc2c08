/**
 * The writes of the small sections that the main thread sends to the writer worker, by name. One
 * type for both ends, so the main thread's call and the worker's handler cannot disagree.
 */
import type { Device } from '../../core/device.js';
import type { DeviceSecretRecord, LivenessUpdate, SessionRecord, TokenRecord, UserRecord } from '../store.js';

export interface WriteOps {
  readonly 'devices.put': (d: Device, now: number) => { created: boolean; rev: number };
  readonly 'devices.delete': (id: string) => { existed: boolean; rev: number };
  readonly 'devices.setLiveness': (updates: readonly LivenessUpdate[]) => void;
  readonly 'principals.createUser': (u: UserRecord) => void;
  readonly 'principals.updateUser': (id: string, patch: Partial<Omit<UserRecord, 'id' | 'created_at'>>) => boolean;
  readonly 'principals.deleteUser': (id: string) => boolean;
  readonly 'principals.createToken': (t: TokenRecord) => void;
  readonly 'principals.revokeToken': (id: string, at: number) => boolean;
  readonly 'principals.touchToken': (id: string, at: number) => void;
  readonly 'principals.createSession': (s: SessionRecord) => void;
  readonly 'principals.touchSession': (idHash: string, at: number) => void;
  readonly 'principals.deleteSession': (idHash: string) => void;
  readonly 'principals.deleteSessionsOfUser': (userId: string) => void;
  readonly 'principals.setDeviceSecret': (r: DeviceSecretRecord) => void;
  readonly 'principals.deleteDeviceSecret': (device: string) => void;
  readonly 'kv.set': (key: string, value: unknown) => void;
  readonly 'kv.delete': (key: string) => void;
  readonly 'kv.setIfAbsent': (key: string, value: unknown) => unknown;
  readonly 'kv.add': (key: string, delta: number) => number;
}

export type WriteOp = keyof WriteOps;
