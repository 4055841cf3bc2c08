/**
 * Stage `refuse-prohibited` (SPEC §4.3). Runs before strict validation so that a prohibited
 * attribute is always reported as such (422, naming the path) and counted as a policy violation,
 * never merely as an unknown field.
 */
import { ParapetError } from '../../core/errors.js';
import { findProhibited } from '../../privacy/prohibited.js';

export function refuseProhibited(item: unknown): void {
  const path = findProhibited(item);
  if (path !== null) {
    throw new ParapetError('prohibited_attribute', `field ${path} is a prohibited attribute; Parapet never stores it (SPEC §4.3)`);
  }
}
