/**
 * `watchlist`: the event's identifier field (a pseudonym) is looked up among the live entries of a
 * list (SPEC §4.6). A hit raises with the entry's label and id as template values; a miss leaves
 * no trace — the pseudonym is not kept.
 */
import type { WatchlistRule } from '../rule-schema.js';
import { compileWhere } from '../where.js';
import { clearHandlers, raiser, stateless, statusClear, triggerHandlers, type CompiledRule, type RuleContext } from './compiled.js';

export function compileWatchlist(rule: WatchlistRule, ctx: RuleContext): CompiledRule {
  const where = compileWhere(rule.where, ctx.devices);
  const field = rule.field.slice('data.'.length);
  const { raise } = raiser(rule, ctx);
  const onStatus = statusClear(rule);
  return {
    rule,
    handlers: [
      ...triggerHandlers(rule.kinds, (e, seq, out) => {
        const p = e.data[field];
        if (typeof p !== 'string' || !where(e, undefined)) return;
        const hit = ctx.watch.match(rule.list, p, e.ts);
        if (!hit) return;
        ctx.onWatchHit?.(e, seq, hit, rule.list);
        out.push(raise(e, seq, { 'entry.id': hit.id, 'entry.label': hit.label, list: rule.list }));
      }),
      ...clearHandlers(rule, ctx),
    ],
    ...(onStatus ? { onStatus } : {}),
    ...stateless,
  };
}
