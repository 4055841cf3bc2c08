/**
 * What every vendor adapter shares (SPEC §6, STYLE §4). An adapter is a PURE function from one
 * vendor payload to ordinary ingest inputs, plus what it refused (vendor items it could not read)
 * and what it dropped on purpose. Dropped items never reach the pipeline: face data, recognised
 * face names and person names (SPEC §4.3: Parapet does no face recognition and stores no face
 * data), images. Identifiers (plates, credentials) are put in the catalogue's ⓘ fields so the
 * pipeline pseudonymises them exactly as for native ingest (SPEC §4.1).
 */
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../core/errors.js';
import type { IngestInput } from '../core/event.js';
import type { EventKind } from '../core/kinds.js';
import { deviceIdRe } from '../core/device.js';
import type { Principal } from '../auth/principal.js';

export type DropReason =
  /** Face names, face-recognition results, face-authenticated access (SPEC §4.3). */
  | 'face_data'
  /** Names of people: access-control actors, recognised persons, vehicle owners. */
  | 'person_name'
  /** Snapshots, plate or vehicle crops: Parapet keeps no imagery. */
  | 'image'
  /** A vendor message with no meaning in the v1 catalogue (docs/integrations.md lists them). */
  | 'unsupported'
  /** A message that carries nothing to record (a parking spot in state "unknown", motion OFF …). */
  | 'no_data';

/** One event for the pipeline and where it came from in the vendor payload (e.g. `results[1]`). */
export interface AdapterItem {
  readonly at: string;
  readonly input: IngestInput;
}

export interface AdapterRefusal {
  readonly at: string;
  readonly error: ErrorCode;
  readonly detail: string;
}

/** `detail` never holds a dropped value: only what kind of thing was dropped. */
export interface AdapterDrop {
  readonly at: string;
  readonly reason: DropReason;
  readonly detail: string;
}

export interface AdapterResult {
  readonly items: readonly AdapterItem[];
  readonly refused: readonly AdapterRefusal[];
  readonly dropped: readonly AdapterDrop[];
}

/** The envelope of SPEC §2 an adapter builds (the pipeline validates it like any other). */
export interface Envelope {
  readonly id?: string | null;
  readonly ts: number | string;
  readonly device: string;
  readonly kind: EventKind;
  readonly data: Readonly<Record<string, unknown>>;
}

export class ResultBuilder {
  private readonly items: AdapterItem[] = [];
  private readonly refused: AdapterRefusal[] = [];
  private readonly dropped: AdapterDrop[] = [];

  event(at: string, e: Envelope): void {
    const item: Record<string, unknown> = { ts: e.ts, device: e.device, kind: e.kind, data: e.data };
    if (e.id) item.id = e.id;
    this.items.push({ at, input: { item } });
  }

  /** An item handed to the pipeline as-is (used to let the pipeline refuse and count a prohibited attribute). */
  raw(at: string, item: Record<string, unknown>): void {
    this.items.push({ at, input: { item } });
  }

  refuse(at: string, error: ErrorCode, detail: string): void {
    this.refused.push({ at, error, detail });
  }

  drop(at: string, reason: DropReason, detail: string): void {
    this.dropped.push({ at, reason, detail });
  }

  result(): AdapterResult {
    return { items: this.items, refused: this.refused, dropped: this.dropped };
  }
}

/**
 * Device mapping (docs/integrations.md): a pinned device wins; otherwise the Parapet device id is
 * `prefix + vendor id`, with every character outside `[A-Za-z0-9._:-]` replaced by `-`. The
 * result must still be a valid device id (SPEC §2); the pipeline then requires it registered.
 */
export interface DeviceMapping {
  readonly prefix: string;
  readonly pinned?: string;
}

export function deviceFor(map: DeviceMapping, vendorId: unknown): string | null {
  if (map.pinned !== undefined) return deviceIdRe.test(map.pinned) ? map.pinned : null;
  if (typeof vendorId === 'number' && Number.isFinite(vendorId)) vendorId = String(vendorId);
  if (typeof vendorId !== 'string' || vendorId.length === 0 || vendorId.length > 128) return null;
  const id = map.prefix + vendorId.replace(/[^A-Za-z0-9._:-]/g, '-');
  return deviceIdRe.test(id) ? id : null;
}

/**
 * A deterministic client id (≤ 64 chars, SPEC §2) so a vendor's retry is counted as a duplicate.
 * Parts must never hold an identifier: an unkeyed hash of a plate would be a plate in clear.
 */
export function clientId(tag: string, ...parts: ReadonlyArray<string | number>): string {
  const h = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex');
  return `${tag}-${h.slice(0, 40)}`;
}

/** The principal an integration ingests as: an ingest machine of every site (SPEC §5.3). */
export function integrationPrincipal(name: string): Principal {
  return { kind: 'token', id: `integration:${name}`, name, role: 'ingest', sites: [] };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A label for the catalogue's label fields (1–128 printable characters), or undefined. */
export function label(v: unknown, max = 128): string | undefined {
  if (typeof v !== 'string') return undefined;
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean.length === 0 ? undefined : clean.slice(0, max);
}

/** Vendor epoch seconds (fractional allowed) → epoch ms; anything else undefined. */
export function fromSeconds(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.round(n * 1000);
}

/** A confidence as the catalogue wants it (0–1); vendors using percent are scaled by the caller. */
export function ratio(v: unknown): number | undefined {
  const n = num(v);
  if (n === undefined) return undefined;
  return Math.min(1, Math.max(0, n));
}

const VEHICLES = new Set(['car', 'truck', 'bus', 'motorcycle', 'motorbike', 'van', 'vehicle', 'train', 'boat', 'lorry', 'suv', 'pickup', 'trailer', 'tram', 'scooter']);
const ANIMALS = new Set(['animal', 'dog', 'cat', 'bird', 'horse', 'sheep', 'cow', 'bear', 'deer', 'fox', 'goat', 'rabbit', 'raccoon', 'squirrel', 'elephant', 'zebra', 'giraffe']);

/** A vendor object label → the catalogue's object class (SPEC §2: person, vehicle, bicycle, animal, other). */
export function objectClass(labelText: unknown): 'person' | 'vehicle' | 'bicycle' | 'animal' | 'other' {
  const l = typeof labelText === 'string' ? labelText.toLowerCase().trim() : '';
  if (l === 'person' || l === 'people' || l === 'pedestrian') return 'person';
  if (l === 'bicycle' || l === 'bike' || l === 'cyclist') return 'bicycle';
  if (VEHICLES.has(l)) return 'vehicle';
  if (ANIMALS.has(l)) return 'animal';
  return 'other';
}

/** `at` paths into a vendor payload: `sub('data', 'results[0]')` → `data.results[0]`; `sub('', 'x')` → `x`. */
export function sub(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}
