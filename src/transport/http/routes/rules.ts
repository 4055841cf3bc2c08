/**
 * Rules over HTTP (SPEC §3 `GET/PUT /rules`, `/rules/:id`): operators read, admins write. A PUT is
 * validated in full (`invalid_rule` names every problem with its path) before anything is stored.
 */
import Type from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { parseBoundedJson, type JsonLimits } from '../../../ingest/json-guard.js';
import { RULE_ID_PATTERN } from '../../../rules/rule-schema.js';
import type { RuleEntry } from '../../../rules/rulebook.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';

const IdParams = Type.Object({ id: Type.String({ pattern: RULE_ID_PATTERN }) }, { additionalProperties: false });

function ruleView(e: RuleEntry): Record<string, unknown> {
  return {
    ...e.rule,
    enabled: e.rule.enabled !== false,
    source: e.source,
    overrides: e.overrides,
    updated_at: e.updated_at === null ? null : new Date(e.updated_at).toISOString(),
    updated_by: e.updated_by,
  };
}

export const ruleRoutes: RouteModule = (app, deps) => {
  const limits: JsonLimits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };
  const book = deps.rules.book;
  const json = (raw: unknown): unknown => (typeof raw === 'string' ? parseBoundedJson(raw, limits) : raw);

  app.get('/rules', { config: { action: 'rules.read' }, schema: { summary: 'Rules in effect: built-in, config and API', tags: ['rules'] } }, async () => {
    return { rules: book.list().map(ruleView), active: deps.rules.engine.activeRules().length };
  });

  app.put('/rules', { config: { action: 'rules.write' }, schema: { summary: 'Replace every API-defined rule (all or nothing)', tags: ['rules'] } }, async (req) => {
    const p = principalOf(req);
    const body = json(req.body);
    const list = Array.isArray(body) ? body : (body as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(list)) throw new ParapetError('invalid_rule', 'expected a list of rules or { "rules": [...] }');
    const entries = await book.replaceApiRules(list, p.name);
    return { rules: entries.map(ruleView) };
  });

  app.get('/rules/:id', { config: { action: 'rules.read' }, schema: { tags: ['rules'], params: IdParams } }, async (req) => {
    const { id } = parseWith(IdParams, req.params);
    const e = book.entry(id);
    if (!e) throw new ParapetError('not_found', `no rule ${id}`);
    return ruleView(e);
  });

  app.put('/rules/:id', { config: { action: 'rules.write' }, schema: { summary: 'Create or replace one rule (overrides a built-in of the same id)', tags: ['rules'], params: IdParams } }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = parseWith(IdParams, req.params);
    const existed = book.entry(id)?.source === 'api';
    const e = await book.put(id, json(req.body), p.name);
    return reply.status(existed ? 200 : 201).send(ruleView(e));
  });
};
