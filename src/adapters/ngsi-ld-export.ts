/**
 * Parapet's own devices and alerts as NGSI-LD entities (SPEC §6), shaped after the FIWARE Smart
 * Data Models Device (dataModel.Device) and Alert (dataModel.Alert). Normalized by default,
 * key-values on request (GS CIM 009 `options=keyValues`). The @context is sent in a Link header,
 * as NGSI-LD does for `application/json` answers. Nothing here holds an identifier in clear:
 * alerts carry titles built from safe events (rules/alert-view.ts).
 */
import type { DeviceView } from '../core/device.js';
import type { AlertRecord } from '../store/alerts.js';

export const NGSI_LD_CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld';
export const CONTEXT_LINK = `<${NGSI_LD_CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;

export const deviceUrn = (id: string): string => `urn:ngsi-ld:Device:parapet:${id}`;
export const alertUrn = (id: string): string => `urn:ngsi-ld:Alert:parapet:${id}`;

type Value = string | number | readonly string[] | { readonly type: 'Point'; readonly coordinates: readonly [number, number] };
type Attr = { readonly kind: 'Property' | 'GeoProperty'; readonly value: Value; readonly dateTime?: boolean } | { readonly kind: 'Relationship'; readonly object: string };

const prop = (value: Value): Attr => ({ kind: 'Property', value });
const dateTime = (ms: number): Attr => ({ kind: 'Property', value: new Date(ms).toISOString(), dateTime: true });

function render(id: string, type: string, attrs: Record<string, Attr | undefined>, keyValues: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id, type };
  for (const [name, a] of Object.entries(attrs)) {
    if (!a) continue;
    if (keyValues) out[name] = a.kind === 'Relationship' ? a.object : a.value;
    else if (a.kind === 'Relationship') out[name] = { type: 'Relationship', object: a.object };
    else out[name] = { type: a.kind, value: a.dateTime ? { '@type': 'DateTime', '@value': a.value } : a.value };
  }
  return out;
}

export function deviceEntity(d: DeviceView, keyValues: boolean): Record<string, unknown> {
  return render(
    deviceUrn(d.id),
    'Device',
    {
      name: prop(d.name),
      deviceCategory: prop([d.type]),
      deviceState: prop(d.status),
      areaServed: prop(d.zone ?? d.site),
      site: prop(d.site),
      dateLastValueReported: d.last_seen ? { kind: 'Property', value: d.last_seen, dateTime: true } : undefined,
      location: d.lat !== null && d.lon !== null ? { kind: 'GeoProperty', value: { type: 'Point', coordinates: [d.lon, d.lat] } } : undefined,
    },
    keyValues,
  );
}

/** Parapet severities → Smart Data Models Alert severities. */
const SEVERITY: Readonly<Record<AlertRecord['severity'], string>> = { critical: 'critical', major: 'high', minor: 'medium', info: 'informational' };

export function alertEntity(a: AlertRecord, keyValues: boolean): Record<string, unknown> {
  return render(
    alertUrn(a.id),
    'Alert',
    {
      category: prop(a.rule.startsWith('air-quality') ? 'environment' : 'security'),
      subCategory: prop(a.rule),
      severity: prop(SEVERITY[a.severity]),
      description: prop(a.title),
      dateIssued: dateTime(a.first_seen),
      validFrom: dateTime(a.first_seen),
      validTo: a.resolved_at !== null ? dateTime(a.resolved_at) : undefined,
      alertSource: a.device !== null ? { kind: 'Relationship', object: deviceUrn(a.device) } : undefined,
      areaServed: prop(a.zone ?? a.site),
      state: prop(a.state),
      occurrences: prop(a.occurrences),
    },
    keyValues,
  );
}
