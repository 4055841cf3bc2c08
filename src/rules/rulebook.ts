/**
 * The rules in effect: the built-in pack, rules from config files, and rules set through the API
 * (`PUT /rules`, `PUT /rules/:id`), in that order of precedence (an API rule with a built-in id
 * overrides it; `enabled: false` switches it off). API rules are kept in the store; config and
 * built-in rules come from the program and its files on every start.
 */
import { readFileSync } from 'node:fs';
import type { AlertStore } from '../store/alerts.js';
import type { Clock } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import type { Rule } from './rule-schema.js';
import { checkRule, parseRuleText, validateRule, validateRules } from './rule-validate.js';

export type RuleSource = 'builtin' | 'config' | 'api';

export interface RuleEntry {
  readonly rule: Rule;
  readonly source: RuleSource;
  /** What an API rule replaced (a built-in or config rule of the same id), if anything. */
  readonly overrides: RuleSource | null;
  readonly updated_at: number | null;
  readonly updated_by: string | null;
}

/** Reads rule files (YAML or JSON) named in the config; any error names the file and the path. */
export function loadRuleFiles(files: readonly string[]): Rule[] {
  const rules: Rule[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ParapetError('invalid_config', `cannot read rule file ${file}: ${(err as Error).message}`);
    }
    rules.push(...parseRuleText(text, file));
  }
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw new ParapetError('invalid_rule', `rule ${r.id} is defined in more than one rule file`);
    ids.add(r.id);
  }
  return rules;
}

export class RuleBook {
  private readonly base = new Map<string, { rule: Rule; source: RuleSource }>();
  private api = new Map<string, { rule: Rule; updated_at: number; updated_by: string }>();
  private readonly listeners = new Set<(rules: Rule[]) => void>();

  constructor(
    private readonly o: {
      readonly store: Pick<AlertStore, 'listRuleDefs' | 'putRuleDef' | 'deleteRuleDef'>;
      readonly clock: Clock;
      readonly builtin: readonly Rule[];
      readonly config?: readonly Rule[];
      /** Stored API rules that no longer validate (after an upgrade) are reported, not fatal. */
      readonly onInvalid?: (id: string, errors: string) => void;
    },
  ) {
    for (const rule of validateRules(o.builtin, 'builtin')) this.base.set(rule.id, { rule, source: 'builtin' });
    for (const rule of o.config ?? []) this.base.set(rule.id, { rule, source: 'config' });
  }

  async load(): Promise<void> {
    const api = new Map<string, { rule: Rule; updated_at: number; updated_by: string }>();
    for (const rec of await this.o.store.listRuleDefs()) {
      const r = checkRule(rec.def, `stored rule ${rec.id}`);
      if (r.rule) api.set(rec.id, { rule: r.rule, updated_at: rec.updated_at, updated_by: rec.updated_by });
      else this.o.onInvalid?.(rec.id, r.errors.join('; '));
    }
    this.api = api;
    this.changed();
  }

  /** Every rule in effect (enabled or not), sorted by id. */
  list(): RuleEntry[] {
    const ids = new Set([...this.base.keys(), ...this.api.keys()]);
    return [...ids]
      .sort()
      .map((id) => this.entry(id))
      .filter((e): e is RuleEntry => e !== null);
  }

  entry(id: string): RuleEntry | null {
    const a = this.api.get(id);
    const b = this.base.get(id);
    if (a) return { rule: a.rule, source: 'api', overrides: b?.source ?? null, updated_at: a.updated_at, updated_by: a.updated_by };
    if (b) return { rule: b.rule, source: b.source, overrides: null, updated_at: null, updated_by: null };
    return null;
  }

  get(id: string): Rule | undefined {
    return this.entry(id)?.rule;
  }

  /** The rules the engine evaluates. */
  rules(): Rule[] {
    return this.list().map((e) => e.rule);
  }

  /** Validates and stores one rule under `id` (the body's id must match or be absent). */
  async put(id: string, body: unknown, by: string): Promise<RuleEntry> {
    const withId = body && typeof body === 'object' && !Array.isArray(body) ? { id, ...(body as Record<string, unknown>) } : body;
    if ((withId as { id?: unknown } | null)?.id !== id) throw new ParapetError('invalid_rule', `rule.id: the body's id differs from the URL's ${id}`);
    const rule = validateRule(withId, 'rule');
    const now = this.o.clock.now();
    await this.o.store.putRuleDef({ id, def: rule, updated_at: now, updated_by: by });
    this.api.set(id, { rule, updated_at: now, updated_by: by });
    this.changed();
    return this.entry(id) as RuleEntry;
  }

  /**
   * Replaces the whole set of API rules (all validated first, all or nothing). Built-in and config
   * rules stay; an API override missing from the new set falls back to them.
   */
  async replaceApiRules(body: readonly unknown[], by: string): Promise<RuleEntry[]> {
    const rules = validateRules(body, 'rules');
    const now = this.o.clock.now();
    for (const id of this.api.keys()) if (!rules.some((r) => r.id === id)) await this.o.store.deleteRuleDef(id);
    for (const rule of rules) await this.o.store.putRuleDef({ id: rule.id, def: rule, updated_at: now, updated_by: by });
    this.api = new Map(rules.map((rule) => [rule.id, { rule, updated_at: now, updated_by: by }]));
    this.changed();
    return this.list();
  }

  /** Called with the rules in effect whenever they change (and once on subscribe). */
  subscribe(fn: (rules: Rule[]) => void): () => void {
    this.listeners.add(fn);
    fn(this.rules());
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    const rules = this.rules();
    for (const fn of this.listeners) fn(rules);
  }
}
