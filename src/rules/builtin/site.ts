/**
 * Built-in rules for plates, zones, the environment and policy (SPEC §2.1): watchlisted plate,
 * zone over capacity, air quality over threshold, device sending prohibited attributes.
 * Thresholds are defaults to override through PUT /rules/:id (docs/rules.md).
 */
import type { Rule } from '../rule-schema.js';

/**
 * Air-quality limits, µg/m³ (CO: mg/m³): EU Directive 2008/50/EC hourly/information thresholds
 * for NO2 (200), O3 (180) and CO (10, 8-hour), and WHO 2021 interim targets for PM2.5 (50) and
 * PM10 (100) applied to single readings. Clear at 80 % (hysteresis, no flapping).
 */
const AIR: ReadonlyArray<readonly [string, string, number]> = [
  ['pm25', 'PM2.5', 50],
  ['pm10', 'PM10', 100],
  ['no2', 'NO2', 200],
  ['o3', 'O3', 180],
  ['co', 'CO', 10],
];

export const SITE_RULES: readonly Rule[] = [
  {
    id: 'watchlisted-plate',
    type: 'watchlist',
    list: 'plates',
    kinds: ['lpr.read'],
    field: 'data.plate',
    severity: 'major',
    priority: 10,
    title: 'Watchlisted vehicle at {{device_name}}: {{entry.label}}',
    procedure: 'Follow the instruction recorded with the watchlist entry (its reason and legal basis). Confirm the vehicle on camera before acting.',
    resolve: { quiet: '1h' },
    escalation: [{ after: '5m', notify: 'shift-supervisor' }],
  },
  {
    id: 'zone-over-capacity',
    type: 'match',
    kinds: ['camera.occupancy'],
    where: { 'data.object': 'person', 'data.count': { gte: 100 } },
    severity: 'major',
    priority: 30,
    title: 'Zone {{zone}} over capacity ({{data.count}} people)',
    dedup: '{{rule}}:{{site}}:{{zone}}',
    procedure: 'Stop admissions to the zone, open overflow routes and send stewards. Set the capacity of each zone by overriding this rule.',
    resolve: { kinds: ['camera.occupancy'], where: { 'data.object': 'person', 'data.count': { lt: 90 } } },
    escalation: [{ after: '10m', notify: 'duty-manager' }],
  },
  ...AIR.map(([field, name, limit]): Rule => ({
    id: `air-quality-${field}`,
    type: 'match',
    kinds: ['env.air_quality'],
    where: { [`data.${field}`]: { gt: limit } },
    severity: 'minor',
    priority: 60,
    title: `${name} over threshold at {{device_name}} ({{data.${field}}})`,
    procedure: 'Inform the environment officer. For a sustained exceedance, follow the district air-quality plan (traffic measures, public information).',
    resolve: { kinds: ['env.air_quality'], where: { [`data.${field}`]: { lt: limit * 0.8 } } },
  })),
  {
    id: 'prohibited-attributes',
    type: 'match',
    kinds: ['policy.violation'],
    severity: 'major',
    priority: 30,
    title: '{{device_name}} sent a prohibited attribute ({{data.field}})',
    procedure:
      'The device or its integration sends data Parapet refuses to store (SPEC §4.3). The data was not stored. Contact the integrator to reconfigure the device; the violation is counted in the transparency report.',
    resolve: { quiet: '24h' },
  },
];
