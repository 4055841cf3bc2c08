/**
 * Bounded multipart/form-data reading (RFC 7578; SPEC §5.6) for the few routes that opt in with
 * `config.multipart` (today POST /integrations/platerecognizer: Plate Recognizer's "webhook with
 * image", docs/integrations.md). Every other route answers 415 to multipart (app.ts).
 *
 * Text fields are kept, each bounded. File parts are never buffered and never written anywhere:
 * each is drained off the wire and discarded as it streams (Parapet keeps no imagery); only its
 * part name and media type are reported, never its file name or bytes. The whole body counts
 * against the body limit (inflated bytes when gzip, like every other body), so an oversize body
 * is 413 `payload_too_large` however large the image.
 */
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import type { Readable } from 'node:stream';
import { ParapetError } from '../../core/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route accepts multipart/form-data, read by `readMultipart` (else 415). */
    multipart?: boolean;
  }
}

export interface MultipartLimits {
  /** The whole body, bytes (after gzip inflation): `http.body_limit_bytes`. */
  readonly bodyBytes: number;
  /** Parts of any kind. */
  readonly parts: number;
  /** Text fields. */
  readonly fields: number;
  /** File parts (drained, never kept). */
  readonly files: number;
  /** One text field's value, bytes. */
  readonly fieldBytes: number;
}

/** Caps beyond the body limit: a vendor form has a handful of parts and one JSON document. */
export const MULTIPART_CAPS = { parts: 16, fields: 8, files: 8, fieldBytes: 1024 * 1024 } as const;

export function multipartLimits(bodyBytes: number): MultipartLimits {
  return { bodyBytes, ...MULTIPART_CAPS, fieldBytes: Math.min(MULTIPART_CAPS.fieldBytes, bodyBytes) };
}

/** One part, in body order (`index` from 0). A file part carries no content and no file name. */
export type MultipartPart =
  | { readonly kind: 'field'; readonly index: number; readonly name: string; readonly value: string }
  | { readonly kind: 'file'; readonly index: number; readonly name: string; readonly mimeType: string };

/** What a route receives as `req.body` for a multipart request. */
export class MultipartForm {
  constructor(readonly parts: readonly MultipartPart[]) {}
}

/** Part header bounds (busboy defaults are 2000 pairs / 80 KiB): a form part needs two or three. */
const HEADER_PAIRS = 16;
const HEADER_BYTES = 8 * 1024;

const tooLarge = (limit: number) => new ParapetError('payload_too_large', `the body is larger than ${limit} bytes`);

/**
 * Reads a multipart body from `source` (the request stream, or its gunzip stream). Resolves once
 * the closing boundary is read; rejects with a ParapetError: `payload_too_large` (body, part count,
 * field size), `invalid_multipart` (no boundary, malformed or truncated body), `bad_request` (the
 * stream broke, e.g. corrupt gzip). On rejection the rest of the body is drained and discarded so
 * the answer can be sent; nothing read so far is kept.
 */
export function readMultipart(source: Readable, contentType: string, limits: MultipartLimits, declaredBytes?: number): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    // Refused before a byte is read; Node discards the unread body once the answer is sent.
    if (declaredBytes !== undefined && declaredBytes > limits.bodyBytes) return reject(tooLarge(limits.bodyBytes));
    let bb: BusboyInstance;
    try {
      if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) throw new Error('not multipart/form-data');
      bb = Busboy({
        headers: { 'content-type': contentType },
        limits: { parts: limits.parts, fields: limits.fields, files: limits.files, fieldSize: limits.fieldBytes, headerPairs: HEADER_PAIRS, headerSize: HEADER_BYTES },
      });
    } catch {
      return reject(new ParapetError('invalid_multipart', 'the content type must be multipart/form-data with a boundary parameter'));
    }
    const parts: MultipartPart[] = [];
    let received = 0;
    let settled = false;

    const onData = (chunk: Buffer | string) => {
      received += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (received > limits.bodyBytes) return fail(tooLarge(limits.bodyBytes));
      if (!bb.write(chunk)) {
        source.pause();
        bb.once('drain', () => {
          if (!settled) source.resume();
        });
      }
    };
    const onEnd = () => bb.end();
    const onSourceError = () => fail(new ParapetError('bad_request', 'the body could not be read (corrupt gzip or broken connection)'));
    const fail = (err: ParapetError) => {
      if (settled) return;
      settled = true;
      source.off('data', onData).off('end', onEnd).off('error', onSourceError);
      source.on('error', () => undefined); // late stream errors after the answer change nothing
      source.resume(); // keep draining, discarding: nothing more is parsed or kept
      bb.removeAllListeners();
      bb.on('error', () => undefined);
      bb.destroy();
      reject(err);
    };

    bb.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) return fail(new ParapetError('payload_too_large', `a form field is larger than ${limits.fieldBytes} bytes`));
      parts.push({ kind: 'field', index: parts.length, name, value });
    });
    bb.on('file', (name, stream, _fileName, _encoding, mimeType) => {
      // Drained unread: no listener ever sees the bytes.
      stream.on('error', () => undefined);
      stream.resume();
      parts.push({ kind: 'file', index: parts.length, name, mimeType });
    });
    bb.on('partsLimit', () => fail(new ParapetError('payload_too_large', `the form has more than ${limits.parts} parts`)));
    bb.on('fieldsLimit', () => fail(new ParapetError('payload_too_large', `the form has more than ${limits.fields} text fields`)));
    bb.on('filesLimit', () => fail(new ParapetError('payload_too_large', `the form has more than ${limits.files} file parts`)));
    bb.on('error', () => fail(new ParapetError('invalid_multipart', 'the multipart body is malformed or truncated')));
    bb.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve(new MultipartForm(parts));
    });

    source.on('data', onData).on('end', onEnd).on('error', onSourceError);
    source.resume();
  });
}
