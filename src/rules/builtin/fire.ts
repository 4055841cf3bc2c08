/**
 * Built-in fire and life-safety rules (SPEC §2.1): fire alarm, sprinkler waterflow, supervisory
 * and trouble conditions. A panel point clears with `fire.restore`; alarms also need an
 * acknowledgement before they leave the list (the operator must have seen them).
 */
import type { Rule } from '../rule-schema.js';

const POINT_KEY = '{{rule}}:{{device}}:{{data.point}}';

export const FIRE_RULES: readonly Rule[] = [
  {
    id: 'fire-alarm',
    type: 'match',
    kinds: ['fire.alarm'],
    severity: 'critical',
    priority: 1,
    title: 'FIRE ALARM at {{device_name}}, point {{data.point}}',
    dedup: POINT_KEY,
    procedure:
      'Call the fire brigade unless the alarm is verified false within 60 seconds. Start the evacuation procedure for the zone, send the nearest guard to the point with an extinguisher, and keep the line open with the brigade.',
    resolve: { kinds: ['fire.restore'] },
    ack: { require_clear: true, require_ack: true },
    escalation: [
      { after: '2m', notify: 'fire-officer', priority: 1 },
      { after: '5m', notify: 'duty-manager', priority: 1 },
    ],
  },
  {
    id: 'sprinkler-waterflow',
    type: 'match',
    kinds: ['fire.waterflow'],
    severity: 'critical',
    priority: 2,
    title: 'Sprinkler waterflow at {{device_name}}, point {{data.point}}',
    dedup: POINT_KEY,
    procedure:
      'Water is flowing in the sprinkler system: treat as a fire until proven otherwise. Call the fire brigade, send a guard to the point; if there is no fire, have the valve closed by maintenance to limit water damage.',
    resolve: { kinds: ['fire.restore'] },
    ack: { require_clear: true, require_ack: true },
    escalation: [{ after: '2m', notify: 'fire-officer', priority: 1 }],
  },
  {
    id: 'fire-supervisory',
    type: 'match',
    kinds: ['fire.supervisory'],
    severity: 'major',
    priority: 20,
    title: 'Fire system supervisory condition at {{device_name}}, point {{data.point}}: {{data.condition}}',
    dedup: POINT_KEY,
    procedure: 'A supervised part of the fire system is off-normal (valve closed, low pressure, pump off). Send maintenance; the protection of the zone may be reduced until restored.',
    resolve: { kinds: ['fire.restore'] },
    ack: { require_clear: true },
    escalation: [{ after: '30m', notify: 'fire-officer' }],
  },
  {
    id: 'fire-trouble',
    type: 'match',
    kinds: ['fire.trouble'],
    severity: 'minor',
    priority: 50,
    title: 'Fire system trouble at {{device_name}}, point {{data.point}}: {{data.condition}}',
    dedup: POINT_KEY,
    procedure: 'A fault in the fire system wiring or equipment (open circuit, ground fault, battery). Call the fire system maintainer; note the ticket as a comment.',
    resolve: { kinds: ['fire.restore'] },
    escalation: [{ after: '4h', notify: 'maintenance' }],
  },
];
