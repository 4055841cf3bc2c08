/**
 * The event kinds offered in the search form. The catalogue lives in src/core/kinds.ts (with
 * TypeBox schemas the browser does not need); kinds.test.ts holds this list equal to it.
 */

export const SEARCH_KINDS = [
  'camera.motion',
  'camera.intrusion',
  'camera.line_crossing',
  'camera.occupancy',
  'camera.loitering',
  'camera.tamper',
  'camera.video_loss',
  'lpr.read',
  'lpr.watchlist_hit',
  'access.granted',
  'access.denied',
  'access.door_forced',
  'access.door_held',
  'access.door_secured',
  'fire.alarm',
  'fire.waterflow',
  'fire.supervisory',
  'fire.trouble',
  'fire.restore',
  'env.air_quality',
  'env.noise',
  'env.weather',
  'wifi.sighting',
  'wifi.count',
  'device.heartbeat',
  'device.fault',
  'device.battery',
  'telemetry.reading',
  'device.status',
  'policy.violation',
] as const;

export const FAMILIES = [...new Set(SEARCH_KINDS.map((k) => k.split('.')[0] ?? ''))];
