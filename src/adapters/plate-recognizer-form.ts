/**
 * Plate Recognizer's "webhook with image" (SPEC §6; docs/integrations.md): a multipart/form-data
 * body whose text field `json` holds the same JSON as the data-only webhook and whose file part
 * `upload` is the JPEG (guides.platerecognizer.com/docs/snapshot/results; the vendor's
 * webhook_tester.py posts Stream hooks the same way). This picks the JSON text out of the parts and
 * reports the rest as dropped. The parts arrive already read by the transport with every file
 * drained unread, so no image byte ever reaches here (Parapet keeps no imagery).
 */
import { ParapetError } from '../core/errors.js';
import type { AdapterDrop } from './adapter-kit.js';

/** One form part as the HTTP transport hands it over (structural: transport/http/multipart.ts). */
export type FormPart =
  | { readonly kind: 'field'; readonly index: number; readonly name: string; readonly value: string }
  | { readonly kind: 'file'; readonly index: number; readonly name: string; readonly mimeType: string };

export interface PlateRecognizerForm {
  /** The webhook JSON, still text: the route decodes it with the bounded decoder. */
  readonly json: string;
  readonly dropped: readonly AdapterDrop[];
}

export const JSON_FIELD = 'json';
export const IMAGE_FIELD = 'upload';

/** Where a part is reported: its name when it is a plain token, else its position. */
function partAt(p: FormPart): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(p.name) ? p.name : `part[${p.index}]`;
}

/**
 * Throws `invalid_multipart` when the form has no `json` text field or more than one, and
 * `invalid_json` when it is empty (the route decodes it, bounded, like a JSON body). The image
 * (`upload`, or any file part of an image/* type) is dropped as `image`; any other part, text or
 * file, is dropped as `unsupported` and does not fail the request.
 */
export function unpackPlateRecognizerForm(parts: readonly FormPart[]): PlateRecognizerForm {
  const json = parts.filter((p): p is Extract<FormPart, { kind: 'field' }> => p.kind === 'field' && p.name === JSON_FIELD);
  const first = json[0];
  if (!first) {
    const asFile = parts.some((p) => p.kind === 'file' && p.name === JSON_FIELD);
    throw new ParapetError(
      'invalid_multipart',
      asFile
        ? 'the json part was sent as a file; send it as a text field (no filename)'
        : 'the form has no json field; Plate Recognizer sends the webhook JSON as field "json" and the image as file "upload"',
    );
  }
  if (json.length > 1) throw new ParapetError('invalid_multipart', 'the form has more than one json field');
  if (first.value.trim() === '') throw new ParapetError('invalid_json', 'the json field is empty');
  const dropped: AdapterDrop[] = [];
  for (const p of parts) {
    if (p === first) continue;
    if (p.kind === 'file' && (p.name === IMAGE_FIELD || p.mimeType.toLowerCase().startsWith('image/'))) {
      dropped.push({ at: partAt(p), reason: 'image', detail: 'the image was not kept' });
    } else {
      dropped.push({ at: partAt(p), reason: 'unsupported', detail: `a ${p.kind === 'file' ? 'file' : 'text'} part Parapet does not read` });
    }
  }
  return { json: first.value, dropped };
}
