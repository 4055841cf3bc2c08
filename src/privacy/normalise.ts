/**
 * Identifier normalisation before pseudonymisation (SPEC §4.1, §4.4; issue 3 §2): two spellings of
 * the same plate, credential or MAC must give the same pseudonym; two really different ones must not.
 *
 * Decisions (documented in docs/privacy.md):
 * - Plates: NFKC (folds full-width and styled letters), upper case, every character that is not a
 *   letter, digit or combining mark is dropped (spaces, dashes, dots, slashes, invisible and format
 *   characters carry no identity on a plate), Cyrillic and Greek look-alikes fold to Latin, Arabic-
 *   Indic digits fold to ASCII. Letters without a Latin look-alike (Д, Ж, Ä …) and the letter/digit
 *   pair O/0 stay distinct: they are different plates.
 * - MACs: any notation (colons, dashes, dots, bare, any case, spaces) → 12 lower-case hex digits.
 *   A value that is not 12 hex digits is refused (`invalid_field`), never pseudonymised "as is":
 *   a half-parsed value would give a pseudonym no other notation of the same device could match.
 * - Credentials: NFKC, invisible characters and white space removed, upper case (card and tag ids
 *   are printed in either case and with spaces for readability).
 *
 * Error details never echo the raw value: it is an identifier (SPEC §4.1).
 */
import type { IdentifierClass } from '../core/kinds.js';
import { ParapetError } from '../core/errors.js';

/** Cyrillic and Greek letters (upper case, after toUpperCase) that look like Latin capitals. */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  І: 'I', Ј: 'J', Ѕ: 'S', Ԛ: 'Q', Ԝ: 'W', Ү: 'Y', Һ: 'H', Ӏ: 'I',
  // Greek
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y',
  Χ: 'X', Ϲ: 'C', Ϳ: 'J',
};

/** Zero code points of decimal digit blocks folded to ASCII (Arabic-Indic, Extended Arabic-Indic). */
const DIGIT_ZEROS = [0x0660, 0x06f0];

/** Everything that is neither a letter, a number nor a combining mark (separators, punctuation, format/invisible). */
const NON_PLATE_CHAR = /[^\p{L}\p{N}\p{M}]/gu;

/** Format and invisible characters: zero-width space/joiners, BOM, soft hyphen, word joiner, bidi marks. */
const INVISIBLE = /[\p{Cf}\p{Cc}\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180E\u3164\uFFA0]/gu;

function foldChar(ch: string): string {
  const mapped = CONFUSABLES[ch];
  if (mapped !== undefined) return mapped;
  // The folded digits are in the BMP, so one UTF-16 unit identifies them.
  const cp = ch.charCodeAt(0);
  for (const zero of DIGIT_ZEROS) if (cp >= zero && cp <= zero + 9) return String(cp - zero);
  return ch;
}

/** Cyrillic/Greek look-alikes → Latin capitals; exported for field-name matching (prohibited.ts). */
export function foldConfusables(upper: string): string {
  let out = '';
  for (const ch of upper) out += foldChar(ch);
  return out;
}

/**
 * Printable ASCII needs none of the Unicode steps (NFKC, invisible characters, look-alike folding and
 * NFC all leave it unchanged), so it takes a short path; normalise.test.ts proves both paths agree.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const NON_ALNUM_ASCII = /[^A-Z0-9]/g;

export function normalisePlate(raw: string): string {
  if (PRINTABLE_ASCII.test(raw)) return raw.toUpperCase().replace(NON_ALNUM_ASCII, '');
  return normalisePlateUnicode(raw);
}

/** The full plate normalisation, for any input (exported for the test that compares the paths). */
export function normalisePlateUnicode(raw: string): string {
  const visible = raw.normalize('NFKC').replace(INVISIBLE, '').toUpperCase();
  return foldConfusables(visible.replace(NON_PLATE_CHAR, '')).normalize('NFC');
}

/** Separators a MAC may be written with; removed before checking for 12 hex digits. */
const MAC_SEPARATORS = /[\s:.\-_]/gu;

/** MAC-48 in any notation → 12 lower-case hex digits; anything else throws `invalid_field`. */
export function normaliseMac(raw: string): string {
  const hex = raw.normalize('NFKC').replace(INVISIBLE, '').replace(MAC_SEPARATORS, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) throw new ParapetError('invalid_field', 'mac is not a MAC address (12 hex digits in any notation)');
  return hex;
}

export function normaliseCredential(raw: string): string {
  if (PRINTABLE_ASCII.test(raw)) return raw.replaceAll(' ', '').toUpperCase();
  return normaliseCredentialUnicode(raw);
}

/** The full credential normalisation, for any input (exported for the test that compares the paths). */
export function normaliseCredentialUnicode(raw: string): string {
  return raw.normalize('NFKC').replace(INVISIBLE, '').replace(/\s/gu, '').toUpperCase();
}

export function normaliseIdentifier(idClass: IdentifierClass, raw: string): string {
  switch (idClass) {
    case 'plate':
      return normalisePlate(raw);
    case 'mac':
      return normaliseMac(raw);
    case 'credential':
      return normaliseCredential(raw);
  }
}
