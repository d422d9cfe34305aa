/**
 * Request and response headers (`msg/RequestHeader.json`, `msg/ResponseHeader.json`).
 *
 * ```
 * RequestHeader v1 (non-flexible request versions)
 *   request_api_key      INT16
 *   request_api_version  INT16
 *   correlation_id       INT32
 *   client_id            NULLABLE_STRING   (int16 length, -1 = null)
 * RequestHeader v2 (flexible request versions) = v1 + TAG_BUFFER
 *   client_id keeps its int16 length: a broker must read the header of an ApiVersions request
 *   of any version, before it knows whether that version is flexible.
 *
 * ResponseHeader v0: correlation_id INT32
 * ResponseHeader v1 (flexible response versions) = v0 + TAG_BUFFER
 *   ApiVersions responses always use v0 (KIP-511).
 * ```
 *
 * Header v0 (no client id) is used only by ControlledShutdown v0, which a client never sends,
 * and 4.0 brokers no longer accept it (KIP-896).
 */
import { invalid } from '../errors.js';
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';

/** The fields of a request header. */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** Chosen by the client; the response carries it back. */
  readonly correlationId: number;
  /** The client.id config, or null. */
  readonly clientId: string | null;
}

/** The fields of a response header. */
export interface ResponseHeader {
  readonly correlationId: number;
}

/** Writes a request header of version 1 or 2. */
export function writeRequestHeader(w: Writer, header: RequestHeader, headerVersion: 1 | 2): void {
  w.int16(header.apiKey);
  w.int16(header.apiVersion);
  w.int32(header.correlationId);
  w.string(header.clientId);
  if (headerVersion === 2) w.taggedFields();
}

/**
 * Reads a request header (mock brokers, tests). The header version depends on the API and its
 * version, which come first, so the caller says which header version they imply.
 */
export function readRequestHeader(r: Reader, headerVersionOf: (apiKey: number, apiVersion: number) => 1 | 2): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  if (headerVersionOf(apiKey, apiVersion) === 2) r.taggedFields();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Writes a response header of version 0 or 1. */
export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: 0 | 1): void {
  w.int32(correlationId);
  if (headerVersion === 1) w.taggedFields();
}

/** Reads a response header of version 0 or 1; unknown header tags are skipped. */
export function readResponseHeader(r: Reader, headerVersion: 0 | 1): ResponseHeader {
  const correlationId = r.int32();
  if (headerVersion === 1) r.taggedFields();
  return { correlationId };
}

/** Writes the int32 size of a frame that began at `start` and ends at the writer's position. */
export function patchFrameSize(w: Writer, start: number): void {
  const size = w.pos - start - 4;
  if (size < 0) throw invalid('frame shorter than its size prefix');
  w.patchInt32(start, size);
}
