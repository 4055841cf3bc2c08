/**
 * The rules feature assembled: rule book → engine → alert service, watchlists and webhooks, joined
 * to the bus. hub.ts constructs one (`createRulesRuntime`) with the store's alerts section, the
 * registry's device look-up, the watchlist key and the keyring's `pseudonymsFor`, then calls
 * `start()`; tests drive the same object with a FakeClock and `tick()`.
 */
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { AlertStore } from '../store/alerts.js';
import { AlertService } from './alerts.js';
import { BUILTIN_RULES } from './builtin/index.js';
import { publishAlertsToMqtt, type MqttAlertPublish } from './delivery/mqtt.js';
import { WebhookSender, type HttpPost } from './delivery/webhooks.js';
import { RuleEngine, type EngineOptions } from './engine.js';
import type { Rule } from './rule-schema.js';
import { loadRuleFiles, RuleBook } from './rulebook.js';
import type { DeviceLookup } from './subject.js';
import { Watchlists, type PseudonymsFor, type WatchAudit } from './watchlists.js';

export interface RulesLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RulesRuntimeOptions {
  readonly store: AlertStore;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly settings: Config['alerts'];
  readonly log: RulesLog;
  /** The registry's view of a device (type, name, zone) for `device_type` conditions and titles. */
  readonly devices?: DeviceLookup;
  /** 32-byte AES-256-GCM key for watchlist entries at rest. */
  readonly watchlistKey: Buffer;
  readonly pseudonymsFor: PseudonymsFor;
  /** Watchlist changes and hits, for the audit log (SPEC §5.7). */
  readonly audit: WatchAudit;
  /** Watchlist hits on stored events (the hub records them for 30-day retention, SPEC §4.7). */
  readonly onWatchHit?: EngineOptions['onWatchHit'];
  /** Replaces the built-in pack (tests). */
  readonly builtin?: readonly Rule[];
  /** Replaces the HTTP client of webhooks (tests). */
  readonly post?: HttpPost;
}

export class RulesRuntime {
  private readonly unsubscribe: Array<() => void> = [];
  private timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly o: RulesRuntimeOptions,
    readonly book: RuleBook,
    readonly engine: RuleEngine,
    readonly alerts: AlertService,
    readonly watchlists: Watchlists,
    readonly webhooks: WebhookSender,
  ) {}

  static async create(o: RulesRuntimeOptions): Promise<RulesRuntime> {
    const s = o.settings;
    const book = new RuleBook({
      store: o.store,
      clock: o.clock,
      builtin: o.builtin ?? BUILTIN_RULES,
      config: loadRuleFiles(s.rules_files),
      onInvalid: (id, errors) => o.log.warn({ rule: id, errors }, 'stored rule no longer validates; ignored'),
    });
    const alerts = new AlertService({ store: o.store, bus: o.bus, clock: o.clock, rules: (id) => book.get(id), keepChanges: s.replay_changes });
    const watchlists = new Watchlists({
      store: o.store,
      clock: o.clock,
      key: o.watchlistKey,
      pseudonymsFor: o.pseudonymsFor,
      audit: o.audit,
      maxExpiryMs: s.watchlist_max_days * 86_400_000,
      onError: (msg, err) => o.log.error({ err }, msg),
    });
    const engine = new RuleEngine({
      clock: o.clock,
      store: o.store,
      ...(o.devices ? { devices: o.devices } : {}),
      watch: watchlists,
      ...(o.onWatchHit ? { onWatchHit: o.onWatchHit } : {}),
      sink: (signals) => {
        alerts.apply(signals).catch((err: unknown) => o.log.error({ err }, 'applying rule signals failed'));
      },
      onError: (rule, err) => o.log.error({ rule, err }, 'rule evaluation failed'),
    });
    const webhooks = new WebhookSender({
      settings: {
        webhooks: s.webhooks,
        allowedHosts: s.webhook_allowed_hosts,
        maxAttempts: s.webhook_max_attempts,
        backoffMs: s.webhook_backoff_ms,
        backoffMaxMs: s.webhook_backoff_max_ms,
        timeoutMs: s.webhook_timeout_ms,
      },
      store: o.store,
      clock: o.clock,
      ...(o.post ? { post: o.post } : {}),
      onError: (msg, err) => o.log.error({ err }, msg),
    });

    await engine.load();
    await book.load();
    await alerts.start();
    await watchlists.load();
    await webhooks.load();
    const rt = new RulesRuntime(o, book, engine, alerts, watchlists, webhooks);
    rt.unsubscribe.push(
      book.subscribe((rules) => engine.setRules(rules)),
      // Evaluation is synchronous and returns at once: the commit path that publishes is not held
      // up by alert bookkeeping, which runs on the alert service's queue.
      o.bus.subscribe('events.stored', (batch) => {
        engine.process(batch);
      }),
      o.bus.subscribe('device.status', (msg) => {
        engine.onStatus(msg);
      }),
      o.bus.subscribe('alert.changed', (change) => {
        webhooks.onChange(change).catch((err: unknown) => o.log.error({ err }, 'queueing webhooks failed'));
      }),
    );
    return rt;
  }

  /** Starts the timers: rule timers and alert timers every second, state flush per config. */
  start(tickMs = 1000): void {
    this.stopTimers();
    const tick = setInterval(() => {
      this.tick().catch((err: unknown) => this.o.log.error({ err }, 'rules tick failed'));
    }, tickMs);
    const flush = setInterval(() => {
      this.engine.flush().catch((err: unknown) => this.o.log.error({ err }, 'saving rule state failed'));
    }, this.o.settings.state_flush_ms);
    tick.unref();
    flush.unref();
    this.timers = [tick, flush];
  }

  /** One round of every timer at the clock's time; resolves when the resulting changes are stored. */
  async tick(): Promise<void> {
    this.engine.tick();
    await this.alerts.tick();
    await this.watchlists.tick();
    await this.webhooks.tick();
  }

  /** Waits until queued alert changes and webhook sends are done (tests, shutdown). */
  async settle(): Promise<void> {
    await this.alerts.idle();
    await this.webhooks.idle();
  }

  /** For the MQTT transport: publishes every alert change to parapet/v1/alerts/<severity>. */
  publishToMqtt(publish: MqttAlertPublish): () => void {
    const off = publishAlertsToMqtt(this.o.bus, publish);
    this.unsubscribe.push(off);
    return off;
  }

  async close(): Promise<void> {
    this.stopTimers();
    for (const off of this.unsubscribe.splice(0)) off();
    await this.settle();
    await this.engine.flush();
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}

export function createRulesRuntime(o: RulesRuntimeOptions): Promise<RulesRuntime> {
  return RulesRuntime.create(o);
}
