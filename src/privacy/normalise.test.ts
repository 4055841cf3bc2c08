import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { foldConfusables, normaliseCredential, normaliseCredentialUnicode, normaliseIdentifier, normaliseMac, normalisePlate, normalisePlateUnicode } from './normalise.js';
import { ParapetError } from '../core/errors.js';

describe('normalisePlate', () => {
  it.each([
    ['ab-123-cd', 'AB123CD'],
    ['AB 123 CD', 'AB123CD'],
    ['ab.123.cd', 'AB123CD'],
    ['AB\u200B123\u200DCD\uFEFF', 'AB123CD'],
    ['AB\u00AD123\u2060CD', 'AB123CD'],
    ['ＡＢ－１２３－ＣＤ', 'AB123CD'], // full-width
    ['АВ123СD', 'AB123CD'], // Cyrillic А В С
    ['ΑΒ123ΕΚ', 'AB123EK'], // Greek capitals
    ['αβ123εκ', 'AB123EK'], // Greek small letters upper-case first
    ['ав123сd', 'AB123CD'], // Cyrillic small letters
    ['AB/123\tCD\n', 'AB123CD'],
    ['\u202EAB123CD', 'AB123CD'], // bidi override
    ['𝐀𝐁123𝐂𝐃', 'AB123CD'], // mathematical bold
    ['AB١٢٣CD', 'AB123CD'], // Arabic-Indic digits
    ['AB۱۲۳CD', 'AB123CD'], // Extended Arabic-Indic digits
  ])('folds %j to %s', (raw, expected) => {
    expect(normalisePlate(raw)).toBe(expected);
  });

  it.each([
    ['AB123CD', 'AB123CE'],
    ['O0', '00'], // O and 0 are different characters on a real plate
    ['ДЖ123', 'DZ123'], // letters without a Latin look-alike stay themselves
    ['MÜ123', 'MU123'], // German district codes with umlauts are different plates
    ['AB123', 'AB1234'],
    ['I1', '11'],
  ])('keeps %s and %s different', (a, b) => {
    expect(normalisePlate(a)).not.toBe(normalisePlate(b));
  });

  it('composes a letter and its combining mark into one', () => {
    expect(normalisePlate('MU\u0308 1')).toBe(normalisePlate('MÜ1'));
  });

  it('is idempotent on any input', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => normalisePlate(normalisePlate(s)) === normalisePlate(s)));
  });

  it('never keeps a separator or invisible character', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !/[\s\-.\u200B\uFEFF\u00AD]/u.test(normalisePlate(s))));
  });
});

describe('normaliseMac', () => {
  it.each(['AA:BB:CC:DD:EE:0F', 'aa-bb-cc-dd-ee-0f', 'aabb.ccdd.ee0f', 'AABBCCDDEE0F', ' aa bb cc dd ee 0f ', 'aa:bb:cc:dd:ee:0f\u200B', 'ＡＡ:ＢＢ:ＣＣ:ＤＤ:ＥＥ:０Ｆ'])(
    'reads %j as aabbccddee0f',
    (raw) => {
      expect(normaliseMac(raw)).toBe('aabbccddee0f');
    },
  );

  it.each(['aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'gg:bb:cc:dd:ee:ff', '', 'not a mac'])('refuses %j without echoing it', (raw) => {
    let caught: unknown;
    try {
      normaliseMac(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParapetError);
    const e = caught as ParapetError;
    expect(e.code).toBe('invalid_field');
    if (raw.length > 0) expect(e.detail).not.toContain(raw);
  });

  it('gives one form for every notation of any MAC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.boolean(), (bytes, upper) => {
        const hex = Buffer.from(bytes).toString('hex');
        const cased = upper ? hex.toUpperCase() : hex;
        const pairs = cased.match(/../g) ?? [];
        const notations = [pairs.join(':'), pairs.join('-'), (cased.match(/..../g) ?? []).join('.'), cased];
        return notations.every((n) => normaliseMac(n) === hex);
      }),
    );
  });
});

describe('normaliseCredential', () => {
  it('drops spaces and invisible characters and ignores case', () => {
    expect(normaliseCredential(' 04a1 b2c3\u200B ')).toBe('04A1B2C3');
    expect(normaliseCredential('04A1B2C3')).toBe(normaliseCredential('04a1b2c3'));
  });

  it('keeps different credentials different', () => {
    expect(normaliseCredential('1234')).not.toBe(normaliseCredential('1235'));
  });
});

describe('normaliseIdentifier', () => {
  it('dispatches on the identifier class', () => {
    expect(normaliseIdentifier('plate', 'ab-1')).toBe('AB1');
    expect(normaliseIdentifier('mac', 'AA:BB:CC:DD:EE:FF')).toBe('aabbccddeeff');
    expect(normaliseIdentifier('credential', 'x 1')).toBe('X1');
  });
});

describe('foldConfusables', () => {
  it('leaves Latin text alone', () => {
    expect(foldConfusables('GENDER')).toBe('GENDER');
  });
});

describe('the printable-ASCII short path', () => {
  it('gives exactly what the full Unicode normalisation gives, for plates and credentials', () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 24 });
    fc.assert(
      fc.property(ascii, (raw) => {
        expect(normalisePlate(raw)).toBe(normalisePlateUnicode(raw));
        expect(normaliseCredential(raw)).toBe(normaliseCredentialUnicode(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves anything else to the full path (a tab, a Cyrillic look-alike)', () => {
    expect(normalisePlate('AB\t12')).toBe('AB12');
    expect(normalisePlate('АВ 123')).toBe('AB123');
    expect(normaliseCredential('ab\u200b 12')).toBe('AB12');
  });
});
