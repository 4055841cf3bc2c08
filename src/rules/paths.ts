/**
 * Field paths used by rule conditions and templates: `device`, `site`, `zone`, `kind`, `id`,
 * `device_type`, `device_name` (from the registry), `data.<field>`, and the extras a rule kind adds
 * (`count`, `sum`, `entry.label` …). Compiled once per rule into getters, so evaluation allocates nothing.
 */
import type { DeviceLookup, Extras, Subject } from './subject.js';

export type Getter = (s: Subject, x: Extras | undefined) => unknown;

export const EVENT_PATHS = ['device', 'site', 'zone', 'kind', 'id', 'device_type', 'device_name'] as const;

export function compilePath(path: string, devices: DeviceLookup): Getter {
  switch (path) {
    case 'device':
      return (s) => s.device;
    case 'site':
      return (s) => s.site;
    case 'zone':
      return (s) => s.zone;
    case 'kind':
      return (s) => s.kind;
    case 'id':
      return (s) => s.id;
    case 'device_type':
      return (s) => devices(s.device)?.type;
    case 'device_name':
      return (s) => devices(s.device)?.name;
  }
  if (path.startsWith('data.')) {
    const field = path.slice(5);
    return (s) => s.data[field];
  }
  return (_s, x) => x?.[path];
}

const TEMPLATE_RE = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/** The paths a template refers to, in order. */
export function templatePaths(text: string): string[] {
  return [...text.matchAll(TEMPLATE_RE)].map((m) => m[1] ?? '');
}

function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

export type Template = (s: Subject, x: Extras | undefined) => string;

/** `{{ path }}` placeholders; `rule` is the rule id; a missing value renders as the empty string. */
export function compileTemplate(text: string, ruleId: string, devices: DeviceLookup): Template {
  const parts: Array<string | Getter> = [];
  let last = 0;
  for (const m of text.matchAll(TEMPLATE_RE)) {
    const at = m.index;
    if (at > last) parts.push(text.slice(last, at));
    const path = m[1] ?? '';
    parts.push(path === 'rule' ? ruleId : compilePath(path, devices));
    last = at + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.every((p) => typeof p === 'string')) {
    const constant = parts.join('');
    return () => constant;
  }
  return (s, x) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else {
        const v = p(s, x);
        if (v !== undefined && v !== null) out += render(v);
      }
    }
    return out;
  };
}
