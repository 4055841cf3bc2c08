/**
 * Wire shapes the dashboard reads for alerts: the server's own view types (src/rules/alert-view.ts,
 * SPEC §2.1; times as RFC 3339), imported as types only.
 */
import type { AlertView, AlertChangeView } from '../../src/rules/alert-view.js';

export type { Severity, AlertState } from '../../src/store/alerts.js';

/** Epoch ms or RFC 3339 (the formatters accept both). */
export type WireTime = number | string;

export type AlertWire = AlertView;
export type AlertChangeWire = AlertChangeView;
