/** Built-in rules for device health (SPEC §2.1): camera offline, missing heartbeat, equipment fault, low battery. */
import type { Rule } from '../rule-schema.js';

export const DEVICE_RULES: readonly Rule[] = [
  {
    id: 'camera-offline',
    type: 'absence',
    on_status: true,
    where: { device_type: 'camera' },
    severity: 'major',
    priority: 30,
    title: 'Camera {{device_name}} is offline',
    procedure:
      'Check the camera in the video management system and its network switch port. If the area it covers is sensitive, send a patrol until it is back. The alert clears itself when the camera reports again.',
    escalation: [{ after: '30m', notify: 'maintenance', priority: 20 }],
  },
  {
    id: 'device-heartbeat-missing',
    type: 'absence',
    on_status: true,
    where: { device_type: { not_in: ['camera'] } },
    severity: 'minor',
    priority: 60,
    title: '{{device_name}} missed its heartbeat',
    procedure:
      'The device stopped reporting within its heartbeat period. Check power and network; open a maintenance ticket if it does not return within the hour. The alert clears itself when the device reports again.',
    escalation: [{ after: '2h', notify: 'maintenance' }],
  },
  {
    id: 'equipment-fault',
    type: 'match',
    kinds: ['device.fault'],
    severity: 'major',
    priority: 40,
    title: 'Equipment fault on {{device_name}}: {{data.code}}',
    procedure: 'Read the fault code in the device documentation, dispatch maintenance, and note the ticket number as a comment. The alert clears when the device reports healthy again.',
    // The registry clears a fault on the device's next heartbeat (status back to online).
    resolve: { kinds: ['device.heartbeat'], status: ['online'] },
    escalation: [{ after: '1h', notify: 'maintenance' }],
  },
  {
    id: 'low-battery',
    type: 'match',
    kinds: ['device.battery'],
    where: { 'data.percent': { lte: 20 } },
    severity: 'minor',
    priority: 70,
    title: 'Low battery on {{device_name}} ({{data.percent}} %)',
    procedure: 'Schedule a battery replacement before the device goes silent. The alert clears once the device reports 30 % or more.',
    // Hysteresis: clear at 30 %, not 21 %, so a battery hovering at the limit does not flap.
    resolve: { kinds: ['device.battery'], where: { 'data.percent': { gte: 30 } } },
  },
];
