import type { Role } from '../store/store.js';

/** Who is asking: a person (cookie session), a machine (bearer token) or a device (MQTT secret). */
export interface Principal {
  readonly kind: 'user' | 'token' | 'device';
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Site scope; empty = every site (SPEC §5.3). */
  readonly sites: readonly string[];
  /**
   * Set on a person's session that still has to enrol the second factor its role requires
   * (SPEC §5.4): only the self-service actions of `RESTRICTED_ACTIONS` (policy.ts) are allowed.
   */
  readonly restricted?: 'totp_enrolment';
}

/** Whether the principal may see objects of this site (another site's objects answer 404). */
export function canSeeSite(p: Principal, site: string): boolean {
  return p.sites.length === 0 || p.sites.includes(site);
}
