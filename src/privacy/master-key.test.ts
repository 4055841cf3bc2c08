import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveSecretsKey, deriveStoreKey, deriveWrapKey, loadMasterKey, masterKeyPath, parseMasterKey } from './master-key.js';

const dir = () => mkdtempSync(join(tmpdir(), 'parapet-mk-'));

describe('loadMasterKey', () => {
  it('creates a 0600 key file on first start and reads the same key afterwards', () => {
    const d = dir();
    const first = loadMasterKey({ dataDir: d });
    expect(first).toMatchObject({ source: 'file', created: true, file: masterKeyPath(d) });
    expect(first.key).toHaveLength(32);
    expect(statSync(masterKeyPath(d)).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'keys')).mode & 0o077).toBe(0);
    const second = loadMasterKey({ dataDir: d });
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('refuses a key file readable by group or others', () => {
    const d = dir();
    loadMasterKey({ dataDir: d });
    chmodSync(masterKeyPath(d), 0o640);
    expect(() => loadMasterKey({ dataDir: d })).toThrow(/readable by group or others/);
    chmodSync(masterKeyPath(d), 0o604);
    expect(() => loadMasterKey({ dataDir: d })).toThrow(/chmod 600/);
  });

  it('refuses a key path that is not a regular file', () => {
    const d = dir();
    mkdirSync(masterKeyPath(d), { recursive: true });
    expect(() => loadMasterKey({ dataDir: d })).toThrow(/not a regular file/);
  });

  it('refuses a key file with a short or malformed key, without echoing it', () => {
    const d = dir();
    mkdirSync(join(d, 'keys'), { mode: 0o700 });
    writeFileSync(masterKeyPath(d), 'c2hvcnQta2V5\n', { mode: 0o600 });
    expect(() => loadMasterKey({ dataDir: d })).toThrow(/32-byte key/);
    try {
      loadMasterKey({ dataDir: d });
    } catch (err) {
      expect(String(err)).not.toContain('c2hvcnQta2V5');
    }
  });

  it('prefers the environment key and writes no file', () => {
    const d = dir();
    const key = randomBytes(32);
    const got = loadMasterKey({ dataDir: d, envKey: key.toString('hex') });
    expect(got).toEqual({ key, source: 'env', file: null, created: false });
    expect(() => statSync(masterKeyPath(d))).toThrow();
  });

  it('treats an empty environment value as unset', () => {
    expect(loadMasterKey({ dataDir: dir(), envKey: '' }).source).toBe('file');
  });
});

describe('parseMasterKey', () => {
  const key = randomBytes(32);
  it.each([
    ['hex', key.toString('hex')],
    ['upper hex', key.toString('hex').toUpperCase()],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
    ['padded with white space', `  ${key.toString('base64')}\n`],
  ])('reads %s', (_label, text) => {
    expect(parseMasterKey(text, 'X').equals(key)).toBe(true);
  });

  it.each(['', 'secret', 'change-me', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), randomBytes(33).toString('hex')])(
    'refuses %j',
    (text) => {
      expect(() => parseMasterKey(text, 'PARAPET_MASTER_KEY')).toThrow(/PARAPET_MASTER_KEY must hold a 32-byte key/);
    },
  );

  it('refuses a trivial key', () => {
    expect(() => parseMasterKey('0'.repeat(64), 'K')).toThrow(/trivial/);
  });
});

describe('key derivation', () => {
  it('derives distinct, stable 32-byte keys for each use', () => {
    const m = randomBytes(32);
    const store = deriveStoreKey(m);
    expect(store).toHaveLength(32);
    expect(deriveStoreKey(Buffer.from(m)).equals(store)).toBe(true);
    expect(deriveWrapKey(m).equals(store)).toBe(false);
    expect(deriveSecretsKey(m).equals(store)).toBe(false);
    expect(store.equals(m)).toBe(false);
    expect(deriveStoreKey(randomBytes(32)).equals(store)).toBe(false);
  });

  it('refuses a master key of the wrong length', () => {
    expect(() => deriveStoreKey(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('never writes anything but the key file', () => {
    const d = dir();
    const mk = loadMasterKey({ dataDir: d });
    expect(readFileSync(masterKeyPath(d), 'utf8').trim()).toBe(mk.key.toString('base64'));
  });
});
