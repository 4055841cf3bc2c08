/**
 * `sequence` over event time, correlated by a key rendered on each step (e.g. the door):
 * - followed: an A then a B within `within` raises (once per A);
 * - not_preceded: a B with no A in the `within` before it raises (a door opened with no badge).
 *   With `grace`, the B waits that long (clock time) for a late-arriving A before raising, since the
 *   badge reader and the door sensor are different devices on different links.
 */
import { parseDuration } from '../duration.js';
import { compileTemplate } from '../paths.js';
import type { SequenceRule } from '../rule-schema.js';
import type { RaiseSignal } from '../signals.js';
import { compileWhere } from '../where.js';
import { clearHandlers, raiser, statusClear, triggerHandlers, type CompiledRule, type RuleContext } from './compiled.js';

interface Pending {
  /** Clock time at which the B raises unless an A shows up. */
  due: number;
  /** Event time of the B. */
  ts: number;
  signal: RaiseSignal;
}

interface KeyState {
  /** Event time of the latest A, or null. */
  a: number | null;
  pending: Pending[];
}

function isKeyState(x: unknown): x is KeyState {
  const s = x as Partial<KeyState> | null;
  return !!s && (s.a === null || typeof s.a === 'number') && Array.isArray(s.pending);
}

export function compileSequence(rule: SequenceRule, ctx: RuleContext): CompiledRule {
  const whereA = compileWhere(rule.first.where, ctx.devices);
  const whereB = compileWhere(rule.then.where, ctx.devices);
  const keyA = compileTemplate(rule.first.key, rule.id, ctx.devices);
  const keyB = compileTemplate(rule.then.key, rule.id, ctx.devices);
  const within = parseDuration(rule.within);
  const grace = rule.grace === undefined ? 0 : parseDuration(rule.grace);
  const { raise } = raiser(rule, ctx);
  const onStatus = statusClear(rule);
  const states = new Map<string, KeyState>();
  const get = (k: string): KeyState => {
    let s = states.get(k);
    if (!s) {
      s = { a: null, pending: [] };
      states.set(k, s);
    }
    return s;
  };

  const onA = triggerHandlers(rule.first.kinds, (e) => {
    if (!whereA(e, undefined)) return;
    const k = keyA(e, undefined);
    const s = get(k);
    s.a = s.a === null ? e.ts : Math.max(s.a, e.ts);
    // A late A excuses the Bs it precedes within the window (allowing `grace` of clock skew).
    if (s.pending.length) s.pending = s.pending.filter((p) => !(e.ts >= p.ts - within && e.ts <= p.ts + grace));
    ctx.markDirty(k);
  });

  const onB = triggerHandlers(rule.then.kinds, (e, seq, out) => {
    if (!whereB(e, undefined)) return;
    const k = keyB(e, undefined);
    const s = states.get(k);
    const preceded = s !== undefined && s.a !== null && s.a <= e.ts + grace && s.a >= e.ts - within;
    if (rule.mode === 'followed') {
      if (!preceded || !s) return;
      s.a = null; // one A pairs with one B
      ctx.markDirty(k);
      out.push(raise(e, seq, { within: rule.within }));
      return;
    }
    if (preceded) return;
    const signal = raise(e, seq, { within: rule.within });
    if (grace === 0) {
      out.push(signal);
      return;
    }
    get(k).pending.push({ due: ctx.now() + grace, ts: e.ts, signal });
    ctx.markDirty(k);
  });

  return {
    rule,
    handlers: [...onA, ...onB, ...clearHandlers(rule, ctx)],
    ...(onStatus ? { onStatus } : {}),
    tick(now, out) {
      for (const [k, s] of states) {
        let changed = false;
        if (s.pending.length) {
          const keep: Pending[] = [];
          for (const p of s.pending) {
            if (p.due <= now) out.push(p.signal);
            else keep.push(p);
          }
          changed = keep.length !== s.pending.length;
          s.pending = keep;
        }
        // An A older than the window (plus grace) can no longer pair with anything.
        if (s.a !== null && s.a < now - within - grace) {
          s.a = null;
          changed = true;
        }
        if (s.a === null && s.pending.length === 0) {
          states.delete(k);
          changed = true;
        }
        if (changed) ctx.markDirty(k);
      }
    },
    stateKeys: () => states.keys(),
    snapshot: (k) => states.get(k),
    restore(k, value) {
      if (isKeyState(value)) states.set(k, { a: value.a, pending: [...value.pending] });
    },
  };
}
