/** The built-in rule pack (SPEC §2.1): on by default; override or disable any rule through PUT /rules/:id. */
import type { Rule } from '../rule-schema.js';
import { ACCESS_RULES } from './access.js';
import { CAMERA_RULES } from './camera.js';
import { DEVICE_RULES } from './devices.js';
import { FIRE_RULES } from './fire.js';
import { SITE_RULES } from './site.js';

export const BUILTIN_RULES: readonly Rule[] = [...DEVICE_RULES, ...CAMERA_RULES, ...FIRE_RULES, ...ACCESS_RULES, ...SITE_RULES];
