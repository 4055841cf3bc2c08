import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../config/load.js';
import { loadDc09Keys } from './sia-dc09-keys.js';

const KEY128 = '00112233445566778899AABBCCDDEEFF';
const KEY256 = '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4';
const dir = mkdtempSync(join(tmpdir(), 'parapet-dc09-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const thrown = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('DC-09 keys in the config schema', () => {
  it('accepts 32, 48 and 64 hex digits per account', () => {
    const c = testConfig({ integrations: { sia: { keys: { '1234': KEY128, abc: 'ab'.repeat(24), DEAD: KEY256 } } } });
    expect(Object.keys(c.integrations.sia.keys)).toEqual(['1234', 'abc', 'DEAD']);
  });

  it('refuses a bad key naming its path and never quoting the value', () => {
    const bad = 'ABCDEF0123456789ABCDEF012345678';
    const message = thrown(() => testConfig({ integrations: { sia: { keys: { '1234': bad } } } }));
    expect(message).toContain('integrations.sia.keys.1234');
    expect(message).not.toContain(bad);
    expect(thrown(() => testConfig({ integrations: { sia: { keys: { '12': KEY128 } } } }))).toContain('unknown key integrations.sia.keys.12');
  });
});

describe('loadDc09Keys', () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);

  it('merges keys and keys_file (YAML or JSON), accounts in upper case', () => {
    const digits = '00112233445566778899001122334455';
    const yaml = file('keys.yaml', `# panel keys\nbeef: ${KEY256}\n"0A1": ${KEY128}\n0123: ${digits}\n`);
    const keys = loadDc09Keys({ keys: { '1234': KEY128 }, keys_file: yaml }, warn);
    // Unquoted 0123 and an all-digit key stay text, not numbers.
    expect([...keys.keys()]).toEqual(['1234', 'BEEF', '0A1', '0123']);
    expect(keys.get('0123')?.toString('hex')).toBe(digits);
    expect(keys.get('BEEF')?.toString('hex')).toBe(KEY256);
    const json = file('keys.json', JSON.stringify({ C0DE: KEY128 }));
    expect([...loadDc09Keys({ keys: {}, keys_file: json }, warn).keys()]).toEqual(['C0DE']);
    expect(loadDc09Keys({ keys: {}, keys_file: file('empty.yaml', '') }, warn).size).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('refuses a bad key in the file naming file and account, never the key', () => {
    const bad = 'not-a-key-but-a-secret-passphrase';
    const path = file('bad.yaml', `C0DE: ${bad}\n`);
    const message = thrown(() => loadDc09Keys({ keys: {}, keys_file: path }, warn));
    expect(message).toContain(`integrations.sia.keys_file ${path}.C0DE`);
    expect(message).toContain('32, 48 or 64 hex digits');
    expect(message).not.toContain(bad);
    expect(thrown(() => loadDc09Keys({ keys: {}, keys_file: file('num.yaml', 'C0DE: 1234\n') }, warn))).toContain('.C0DE: the key must be');
  });

  it('refuses a bad account, an account given twice (any case), a list and unparsable text without quoting it', () => {
    expect(thrown(() => loadDc09Keys({ keys: {}, keys_file: file('acct.yaml', `Z1: ${KEY128}\n`) }, warn))).toContain('account "Z1" must be 3–16 hex digits');
    expect(thrown(() => loadDc09Keys({ keys: { beef: KEY128 }, keys_file: file('dup.yaml', `BEEF: ${KEY256}\n`) }, warn))).toContain('account BEEF has more than one key');
    expect(thrown(() => loadDc09Keys({ keys: {}, keys_file: file('list.yaml', `- ${KEY128}\n`) }, warn))).toContain('must hold a map of account → key');
    const broken = thrown(() => loadDc09Keys({ keys: {}, keys_file: file('broken.yaml', `C0DE: "${KEY128}\n  x: [\n`) }, warn));
    expect(broken).toContain('is not valid YAML or JSON');
    expect(broken).not.toContain(KEY128);
  });

  it('refuses a missing file and warns when the file is readable by others', () => {
    expect(thrown(() => loadDc09Keys({ keys: {}, keys_file: join(dir, 'missing.yaml') }, warn))).toContain('cannot be read (ENOENT)');
    loadDc09Keys({ keys: {}, keys_file: file('open.yaml', `C0DE: ${KEY128}\n`, 0o644) }, warn);
    expect(warnings.at(-1)).toMatch(/open\.yaml is readable by group or others; chmod 600/);
    expect(warnings.join('\n')).not.toContain(KEY128);
  });
});
