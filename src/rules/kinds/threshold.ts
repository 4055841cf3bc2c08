/**
 * `threshold`: count (or sum of a field) of matching events over a sliding window of event time,
 * per group key; reaching `gte` raises, and every further event while at or above it repeats.
 * Count windows keep only the last `gte` timestamps (that is all the test needs); sum windows keep
 * at most MAX_SUM_ENTRIES values per group, dropping the oldest beyond (a bound on memory).
 */
import { parseDuration } from '../duration.js';
import { compileTemplate } from '../paths.js';
import type { ThresholdRule } from '../rule-schema.js';
import { compileWhere } from '../where.js';
import { clearHandlers, raiser, statusClear, triggerHandlers, type CompiledRule, type RuleContext } from './compiled.js';

export const MAX_SUM_ENTRIES = 10_000;

interface Window {
  ts: number[];
  /** Values, for sum windows only. */
  v: number[] | null;
  sum: number;
}

function isWindow(x: unknown): x is { ts: number[]; v: number[] | null } {
  const w = x as { ts?: unknown; v?: unknown } | null;
  return !!w && Array.isArray(w.ts) && (w.v === null || Array.isArray(w.v));
}

export function compileThreshold(rule: ThresholdRule, ctx: RuleContext): CompiledRule {
  const where = compileWhere(rule.where, ctx.devices);
  const group = compileTemplate(rule.group_by, rule.id, ctx.devices);
  const windowMs = parseDuration(rule.window);
  const isSum = (rule.aggregate ?? 'count') === 'sum';
  const field = rule.field?.slice('data.'.length) ?? '';
  const cap = isSum ? MAX_SUM_ENTRIES : Math.max(1, Math.ceil(rule.gte));
  const { raise } = raiser(rule, ctx);
  const onStatus = statusClear(rule);
  const windows = new Map<string, Window>();

  const evict = (w: Window, cutoff: number): void => {
    let drop = 0;
    while (drop < w.ts.length && (w.ts[drop] ?? 0) <= cutoff) drop++;
    if (w.ts.length - drop > cap) drop = w.ts.length - cap;
    if (drop === 0) return;
    w.ts.splice(0, drop);
    if (w.v) {
      for (const x of w.v.splice(0, drop)) w.sum -= x;
    }
  };

  return {
    rule,
    handlers: [
      ...triggerHandlers(rule.kinds, (e, seq, out) => {
        if (!where(e, undefined)) return;
        let value = 1;
        if (isSum) {
          const raw = e.data[field];
          if (typeof raw !== 'number' || !Number.isFinite(raw)) return;
          value = raw;
        }
        const g = group(e, undefined);
        let w = windows.get(g);
        if (!w) {
          w = { ts: [], v: isSum ? [] : null, sum: 0 };
          windows.set(g, w);
        }
        const newest = w.ts.length ? Math.max(w.ts[w.ts.length - 1] ?? 0, e.ts) : e.ts;
        if (e.ts <= newest - windowMs) return; // older than the window: it cannot count any more
        // Events arrive nearly in time order; insert a late one in place to keep the window sorted.
        let at = w.ts.length;
        while (at > 0 && (w.ts[at - 1] ?? 0) > e.ts) at--;
        w.ts.splice(at, 0, e.ts);
        if (w.v) w.v.splice(at, 0, value);
        w.sum += isSum ? value : 0;
        evict(w, newest - windowMs);
        ctx.markDirty(g);
        const agg = isSum ? w.sum : w.ts.length;
        if (agg >= rule.gte) out.push(raise(e, seq, { count: w.ts.length, sum: w.sum, window: rule.window }));
      }),
      ...clearHandlers(rule, ctx),
    ],
    ...(onStatus ? { onStatus } : {}),
    tick(now) {
      // Groups whose newest event left the window hold nothing that can count again.
      for (const [g, w] of windows) {
        const newest = w.ts[w.ts.length - 1];
        if (newest === undefined || newest <= now - windowMs) {
          windows.delete(g);
          ctx.markDirty(g);
        }
      }
    },
    stateKeys: () => windows.keys(),
    snapshot: (g) => {
      const w = windows.get(g);
      return w ? { ts: w.ts, v: w.v } : undefined;
    },
    restore(g, value) {
      if (!isWindow(value)) return;
      const v = isSum ? (value.v ?? value.ts.map(() => 0)) : null;
      windows.set(g, { ts: [...value.ts], v: v ? [...v] : null, sum: v ? v.reduce((a, b) => a + b, 0) : 0 });
    },
  };
}
