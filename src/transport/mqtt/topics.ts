/**
 * The MQTT topic tree (SPEC §3, docs/mqtt.md) and who may use which part of it:
 *   parapet/v1/<device>/events      device → hub   one event or an array
 *   parapet/v1/<device>/heartbeat   device → hub   optional {uptime_s?, firmware?}
 *   parapet/v1/<device>/errors      hub → device   per-publish rejection summary
 *   parapet/v1/alerts/<severity>    hub → operators
 * Device ids cannot hold '/', '+' or '#' (core/device.ts), so one level is one id.
 */
import { deviceIdRe } from '../../core/device.js';

export const ROOT = 'parapet/v1';
export const ALERT_SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Topics a device publishes into; `errors` is the hub's answer channel. */
export type DeviceChannel = 'events' | 'heartbeat' | 'errors';

export interface DeviceTopic {
  readonly device: string;
  readonly channel: DeviceChannel;
}

/** Reads `parapet/v1/<device>/<channel>`; null for anything else (including the alerts subtree). */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'parapet' || parts[1] !== 'v1') return null;
  const [, , device, channel] = parts;
  if (device === undefined || device === 'alerts' || !deviceIdRe.test(device)) return null;
  if (channel !== 'events' && channel !== 'heartbeat' && channel !== 'errors') return null;
  return { device, channel };
}

export function isAlertSeverity(s: string): s is AlertSeverity {
  return (ALERT_SEVERITIES as readonly string[]).includes(s);
}

export function alertTopic(severity: AlertSeverity): string {
  return `${ROOT}/alerts/${severity}`;
}

export function errorsTopic(device: string): string {
  return `${ROOT}/${device}/errors`;
}

/** Whether a published topic lies in the alerts subtree (only the hub itself publishes there). */
export function isAlertTopic(topic: string): boolean {
  const parts = topic.split('/');
  return parts.length === 4 && parts[0] === 'parapet' && parts[1] === 'v1' && parts[2] === 'alerts' && isAlertSeverity(parts[3] ?? '');
}

/**
 * A subscription filter an operator may hold: the alerts subtree and nothing wider
 * (`parapet/v1/alerts/#`, `parapet/v1/alerts/+`, `parapet/v1/alerts/<severity>`).
 */
export function isAlertFilter(filter: string): boolean {
  const prefix = `${ROOT}/alerts/`;
  if (!filter.startsWith(prefix)) return false;
  const rest = filter.slice(prefix.length);
  return rest === '#' || rest === '+' || isAlertSeverity(rest);
}

/**
 * A subscription filter a device may hold: inside its own subtree only. What it can actually
 * receive there is just its `errors` channel — raw publishes are never forwarded (broker.ts).
 */
export function isOwnDeviceFilter(filter: string, device: string): boolean {
  const prefix = `${ROOT}/${device}/`;
  if (!filter.startsWith(prefix)) return false;
  const rest = filter.slice(prefix.length);
  return rest === '#' || rest === '+' || rest === 'errors';
}
