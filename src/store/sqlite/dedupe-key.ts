/**
 * Compact dedupe keys (SPEC §2: a repeated (device, id) is a duplicate). Most clients number their
 * events per device — SPEC §2's own example is `cam-017-000123` from device `cam-017` — and such an
 * id packs exactly into one integer: separator, digit count and value. An integer key is ~40 %
 * cheaper to probe and insert than the text (measured), and, unlike a hash, it keeps a device's
 * ids in order, so an ingest transaction dirties one index page per device instead of pages all
 * over the table. Any other id is kept as text in a second table; each id has exactly one key in
 * exactly one table, and the packing is reversible, so two distinct ids can never collide.
 */

/** Separators between the device id and the number; index + 1 is the code (0 = none). */
const SEPARATORS = '-_.:/#';
/** Digits that fit beside the 7 bits of separator and length: 10^13 < 2^44. */
const MAX_DIGITS = 13;
const VALUE_BITS = 2 ** 44;

/** The integer key of `id` for `device`, or null when the id must be kept as text. */
export function numericDedupeKey(device: string, id: string): number | null {
  if (id.length <= device.length || !id.startsWith(device)) return null;
  let p = device.length;
  const sep = SEPARATORS.indexOf(id.charAt(p)) + 1;
  if (sep > 0) p++;
  const digits = id.length - p;
  if (digits < 1 || digits > MAX_DIGITS) return null;
  let value = 0;
  for (let i = p; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  // Leading zeros are part of the id ("007" ≠ "7"), so the digit count is part of the key.
  return (sep * 16 + digits) * VALUE_BITS + value;
}

/** The id a numeric key stands for (the inverse of numericDedupeKey, for tests and audits). */
export function idOfNumericKey(device: string, key: number): string {
  const value = key % VALUE_BITS;
  const head = Math.floor(key / VALUE_BITS);
  const sep = Math.floor(head / 16);
  const digits = head % 16;
  return `${device}${sep > 0 ? SEPARATORS.charAt(sep - 1) : ''}${String(value).padStart(digits, '0')}`;
}
