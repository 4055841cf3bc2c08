/** `match`: every event of the kinds that satisfies `where` raises (repeats dedup into one alert). */
import type { MatchRule } from '../rule-schema.js';
import { compileWhere } from '../where.js';
import { clearHandlers, raiser, stateless, statusClear, triggerHandlers, type CompiledRule, type RuleContext } from './compiled.js';

export function compileMatch(rule: MatchRule, ctx: RuleContext): CompiledRule {
  const where = compileWhere(rule.where, ctx.devices);
  const { raise } = raiser(rule, ctx);
  const onStatus = statusClear(rule);
  return {
    rule,
    handlers: [
      ...triggerHandlers(rule.kinds, (e, seq, out) => {
        if (where(e, undefined)) out.push(raise(e, seq, undefined));
      }),
      ...clearHandlers(rule, ctx),
    ],
    ...(onStatus ? { onStatus } : {}),
    ...stateless,
  };
}
