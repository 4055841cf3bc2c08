/**
 * Authorization is data (STYLE §9, SPEC §3 and §5.3): every HTTP route names one action, and this
 * table says which roles may perform it. The route × role test walks the OpenAPI document and
 * fails when a route has no action here. Admin may do everything an operator may, but not what
 * the separation of duties reserves (audit reading is the auditor's; investigations are the
 * investigator's, with an admin as possible second approver).
 */
import type { Role } from '../store/store.js';

export const POLICY = {
  'events.ingest': ['ingest', 'admin'],
  'events.read': ['operator', 'admin', 'investigator'],
  'devices.read': ['operator', 'admin', 'investigator'],
  'devices.write': ['admin'],
  'devices.credentials': ['admin'],
  'alerts.read': ['operator', 'admin'],
  'alerts.act': ['operator', 'admin'],
  'rules.read': ['operator', 'admin'],
  'rules.write': ['admin'],
  'watchlists.manage': ['admin'],
  'investigations.request': ['investigator'],
  'investigations.approve': ['investigator', 'admin'],
  'stats.read': ['operator', 'admin', 'investigator'],
  'audit.read': ['auditor'],
  'users.manage': ['admin'],
  'tokens.manage': ['admin'],
  'privacy.read': ['admin', 'auditor'],
  'metrics.read': ['admin'],
  /** The hub's own health (GET /status): what the control room must act on. */
  'status.read': ['operator', 'admin'],
  'self.read': ['admin', 'operator', 'investigator', 'auditor', 'ingest'],
  /** A person's own password and second factor (tokens of these roles are refused by the route). */
  'self.manage': ['admin', 'operator', 'investigator', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof POLICY;

export function can(role: Role, action: Action): boolean {
  return (POLICY[action] as readonly Role[]).includes(role);
}

export function isAction(s: string): s is Action {
  return Object.hasOwn(POLICY, s);
}

/** What a session limited to second-factor enrolment may do (SPEC §5.4; principal.restricted). */
export const RESTRICTED_ACTIONS: readonly Action[] = ['self.read', 'self.manage'];

export function allowedWhileRestricted(action: Action): boolean {
  return RESTRICTED_ACTIONS.includes(action);
}
