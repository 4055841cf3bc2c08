import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/hub.js';
import { runCli } from '../../../test/helpers/cli.js';
import { reportPaths, reportTime } from './report.js';

const run = (...args: string[]) => runCli(args);

describe('parapet report', () => {
  it('writes the transparency report as HTML and JSON', async () => {
    const dir = tempDir();
    const out = join(dir, 'transparency.html');
    const r = await run('report', 'transparency', '--from', '2026-11-01', '--to', '2026-11-26T00:00:00Z', '--out', out, '--data-dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote ${out} and ${join(dir, 'transparency.json')}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h1>Parapet transparency report</h1>');
    expect(html).not.toMatch(/<script|src=/);
    const json = JSON.parse(readFileSync(join(dir, 'transparency.json'), 'utf8')) as { period: { from: string; to: string } };
    expect(json.period).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' });
    expect(statSync(out).mode & 0o007).toBe(0);
  });

  it('defaults to the last 30 days and refuses a reversed or unreadable period', async () => {
    const dir = tempDir();
    expect((await run('report', 'transparency', '--out', join(dir, 'r'), '--data-dir', dir)).code).toBe(0);
    expect(existsSync(join(dir, 'r.html'))).toBe(true);
    const reversed = await run('report', 'transparency', '--from', '2026-11-26', '--to', '2026-11-01', '--out', join(dir, 'x'), '--data-dir', dir);
    expect(reversed.code).toBe(2);
    expect(reversed.err).toContain('--from must be before --to');
    const bad = await run('report', 'transparency', '--from', 'last week', '--out', join(dir, 'y'), '--data-dir', dir);
    expect(bad.code).toBe(2);
  });

  it('writes the record of processing with the controller named', async () => {
    const dir = tempDir();
    const r = await run('report', 'ropa', '--out', join(dir, 'ropa.json'), '--controller', 'Harbour District', '--contact', 'privacy@h.example', '--dpo', 'dpo@h.example', '--data-dir', dir);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'ropa.html'), 'utf8')).toContain('Harbour District');
    expect(JSON.parse(readFileSync(join(dir, 'ropa.json'), 'utf8'))).toMatchObject({ controller: { name: 'Harbour District', contact: 'privacy@h.example', dpo: 'dpo@h.example' } });
    expect((await run('report', 'ropa', '--out', join(dir, 'plain'), '--data-dir', dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'plain.html'), 'utf8')).toContain('to be completed by the controller');
  });
});

describe('report helpers', () => {
  it('puts HTML and JSON side by side', () => {
    expect(reportPaths('a/b')).toEqual({ html: 'a/b.html', json: 'a/b.json' });
    expect(reportPaths('a/b.HTML')).toEqual({ html: 'a/b.html', json: 'a/b.json' });
    expect(reportPaths('a/b.json')).toEqual({ html: 'a/b.html', json: 'a/b.json' });
  });

  it('reads dates, RFC 3339 and epoch ms', () => {
    expect(reportTime('2026-11-26')).toBe(Date.parse('2026-11-26T00:00:00Z'));
    expect(reportTime('2026-11-26T10:00:00+01:00')).toBe(Date.parse('2026-11-26T09:00:00Z'));
    expect(reportTime('1795000000000')).toBe(1_795_000_000_000);
    expect(() => reportTime('soon')).toThrow(/the time must be RFC 3339/);
  });
});
