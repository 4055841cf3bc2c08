import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../../core/errors.js';
import { MULTIPART_CAPS, MultipartForm, multipartLimits, readMultipart } from './multipart.js';

/** A real multipart body, encoded by undici's FormData like a vendor's HTTP client would. */
async function encode(form: FormData): Promise<{ body: Buffer; type: string }> {
  const r = new Request('http://parapet.test/', { method: 'POST', body: form });
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') ?? '' };
}

const jpeg = (bytes: number) => new Blob([Buffer.alloc(bytes, 0xab)], { type: 'image/jpeg' });

function webhook(image = jpeg(2048)): FormData {
  const f = new FormData();
  f.append('json', JSON.stringify({ hook: { event: 'recognition' }, data: { results: [] } }));
  f.append('upload', image, 'AB12CDE.jpg');
  return f;
}

/** The body in chunks of `size` bytes, as a socket would deliver it. */
function chunked(body: Buffer, size = 1000): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; detail: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParapetError);
  const e = err as ParapetError;
  return { code: e.code, detail: e.detail };
}

const limits = multipartLimits(1024 * 1024);

describe('readMultipart', () => {
  it('keeps text fields in order and reports file parts without their bytes or file name', async () => {
    const { body, type } = await encode(webhook());
    const form = await readMultipart(chunked(body), type, limits, body.length);
    expect(form).toBeInstanceOf(MultipartForm);
    expect(form.parts).toEqual([
      { kind: 'field', index: 0, name: 'json', value: '{"hook":{"event":"recognition"},"data":{"results":[]}}' },
      { kind: 'file', index: 1, name: 'upload', mimeType: 'image/jpeg' },
    ]);
    expect(JSON.stringify(form)).not.toContain('AB12CDE');
  });

  it('drains an image far larger than the field cap without failing', async () => {
    const { body, type } = await encode(webhook(jpeg(3 * MULTIPART_CAPS.fieldBytes)));
    const form = await readMultipart(chunked(body, 64 * 1024), type, multipartLimits(8 * 1024 * 1024));
    expect(form.parts.map((p) => p.kind)).toEqual(['field', 'file']);
  });

  it('reads a gzip-inflated stream like any other', async () => {
    const { body, type } = await encode(webhook());
    const gunzip = createGunzip();
    Readable.from([gzipSync(body)]).pipe(gunzip);
    expect((await readMultipart(gunzip, type, limits)).parts).toHaveLength(2);
  });

  it('refuses a body over the limit as it streams, and drains the rest', async () => {
    const { body, type } = await encode(webhook(jpeg(200_000)));
    const source = chunked(body, 4096);
    expect(await refusal(readMultipart(source, type, multipartLimits(100_000)))).toMatchObject({ code: 'payload_too_large' });
    await finished(source);
    expect(source.readableEnded).toBe(true);
  });

  it('refuses a declared length over the limit before reading a byte', async () => {
    const { body, type } = await encode(webhook());
    const source = chunked(body);
    expect(await refusal(readMultipart(source, type, multipartLimits(1024), body.length))).toMatchObject({ code: 'payload_too_large' });
    expect(source.readableFlowing).toBeNull();
  });

  it('refuses a text field over the field cap', async () => {
    const f = new FormData();
    f.append('json', 'x'.repeat(2048));
    const { body, type } = await encode(f);
    const small = { ...limits, fieldBytes: 1024 };
    expect(await refusal(readMultipart(chunked(body), type, small))).toEqual({ code: 'payload_too_large', detail: 'a form field is larger than 1024 bytes' });
  });

  it('refuses more parts, text fields or files than the caps', async () => {
    const many = (n: number, file: boolean) => {
      const f = new FormData();
      for (let i = 0; i < n; i++) f.append(`p${i}`, file ? jpeg(8) : 'v');
      return f;
    };
    const partsOver = await encode(many(MULTIPART_CAPS.parts + 1, false));
    expect(await refusal(readMultipart(chunked(partsOver.body), partsOver.type, { ...limits, fields: 100 }))).toEqual({ code: 'payload_too_large', detail: `the form has more than ${MULTIPART_CAPS.parts} parts` });
    const fieldsOver = await encode(many(MULTIPART_CAPS.fields + 1, false));
    expect(await refusal(readMultipart(chunked(fieldsOver.body), fieldsOver.type, limits))).toEqual({ code: 'payload_too_large', detail: `the form has more than ${MULTIPART_CAPS.fields} text fields` });
    const filesOver = await encode(many(MULTIPART_CAPS.files + 1, true));
    expect(await refusal(readMultipart(chunked(filesOver.body), filesOver.type, limits))).toEqual({ code: 'payload_too_large', detail: `the form has more than ${MULTIPART_CAPS.files} file parts` });
  });

  it('refuses a content type without a boundary, or that is not multipart/form-data', async () => {
    const { body } = await encode(webhook());
    for (const type of ['multipart/form-data', 'multipart/form-data; charset=utf-8', 'multipart/mixed; boundary=abc', 'application/x-www-form-urlencoded']) {
      expect(await refusal(readMultipart(chunked(body), type, limits)), type).toMatchObject({ code: 'invalid_multipart' });
    }
  });

  it('refuses a body that does not use the declared boundary, or is cut short', async () => {
    const { body, type } = await encode(webhook());
    expect(await refusal(readMultipart(chunked(body), 'multipart/form-data; boundary=not-the-one', limits))).toMatchObject({ code: 'invalid_multipart' });
    expect(await refusal(readMultipart(chunked(body.subarray(0, body.length - 40)), type, limits))).toMatchObject({ code: 'invalid_multipart' });
    expect(await refusal(readMultipart(chunked(Buffer.alloc(0)), type, limits))).toMatchObject({ code: 'invalid_multipart' });
  });

  it('ignores an epilogue after the closing boundary', async () => {
    const { body, type } = await encode(webhook());
    const form = await readMultipart(chunked(Buffer.concat([body, Buffer.from('\r\ntrailing words')])), type, limits);
    expect(form.parts).toHaveLength(2);
  });

  it('answers 400 when the stream itself breaks (corrupt gzip)', async () => {
    const gunzip = createGunzip();
    Readable.from([Buffer.from('definitely not gzip')]).pipe(gunzip);
    expect(await refusal(readMultipart(gunzip, 'multipart/form-data; boundary=x', limits))).toMatchObject({ code: 'bad_request' });
  });

  it('bounds the field cap by the body limit', () => {
    expect(multipartLimits(4096).fieldBytes).toBe(4096);
    expect(multipartLimits(64 * 1024 * 1024).fieldBytes).toBe(MULTIPART_CAPS.fieldBytes);
  });
});
