/**
 * Built-in access-control rules (SPEC §2.1): door forced, door held open, repeated denials at a
 * door, revoked credential used, watchlisted credential. Credentials are pseudonyms here; titles
 * never carry them (SPEC §4).
 */
import type { Rule } from '../rule-schema.js';

const DOOR_KEY = '{{rule}}:{{device}}:{{data.door}}';

export const ACCESS_RULES: readonly Rule[] = [
  {
    id: 'door-forced',
    type: 'match',
    kinds: ['access.door_forced'],
    severity: 'major',
    priority: 10,
    title: 'Door {{data.door}} forced open ({{device_name}})',
    dedup: DOOR_KEY,
    procedure: 'Look at the cameras covering the door. Send a guard. Do not resolve before the door is secured again; the alert resolves itself when the controller reports the door secured.',
    resolve: { kinds: ['access.door_secured'] },
    // SPEC §2.1: a forced door cannot be resolved while it is still open.
    ack: { require_clear: true },
    escalation: [{ after: '5m', notify: 'shift-supervisor', priority: 5 }],
  },
  {
    id: 'door-held-open',
    type: 'match',
    kinds: ['access.door_held'],
    severity: 'minor',
    priority: 40,
    title: 'Door {{data.door}} held open ({{data.seconds}} s)',
    dedup: DOOR_KEY,
    procedure: 'Check the camera at the door for a propped door or a delivery. Ask the nearest guard to close it if no one is attending.',
    resolve: { kinds: ['access.door_secured'] },
    escalation: [{ after: '15m', notify: 'shift-supervisor' }],
  },
  {
    id: 'repeated-denials',
    type: 'threshold',
    kinds: ['access.denied'],
    group_by: '{{device}}:{{data.door}}',
    window: '2m',
    gte: 5,
    severity: 'major',
    priority: 30,
    title: 'Repeated access denials at door {{data.door}} ({{count}} in {{window}})',
    procedure: 'Someone may be trying credentials at this door. Look at the door camera; send a guard if the person is still there.',
    resolve: { quiet: '10m' },
  },
  {
    id: 'revoked-credential',
    type: 'match',
    kinds: ['access.denied'],
    where: { 'data.reason': 'revoked' },
    severity: 'major',
    priority: 20,
    title: 'Revoked credential presented at door {{data.door}}',
    dedup: DOOR_KEY,
    procedure: 'A card or code that was revoked was used. Look at the door camera, send a guard to talk to the holder, and retain the card if found.',
    resolve: { quiet: '1h' },
  },
  {
    id: 'watchlisted-credential',
    type: 'watchlist',
    list: 'credentials',
    kinds: ['access.granted', 'access.denied'],
    field: 'data.credential',
    severity: 'major',
    priority: 15,
    title: 'Watchlisted credential at door {{data.door}}: {{entry.label}}',
    procedure: 'Follow the instruction recorded with the watchlist entry. Do not disclose the watchlist to the holder.',
    resolve: { quiet: '1h' },
  },
];
