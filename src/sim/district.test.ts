import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { DEVICE_TYPES, DeviceInputSchema } from '../core/device.js';
import { createDistrict, DEFAULT_CENTER } from './district.js';

const validateDevice = new Ajv({ strict: false, allErrors: true }).compile(DeviceInputSchema);

describe('createDistrict', () => {
  it('gives exactly the requested number of devices, each a valid registry record with a unique id', () => {
    const d = createDistrict({ devices: 137, seed: 7 });
    expect(d.devices).toHaveLength(137);
    expect(new Set(d.devices.map((x) => x.id)).size).toBe(137);
    for (const dev of d.devices) expect(validateDevice(dev), JSON.stringify(validateDevice.errors)).toBe(true);
  });

  it('has one device of every simulated type as soon as there are seven', () => {
    const types = new Set(createDistrict({ devices: 7 }).devices.map((x) => x.type));
    expect([...types].sort()).toEqual(DEVICE_TYPES.filter((t) => t !== 'other').sort());
  });

  it('places devices on the map around the site centre, within about a kilometre', () => {
    const d = createDistrict({ devices: 200 });
    for (const dev of d.devices) {
      expect(Math.abs((dev.lat ?? 0) - DEFAULT_CENTER.lat)).toBeLessThan(0.01);
      expect(Math.abs((dev.lon ?? 0) - DEFAULT_CENTER.lon)).toBeLessThan(0.012);
      expect(dev.site).toBe('harbour');
      expect(dev.zone).toBeTruthy();
      expect(dev.heartbeat_s).toBeGreaterThan(0);
    }
  });

  it('is reproducible from its seed and differs between seeds', () => {
    expect(createDistrict({ devices: 40, seed: 3 })).toEqual(createDistrict({ devices: 40, seed: 3 }));
    expect(createDistrict({ devices: 40, seed: 3 }).devices).not.toEqual(createDistrict({ devices: 40, seed: 4 }).devices);
  });

  it('uses the given site and centre', () => {
    const d = createDistrict({ devices: 10, site: 'campus', center: { lat: 52.5, lon: 13.4 } });
    expect(d.devices.every((x) => x.site === 'campus' && Math.abs((x.lat ?? 0) - 52.5) < 0.01)).toBe(true);
  });

  it('refuses a device count that is not a positive integer', () => {
    expect(() => createDistrict({ devices: 0 })).toThrow(/devices/);
    expect(() => createDistrict({ devices: 2.5 })).toThrow(/devices/);
  });
});
