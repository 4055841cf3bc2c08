/**
 * The master key (SPEC §4.2): it wraps every epoch key and derives the database encryption key.
 * It comes from `PARAPET_MASTER_KEY` (handed in by hub.ts as a value) or from the key file
 * `<data_dir>/keys/master.key`, created with mode 0600 on first start when no environment key is
 * given. It is never kept in the data store, and there is no fallback secret: a missing, short,
 * trivial or over-exposed key stops the hub.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { hkdfSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ParapetError } from '../core/errors.js';

export const MASTER_KEY_BYTES = 32;

export interface MasterKeyOptions {
  /** Value of PARAPET_MASTER_KEY, if set (hub.ts reads the environment, not this module). */
  readonly envKey?: string | undefined;
  readonly dataDir: string;
}

export interface MasterKey {
  readonly key: Buffer;
  readonly source: 'env' | 'file';
  /** The key file path when the key came from (or was just written to) a file. */
  readonly file: string | null;
  /** True when this call created the key file. */
  readonly created: boolean;
}

export function masterKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'master.key');
}

/** 32 bytes written as 64 hex digits or base64 / base64url; the value itself is never echoed. */
export function parseMasterKey(text: string, origin: string): Buffer {
  const t = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key?.length !== MASTER_KEY_BYTES) {
    throw new ParapetError('invalid_config', `${origin} must hold a 32-byte key as 64 hex digits or base64`);
  }
  if (key.every((b) => b === key[0])) throw new ParapetError('invalid_config', `${origin} holds a trivial key (all bytes equal)`);
  return key;
}

/** Group or other permission bits on a secret file are refused (SPEC §5.8). */
export function assertPrivateFile(file: string): void {
  const st = statSync(file);
  if (!st.isFile()) throw new ParapetError('invalid_config', `${file} is not a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new ParapetError('invalid_config', `${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
}

function createKeyFile(file: string): Buffer {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const key = randomBytes(MASTER_KEY_BYTES);
  // 'wx': exclusive create, so two processes starting at once never overwrite each other's key.
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, key.toString('base64') + '\n');
  } finally {
    closeSync(fd);
  }
  return key;
}

export function loadMasterKey(opts: MasterKeyOptions): MasterKey {
  if (opts.envKey !== undefined && opts.envKey !== '') {
    return { key: parseMasterKey(opts.envKey, 'PARAPET_MASTER_KEY'), source: 'env', file: null, created: false };
  }
  const file = masterKeyPath(opts.dataDir);
  if (!existsSync(file)) return { key: createKeyFile(file), source: 'file', file, created: true };
  assertPrivateFile(file);
  return { key: parseMasterKey(readFileSync(file, 'utf8'), file), source: 'file', file, created: false };
}

/** HKDF-SHA-256 (RFC 5869) with a distinct label per use, so no two uses share key material. */
function derive(master: Buffer, info: string): Buffer {
  if (master.length !== MASTER_KEY_BYTES) throw new ParapetError('invalid_config', 'the master key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', master, Buffer.from('parapet/v1', 'utf8'), Buffer.from(info, 'utf8'), 32));
}

/** The 32-byte encryption key of the SQLite store (SPEC §3: encrypted at rest). */
export function deriveStoreKey(master: Buffer): Buffer {
  return derive(master, 'store-encryption');
}

/** The AES-256-GCM key that wraps epoch keys (keyring.ts). */
export function deriveWrapKey(master: Buffer): Buffer {
  return derive(master, 'keyring-wrap');
}

/** The key that encrypts small secrets kept in the store (watchlist entries, SPEC §4.6). */
export function deriveSecretsKey(master: Buffer): Buffer {
  return derive(master, 'store-secrets');
}
