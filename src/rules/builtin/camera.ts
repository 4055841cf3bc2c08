/** Built-in rules for cameras (SPEC §2.1): video loss and tamper (camera offline is in devices.ts). */
import type { Rule } from '../rule-schema.js';

/** Analytics only a camera with a picture can send: their return means the picture is back. */
const PICTURE_BACK = ['camera.motion', 'camera.intrusion', 'camera.line_crossing', 'camera.occupancy', 'camera.loitering'];

export const CAMERA_RULES: readonly Rule[] = [
  {
    id: 'camera-video-loss',
    type: 'match',
    kinds: ['camera.video_loss'],
    severity: 'major',
    priority: 30,
    title: 'Video loss on {{device_name}}',
    procedure: 'Check the camera image in the video management system. Send maintenance if the image does not return; send a patrol if the area is sensitive.',
    resolve: { kinds: PICTURE_BACK },
    escalation: [{ after: '30m', notify: 'maintenance' }],
  },
  {
    id: 'camera-tamper',
    type: 'match',
    kinds: ['camera.tamper'],
    severity: 'major',
    priority: 20,
    title: 'Camera {{device_name}} tampered with ({{data.reason}})',
    procedure: 'Look at the live image and the last recorded minutes. Send a patrol to the camera; if it was covered or moved on purpose, treat the area as under threat and inform the supervisor.',
    resolve: { kinds: PICTURE_BACK },
    escalation: [{ after: '10m', notify: 'shift-supervisor' }],
  },
];
