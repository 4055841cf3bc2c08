/**
 * A bound on MQTT packet size before the packet is buffered (SPEC §5.6). An MQTT frame announces its
 * length up front (up to 256 MB); aedes' parser (mqtt-packet) would collect that many bytes — even
 * for an unauthenticated CONNECT — before anything else looks at it. aedes 1.x has no option for
 * this, so the client's parser is wrapped: once a frame's length is read and exceeds the limit, the
 * parser errors, and aedes closes the connection. The payload limit proper (payload_too_large with
 * a report to the device) applies below this frame bound.
 *
 * This reaches into aedes internals (`client._parser`, mqtt-packet's `_parseLength`); the shape is
 * checked and the e2e test fails if a new aedes version changes it.
 */
import type { Client } from 'aedes';

interface ParserInternals {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

function isParser(v: unknown): v is ParserInternals {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<ParserInternals>;
  return typeof p._parseLength === 'function' && typeof p._emitError === 'function' && typeof p.packet === 'object';
}

/** Caps the frames this client may send at `maxBytes` (remaining length); false if aedes changed shape. */
export function limitFrameSize(client: Client, maxBytes: number): boolean {
  const parser = (client as unknown as { _parser?: unknown })._parser;
  if (!isParser(parser)) return false;
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = () => {
    const complete = parseLength();
    if (complete && parser.packet.length > maxBytes) {
      parser._emitError(new Error(`an MQTT packet of ${parser.packet.length} bytes exceeds the limit of ${maxBytes}`));
      return false;
    }
    return complete;
  };
  return true;
}
