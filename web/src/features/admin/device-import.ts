/**
 * Device files for the admin's import (the formats of `parapet device import`: a JSON array of
 * device records, CSV with a header row, or a GeoJSON FeatureCollection of points whose properties
 * are the record). Parsed in the browser into registry inputs (SPEC §2); the hub validates each on
 * `PUT /devices/:id` and its refusals are reported per device.
 */

export interface DeviceRecord {
  readonly id: string;
  readonly [field: string]: unknown;
}

export interface ParsedFile {
  readonly devices: DeviceRecord[];
  /** Rows that could not be read, with the reason (line or index, 1-based). */
  readonly problems: string[];
}

const NUMERIC = new Set(['lat', 'lon', 'heartbeat_s']);

function record(raw: Record<string, unknown>, where: string, problems: string[]): DeviceRecord | null {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === '' || v === undefined) continue;
    out[k] = NUMERIC.has(k) && typeof v === 'string' ? Number(v) : v;
  }
  if (typeof out.id !== 'string' || out.id === '') {
    problems.push(`${where}: no id`);
    return null;
  }
  return out as DeviceRecord;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

export function parseDeviceFile(name: string, text: string): ParsedFile {
  const problems: string[] = [];
  const devices: DeviceRecord[] = [];
  const trimmed = text.trim();
  if (name.toLowerCase().endsWith('.csv') || !/^[[{]/.test(trimmed)) {
    const [header, ...rows] = parseCsv(trimmed);
    if (!header) return { devices, problems: ['the file is empty'] };
    const keys = header.map((h) => h.trim());
    rows.forEach((r, i) => {
      const d = record(Object.fromEntries(keys.map((k, j) => [k, r[j]?.trim() ?? ''])), `line ${i + 2}`, problems);
      if (d) devices.push(d);
    });
    return { devices, problems };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch (err) {
    return { devices, problems: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const o = doc as { type?: unknown; features?: unknown; devices?: unknown };
  if (o.type === 'FeatureCollection' && Array.isArray(o.features)) {
    o.features.forEach((f: unknown, i) => {
      const feat = f as { properties?: Record<string, unknown>; geometry?: { type?: string; coordinates?: unknown } };
      const props = { ...(feat.properties ?? {}) };
      const c = feat.geometry?.type === 'Point' ? feat.geometry.coordinates : null;
      // GeoJSON positions are [longitude, latitude] (RFC 7946 §3.1.1).
      if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') {
        props.lon = c[0];
        props.lat = c[1];
      }
      const d = record(props, `feature ${i + 1}`, problems);
      if (d) devices.push(d);
    });
    return { devices, problems };
  }
  const list = Array.isArray(doc) ? doc : Array.isArray(o.devices) ? o.devices : null;
  if (!list) return { devices, problems: ['expected a JSON array of devices, {devices:[…]} or a GeoJSON FeatureCollection'] };
  list.forEach((item: unknown, i) => {
    if (item === null || typeof item !== 'object') problems.push(`item ${i + 1}: not an object`);
    else {
      const d = record(item as Record<string, unknown>, `item ${i + 1}`, problems);
      if (d) devices.push(d);
    }
  });
  return { devices, problems };
}
