/**
 * SaslAuthenticate (key 36): carries one SASL token each way, after SaslHandshake v1
 * (`sasl-handshake.ts`), repeated until the mechanism is done.
 *
 * Versions 0-2: v1 adds SessionLifetimeMs (KIP-368, re-authentication), v2 is flexible.
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** A SaslAuthenticate request. */
export interface SaslAuthenticateRequest {
  /** The mechanism's next token. */
  readonly authBytes: Uint8Array;
}

/** A SaslAuthenticate response. */
export interface SaslAuthenticateResponse {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** The server's token (a view of the response). */
  readonly authBytes: Buffer;
  /** v1+: ms until the session must re-authenticate (KIP-368); 0 for no limit or before v1. */
  readonly sessionLifetimeMs: number;
}

// SaslAuthenticateRequest (v0-v2; flexible from v2)
//   auth_bytes   BYTES
//   TAG_BUFFER   v2+
const authenticateRequest = defineMessage<SaslAuthenticateRequest>({
  name: 'SaslAuthenticateRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'authBytes', type: 'bytes', versions: '0+' }],
});

// SaslAuthenticateResponse (v0-v2; flexible from v2)
//   error_code            INT16
//   error_message         NULLABLE_STRING
//   auth_bytes            BYTES
//   session_lifetime_ms   INT64   v1+ (default 0)
//   TAG_BUFFER            v2+
const authenticateResponse = defineMessage<SaslAuthenticateResponse>({
  name: 'SaslAuthenticateResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'authBytes', type: 'bytes', versions: '0+' },
    { name: 'sessionLifetimeMs', type: 'int64n', versions: '1+', ignorable: true, default: 0 },
  ],
});

/** SaslAuthenticate (key 36): versions 0-2, flexible from 2. */
export const SaslAuthenticate = defineApi<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  apiKey: ApiKey.SaslAuthenticate,
  name: 'SaslAuthenticate',
  request: authenticateRequest,
  response: authenticateResponse,
});

/** Writes a SaslAuthenticate request body. */
export function encodeSaslAuthenticateRequest(w: Writer, version: number, req: SaslAuthenticateRequest): void {
  authenticateRequest.encode(w, version, req);
}

/** Reads a SaslAuthenticate response body. Throws only ProtocolError. */
export function decodeSaslAuthenticateResponse(input: Reader | Buffer, version: number): SaslAuthenticateResponse {
  return authenticateResponse.decode(input, version);
}
