/**
 * Who is logged in, and what they may do. The nav and buttons follow the server's one policy table
 * (src/auth/policy.ts, pure data, bundled as is) so the dashboard never offers what the hub refuses;
 * the hub still decides every request.
 */
import { createContext, useContext } from 'react';
import { can as policyCan, type Action } from '../../src/auth/policy.js';
import type { Role } from '../../src/store/store.js';
import type { Api, Me } from './api.js';

export interface Session {
  readonly api: Api;
  readonly me: Me;
  readonly logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a logged-in shell');
  return s;
}

const ROLES: readonly string[] = ['admin', 'operator', 'investigator', 'auditor', 'ingest'] satisfies Role[];

export function can(me: Me, action: Action): boolean {
  return ROLES.includes(me.role) && policyCan(me.role as Role, action);
}
