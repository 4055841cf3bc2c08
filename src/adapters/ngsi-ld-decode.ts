/**
 * Reading NGSI entities whatever their representation (ETSI GS CIM 009 NGSI-LD §4.5, FIWARE NGSIv2):
 *   normalized   "pm10": {"type": "Property", "value": 36, "unitCode": "GQ", "observedAt": "…"}
 *                "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:aq-1"}
 *   key-values   "pm10": 36, "refDevice": "urn:ngsi-ld:Device:aq-1"
 *   NGSIv2       "pm10": {"type": "Number", "value": 36, "metadata": {"unitCode": {"value": "GQ"}}}
 * Attribute and type names are matched case-insensitively on their short form, so expanded names
 * (`https://smartdatamodels.org/dataModel.Environment/no2`) and older FIWARE spellings (`NO2`)
 * read alike. DateTime values (`{"@type": "DateTime", "@value": …}`) are unwrapped.
 */
import { isRecord } from './adapter-kit.js';

export interface Attr {
  readonly value: unknown;
  readonly unitCode?: string;
  readonly observedAt?: string;
}

const LD_TYPES = new Set(['Property', 'GeoProperty', 'LanguageProperty', 'VocabProperty', 'JsonProperty', 'ListProperty']);

/** The short form of an attribute or type name: the part after the last `/`, `#` or `:` of an IRI. */
export function shortName(name: string): string {
  const m = /[/#]([^/#]+)$/.exec(name);
  return (m?.[1] ?? name).toLowerCase();
}

function unwrap(v: unknown): unknown {
  if (isRecord(v) && '@value' in v) return v['@value'];
  return v;
}

function decodeAttr(raw: unknown): Attr {
  if (isRecord(raw) && typeof raw.type === 'string') {
    // NGSI-LD puts a relationship's target in `object`, NGSIv2 in `value`.
    if (raw.type === 'Relationship') return { value: raw.object ?? raw.value };
    if (LD_TYPES.has(raw.type) || 'value' in raw) {
      const meta = isRecord(raw.metadata) ? raw.metadata : {};
      const metaUnit = isRecord(meta.unitCode) ? meta.unitCode.value : undefined;
      const unit = typeof raw.unitCode === 'string' ? raw.unitCode : typeof metaUnit === 'string' ? metaUnit : undefined;
      const observed = typeof raw.observedAt === 'string' ? raw.observedAt : undefined;
      return { value: unwrap(raw.value), ...(unit ? { unitCode: unit } : {}), ...(observed ? { observedAt: observed } : {}) };
    }
  }
  return { value: unwrap(raw) };
}

/** An entity's attributes by short lower-case name (first spelling wins). */
export class EntityView {
  readonly id: string;
  readonly type: string;
  private readonly attrs = new Map<string, Attr>();

  constructor(entity: Record<string, unknown>) {
    this.id = typeof entity.id === 'string' ? entity.id : '';
    this.type = typeof entity.type === 'string' ? shortName(entity.type) : '';
    for (const [k, v] of Object.entries(entity)) {
      if (k === 'id' || k === 'type' || k === '@context') continue;
      const name = shortName(k);
      if (!this.attrs.has(name)) this.attrs.set(name, decodeAttr(v));
    }
  }

  get(...names: string[]): Attr | undefined {
    for (const n of names) {
      const a = this.attrs.get(n.toLowerCase());
      if (a !== undefined && a.value !== null && a.value !== undefined) return a;
    }
    return undefined;
  }

  number(...names: string[]): number | undefined {
    const v = this.get(...names)?.value;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return undefined;
  }

  text(...names: string[]): string | undefined {
    const v = this.get(...names)?.value;
    if (typeof v === 'string' && v.length > 0) return v;
    if (Array.isArray(v) && typeof v[0] === 'string' && v[0].length > 0) return v[0];
    return undefined;
  }

  /** The observation time: the attribute's observedAt, else the entity's dateObserved family, else undefined. */
  time(attr?: string): string | undefined {
    const a = attr !== undefined ? this.get(attr) : undefined;
    const t = a?.observedAt ?? this.text('dateObservedTo', 'dateObserved', 'dateLastValueReported', 'dateIssued', 'dateModified', 'observedAt');
    if (t === undefined) return undefined;
    // An ISO 8601 interval (`start/end`, as Smart Data Models examples give dateObserved): its end.
    const slash = t.indexOf('/');
    return utc(slash >= 0 ? t.slice(slash + 1) : t);
  }
}

/** NGSI-LD DateTimes are UTC (GS CIM 009 §4.6.3); one without an offset gets `Z`, not the hub's zone. */
export function utc(t: string): string {
  return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) || !/T\d{2}:\d{2}/.test(t) ? t : `${t}Z`;
}

/** `urn:ngsi-ld:Device:aq-7` → `aq-7`; an IRI → its last path segment; anything else as-is. */
export function localId(id: string): string {
  const urn = /^urn:ngsi-ld:[^:]+:(.+)$/i.exec(id);
  if (urn?.[1]) return urn[1];
  const iri = /^[a-z][a-z0-9+.-]*:\/\/.*\/([^/?#]+)\/?(?:[?#].*)?$/i.exec(id);
  if (iri?.[1]) return iri[1];
  return id;
}

/** Milliseconds between two RFC 3339 times, or undefined. */
export function spanMs(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const a = Date.parse(utc(from));
  const b = Date.parse(utc(to));
  return Number.isFinite(a) && Number.isFinite(b) && b > a ? b - a : undefined;
}

/** Molar masses for ppm/ppb → mass concentration at 25 °C, 1 atm (molar volume 24.45 L). */
const MOLAR_MASS: Readonly<Record<string, number>> = { no2: 46.0055, o3: 47.9982, co: 28.0101 };
const MOLAR_VOLUME = 24.45;

/**
 * An air-quality value in Parapet's unit (µg/m³; CO mg/m³ — rules/builtin/site.ts) from its
 * UN/CEFACT unitCode: GQ µg/m³, GP mg/m³, 59 ppm, 61 ppb; no code = µg/m³, the Smart Data Models
 * default for every pollutant (its Madrid example gives CO 500, i.e. 0.5 mg/m³).
 * Undefined when the unit cannot be converted (ppm of particulate matter, an unknown code).
 */
export function airValue(pollutant: 'pm25' | 'pm10' | 'no2' | 'o3' | 'co', value: number, unitCode: string | undefined): number | undefined {
  const toMicro = (v: number): number | undefined => {
    const mm = MOLAR_MASS[pollutant];
    switch (unitCode?.toUpperCase()) {
      case undefined:
      case 'GQ':
        return v;
      case 'GP':
        return v * 1000;
      case '59':
        return mm === undefined ? undefined : (v * 1000 * mm) / MOLAR_VOLUME;
      case '61':
        return mm === undefined ? undefined : (v * mm) / MOLAR_VOLUME;
      default:
        return undefined;
    }
  };
  const micro = toMicro(value);
  if (micro === undefined || micro < 0) return undefined;
  const out = pollutant === 'co' ? micro / 1000 : micro;
  return Math.round(out * 1000) / 1000;
}
