import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import { checkRule, parseRuleText, validateRule, validateRules } from './rule-validate.js';

const base = { id: 'r1', severity: 'major', priority: 10, title: 'T {{device}}', procedure: 'Do it.' };
const errorsOf = (input: unknown): string[] => checkRule(input).errors;

describe('rule validation', () => {
  it('accepts a minimal match rule', () => {
    expect(validateRule({ ...base, type: 'match', kinds: ['camera.*'] }).id).toBe('r1');
  });

  it('names the path of a schema error', () => {
    expect(errorsOf({ ...base, type: 'threshold', kinds: ['access.denied'], group_by: '{{device}}', window: '2 minutes', gte: 5 })).toEqual([
      expect.stringMatching(/^rule\(r1\)\.window: must match pattern/),
    ]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['camera.motion'], priority: 300 })).toEqual([expect.stringMatching(/^rule\(r1\)\.priority: must be <= 255/)]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['camera.motion'], colour: 'red' })).toEqual(['rule(r1): unknown field colour']);
    expect(errorsOf({ ...base, type: 'match' })).toEqual(['rule(r1): kinds is required']);
    expect(errorsOf({ ...base, type: 'nope' })).toEqual(['rule.type: must be one of match, threshold, absence, sequence, watchlist']);
    expect(errorsOf({ ...base, type: 'match', kinds: ['camera.motion'], escalation: [{ after: '5m', notify: 'x', extra: 1 }] })).toEqual([
      'rule(r1).escalation.0: unknown field extra',
    ]);
  });

  it('refuses kinds and fields the catalogue does not have', () => {
    expect(errorsOf({ ...base, type: 'match', kinds: ['camera.teleport'] })).toEqual(['rule(r1).kinds[0]: no catalogue kind matches camera.teleport']);
    expect(errorsOf({ ...base, type: 'match', kinds: ['access.door_forced'], where: { 'data.dor': 'D1' } })).toEqual([
      'rule(r1).where.data.dor: no field dor in access.door_forced',
    ]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['access.door_forced'], title: '{{data.flavour}} {{colour}}' })).toEqual([
      'rule(r1).title: no field flavour in access.door_forced',
      'rule(r1).title: unknown placeholder {{colour}}',
    ]);
  });

  it('keeps identifiers out of titles and out of conditions', () => {
    expect(errorsOf({ ...base, type: 'match', kinds: ['lpr.read'], title: 'Plate {{data.plate}}' })).toEqual([
      expect.stringContaining('rule(r1).title: plate is an identifier'),
    ]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['lpr.read'], where: { 'data.plate': 'AB123' } })).toEqual([
      expect.stringContaining('compare identifiers through a watchlist rule'),
    ]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['lpr.read'], where: { 'data.plate': { exists: true } } })).toEqual([]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['lpr.read'], dedup: '{{rule}}:{{data.plate}}' })).toEqual([]);
  });

  it('checks kind-specific rules', () => {
    const t = { ...base, type: 'threshold', kinds: ['telemetry.reading'], group_by: '{{device}}', window: '1h' };
    expect(errorsOf({ ...t, aggregate: 'sum', gte: 10 })).toEqual(['rule(r1).field: aggregate sum needs the field to add up']);
    expect(errorsOf({ ...t, gte: 2.5 })).toEqual(['rule(r1).gte: a count threshold is a whole number']);
    expect(errorsOf({ ...t, aggregate: 'sum', field: 'data.value', gte: 10 })).toEqual([]);
    expect(errorsOf({ ...base, type: 'absence' })).toEqual(['rule(r1): an absence rule needs after, on_status: true, or both']);
    expect(errorsOf({ ...base, type: 'watchlist', list: 'plates', kinds: ['access.granted'], field: 'data.credential' })).toEqual([
      'rule(r1).field: access.granted has no plate identifier field credential',
    ]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['camera.motion'], escalation: [{ after: '10m', notify: 'a' }, { after: '5m', notify: 'b' }] })).toEqual([
      'rule(r1).escalation[1].after: each escalation step must come after the previous one',
    ]);
  });

  it('requires resolve.key when the clearing event cannot fill the dedup template', () => {
    const r = { ...base, type: 'threshold', kinds: ['access.denied'], group_by: '{{device}}', window: '1m', gte: 3, dedup: '{{rule}}:{{count}}', resolve: { kinds: ['access.door_secured'] } };
    expect(errorsOf(r)).toEqual([expect.stringContaining('the clearing event cannot fill {{count}}; set resolve.key')]);
    expect(errorsOf({ ...base, type: 'match', kinds: ['access.door_forced'], dedup: '{{data.door}}', resolve: { kinds: ['fire.restore'] } })).toEqual([
      'rule(r1).resolve.kinds (dedup template): no field door in fire.restore',
    ]);
  });

  it('reports every problem of every rule and duplicate ids, as invalid_rule', () => {
    try {
      validateRules([{ ...base, type: 'match', kinds: ['camera.motion'] }, { ...base, type: 'match', kinds: ['camera.motion'] }, { id: 'Bad Id' }], 'rules');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ParapetError);
      expect((err as ParapetError).code).toBe('invalid_rule');
      expect((err as ParapetError).detail).toContain('rules[1].id: r1 is defined twice');
      expect((err as ParapetError).detail).toContain('rules[2].type: must be one of');
    }
  });

  it('reads YAML and JSON rule files', () => {
    const yaml = `
rules:
  - id: loud-noise
    type: match
    kinds: [env.noise]
    where: { data.laeq: { gt: 85 } }
    severity: minor
    priority: 80
    title: Noise {{data.laeq}} dB at {{device}}
    procedure: Check the source.
`;
    expect(parseRuleText(yaml, 'rules.yaml').map((r) => r.id)).toEqual(['loud-noise']);
    expect(parseRuleText(JSON.stringify([{ ...base, type: 'match', kinds: ['env.noise'] }]), 'rules.json')).toHaveLength(1);
    expect(() => parseRuleText('rules: {', 'x.yaml')).toThrow(/x\.yaml: not valid YAML/);
    expect(() => parseRuleText('{"a":1}', 'x.json')).toThrow(/expected a list of rules/);
  });
});
