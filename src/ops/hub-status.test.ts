import { describe, expect, it } from 'vitest';
import { FAILING_FOR_MS, hubStatus, type StatusInputs } from './hub-status.js';

const MB = 1024 * 1024;
const base: StatusInputs = {
  ingest: { accepted: 10, duplicates: 1, rejected: 2, store_failed: 0, policy_violations: 0 },
  lastStoreFailureAt: null,
  storeKind: 'sqlite',
  size: { fileBytes: 10 * MB, freeBytes: 0, maxBytes: 100 * MB },
  busKind: 'memory',
  busReachable: true,
  busHolding: 0,
  now: 1_000_000_000,
};

describe('the hub status the control room sees', () => {
  it('names no problem when there is room and nothing failed', () => {
    const s = hubStatus(base);
    expect(s.problems).toEqual([]);
    expect(s.store).toEqual({ kind: 'sqlite', file_bytes: 10 * MB, free_bytes: 0, max_bytes: 100 * MB });
    expect(s.ingest.accepted).toBe(10);
  });

  it('warns at 90 % of the cap, counting pages freed by retention as room', () => {
    expect(hubStatus({ ...base, size: { fileBytes: 91 * MB, freeBytes: 0, maxBytes: 100 * MB } }).problems.map((p) => [p.code, p.severity])).toEqual([['store_nearly_full', 'major']]);
    expect(hubStatus({ ...base, size: { fileBytes: 95 * MB, freeBytes: 10 * MB, maxBytes: 100 * MB } }).problems).toEqual([]);
  });

  it('says the store is full once it refused a commit near the cap, or reached it', () => {
    const near = { fileBytes: 92 * MB, freeBytes: 0, maxBytes: 100 * MB };
    const s = hubStatus({ ...base, size: near, lastStoreFailureAt: base.now - 1000 });
    expect(s.problems.map((p) => [p.code, p.severity])).toEqual([['store_full', 'critical']]);
    expect(s.problems[0]?.detail).toMatch(/92\.0 MB of its 100\.0 MB cap.*503/);
    expect(hubStatus({ ...base, size: { fileBytes: 100 * MB, freeBytes: 0, maxBytes: 100 * MB } }).problems[0]?.code).toBe('store_full');
  });

  it('says the store is failing for five minutes after it refused a commit for another reason', () => {
    expect(hubStatus({ ...base, lastStoreFailureAt: base.now - 1000 }).problems.map((p) => p.code)).toEqual(['store_failing']);
    expect(hubStatus({ ...base, size: undefined, lastStoreFailureAt: base.now - 1000 }).problems.map((p) => p.code)).toEqual(['store_failing']);
    expect(hubStatus({ ...base, lastStoreFailureAt: base.now - FAILING_FOR_MS - 1 }).problems).toEqual([]);
  });

  it('reports an unreachable bus and notices held for the serving node', () => {
    const s = hubStatus({ ...base, busKind: 'nats', busReachable: false, busHolding: 3 });
    expect(s.problems.map((p) => p.code)).toEqual(['bus_unreachable', 'bus_holding']);
    expect(s.bus).toEqual({ kind: 'nats', reachable: false, holding: 3 });
  });

  it('has no size for a store that does not know it', () => {
    expect(hubStatus({ ...base, storeKind: 'postgres', size: undefined }).store).toEqual({ kind: 'postgres', file_bytes: null, free_bytes: null, max_bytes: null });
  });
});
