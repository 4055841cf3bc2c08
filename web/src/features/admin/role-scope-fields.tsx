/** What a user or token may do and where (SPEC §5.3): a role and a site scope, where no sites means every site. */
import type { Role } from '../../../../src/store/store.js';

/** Comma-separated site list → array (empty = every site). */
export function sitesOf(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** A principal's sites as a table cell. */
export function sitesLabel(sites: readonly string[]): string {
  return sites.length === 0 ? 'all' : sites.join(', ');
}

interface RoleScopeFieldsProps {
  readonly roles: readonly Role[];
  readonly role: string;
  readonly onRole: (role: string) => void;
  readonly sites: string;
  readonly onSites: (sites: string) => void;
}

/** The role drop-down and the site-scope input of a "new user" or "new token" form. */
export function RoleScopeFields({ roles, role, onRole, sites, onSites }: RoleScopeFieldsProps) {
  return (
    <>
      <label>
        Role
        <select value={role} onChange={(e) => onRole(e.target.value)}>
          {roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        Sites (comma-separated; empty = all)
        <input value={sites} onChange={(e) => onSites(e.target.value)} />
      </label>
    </>
  );
}
