/**
 * Whole frames for one API: `int32 size | header | body`. A frame's size prefix counts the
 * header and body, not itself. Responses arrive in request order on a connection and are matched
 * by correlation id (the network layer does that); these helpers only build and read the bytes.
 */
import { invalid } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import type { ApiDefinition } from './definition.js';
import { patchFrameSize, readResponseHeader, writeRequestHeader, writeResponseHeader } from './header.js';
import type { ExternalChunk } from './schema.js';

/** A request frame cut into chunks around the callers' byte arrays (see {@link encodeRequestChunks}). */
export interface RequestChunks {
  /** The frame, in order; write them all under one `socket.cork()`. */
  readonly chunks: readonly Uint8Array[];
  /** Total bytes of the frame, including the 4-byte size prefix. */
  readonly size: number;
}

/** A decoded response frame. */
export interface DecodedResponse<Res> {
  readonly correlationId: number;
  readonly body: Res;
}

/**
 * Encodes a whole request frame for `api` at `version` into one Buffer (copying any records).
 *
 * @example
 * const frame = encodeRequest(Metadata, 12, 7, 'my-app', { topics: [{ name: 'orders' }] });
 * socket.write(frame);
 */
export function encodeRequest<Req, ReqIn>(
  api: ApiDefinition<Req, unknown, ReqIn, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: ReqIn,
): Buffer {
  api.request.checkVersion(version);
  const w = new Writer(128);
  w.int32(0);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId }, api.requestHeaderVersion(version));
  api.encodeRequest(w, version, request);
  patchFrameSize(w, 0);
  return w.finish();
}

/**
 * Encodes a whole request frame without copying its `records` fields: our own bytes go into one
 * buffer, which is returned cut around the callers' arrays, so the result is
 * `[size+header+fields, batch, fields, batch, ..., fields]`. The size is computed before
 * returning, so the first chunk already holds the right prefix.
 */
export function encodeRequestChunks<Req, ReqIn>(
  api: ApiDefinition<Req, unknown, ReqIn, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: ReqIn,
): RequestChunks {
  api.request.checkVersion(version);
  const w = new Writer(256);
  w.int32(0);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId }, api.requestHeaderVersion(version));
  const externals: ExternalChunk[] = [];
  api.encodeRequest(w, version, request, externals);
  const own = w.finish();
  let size = own.length;
  for (const e of externals) size += e.data.length;
  if (size - 4 > 0x7fffffff) throw invalid(`request of ${size} bytes exceeds the int32 frame size`);
  own.writeInt32BE(size - 4, 0);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const e of externals) {
    if (e.at > from) chunks.push(own.subarray(from, e.at));
    if (e.data.length > 0) chunks.push(e.data);
    from = e.at;
  }
  if (own.length > from) chunks.push(own.subarray(from));
  return { chunks, size };
}

/**
 * Reads a response frame's payload (everything after the size prefix: header, then body) for a
 * request of `api` at `version`. The body must fill the payload. Throws only ProtocolError.
 */
export function decodeResponse<Res>(
  api: ApiDefinition<unknown, Res, unknown, unknown>,
  version: number,
  payload: Buffer,
): DecodedResponse<Res> {
  const r = new Reader(payload);
  const { correlationId } = readResponseHeader(r, api.responseHeaderVersion(version));
  const body = api.decodeResponse(payload.subarray(r.pos), version);
  return { correlationId, body };
}

/**
 * Encodes a whole response frame (size prefix included): for mock brokers and tests.
 */
export function encodeResponse<ResIn>(
  api: ApiDefinition<unknown, unknown, unknown, ResIn>,
  version: number,
  correlationId: number,
  response: ResIn,
): Buffer {
  api.response.checkVersion(version);
  const w = new Writer(128);
  w.int32(0);
  writeResponseHeader(w, correlationId, api.responseHeaderVersion(version));
  api.encodeResponse(w, version, response);
  patchFrameSize(w, 0);
  return w.finish();
}
