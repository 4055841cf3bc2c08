/**
 * Device status, derived — never stored (SPEC §2): unknown until the device is first heard from;
 * fault while a reported fault is open; offline once the heartbeat deadline has passed; else online.
 */
import type { Device, DeviceLiveness, DeviceStatus } from '../core/device.js';

/** Missed heartbeats tolerated before a device is offline (one late packet is not an outage). */
export const MISSED_HEARTBEATS = 2;

/** Epoch ms after which the device is offline, or null when it has no heartbeat expectation. */
export function heartbeatDeadline(device: Device, live: DeviceLiveness): number | null {
  if (device.heartbeat_s <= 0 || live.last_seen === null) return null;
  return live.last_seen + device.heartbeat_s * 1000 * MISSED_HEARTBEATS;
}

/** Exactly at the deadline the device is still online; one millisecond past it, offline. */
export function deriveStatus(device: Device, live: DeviceLiveness, now: number): DeviceStatus {
  if (live.last_seen === null) return 'unknown';
  if (live.fault_since !== null) return 'fault';
  const deadline = heartbeatDeadline(device, live);
  if (deadline !== null && now > deadline) return 'offline';
  return 'online';
}
