/**
 * The one configuration schema (STYLE §8). Every setting has its default here, with its unit in the
 * name or comment. Unknown keys are rejected. Precedence: CLI flags > PARAPET_* environment > config
 * file (JSON or YAML) > these defaults; the loaded result is frozen (config/load.ts).
 */
import Type, { type Static } from 'typebox';

const port = () => Type.Integer({ minimum: 0, maximum: 65535 });
const strict = { additionalProperties: false } as const;

export const RetentionSchema = Type.Object(
  {
    /** Plate reads that hit no watchlist (SPEC §4.7: 72 h, settable down to minutes). */
    lpr_minutes: Type.Integer({ minimum: 1, default: 72 * 60 }),
    lpr_hit_days: Type.Integer({ minimum: 1, default: 30 }),
    access_days: Type.Integer({ minimum: 1, default: 30 }),
    camera_days: Type.Integer({ minimum: 1, default: 30 }),
    fire_days: Type.Integer({ minimum: 1, default: 365 }),
    env_days: Type.Integer({ minimum: 1, default: 365 }),
    health_days: Type.Integer({ minimum: 1, default: 365 }),
    telemetry_days: Type.Integer({ minimum: 1, default: 365 }),
    system_days: Type.Integer({ minimum: 1, default: 365 }),
    /** How often the purge job runs, seconds. */
    purge_interval_s: Type.Integer({ minimum: 10, default: 3600 }),
  },
  strict,
);

export const ConfigSchema = Type.Object(
  {
    /** Where the database, keys and logs live. */
    data_dir: Type.String({ minLength: 1, default: './parapet-data' }),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: port(),
        /** Largest request body, bytes (after gunzip). */
        body_limit_bytes: Type.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
        /** Events per ingest request (SPEC §3: 10,000). */
        max_batch: Type.Integer({ minimum: 1, default: 10_000 }),
        /** Deepest JSON nesting accepted (SPEC §5.6). */
        max_json_depth: Type.Integer({ minimum: 2, maximum: 256, default: 16 }),
        /** Longest JSON string accepted, characters. */
        max_string_length: Type.Integer({ minimum: 16, default: 4096 }),
        /** Requests per minute per credential (SPEC §5.6). */
        rate_limit_per_min: Type.Integer({ minimum: 1, default: 6000 }),
        tls: Type.Object(
          {
            /** auto: TLS whenever the host is not loopback (SPEC §5.5). */
            mode: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], { default: 'auto' }),
            cert_file: Type.Optional(Type.String()),
            key_file: Type.Optional(Type.String()),
          },
          strict,
        ),
      },
      strict,
    ),
    mqtt: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1' }),
        /** 1883 is usually a separate broker's; the embedded one defaults elsewhere. */
        port: port(),
      },
      strict,
    ),
    ingest: Type.Object(
      {
        /** How far in the future an event time may be, ms (SPEC §2: 5 min). */
        max_future_skew_ms: Type.Integer({ minimum: 0, default: 5 * 60 * 1000 }),
        /** Largest events per store transaction. */
        commit_batch: Type.Integer({ minimum: 1, default: 20_000 }),
        /** Longest an accepted event waits before its transaction commits, ms. */
        commit_delay_ms: Type.Integer({ minimum: 0, default: 5 }),
        /**
         * Store appends outstanding at once: the store commits one group while the next is decoded
         * and validated. 1 makes appends strictly one after the other.
         */
        commit_in_flight: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
      },
      strict,
    ),
    store: Type.Object(
      {
        kind: Type.Union([Type.Literal('sqlite'), Type.Literal('memory'), Type.Literal('postgres')], { default: 'sqlite' }),
        postgres_url: Type.Optional(Type.String()),
        /** PostgreSQL schema of Parapet's tables (created when missing). */
        postgres_schema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'parapet' }),
        /**
         * SQLite: largest the store file may grow through ingest, MB; past it ingest answers 503
         * ("the hub's store is full") instead of filling the disk. 0: no cap.
         */
        sqlite_max_mb: Type.Integer({ minimum: 0, default: 0 }),
      },
      strict,
    ),
    bus: Type.Object(
      {
        kind: Type.Union([Type.Literal('memory'), Type.Literal('nats')], { default: 'memory' }),
        nats_url: Type.Optional(Type.String()),
        /** Subject prefix and stream name: hub nodes with the same prefix share one bus. */
        nats_prefix: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'parapet' }),
        /** How long the JetStream stream keeps messages (readers consume live; this covers reconnects). */
        nats_retention_minutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, default: 60 }),
        /** Largest stream on disk, bytes; the oldest messages go first. */
        nats_max_bytes: Type.Integer({ minimum: 1024 * 1024, default: 2 * 1024 ** 3 }),
      },
      strict,
    ),
    privacy: Type.Object(
      {
        retention: RetentionSchema,
        wifi_mode: Type.Union([Type.Literal('counts'), Type.Literal('dwell')], { default: 'counts' }),
        /** Smallest group size shown in any aggregate (SPEC §4.4). */
        k_anonymity: Type.Integer({ minimum: 2, default: 5 }),
        /** Investigations need a second person's approval (SPEC §4.5: dual control, on by default). */
        dual_control: Type.Boolean({ default: true }),
      },
      strict,
    ),
    /** This process's part in a multi-node deployment (SPEC §7; docs/scale-out.md). */
    node: Type.Object(
      {
        /**
         * `all`: the serving node (API, dashboard, rules, alerts, retention, MQTT; one per store).
         * `ingest`: an extra ingest node on PostgreSQL + NATS: `POST /events` and the integration
         * webhooks only, any number of them beside the serving node.
         */
        role: Type.Union([Type.Literal('all'), Type.Literal('ingest')], { default: 'all' }),
        /**
         * Serving node on PostgreSQL only: while another node holds the schema's serving lease, wait
         * for it (a hot standby) instead of refusing to start; serve the moment it is released.
         */
        standby: Type.Boolean({ default: false }),
      },
      strict,
    ),
    registry: Type.Object(
      {
        /** Status sweep period, ms. */
        status_sweep_ms: Type.Integer({ minimum: 100, default: 1000 }),
      },
      strict,
    ),
    /** Rules, alerts and their delivery (SPEC §2.1, §5.9; docs/rules.md). */
    alerts: Type.Object(
      {
        /** Extra rule files (YAML or JSON), loaded at start after the built-in pack. */
        rules_files: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        /** The only hosts webhooks may go to (SPEC §5.9); a webhook to another host is refused at start. */
        webhook_allowed_hosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { default: [] }),
        webhooks: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
              /** https, or http to a loopback host only. */
              url: Type.String({ minLength: 8, maxLength: 2048 }),
              /** HMAC-SHA-256 signing key shared with the receiver, ≥ 32 characters. */
              secret: Type.String({ minLength: 32, maxLength: 512 }),
              /** Only these severities (default: all). */
              severities: Type.Optional(Type.Array(Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('info')]))),
              /** Only alerts whose current recipient group is listed (default: all). */
              groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }))),
            },
            strict,
          ),
          { default: [] },
        ),
        /** Attempts per webhook notification before it is marked failed. */
        webhook_max_attempts: Type.Integer({ minimum: 1, maximum: 20, default: 8 }),
        /** First retry delay, ms; doubles per attempt up to webhook_backoff_max_ms. */
        webhook_backoff_ms: Type.Integer({ minimum: 10, default: 1000 }),
        webhook_backoff_max_ms: Type.Integer({ minimum: 10, default: 300_000 }),
        webhook_timeout_ms: Type.Integer({ minimum: 100, default: 5000 }),
        /** Alert changes kept in the store for SSE resume with Last-Event-ID. */
        replay_changes: Type.Integer({ minimum: 100, default: 100_000 }),
        /** How often rule state (windows, absence timers) is written, ms. */
        state_flush_ms: Type.Integer({ minimum: 10, default: 1000 }),
        /** Longest a watchlist entry may run before it expires, days (SPEC §4.6: expiry is mandatory). */
        watchlist_max_days: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
      },
      strict,
    ),
    /** Vendor integrations (SPEC §6; docs/integrations.md). */
    integrations: Type.Object(
      {
        /** Frigate NVR over an EXTERNAL MQTT broker; anonymous brokers are refused (SPEC §5.8). */
        frigate: Type.Object(
          {
            enabled: Type.Boolean({ default: false }),
            /** mqtt:// or mqtts:// URL of the broker Frigate publishes to. */
            url: Type.Optional(Type.String({ minLength: 8, maxLength: 2048 })),
            username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            /** Prefer PARAPET_INTEGRATIONS_FRIGATE_PASSWORD over the config file. */
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            /** Parapet device id = device_prefix + Frigate camera name. */
            device_prefix: Type.String({ maxLength: 32, pattern: '^[A-Za-z0-9._:-]*$', default: 'frigate-' }),
            /** Frigate's own `mqtt.topic_prefix`. */
            topic_prefix: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^#+/]+$', default: 'frigate' }),
            /** Where camera.intrusion comes from: tracked objects entering zones, or Frigate's review alerts. */
            intrusion_from: Type.Union([Type.Literal('events'), Type.Literal('reviews')], { default: 'events' }),
          },
          strict,
        ),
        /** SIA DC-09 receiver for fire and alarm panels (TCP and UDP on the same port number). */
        sia: Type.Object(
          {
            enabled: Type.Boolean({ default: false }),
            host: Type.String({ default: '127.0.0.1' }),
            port: Type.Integer({ minimum: 0, maximum: 65535, default: 12000 }),
            /** Panel account number (3–16 hex digits, the `#acct` of DC-09) → registered Parapet device id. */
            accounts: Type.Record(Type.String({ pattern: '^[0-9A-Fa-f]{3,16}$' }), Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' }), {
              default: {},
              additionalProperties: false,
            }),
            /**
             * DC-09 AES keys (§5.4): panel account → 32, 48 or 64 hex digits (AES-128/192/256). An
             * account with a key accepts only encrypted messages. A secret: prefer keys_file.
             */
            keys: Type.Record(Type.String({ pattern: '^[0-9A-Fa-f]{3,16}$' }), Type.String({ pattern: '^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{64})$' }), {
              default: {},
              additionalProperties: false,
            }),
            /** A YAML or JSON file (chmod 600) with more of the same account → key map, read at start. */
            keys_file: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
          },
          strict,
        ),
        /** UniFi Access webhooks, POST /integrations/unifi-access (src/adapters/unifi-signature.ts). */
        unifi_access: Type.Object(
          {
            /**
             * The secret UniFi Access returned when the webhook endpoint was created (16+ characters);
             * a list for several consoles or while rotating. When set, every webhook must carry a valid,
             * fresh `Signature` besides the bearer token. Prefer PARAPET_INTEGRATIONS_UNIFI_ACCESS_SECRET
             * over the config file (the leak guard flags secrets written there).
             */
            secret: Type.Optional(
              Type.Union([
                Type.String({ minLength: 16, maxLength: 256, pattern: '^\\S+$' }),
                Type.Array(Type.String({ minLength: 16, maxLength: 256, pattern: '^\\S+$' }), { minItems: 1, maxItems: 16 }),
              ]),
            ),
          },
          strict,
        ),
      },
      strict,
    ),
    /** The leak guard (SPEC §5.8; src/guard/). */
    guard: Type.Object(
      {
        /** Start despite leak-guard failures (each is logged at error level on every start). Never in production. */
        allow_unsafe: Type.Boolean({ default: false }),
        /** Probe configured external database / bus / broker anonymously at start. */
        probe_external: Type.Boolean({ default: true }),
      },
      strict,
    ),
    log: Type.Object(
      {
        level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
          default: 'info',
        }),
      },
      strict,
    ),
  },
  strict,
);

export type Config = Static<typeof ConfigSchema>;

/** Defaults with units, in one place (the schema's `default`s plus the ports). */
export const DEFAULT_HTTP_PORT = 7070;
export const DEFAULT_MQTT_PORT = 7883;
