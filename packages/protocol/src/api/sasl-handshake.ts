/**
 * SaslHandshake (key 17): the first step of SASL authentication in Kafka framing.
 *
 * The sequence on a SASL connection: ApiVersions, SaslHandshake v1 naming the mechanism (the
 * broker answers with the mechanisms it enables), then SaslAuthenticate requests carrying the
 * mechanism's tokens until it is done (`sasl-authenticate.ts`). With SaslHandshake v0 the tokens
 * would instead follow as raw size-prefixed frames outside the Kafka protocol; we keep v0 in the
 * codec for completeness, and clients should use v1.
 *
 * Versions 0-1, never flexible (and the version cannot be bumped: KAFKA-9577).
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** A SaslHandshake request. */
export interface SaslHandshakeRequest {
  /** The SASL mechanism, e.g. `'PLAIN'`, `'SCRAM-SHA-512'`, `'OAUTHBEARER'`. */
  readonly mechanism: string;
}

/** A SaslHandshake response. */
export interface SaslHandshakeResponse {
  readonly errorCode: number;
  /** The mechanisms the broker enables on this listener. */
  readonly mechanisms: readonly string[];
}

// SaslHandshakeRequest (v0-v1; never flexible)
//   mechanism   STRING
const handshakeRequest = defineMessage<SaslHandshakeRequest>({
  name: 'SaslHandshakeRequest',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [{ name: 'mechanism', type: 'string', versions: '0+' }],
});

// SaslHandshakeResponse (v0-v1; never flexible)
//   error_code   INT16
//   mechanisms   [STRING]
const handshakeResponse = defineMessage<SaslHandshakeResponse>({
  name: 'SaslHandshakeResponse',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'mechanisms', type: '[]string', versions: '0+' },
  ],
});

/** SaslHandshake (key 17): versions 0-1, never flexible. */
export const SaslHandshake = defineApi<SaslHandshakeRequest, SaslHandshakeResponse>({
  apiKey: ApiKey.SaslHandshake,
  name: 'SaslHandshake',
  request: handshakeRequest,
  response: handshakeResponse,
});

/** Writes a SaslHandshake request body. */
export function encodeSaslHandshakeRequest(w: Writer, version: number, req: SaslHandshakeRequest): void {
  handshakeRequest.encode(w, version, req);
}

/** Reads a SaslHandshake response body. Throws only ProtocolError. */
export function decodeSaslHandshakeResponse(input: Reader | Buffer, version: number): SaslHandshakeResponse {
  return handshakeResponse.decode(input, version);
}
