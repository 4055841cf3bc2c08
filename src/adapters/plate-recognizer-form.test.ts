import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import { unpackPlateRecognizerForm, type FormPart } from './plate-recognizer-form.js';

const JSON_TEXT = '{"hook":{"id":"camera-1","event":"recognition"},"data":{"results":[]}}';
const json = (index: number, value = JSON_TEXT): FormPart => ({ kind: 'field', index, name: 'json', value });
const file = (index: number, name: string, mimeType = 'image/jpeg'): FormPart => ({ kind: 'file', index, name, mimeType });

function refusal(parts: FormPart[]): { code: string; detail: string } {
  try {
    unpackPlateRecognizerForm(parts);
  } catch (err) {
    expect(err).toBeInstanceOf(ParapetError);
    return { code: (err as ParapetError).code, detail: (err as ParapetError).detail };
  }
  throw new Error('expected a refusal');
}

describe('unpackPlateRecognizerForm', () => {
  it('takes the json field and drops the upload image without its value', () => {
    const out = unpackPlateRecognizerForm([json(0), file(1, 'upload')]);
    expect(out).toEqual({ json: JSON_TEXT, dropped: [{ at: 'upload', reason: 'image', detail: 'the image was not kept' }] });
  });

  it('accepts the json field after the image, and a data-only form', () => {
    expect(unpackPlateRecognizerForm([file(0, 'upload'), json(1)]).json).toBe(JSON_TEXT);
    expect(unpackPlateRecognizerForm([json(0)]).dropped).toEqual([]);
  });

  it('drops any image/* file as image, and other parts as unsupported, without failing', () => {
    const out = unpackPlateRecognizerForm([
      json(0),
      file(1, 'vehicle_crop', 'image/png'),
      { kind: 'field', index: 2, name: 'note', value: 'AB12CDE' },
      file(3, 'clip', 'video/mp4'),
      { kind: 'field', index: 4, name: 'a name with spaces', value: 'x' },
    ]);
    expect(out.dropped).toEqual([
      { at: 'vehicle_crop', reason: 'image', detail: 'the image was not kept' },
      { at: 'note', reason: 'unsupported', detail: 'a text part Parapet does not read' },
      { at: 'clip', reason: 'unsupported', detail: 'a file part Parapet does not read' },
      { at: 'part[4]', reason: 'unsupported', detail: 'a text part Parapet does not read' },
    ]);
    expect(JSON.stringify(out.dropped)).not.toContain('AB12CDE');
  });

  it('refuses a form without a json field, or with two', () => {
    expect(refusal([file(0, 'upload')]).detail).toContain('no json field');
    expect(refusal([file(0, 'upload')]).code).toBe('invalid_multipart');
    expect(refusal([])).toMatchObject({ code: 'invalid_multipart' });
    expect(refusal([json(0), json(1)])).toEqual({ code: 'invalid_multipart', detail: 'the form has more than one json field' });
  });

  it('says so when json came as a file part', () => {
    expect(refusal([file(0, 'json', 'application/octet-stream')])).toEqual({ code: 'invalid_multipart', detail: 'the json part was sent as a file; send it as a text field (no filename)' });
  });

  it('refuses an empty json field as invalid_json', () => {
    expect(refusal([json(0, '  ')])).toEqual({ code: 'invalid_json', detail: 'the json field is empty' });
  });
});
