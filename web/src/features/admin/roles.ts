/** Role names as runtime values, held equal to the server's `Role` type in both directions. */
import type { Role } from '../../../../src/store/store.js';

export const ROLE_NAMES = ['operator', 'admin', 'investigator', 'auditor', 'ingest'] as const satisfies readonly Role[];
const complete: Role extends (typeof ROLE_NAMES)[number] ? true : false = true;
export const ROLES_COMPLETE = complete;
