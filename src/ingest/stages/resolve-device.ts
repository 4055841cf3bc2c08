/** Stage `resolve-device`: the device must be registered and inside the sender's site scope. */
import { ParapetError } from '../../core/errors.js';
import type { Device } from '../../core/device.js';
import { canSeeSite, type Principal } from '../../auth/principal.js';

export interface DeviceLookup {
  get(id: string): Device | undefined;
}

export function resolveDevice(id: string, lookup: DeviceLookup, principal: Principal): Device {
  const device = lookup.get(id);
  // Another site's device is indistinguishable from an unregistered one (SPEC §5.3).
  if (!device || !canSeeSite(principal, device.site)) {
    throw new ParapetError('unknown_device', `device ${id} is not registered`);
  }
  if (principal.kind === 'device' && principal.id !== device.id) {
    throw new ParapetError('forbidden', `a device may only send its own events`);
  }
  return device;
}
