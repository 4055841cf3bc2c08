/**
 * Prohibited attributes (SPEC §4.3, issue 3 §3): refused wherever they appear in an event, nested
 * in objects or arrays. Matching is on field NAMES, never on free values, so a zone called
 * "race-track" or a camera attribute `face_visible: true` is not refused.
 *
 * A name is split into words (snake_case, camelCase, kebab, dots, digits) after Unicode folding
 * (NFKC, invisible characters removed, Cyrillic/Greek look-alikes folded), then refused when:
 *   1. the whole name is a prohibited word on its own (`race`, `age`, `face`, `sex` …) — such
 *      words are refused only alone, because they are common inside harmless compounds;
 *   2. any word is prohibited in every context (`ethnicity`, `imsi`, `gender`, `faceprint` …);
 *   3. two words form a prohibited pair (`face`+`embedding`, `estimated`+`age`, `first`+`name` …).
 * One value-based rule exists, for vendors that encode attributes as `{name: "gender", value: …}`
 * lists: an object carrying a `value` next to a name-like key whose STRING is a prohibited name.
 */
import { foldConfusables } from './normalise.js';

/** Refused only when they are the whole name: common inside harmless compounds (`voltage`, `face_visible`). */
const ALONE = new Set([
  'race', 'age', 'sex', 'face', 'health', 'medical', 'belief', 'beliefs', 'religion', 'politics', 'political',
  'orientation', 'embedding', 'embeddings', 'passport', 'ssn', 'nationality', 'phone', 'gait', 'iris', 'nin', 'dni',
  'cpf', 'aadhaar', 'personnummer',
]);

/** Refused wherever they appear as a word of the name, or as the whole name written as one word. */
const ANYWHERE = new Set([
  'ethnicity', 'ethnic', 'ethnicities', 'religious', 'religions', 'imsi', 'imei', 'msisdn', 'iccid', 'attractiveness',
  'attractive', 'beauty', 'gender', 'genders', 'sexuality', 'faceprint', 'faceprints', 'biometric', 'biometrics',
  'fingerprint', 'fingerprints', 'surname', 'firstname', 'lastname', 'fullname', 'givenname', 'familyname',
  'personname', 'facename', 'faceid', 'faceembedding', 'facetemplate', 'faceimage', 'ageestimate', 'estimatedage',
  'skincolor', 'skincolour', 'skintone', 'nationalid', 'passportnumber', 'phonenumber',
]);

const set = (...words: string[]): ReadonlySet<string> => new Set(words);

/** Ordered word pairs (first word before the second, anywhere in the name) that form a prohibited attribute. */
const PAIRS: ReadonlyArray<readonly [ReadonlySet<string>, ReadonlySet<string>]> = [
  [
    set('face', 'facial', 'faces'),
    set(
      'image', 'img', 'crop', 'chip', 'embedding', 'embeddings', 'template', 'vector', 'id', 'name', 'print', 'encoding',
      'descriptor', 'features', 'feature', 'signature', 'snapshot', 'photo', 'picture', 'thumbnail', 'thumb', 'jpeg',
      'jpg', 'png', 'base', 'hash', 'match', 'recognition', 'identity', 'landmarks', 'attributes',
    ),
  ],
  [set('gait', 'iris', 'voice', 'palm', 'vein'), set('signature', 'template', 'embedding', 'print', 'pattern', 'features', 'vector', 'id')],
  [
    set('age', 'race', 'sex', 'religion', 'emotion'),
    set('estimate', 'estimated', 'estimation', 'group', 'range', 'bracket', 'class', 'category', 'label', 'guess', 'prediction', 'predicted', 'score', 'years'),
  ],
  [
    set('estimated', 'predicted', 'apparent', 'inferred', 'person', 'persons', 'subject', 'people', 'pedestrian', 'driver', 'customer', 'visitor', 'owner', 'holder', 'face'),
    set('age', 'race', 'sex', 'gender', 'ethnicity', 'religion', 'name', 'names', 'nationality', 'emotion', 'health'),
  ],
  [set('name', 'names'), set('person', 'driver', 'owner', 'holder', 'subject', 'visitor', 'customer')],
  [set('first', 'last', 'full', 'given', 'family', 'middle', 'maiden', 'legal'), set('name', 'names')],
  [set('sexual'), set('orientation', 'preference')],
  [set('political'), set('opinion', 'opinions', 'affiliation', 'view', 'views', 'party', 'belief', 'beliefs')],
  [set('national', 'citizen', 'identity', 'social'), set('id', 'number', 'no', 'card', 'security', 'document')],
  [set('id'), set('number', 'card', 'document')],
  [set('phone', 'mobile', 'cell', 'telephone'), set('number', 'no', 'imsi', 'imei', 'msisdn')],
  [set('medical', 'disability'), set('status', 'condition', 'record', 'records', 'data', 'info', 'diagnosis', 'state')],
  [set('health'), set('record', 'records', 'diagnosis', 'insurance')],
  [set('body'), set('temperature', 'temp', 'mass', 'weight', 'bmi')],
  [set('skin'), set('color', 'colour', 'tone')],
];

/**
 * Keys whose string value names the attribute in `{name: "gender", value: "…"}` style lists. `label`
 * and `type` are left out on purpose: `{label: "face", score: 0.9}` says only that a face was seen.
 */
const NAME_KEYS = ['name', 'key', 'attribute', 'attr', 'property', 'field'];
const VALUE_KEYS = ['value', 'values'];

/** Invisible and format characters an evasive sender might slip into a name. */
const INVISIBLE = /[\p{Cf}\p{Cc}\u00AD\u034F\u3164\uFFA0]/gu;

/** Splits a field name into lower-case words (camelCase, snake_case, kebab, dots, digits) after Unicode folding. */
export function fieldWords(name: string): string[] {
  const clean = name.normalize('NFKC').replace(INVISIBLE, '');
  const spaced = clean.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
  return foldConfusables(spaced.toUpperCase())
    .toLowerCase()
    .split(/[^\p{L}\p{M}]+/u)
    .filter((w) => w.length > 0);
}

/** Lower case, separators removed (kept for callers that compare names). */
export function normaliseFieldName(name: string): string {
  return fieldWords(name).join('');
}

/**
 * Field names repeat across millions of events (`zone`, `plate`, `confidence`…), so each name's
 * verdict is computed once. Bounded: a sender inventing names cannot grow it past VERDICT_CACHE_MAX.
 */
const VERDICT_CACHE_MAX = 10_000;
const verdicts = new Map<string, boolean>();

export function isProhibitedField(name: string): boolean {
  const cached = verdicts.get(name);
  if (cached !== undefined) return cached;
  const verdict = judgeFieldName(name);
  if (verdicts.size >= VERDICT_CACHE_MAX) verdicts.clear();
  verdicts.set(name, verdict);
  return verdict;
}

function judgeFieldName(name: string): boolean {
  const words = fieldWords(name);
  if (words.length === 0) return false;
  const joined = words.join('');
  if (words.length === 1 && ALONE.has(joined)) return true;
  if (ANYWHERE.has(joined)) return true;
  for (const w of words) if (ANYWHERE.has(w)) return true;
  for (const [a, b] of PAIRS) {
    const first = words.findIndex((w) => a.has(w));
    if (first >= 0 && words.slice(first + 1).some((w) => b.has(w))) return true;
  }
  return false;
}

/** A path segment that reads back unambiguously and cannot inject control characters into a message. */
function segment(path: string, key: string): string {
  const safe = /^[A-Za-z0-9_$-]{1,64}$/.test(key) ? key : JSON.stringify(key.slice(0, 64));
  if (safe === key) return path ? `${path}.${key}` : key;
  return `${path}[${safe}]`;
}

/** The attribute an `{name: "gender", value: …}` item declares, when that attribute is prohibited. */
function declaredAttribute(obj: Record<string, unknown>): string | null {
  if (!VALUE_KEYS.some((k) => Object.hasOwn(obj, k))) return null;
  for (const k of NAME_KEYS) {
    const v = obj[k];
    if (typeof v === 'string' && v.length <= 128 && isProhibitedField(v)) return v;
  }
  return null;
}

/** One step of a hit's path, innermost first: an object key or an array index. */
type Step = string | number;

/**
 * The steps to the first prohibited field, innermost first, or null. The path string is built only
 * for a hit: this walk runs on every ingested event, and almost every event is clean.
 */
function walk(value: unknown): Step[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || typeof v !== 'object') continue;
      const hit = walk(v);
      if (hit !== null) {
        hit.push(i);
        return hit;
      }
    }
    return null;
  }
  const obj = value as Record<string, unknown>;
  const declared = declaredAttribute(obj);
  if (declared !== null) return [declared];
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    if (isProhibitedField(k)) return [k];
    const v = obj[k];
    if (v === null || typeof v !== 'object') continue;
    const hit = walk(v);
    if (hit !== null) {
      hit.push(k);
      return hit;
    }
  }
  return null;
}

/**
 * The path of the first prohibited field in `value` (e.g. "data.person.gender"), or null.
 * Walks objects and arrays; depth is already bounded by the JSON decoder (SPEC §5.6).
 */
export function findProhibited(value: unknown, path = ''): string | null {
  const steps = walk(value);
  if (steps === null) return null;
  let out = path;
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i] as Step;
    out = typeof s === 'number' ? `${out}[${s}]` : segment(out, s);
  }
  return out;
}
