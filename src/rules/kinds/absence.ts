/**
 * `absence`: nothing of the kinds from a device for `after` (clock time) raises; the next such
 * event clears. With `on_status`, the registry's status changes (SPEC §2: heartbeat_s, derived
 * status) drive it too: offline raises, online or fault clears — this covers devices that were
 * never heard from since the hub started, which a per-device timer cannot know about.
 */
import { parseDuration } from '../duration.js';
import type { AbsenceRule } from '../rule-schema.js';
import type { Signal } from '../signals.js';
import type { Subject } from '../subject.js';
import { compileWhere } from '../where.js';
import { clearHandlers, raiser, statusClear, triggerHandlers, type CompiledRule, type RuleContext, type StatusMessage } from './compiled.js';

interface Seen {
  /** Clock time of the last presence event. */
  last: number;
  open: boolean;
  site: string;
  zone: string | null;
}

function isSeen(x: unknown): x is Seen {
  const s = x as Partial<Seen> | null;
  return !!s && typeof s.last === 'number' && typeof s.open === 'boolean' && typeof s.site === 'string';
}

export function compileAbsence(rule: AbsenceRule, ctx: RuleContext): CompiledRule {
  const where = compileWhere(rule.where, ctx.devices);
  const afterMs = rule.after === undefined ? null : parseDuration(rule.after);
  const { raise, dedup } = raiser(rule, ctx);
  const resolveOnStatus = statusClear(rule);
  const seen = new Map<string, Seen>();

  /** Absence has no triggering event: templates see the device, its site and zone. */
  const quietSubject = (device: string, s: Seen, now: number): Subject => ({ id: null, ts: now, device, site: s.site, zone: s.zone, kind: 'absence', data: {} });

  // The registry's own status events are not the device speaking: they never prove presence.
  const presence = afterMs === null ? [] : triggerHandlers(rule.kinds ?? ['*'], (e, _seq, out) => {
    if (!where(e, undefined)) return;
    const now = ctx.now();
    let s = seen.get(e.device);
    if (!s) {
      s = { last: now, open: false, site: e.site, zone: e.zone };
      seen.set(e.device, s);
    }
    s.last = now;
    if (s.open) {
      s.open = false;
      out.push({ type: 'clear', rule: rule.id, key: dedup(quietSubject(e.device, s, now), undefined), at: e.ts, reason: `${e.kind} received again`, evidence: null });
    }
    ctx.markDirty(e.device);
  }).filter(([kind]) => kind !== 'device.status');

  const onStatus = (msg: StatusMessage, out: Signal[]): void => {
    if (rule.on_status) {
      const info = ctx.devices(msg.device);
      const subject: Subject = { id: null, ts: msg.at, device: msg.device, site: msg.site, zone: info?.zone ?? null, kind: 'device.status', data: { status: msg.status, previous: msg.previous } };
      if (where(subject, undefined)) {
        if (msg.status === 'offline') {
          out.push(raise(subject, null, { after: rule.after ?? '' }, msg.at));
          const s = seen.get(msg.device);
          if (s && !s.open) {
            s.open = true;
            ctx.markDirty(msg.device);
          }
        } else if (msg.status === 'online' || msg.status === 'fault') {
          out.push({ type: 'clear_device', rule: rule.id, device: msg.device, at: msg.at, reason: `device ${msg.status}` });
        }
      }
    }
    resolveOnStatus?.(msg, out);
  };

  return {
    rule,
    handlers: [...presence, ...clearHandlers(rule, ctx)],
    onStatus,
    tick(now, out) {
      if (afterMs === null) return;
      for (const [device, s] of seen) {
        if (s.open || now - s.last <= afterMs) continue;
        s.open = true;
        ctx.markDirty(device);
        out.push(raise(quietSubject(device, s, now), null, { after: rule.after ?? '' }, now));
      }
    },
    stateKeys: () => seen.keys(),
    snapshot: (device) => seen.get(device),
    restore(device, value) {
      if (isSeen(value)) seen.set(device, { last: value.last, open: value.open, site: value.site, zone: value.zone ?? null });
    },
  };
}
