/**
 * Device import (SPEC §2–3, `parapet device import FILE`): JSON (an array or `{devices:[…]}`), CSV
 * (header row; columns id,type,name,site,zone,lat,lon,heartbeat_s) and GeoJSON (a FeatureCollection
 * of Point features whose properties carry the rest). Each row is validated against the registry's
 * schema on its own: a bad row is reported with its row number and field, and the valid rows are
 * kept. Problems with the file as a whole (not JSON, no header, an unknown column) throw.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseCsv } from 'csv-parse/sync';
import { DeviceInputSchema, type DeviceInput } from '../core/device.js';
import { ParapetError } from '../core/errors.js';

export type ImportFormat = 'json' | 'csv' | 'geojson';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['json', 'csv', 'geojson'];

export interface ImportProblem {
  /** 1-based position of the device in the file (array item, CSV data row, feature). */
  readonly row: number;
  /** CSV only: the file line the row ends on. */
  readonly line?: number;
  /** The field at fault, or null when the row as a whole is. */
  readonly field: string | null;
  readonly message: string;
}

export interface ImportResult {
  readonly format: ImportFormat;
  /** Rows in the file (valid and not). */
  readonly rows: number;
  readonly devices: DeviceInput[];
  readonly problems: ImportProblem[];
}

export const CSV_COLUMNS = ['id', 'type', 'name', 'site', 'zone', 'lat', 'lon', 'heartbeat_s'] as const;
const CSV_REQUIRED = ['id', 'type', 'site'] as const;
const NUMERIC = new Set(['lat', 'lon', 'heartbeat_s']);

const validate = new Ajv({ allErrors: true, strict: false }).compile(DeviceInputSchema);

/** Picks the format from the file name, else from the content. */
export function detectFormat(fileName: string, text: string): ImportFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.geojson')) return 'geojson';
  if (lower.endsWith('.csv')) return 'csv';
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    return /"type"\s*:\s*"Feature(Collection)?"/.test(head.slice(0, 4096)) ? 'geojson' : 'json';
  }
  return 'csv';
}

export function parseDevices(text: string, format: ImportFormat): ImportResult {
  const rows = format === 'csv' ? csvRows(text) : format === 'geojson' ? geojsonRows(text) : jsonRows(text);
  const devices: DeviceInput[] = [];
  const problems: ImportProblem[] = [];
  const firstRowOf = new Map<string, number>();
  for (const r of rows) {
    const at = { row: r.row, ...(r.line !== undefined ? { line: r.line } : {}) };
    if (r.problems.length > 0) {
      problems.push(...r.problems.map((p) => ({ ...at, ...p })));
      continue;
    }
    if (!validate(r.value)) {
      problems.push(...describe(validate.errors).map((p) => ({ ...at, ...p })));
      continue;
    }
    const device = r.value as DeviceInput;
    const first = firstRowOf.get(device.id);
    if (first !== undefined) {
      problems.push({ ...at, field: 'id', message: `duplicate id ${device.id} (first at row ${first})` });
      continue;
    }
    firstRowOf.set(device.id, r.row);
    devices.push(device);
  }
  return { format, rows: rows.length, devices, problems };
}

/** One line per problem, e.g. `row 3 (line 4), lat: must be <= 90`. */
export function formatProblem(p: ImportProblem): string {
  const where = p.line !== undefined ? `row ${p.row} (line ${p.line})` : `row ${p.row}`;
  return p.field ? `${where}, ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

interface Row {
  readonly row: number;
  readonly line?: number;
  readonly value: unknown;
  /** Problems found while turning the row into an object (before schema validation). */
  readonly problems: Array<{ field: string | null; message: string }>;
}

function describe(errors: ErrorObject[] | null | undefined): Array<{ field: string | null; message: string }> {
  const byField = new Map<string, { field: string | null; message: string }>();
  for (const e of errors ?? []) {
    const params = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[]; type?: string };
    // A nullable field fails both branches of its union: the `null` branch and the union summary say nothing useful.
    if (e.keyword === 'anyOf' || (e.keyword === 'type' && params.type === 'null')) continue;
    let field: string | null = e.instancePath.replace(/^\//, '').split('/')[0] || null;
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'required' && params.missingProperty) {
      field = params.missingProperty;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' && params.additionalProperty) {
      field = params.additionalProperty;
      message = 'is not a device field';
    } else if (e.keyword === 'enum' && params.allowedValues) {
      message = `must be one of ${params.allowedValues.join(', ')}`;
    } else if (e.keyword === 'pattern' && field === 'id') {
      message = 'must start with a letter or digit and hold only letters, digits and . _ : - (at most 64)';
    }
    if (!byField.has(field ?? '')) byField.set(field ?? '', { field, message });
  }
  return [...byField.values()];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (err) {
    throw new ParapetError('invalid_device', `the ${what} file is not valid JSON: ${(err as Error).message}`);
  }
}

function jsonRows(text: string): Row[] {
  const doc = parseJson(text, 'JSON');
  const inner = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { devices?: unknown }).devices : undefined;
  const list: unknown[] | null = Array.isArray(doc) ? (doc as unknown[]) : Array.isArray(inner) ? (inner as unknown[]) : null;
  if (list === null) throw new ParapetError('invalid_device', 'a JSON device file holds an array of devices or an object {"devices": [...]}');
  return list.map((value, i) => {
    const ok = value !== null && typeof value === 'object' && !Array.isArray(value);
    return { row: i + 1, value, problems: ok ? [] : [{ field: null, message: 'is not an object' }] };
  });
}

function csvRows(text: string): Row[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    throw new ParapetError('invalid_device', `the CSV file cannot be read: ${(err as Error).message}`);
  }
  const [header, ...data] = records;
  if (!header) throw new ParapetError('invalid_device', 'the CSV file is empty (expected a header row)');
  const columns = header.record.map((c) => c.toLowerCase());
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new ParapetError('invalid_device', `unknown CSV column ${unknown.map((c) => `"${c}"`).join(', ')} (columns are ${CSV_COLUMNS.join(',')})`);
  const missing = CSV_REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new ParapetError('invalid_device', `the CSV header lacks the column ${missing.join(', ')} (columns are ${CSV_COLUMNS.join(',')})`);
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
  if (repeated) throw new ParapetError('invalid_device', `the CSV header names the column "${repeated}" twice`);
  return data.map(({ record, info }, i) => {
    const problems: Row['problems'] = [];
    if (record.length !== columns.length) problems.push({ field: null, message: `has ${record.length} cells, the header ${columns.length}` });
    const value: Record<string, unknown> = {};
    columns.forEach((col, c) => {
      const cell = record[c];
      if (cell === undefined || cell === '') return;
      if (!NUMERIC.has(col)) {
        value[col] = cell;
        return;
      }
      const n = Number(cell);
      if (!Number.isFinite(n)) problems.push({ field: col, message: `"${cell}" is not a number` });
      else value[col] = n;
    });
    return { row: i + 1, line: info.lines, value, problems };
  });
}

function geojsonRows(text: string): Row[] {
  const doc = parseJson(text, 'GeoJSON') as { type?: unknown; features?: unknown };
  const features = doc?.type === 'FeatureCollection' && Array.isArray(doc.features) ? (doc.features as unknown[]) : doc?.type === 'Feature' ? [doc] : null;
  if (features === null) throw new ParapetError('invalid_device', 'a GeoJSON device file is a FeatureCollection of Point features');
  return features.map((f: unknown, i) => {
    const row = i + 1;
    const feature = (f ?? {}) as { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown };
    const problems: Row['problems'] = [];
    if (feature.type !== 'Feature') problems.push({ field: 'type', message: 'is not "Feature"' });
    const props = feature.properties ?? {};
    if (typeof props !== 'object' || props === null || Array.isArray(props)) {
      return { row, value: null, problems: [...problems, { field: 'properties', message: 'is not an object' }] };
    }
    const value: Record<string, unknown> = { ...(props as Record<string, unknown>) };
    if (value.id === undefined && (typeof feature.id === 'string' || typeof feature.id === 'number')) value.id = String(feature.id);
    for (const k of ['lat', 'lon'] as const) {
      if (k in value) problems.push({ field: k, message: 'belongs in the geometry, not the properties' });
    }
    const g = feature.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
    const coords = g?.coordinates;
    if (!g || g.type !== 'Point') {
      problems.push({ field: 'geometry', message: 'must be a Point' });
    } else if (!Array.isArray(coords) || coords.length < 2 || typeof coords[0] !== 'number' || typeof coords[1] !== 'number') {
      problems.push({ field: 'geometry', message: 'coordinates must be [longitude, latitude]' });
    } else {
      // GeoJSON orders positions longitude first (RFC 7946 §3.1.1).
      value.lon = coords[0];
      value.lat = coords[1];
    }
    return { row, value, problems };
  });
}
