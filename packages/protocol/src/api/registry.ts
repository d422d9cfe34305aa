/**
 * The APIs Tandem speaks, by key, and the framing helpers that need to look an API up by its
 * key: header versions, whole request frames from raw header fields, response headers, and
 * request frames read back (for mock brokers and tests).
 */
import { ProtocolError } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import { AddOffsetsToTxn } from './add-offsets-to-txn.js';
import { AddPartitionsToTxn } from './add-partitions-to-txn.js';
import { apiKeyName } from './api-keys.js';
import { ApiVersions } from './api-versions.js';
import type { ApiDefinition } from './definition.js';
import { EndTxn } from './end-txn.js';
import { FindCoordinator } from './find-coordinator.js';
import { patchFrameSize, readRequestHeader, readResponseHeader, writeRequestHeader, type RequestHeader, type ResponseHeader } from './header.js';
import { InitProducerId } from './init-producer-id.js';
import { Metadata } from './metadata.js';
import { Produce } from './produce.js';
import { SaslAuthenticate } from './sasl-authenticate.js';
import { SaslHandshake } from './sasl-handshake.js';
import { TxnOffsetCommit } from './txn-offset-commit.js';

/** An {@link ApiDefinition} of any request and response types. */
export type AnyApiDefinition = ApiDefinition<any, any, any, any>;

/** Every API Tandem has codecs for, in API-key order. */
export const SUPPORTED_APIS: readonly AnyApiDefinition[] = [
  Produce,
  Metadata,
  FindCoordinator,
  SaslHandshake,
  ApiVersions,
  InitProducerId,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  TxnOffsetCommit,
  SaslAuthenticate,
];

const BY_KEY = new Map<number, AnyApiDefinition>(SUPPORTED_APIS.map((api) => [api.apiKey, api]));

/** The definition of API `apiKey`, or undefined if Tandem has no codec for it. */
export function apiDefinition(apiKey: number): AnyApiDefinition | undefined {
  return BY_KEY.get(apiKey);
}

function known(apiKey: number): AnyApiDefinition {
  const api = BY_KEY.get(apiKey);
  if (api === undefined) {
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED', `no codec for ${apiKeyName(apiKey)} (key ${apiKey})`);
  }
  return api;
}

/**
 * The request header version for an API and version: 2 if that version is flexible, else 1.
 * Valid beyond the versions we encode (flexibility never switches back off).
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  return known(apiKey).requestHeaderVersion(apiVersion);
}

/** The response header version for an API and version: 1 if flexible, else 0; ApiVersions: 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  return known(apiKey).responseHeaderVersion(apiVersion);
}

/**
 * Encodes a whole request frame, `int32 size | header | body`, from the header fields and a
 * body writer; the header version follows from the API key and version.
 *
 * @example
 * encodeRequestFrame({ apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId: 1, clientId: null }, () => {})
 */
export function encodeRequestFrame(header: RequestHeader, writeBody: (w: Writer) => void): Buffer {
  const w = new Writer(128);
  w.int32(0);
  writeRequestHeader(w, header, requestHeaderVersion(header.apiKey, header.apiVersion));
  writeBody(w);
  patchFrameSize(w, 0);
  return w.finish();
}

/**
 * Reads the response header at `r` for a request of `apiKey` at `apiVersion` (v0, or v1 with a
 * tag buffer for flexible versions except ApiVersions). Leaves `r` at the body.
 */
export function decodeResponseHeader(r: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  return readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
}

/** A request frame read back by {@link decodeRequestFrame}. */
export interface DecodedRequest {
  readonly header: RequestHeader;
  readonly api: AnyApiDefinition;
  readonly body: unknown;
}

/**
 * Reads a request frame's payload (after the size prefix): header, API lookup, body. For mock
 * brokers and tests. Throws ProtocolError for unknown APIs or versions.
 */
export function decodeRequestFrame(payload: Buffer): DecodedRequest {
  const r = new Reader(payload);
  const header = readRequestHeader(r, requestHeaderVersion);
  const api = known(header.apiKey);
  const body = api.decodeRequest(payload.subarray(r.pos), header.apiVersion);
  return { header, api, body };
}
