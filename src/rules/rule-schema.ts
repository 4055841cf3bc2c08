/**
 * The declarative rule format (SPEC §2.1, issue 4 §1), as TypeBox schemas: one common part and one
 * part per rule type. Validation picks the type's schema first, so ajv errors name the exact path
 * (`rules[2].window: must match pattern …`) instead of a union's noise; semantic checks follow in
 * rule-validate.ts. docs/rules.md documents every field.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { DURATION_PATTERN } from './duration.js';
import type { Severity } from '../store/alerts.js';

const strict = { additionalProperties: false } as const;

export const RULE_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
export const RULE_TYPES = ['match', 'threshold', 'absence', 'sequence', 'watchlist'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const WATCHLISTS = ['plates', 'credentials'] as const;
export type WatchlistName = (typeof WATCHLISTS)[number];

const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'a whole number with a unit: ms, s, m, h or d' });
const Template = Type.String({ minLength: 1, maxLength: 256 });
/** A catalogue kind, a family prefix such as `camera.*`, or `*` (any kind). */
const KindPattern = Type.String({ pattern: '^(\\*|[a-z]+\\.\\*|[a-z]+\\.[a-z_]+)$' });
const Kinds = Type.Array(KindPattern, { minItems: 1, maxItems: 32 });
const Scalar = Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]);
const Path = '^(device|site|zone|kind|id|device_type|device_name|data\\.[a-z0-9_]{1,64})$';

const PredicateOps = Type.Object(
  {
    eq: Type.Optional(Scalar),
    ne: Type.Optional(Scalar),
    in: Type.Optional(Type.Array(Scalar, { minItems: 1, maxItems: 256 })),
    not_in: Type.Optional(Type.Array(Scalar, { minItems: 1, maxItems: 256 })),
    gt: Type.Optional(Type.Number()),
    gte: Type.Optional(Type.Number()),
    lt: Type.Optional(Type.Number()),
    lte: Type.Optional(Type.Number()),
    exists: Type.Optional(Type.Boolean()),
    prefix: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { ...strict, minProperties: 1 },
);
const Where = Type.Record(Type.String({ pattern: Path }), Type.Union([Scalar, PredicateOps]));

const Escalation = Type.Array(
  Type.Object(
    {
      /** Time since the alert opened without acknowledgement. */
      after: Duration,
      /** The recipient group notified at this step. */
      notify: Type.String({ minLength: 1, maxLength: 64 }),
      /** The priority the alert takes at this step (lower is more urgent). */
      priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    },
    strict,
  ),
  { maxItems: 8 },
);

const Resolve = Type.Object(
  {
    /** Events that clear the condition; their dedup key (rendered with `key`) picks the alert. */
    kinds: Type.Optional(Kinds),
    where: Type.Optional(Where),
    /** Template rendered on the clearing event; defaults to the rule's dedup template. */
    key: Type.Optional(Template),
    /** A registry status that clears every alert of this rule on the device. */
    status: Type.Optional(Type.Array(Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('fault')]), { minItems: 1 })),
    /** Clears when no triggering event arrived for this long (event time). */
    quiet: Type.Optional(Duration),
    /** Resolve as soon as the condition clears (default true); false leaves it to the operator. */
    auto: Type.Optional(Type.Boolean()),
  },
  strict,
);

const Ack = Type.Object(
  {
    /** Refuse a manual resolve while the condition is still active (a forced door still open). */
    require_clear: Type.Optional(Type.Boolean()),
    /** Auto-resolve only once acknowledged: a cleared alarm still needs an operator to see it. */
    require_ack: Type.Optional(Type.Boolean()),
  },
  strict,
);

const common = {
  id: Type.String({ pattern: RULE_ID_PATTERN }),
  enabled: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  severity: Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('info')]),
  priority: Type.Integer({ minimum: 1, maximum: 255 }),
  title: Template,
  dedup: Type.Optional(Template),
  procedure: Type.String({ minLength: 1, maxLength: 4000 }),
  /** The first recipient group (default `control-room`). */
  notify: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  escalation: Type.Optional(Escalation),
  resolve: Type.Optional(Resolve),
  ack: Type.Optional(Ack),
};

const Step = Type.Object({ kinds: Kinds, where: Type.Optional(Where), key: Template }, strict);

export const MatchRuleSchema = Type.Object({ ...common, type: Type.Literal('match'), kinds: Kinds, where: Type.Optional(Where) }, strict);
export const ThresholdRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('threshold'),
    kinds: Kinds,
    where: Type.Optional(Where),
    /** Template naming the window's key, e.g. `{{device}}:{{data.door}}`. */
    group_by: Template,
    window: Duration,
    aggregate: Type.Optional(Type.Union([Type.Literal('count'), Type.Literal('sum')])),
    /** Summed field (aggregate: sum). */
    field: Type.Optional(Type.String({ pattern: '^data\\.[a-z0-9_]{1,64}$' })),
    /** The rule fires when the aggregate over the window reaches this value. */
    gte: Type.Number({ exclusiveMinimum: 0 }),
  },
  strict,
);
export const AbsenceRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('absence'),
    /** Events that prove presence (default: any kind). */
    kinds: Type.Optional(Kinds),
    where: Type.Optional(Where),
    /** Raise when a device that sent such events sends none for this long. */
    after: Type.Optional(Duration),
    /** Also (or only) follow the registry: offline opens, online or fault clears. */
    on_status: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const SequenceRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('sequence'),
    first: Step,
    then: Step,
    within: Duration,
    /** followed: A then B within T raises; not_preceded: B without an A in the T before it raises. */
    mode: Type.Union([Type.Literal('followed'), Type.Literal('not_preceded')]),
    /** not_preceded: wait this long for a late A before raising (devices' clocks and links differ). */
    grace: Type.Optional(Duration),
  },
  strict,
);
export const WatchlistRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('watchlist'),
    list: Type.Union([Type.Literal('plates'), Type.Literal('credentials')]),
    kinds: Kinds,
    where: Type.Optional(Where),
    /** The identifier field holding the pseudonym to match, e.g. `data.plate`. */
    field: Type.String({ pattern: '^data\\.[a-z0-9_]{1,64}$' }),
  },
  strict,
);

export type MatchRule = Static<typeof MatchRuleSchema>;
export type ThresholdRule = Static<typeof ThresholdRuleSchema>;
export type AbsenceRule = Static<typeof AbsenceRuleSchema>;
export type SequenceRule = Static<typeof SequenceRuleSchema>;
export type WatchlistRule = Static<typeof WatchlistRuleSchema>;
export type Rule = MatchRule | ThresholdRule | AbsenceRule | SequenceRule | WatchlistRule;

/** Compile-time check: the rule format's severities are exactly the store's. */
type SchemaSeverity = Static<typeof MatchRuleSchema>['severity'];
export const SEVERITIES_AGREE: [SchemaSeverity] extends [Severity] ? ([Severity] extends [SchemaSeverity] ? true : never) : never = true;

export const SCHEMA_BY_TYPE: Readonly<Record<RuleType, TSchema>> = {
  match: MatchRuleSchema,
  threshold: ThresholdRuleSchema,
  absence: AbsenceRuleSchema,
  sequence: SequenceRuleSchema,
  watchlist: WatchlistRuleSchema,
};

/** For the OpenAPI document: any one rule. */
export const RuleSchema = Type.Union([MatchRuleSchema, ThresholdRuleSchema, AbsenceRuleSchema, SequenceRuleSchema, WatchlistRuleSchema]);
