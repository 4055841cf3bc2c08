import { describe, expect, it } from 'vitest';
import { validateItem } from './validate.js';
import { ParapetError } from '../../core/errors.js';
import { retentionByKind } from '../../privacy/retention-policy.js';
import { testConfig } from '../../config/load.js';
import { INGEST_KINDS } from '../../core/kinds.js';

const now = Date.UTC(2026, 10, 26, 10);
const opts = { now, maxFutureMs: 300_000, retentionByKind: retentionByKind(testConfig()) };
const ts = '2026-11-26T09:59:00Z';

function err(item: unknown, o: Partial<typeof opts> & { device?: string } = {}): string {
  try {
    validateItem(item, { ...opts, ...o });
    return 'ok';
  } catch (e) {
    return e instanceof ParapetError ? `${e.code}: ${e.detail}` : String(e);
  }
}

describe('validate stage', () => {
  it('accepts a catalogue event and converts ts to epoch ms', () => {
    const raw = validateItem({ id: 'a1', ts, device: 'cam-1', kind: 'camera.intrusion', data: { zone: 'gate', object: 'person', confidence: 0.9 } }, opts);
    expect(raw).toEqual({ id: 'a1', ts: Date.parse(ts), device: 'cam-1', kind: 'camera.intrusion', data: { zone: 'gate', object: 'person', confidence: 0.9 } });
  });

  it('names an unknown data field', () => {
    expect(err({ ts, device: 'cam-1', kind: 'camera.tamper', data: { reason: 'covered', colour: 'red' } })).toBe('unknown_field: unknown field data.colour');
  });

  it('names an unknown envelope field and an unknown kind', () => {
    expect(err({ ts, device: 'cam-1', kind: 'camera.motion', extra: 1 })).toBe('unknown_field: unknown field extra');
    expect(err({ ts, device: 'cam-1', kind: 'camera.facial_match', data: {} })).toBe('unknown_kind: unknown kind "camera.facial_match"');
  });

  it('refuses internal kinds from ingest', () => {
    expect(err({ ts, device: 'cam-1', kind: 'device.status', data: { status: 'online', previous: 'offline' } })).toMatch(/^unknown_kind: .*produced by the hub/);
  });

  it('reports out-of-range and missing values against the field', () => {
    expect(err({ ts, device: 'cam-1', kind: 'camera.intrusion', data: { zone: 'g', object: 'person', confidence: 2 } })).toMatch(/^invalid_field: data\.confidence/);
    expect(err({ ts, device: 'cam-1', kind: 'camera.intrusion', data: { zone: 'g' } })).toMatch(/^invalid_field: data\.object is required/);
    expect(err({ ts, device: 'cam-1', kind: 'access.denied', data: { door: 'd', credential: 'c', reason: 'bored' } })).toMatch(/^invalid_field: data\.reason/);
  });

  it('takes the device from the transport and refuses a mismatching one', () => {
    expect(validateItem({ ts, kind: 'camera.motion' }, { ...opts, device: 'cam-2' }).device).toBe('cam-2');
    expect(err({ ts, device: 'cam-1', kind: 'camera.motion' }, { device: 'cam-2' })).toMatch(/^forbidden/);
  });

  it('refuses ids longer than 64 characters and non-objects', () => {
    expect(err({ id: 'x'.repeat(65), ts, device: 'cam-1', kind: 'camera.motion' })).toMatch(/^invalid_event: id/);
    expect(err([1, 2])).toMatch(/^invalid_event/);
    expect(err('text')).toMatch(/^invalid_event/);
  });

  it('has a validator for every ingestible kind', () => {
    for (const kind of INGEST_KINDS) expect(err({ ts, device: 'd1', kind, data: { nope: 1 } })).toMatch(/^unknown_field: unknown field data\.nope/);
  });
});
