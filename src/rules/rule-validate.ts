/**
 * Rule validation: the type's TypeBox schema (ajv), then what a schema cannot say — kinds exist in
 * the catalogue, fields exist in those kinds, identifiers stay out of titles (SPEC §4) and are
 * compared only through watchlists, escalation steps grow. Every error names its path; all errors
 * of a rule are reported at once. Rule files may be YAML or JSON.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { CATALOGUE, KINDS, kindMatches, type KindSpec } from '../core/kinds.js';
import { ParapetError } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { EVENT_PATHS, templatePaths } from './paths.js';
import { RULE_TYPES, SCHEMA_BY_TYPE, type Rule, type RuleType } from './rule-schema.js';
import type { Where } from './where.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<RuleType, ValidateFunction>(RULE_TYPES.map((t) => [t, ajv.compile(SCHEMA_BY_TYPE[t])]));

/** Template values a rule type adds beyond the event's own fields. */
const EXTRAS: Readonly<Record<RuleType, readonly string[]>> = {
  match: [],
  threshold: ['count', 'sum', 'window'],
  absence: ['after'],
  sequence: ['within'],
  watchlist: ['entry.label', 'entry.id', 'list'],
};

const LIST_CLASS = { plates: 'plate', credentials: 'credential' } as const;

/** The dedup template in effect (docs/rules.md lists the defaults). */
export function dedupTemplate(r: Rule): string {
  if (r.dedup) return r.dedup;
  switch (r.type) {
    case 'threshold':
      return `{{rule}}:${r.group_by}`;
    case 'sequence':
      return `{{rule}}:${r.then.key}`;
    case 'watchlist':
      return '{{rule}}:{{entry.id}}:{{device}}';
    default:
      return '{{rule}}:{{device}}';
  }
}

/** Catalogue kinds matching any of the patterns. */
export function expandKinds(patterns: readonly string[]): KindSpec[] {
  return KINDS.filter((k) => patterns.some((p) => p === '*' || kindMatches(p, k))).flatMap((k) => {
    const spec = CATALOGUE.get(k);
    return spec ? [spec] : [];
  });
}

/** The kind a status-driven absence rule evaluates: the registry's status change. */
const STATUS_SPEC = CATALOGUE.get('device.status');

function describeAjv(at: string, e: ErrorObject): string {
  const path = at + e.instancePath.replaceAll('/', '.');
  if (e.keyword === 'additionalProperties') return `${path}: unknown field ${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'required') return `${path}: ${String((e.params as { missingProperty: string }).missingProperty)} is required`;
  if (e.keyword === 'enum' || e.keyword === 'const') return `${path}: ${e.message ?? 'is not allowed'}`;
  if (e.keyword === 'propertyNames' || e.keyword === 'pattern') return `${path}: ${e.message ?? 'is invalid'}`;
  return `${path}: ${e.message ?? 'is invalid'}`;
}

/** Unions report one error per member; keep the most specific (deepest) ones only. */
function pruneUnionNoise(errors: ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  return concrete.length ? concrete : errors;
}

class Checker {
  readonly errors: string[] = [];
  constructor(private readonly at: string) {}

  fail(path: string, msg: string): void {
    this.errors.push(`${this.at}${path ? '.' + path : ''}: ${msg}`);
  }

  kinds(path: string, patterns: readonly string[]): KindSpec[] {
    for (const [i, p] of patterns.entries()) if (expandKinds([p]).length === 0) this.fail(`${path}[${i}]`, `no catalogue kind matches ${p}`);
    return expandKinds(patterns);
  }

  /** A `data.x` path must name a field of at least one kind (any kind when `*` is allowed). */
  dataPath(path: string, p: string, specs: readonly KindSpec[], purpose: 'where' | 'title' | 'key'): void {
    if (!p.startsWith('data.')) return;
    const field = p.slice(5);
    const owners = specs.filter((s) => Object.hasOwn(s.fields, field));
    if (owners.length === 0) {
      this.fail(path, `no field ${field} in ${specs.map((s) => s.kind).join(', ') || 'the rule\'s kinds'}`);
      return;
    }
    const ident = owners.some((s) => s.fields[field]?.cls.class === 'identifier');
    if (ident && purpose === 'title') this.fail(path, `${field} is an identifier; titles are read and sent out, so identifiers stay out of them (SPEC §4)`);
  }

  where(path: string, where: Where | undefined, specs: readonly KindSpec[]): void {
    for (const [p, pred] of Object.entries(where ?? {})) {
      this.dataPath(`${path}.${p}`, p, specs, 'where');
      const field = p.startsWith('data.') ? p.slice(5) : null;
      const ident = field !== null && specs.some((s) => s.fields[field]?.cls.class === 'identifier');
      const onlyExists = typeof pred === 'object' && Object.keys(pred).every((k) => k === 'exists');
      if (ident && !onlyExists) this.fail(`${path}.${p}`, `${field} holds pseudonyms; compare identifiers through a watchlist rule, not a condition`);
    }
  }

  template(path: string, text: string, specs: readonly KindSpec[], extras: readonly string[], purpose: 'title' | 'key'): void {
    for (const p of templatePaths(text)) {
      if (p === 'rule' || (EVENT_PATHS as readonly string[]).includes(p) || extras.includes(p)) continue;
      if (p.startsWith('data.')) this.dataPath(path, p, specs, purpose);
      else this.fail(path, `unknown placeholder {{${p}}}`);
    }
  }
}

function checkSemantics(r: Rule, at: string): string[] {
  const c = new Checker(at);
  const extras = EXTRAS[r.type];
  let trigger: KindSpec[] = [];
  switch (r.type) {
    case 'match':
    case 'threshold':
    case 'watchlist':
      trigger = c.kinds('kinds', r.kinds);
      c.where('where', r.where, trigger);
      break;
    case 'absence': {
      trigger = c.kinds('kinds', r.kinds ?? ['*']);
      if (r.after === undefined && r.on_status !== true) c.fail('', 'an absence rule needs after, on_status: true, or both');
      // A status-driven rule also evaluates the registry's status change.
      if (r.on_status && STATUS_SPEC) trigger = [...trigger.filter((s) => s.kind !== 'device.status'), STATUS_SPEC];
      c.where('where', r.where, trigger);
      break;
    }
    case 'sequence': {
      const first = c.kinds('first.kinds', r.first.kinds);
      c.where('first.where', r.first.where, first);
      c.template('first.key', r.first.key, first, [], 'key');
      trigger = c.kinds('then.kinds', r.then.kinds);
      c.where('then.where', r.then.where, trigger);
      c.template('then.key', r.then.key, trigger, [], 'key');
      break;
    }
  }
  if (r.type === 'threshold') {
    c.template('group_by', r.group_by, trigger, [], 'key');
    const agg = r.aggregate ?? 'count';
    if (agg === 'sum' && r.field === undefined) c.fail('field', 'aggregate sum needs the field to add up');
    if (agg === 'count' && r.field !== undefined) c.fail('field', 'only aggregate sum uses a field');
    if (agg === 'count' && !Number.isInteger(r.gte)) c.fail('gte', 'a count threshold is a whole number');
    if (r.field) c.dataPath('field', r.field, trigger, 'where');
  }
  if (r.type === 'watchlist') {
    const field = r.field.slice(5);
    const want = LIST_CLASS[r.list];
    for (const s of trigger) {
      const f = s.fields[field];
      if (f?.cls.class !== 'identifier' || f.cls.idClass !== want) c.fail('field', `${s.kind} has no ${want} identifier field ${field}`);
    }
  }
  c.template('title', r.title, trigger, extras, 'title');
  const dedup = dedupTemplate(r);
  c.template('dedup', dedup, trigger, extras, 'key');

  if (r.resolve) {
    const rs = r.resolve;
    if (rs.kinds) {
      const clear = c.kinds('resolve.kinds', rs.kinds);
      c.where('resolve.where', rs.where, clear);
      const key = rs.key ?? dedup;
      const keyExtras = templatePaths(key).filter((p) => extras.includes(p));
      if (keyExtras.length) c.fail(rs.key ? 'resolve.key' : 'resolve.kinds', `the clearing event cannot fill {{${keyExtras.join('}}, {{')}}}; set resolve.key`);
      else c.template(rs.key ? 'resolve.key' : 'resolve.kinds (dedup template)', key, clear, [], 'key');
    } else {
      if (rs.where) c.fail('resolve.where', 'resolve.where applies to resolve.kinds; add them');
      if (rs.key) c.fail('resolve.key', 'resolve.key applies to resolve.kinds; add them');
    }
  }
  let prev = 0;
  for (const [i, step] of (r.escalation ?? []).entries()) {
    const ms = parseDuration(step.after);
    if (ms <= prev) c.fail(`escalation[${i}].after`, 'each escalation step must come after the previous one');
    prev = ms;
  }
  return c.errors;
}

/** Validates one rule; errors list every problem, each with its path. */
export function checkRule(input: unknown, at = 'rule'): { rule: Rule; errors: [] } | { rule: null; errors: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { rule: null, errors: [`${at}: must be an object`] };
  const type = (input as { type?: unknown }).type;
  const validate = typeof type === 'string' ? validators.get(type as RuleType) : undefined;
  if (!validate) return { rule: null, errors: [`${at}.type: must be one of ${RULE_TYPES.join(', ')}`] };
  const id = (input as { id?: unknown }).id;
  const label = typeof id === 'string' && id.length <= 64 ? `${at}(${id})` : at;
  if (!validate(input)) return { rule: null, errors: pruneUnionNoise(validate.errors ?? []).map((e) => describeAjv(label, e)) };
  const rule = input as Rule;
  const errors = checkSemantics(rule, label);
  return errors.length ? { rule: null, errors } : { rule, errors: [] };
}

/** Validates one rule or throws `invalid_rule` naming every problem. */
export function validateRule(input: unknown, at = 'rule'): Rule {
  const r = checkRule(input, at);
  if (!r.rule) throw new ParapetError('invalid_rule', r.errors.join('; '));
  return r.rule;
}

/** Validates a list (ids unique); throws `invalid_rule` naming every problem of every rule. */
export function validateRules(inputs: readonly unknown[], at = 'rules'): Rule[] {
  const errors: string[] = [];
  const rules: Rule[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const r = checkRule(input, `${at}[${i}]`);
    if (!r.rule) errors.push(...r.errors);
    else if (seen.has(r.rule.id)) errors.push(`${at}[${i}].id: ${r.rule.id} is defined twice`);
    else {
      seen.add(r.rule.id);
      rules.push(r.rule);
    }
  });
  if (errors.length) throw new ParapetError('invalid_rule', errors.join('; '));
  return rules;
}

/** Parses a rule file's text: YAML or JSON, a list of rules or `{ rules: [...] }`. */
export function parseRuleText(text: string, source: string): Rule[] {
  let doc: unknown;
  try {
    doc = /\.json$/i.test(source) ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ParapetError('invalid_rule', `${source}: not valid ${/\.json$/i.test(source) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) throw new ParapetError('invalid_rule', `${source}: expected a list of rules or { rules: [...] }`);
  return validateRules(list, source);
}
