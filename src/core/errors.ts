/**
 * The error registry (STYLE §7): every error Parapet answers with has one code here, one HTTP
 * status and one default sentence. Transports map `ParapetError` once; `docs/errors.md` lists the
 * same codes and a test holds the two equal in both directions.
 */
export const ERRORS = {
  // 400 — the request itself is malformed
  bad_request: { status: 400, message: 'The request is malformed.' },
  invalid_json: { status: 400, message: 'The body is not valid JSON.' },
  invalid_multipart: { status: 400, message: 'The multipart/form-data body is malformed or lacks a required part.' },
  invalid_event: { status: 400, message: 'The event does not match the envelope.' },
  invalid_timestamp: { status: 400, message: 'The timestamp is not acceptable.' },
  unknown_kind: { status: 400, message: 'The event kind is not in the catalogue.' },
  unknown_field: { status: 400, message: 'The event data carries a field its kind does not define.' },
  invalid_field: { status: 400, message: 'A field has a value its kind does not allow.' },
  invalid_query: { status: 400, message: 'A query parameter is not acceptable.' },
  invalid_cursor: { status: 400, message: 'The cursor is not one this server issued.' },
  invalid_device: { status: 400, message: 'The device record is not acceptable.' },
  invalid_config: { status: 400, message: 'The configuration is not acceptable.' },
  invalid_rule: { status: 400, message: 'The rule definition is not acceptable.' },
  json_too_deep: { status: 400, message: 'The JSON nests deeper than allowed.' },
  string_too_long: { status: 400, message: 'A string is longer than allowed.' },
  unsupported_encoding: { status: 415, message: 'The content encoding is not supported.' },
  unsupported_media_type: { status: 415, message: 'The content type is not supported.' },
  // 401 / 403 / 404 / 405
  unauthenticated: { status: 401, message: 'A valid credential is required.' },
  invalid_credentials: { status: 401, message: 'The name or password is wrong.' },
  totp_required: { status: 401, message: 'A second-factor code is required for this account.' },
  bad_signature: { status: 401, message: 'The request signature is missing, wrong, stale or replayed.' },
  forbidden: { status: 403, message: 'This credential may not do that.' },
  csrf_invalid: { status: 403, message: 'The CSRF token is missing or wrong.' },
  not_found: { status: 404, message: 'No such object.' },
  unknown_device: { status: 404, message: 'The device is not registered.' },
  method_not_allowed: { status: 405, message: 'That method is not allowed here.' },
  wrong_node: { status: 421, message: 'This hub node does not serve that; send it to the serving node.' },
  // 409 / 413 / 422 / 429
  conflict: { status: 409, message: 'The object changed or already exists.' },
  duplicate_event: { status: 409, message: 'An event with this device and id was already stored.' },
  payload_too_large: { status: 413, message: 'The body is larger than allowed.' },
  uri_too_long: { status: 414, message: 'A path segment of the URL is longer than allowed.' },
  batch_too_large: { status: 413, message: 'The batch holds more events than allowed.' },
  prohibited_attribute: { status: 422, message: 'The event carries an attribute Parapet refuses to store.' },
  unprocessable: { status: 422, message: 'The request is well-formed but cannot be carried out.' },
  rate_limited: { status: 429, message: 'Too many requests; slow down.' },
  // 5xx — never for bad input
  unavailable: { status: 503, message: 'The service is not ready; try again.' },
  internal: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class ParapetError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  constructor(code: ErrorCode, detail?: string) {
    const entry = ERRORS[code];
    super(detail ?? entry.message);
    this.name = 'ParapetError';
    this.code = code;
    this.status = entry.status;
    this.detail = detail ?? entry.message;
  }
  toBody(): ErrorBody {
    return { error: this.code, detail: this.detail };
  }
}

export interface ErrorBody {
  error: ErrorCode;
  detail: string;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}
