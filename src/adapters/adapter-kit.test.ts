import { describe, expect, it } from 'vitest';
import { clientId, deviceFor, label, objectClass } from './adapter-kit.js';

describe('deviceFor (the device mapping rule)', () => {
  it('puts the prefix before the vendor id', () => {
    expect(deviceFor({ prefix: 'pr-' }, 'camera-1')).toBe('pr-camera-1');
    expect(deviceFor({ prefix: '' }, 2090267338)).toBe('2090267338');
  });

  it('replaces characters a device id cannot hold with "-"', () => {
    expect(deviceFor({ prefix: 'fr-' }, 'front door/1')).toBe('fr-front-door-1');
  });

  it('lets a pinned device win over the vendor id', () => {
    expect(deviceFor({ prefix: 'x-', pinned: 'lpr-1' }, 'anything')).toBe('lpr-1');
  });

  it('answers null for a missing id or one that cannot become a device id', () => {
    expect(deviceFor({ prefix: '' }, undefined)).toBeNull();
    expect(deviceFor({ prefix: '' }, '')).toBeNull();
    expect(deviceFor({ prefix: '' }, '-starts-with-dash')).toBeNull();
    expect(deviceFor({ prefix: '' }, 'x'.repeat(65))).toBeNull();
    expect(deviceFor({ prefix: '', pinned: 'bad id' }, 'cam')).toBeNull();
  });
});

describe('clientId', () => {
  it('is deterministic, at most 64 characters, and differs per part', () => {
    const a = clientId('pr', 'cam-1', '2026-11-26T10:00:00Z', 0);
    expect(a).toBe(clientId('pr', 'cam-1', '2026-11-26T10:00:00Z', 0));
    expect(a).not.toBe(clientId('pr', 'cam-1', '2026-11-26T10:00:00Z', 1));
    expect(a.length).toBeLessThanOrEqual(64);
  });
});

describe('objectClass and label', () => {
  it('folds vendor labels into the catalogue classes', () => {
    expect(['person', 'car', 'truck', 'bicycle', 'dog', 'umbrella', undefined].map(objectClass)).toEqual(['person', 'vehicle', 'vehicle', 'bicycle', 'animal', 'other', 'other']);
  });

  it('strips control characters and bounds length', () => {
    expect(label('Door\u0000 3855\n')).toBe('Door 3855');
    expect(label('   ')).toBeUndefined();
    expect(label('x'.repeat(300))?.length).toBe(128);
  });
});
