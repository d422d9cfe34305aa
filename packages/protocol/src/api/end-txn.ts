/**
 * EndTxn (key 26): commits or aborts the current transaction, sent to the transaction
 * coordinator once every batch of the transaction has completed.
 *
 * We speak v0-v5: v2 PRODUCER_FENCED, v3 flexible, v4 TRANSACTION_ABORTABLE, v5 (4.0, KIP-890
 * part 2) the coordinator bumps the epoch at every EndTxn and returns the producer id and epoch
 * to use next (a new producer id with epoch 0 when the epoch overflows). Brokers read v5 as "this
 * client runs TV2", so without transaction.version >= 2 clients cap EndTxn at v4
 * (see `negotiation.ts`).
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** An EndTxn request. */
export interface EndTxnRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** True to commit, false to abort. */
  readonly committed: boolean;
}

/** An EndTxn response. */
export interface EndTxnResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  /** v5+: the producer id for the next transaction; -1n before v5. */
  readonly producerId: bigint;
  /** v5+: the epoch for the next transaction; -1 before v5. */
  readonly producerEpoch: number;
}

// EndTxnRequest (v0-v5; flexible from v3)
//   transactional_id   STRING
//   producer_id        INT64
//   producer_epoch     INT16
//   committed          BOOLEAN
//   TAG_BUFFER         v3+
const request = defineMessage<EndTxnRequest>({
  name: 'EndTxnRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'committed', type: 'bool', versions: '0+' },
  ],
});

// EndTxnResponse (v0-v5; flexible from v3)
//   throttle_time_ms   INT32
//   error_code         INT16
//   producer_id        INT64   v5+ (default -1)
//   producer_epoch     INT16   v5+ (default -1)
//   TAG_BUFFER         v3+
const response = defineMessage<EndTxnResponse>({
  name: 'EndTxnResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '5+', ignorable: true, default: -1n },
    { name: 'producerEpoch', type: 'int16', versions: '5+', ignorable: true, default: -1 },
  ],
});

/** EndTxn (key 26): versions 0-5, flexible from 3. */
export const EndTxn = defineApi<EndTxnRequest, EndTxnResponse>({
  apiKey: ApiKey.EndTxn,
  name: 'EndTxn',
  request,
  response,
});

/** Writes an EndTxn request body. */
export function encodeEndTxnRequest(w: Writer, version: number, req: EndTxnRequest): void {
  request.encode(w, version, req);
}

/** Reads an EndTxn response body. Throws only ProtocolError. */
export function decodeEndTxnResponse(input: Reader | Buffer, version: number): EndTxnResponse {
  return response.decode(input, version);
}
