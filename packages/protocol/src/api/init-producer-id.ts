/**
 * InitProducerId (key 22): gets a producer id and epoch. An idempotent producer sends it with a
 * null transactional id to any broker (Java: the least loaded one), with timeout
 * Integer.MAX_VALUE; a transactional producer sends it to its transaction coordinator, which
 * also fences older instances of the same transactional.id.
 *
 * We speak v0-v5. v2 is flexible; v3 adds the current ProducerId and ProducerEpoch to the request,
 * so a producer can bump its epoch after an abortable error (KIP-360); v4 PRODUCER_FENCED; v5
 * TRANSACTION_ABORTABLE. (v6, KIP-939 two-phase commit, is still unstable in 4.x brokers.)
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** An InitProducerId request. */
export interface InitProducerIdRequest {
  /** The transactional.id, or null for an idempotent-only producer. */
  readonly transactionalId: string | null;
  /** transaction.timeout.ms (ignored by the broker without a transactional id). */
  readonly transactionTimeoutMs: number;
  /** v3+: the current producer id to bump, or -1n (the default) for a new one. */
  readonly producerId?: bigint;
  /** v3+: the current epoch, or -1 (the default). */
  readonly producerEpoch?: number;
}

/** An InitProducerId response. */
export interface InitProducerIdResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  /** -1n on error. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

// InitProducerIdRequest (v0-v5; flexible from v2)
//   transactional_id        NULLABLE_STRING
//   transaction_timeout_ms  INT32
//   producer_id             INT64    v3+ (default -1)
//   producer_epoch          INT16    v3+ (default -1)
//   TAG_BUFFER              v2+
const request = defineMessage<InitProducerIdRequest>({
  name: 'InitProducerIdRequest',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: -1n },
    { name: 'producerEpoch', type: 'int16', versions: '3+', default: -1 },
  ],
});

// InitProducerIdResponse (v0-v5; flexible from v2)
//   throttle_time_ms   INT32
//   error_code         INT16
//   producer_id        INT64   (default -1)
//   producer_epoch     INT16
//   TAG_BUFFER         v2+
const response = defineMessage<InitProducerIdResponse>({
  name: 'InitProducerIdResponse',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', ignorable: true },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: -1n },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
});

/** InitProducerId (key 22): versions 0-5, flexible from 2. */
export const InitProducerId = defineApi<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  request,
  response,
});

/**
 * Writes an InitProducerId request body. Before v3 a producerId/epoch other than -1 cannot be
 * sent and throws (ERR_TANDEM_PROTOCOL_UNSUPPORTED), as in Java.
 *
 * @example
 * encodeInitProducerIdRequest(w, 5, { transactionalId: null, transactionTimeoutMs: 2147483647 })
 */
export function encodeInitProducerIdRequest(w: Writer, version: number, req: InitProducerIdRequest): void {
  request.encode(w, version, req);
}

/** Reads an InitProducerId response body. Throws only ProtocolError. */
export function decodeInitProducerIdResponse(input: Reader | Buffer, version: number): InitProducerIdResponse {
  return response.decode(input, version);
}
