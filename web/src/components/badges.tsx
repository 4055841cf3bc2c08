/** Status, severity and state as coloured words (colour is never the only signal). */
import type { DeviceStatus } from '../api.js';
import type { AlertState, Severity } from '../wire.js';

export function StatusBadge({ status }: { status: DeviceStatus }) {
  return <span className={`badge st-${status}`}>{status}</span>;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}

export function StateBadge({ state }: { state: AlertState }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}
