import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, ParapetError } from './errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])] as const);

describe('error registry', () => {
  it('documents every registered code with its status', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(rows, `docs/errors.md lacks ${code}`).toContainEqual([code, status]);
    }
  });

  it('registers every documented code', () => {
    for (const [code] of rows) expect(Object.keys(ERRORS)).toContain(code);
    expect(rows.length).toBe(Object.keys(ERRORS).length);
  });

  it('carries the registry status and a default detail', () => {
    const e = new ParapetError('prohibited_attribute');
    expect(e.status).toBe(422);
    expect(e.toBody()).toEqual({ error: 'prohibited_attribute', detail: ERRORS.prohibited_attribute.message });
    expect(new ParapetError('unknown_device', 'device x').toBody().detail).toBe('device x');
  });
});
