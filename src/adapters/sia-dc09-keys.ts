/**
 * DC-09 account keys from `integrations.sia.keys` and `integrations.sia.keys_file` (a YAML or JSON
 * map kept out of the config file, e.g. given as PARAPET_INTEGRATIONS_SIA_KEYS_FILE). Read once at
 * start; a bad entry stops the hub with an error naming the file and account — never the key.
 */
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { ParapetError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { parseDc09Key, type Dc09Key } from './sia-crypto.js';

type SiaSettings = Pick<Config['integrations']['sia'], 'keys' | 'keys_file'>;

const ACCOUNT = /^[0-9A-Fa-f]{3,16}$/;
const KEY_RULE = 'must be 32, 48 or 64 hex digits (AES-128, -192 or -256)';

function readKeysFile(file: string, warn: (msg: string) => void): Record<string, unknown> {
  const where = `integrations.sia.keys_file ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    if ((statSync(file).mode & 0o077) !== 0) warn(`${where} is readable by group or others; chmod 600 it`);
  } catch (err) {
    throw new ParapetError('invalid_config', `${where} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    // Every scalar a string: an account 0123 or an all-digit key must not turn into a number.
    parsed = YAML.parse(text, { schema: 'failsafe' });
  } catch {
    // The parser's message quotes the offending line, which may hold a key: say only that it failed.
    throw new ParapetError('invalid_config', `${where} is not valid YAML or JSON`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ParapetError('invalid_config', `${where} must hold a map of account → key`);
  return parsed as Record<string, unknown>;
}

/** Account (upper case) → key, from both sources; an account given twice is an error. */
export function loadDc09Keys(settings: SiaSettings, warn: (msg: string) => void): Map<string, Dc09Key> {
  const keys = new Map<string, Dc09Key>();
  const add = (where: string, account: string, value: unknown): void => {
    if (!ACCOUNT.test(account)) throw new ParapetError('invalid_config', `${where}: account "${account}" must be 3–16 hex digits`);
    const key = typeof value === 'string' ? parseDc09Key(value) : null;
    if (key === null) throw new ParapetError('invalid_config', `${where}.${account}: the key ${KEY_RULE}`);
    const upper = account.toUpperCase();
    if (keys.has(upper)) throw new ParapetError('invalid_config', `${where}: account ${upper} has more than one key`);
    keys.set(upper, key);
  };
  for (const [account, value] of Object.entries(settings.keys)) add('integrations.sia.keys', account, value);
  if (settings.keys_file !== undefined) {
    for (const [account, value] of Object.entries(readKeysFile(settings.keys_file, warn))) add(`integrations.sia.keys_file ${settings.keys_file}`, account, value);
  }
  return keys;
}
