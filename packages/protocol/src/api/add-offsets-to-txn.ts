/**
 * AddOffsetsToTxn (key 25): under transaction.version 1, `sendOffsetsToTransaction` first tells
 * the transaction coordinator that the consumer group's offsets join the transaction; the
 * offsets themselves then go to the group coordinator in TxnOffsetCommit. (Under TV2 this
 * request is skipped: TxnOffsetCommit v5 adds the group implicitly.)
 *
 * We speak v0-v4: v2 PRODUCER_FENCED, v3 flexible, v4 TRANSACTION_ABORTABLE.
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** An AddOffsetsToTxn request. */
export interface AddOffsetsToTxnRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** The consumer group whose offsets join the transaction. */
  readonly groupId: string;
}

/** An AddOffsetsToTxn response. */
export interface AddOffsetsToTxnResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
}

// AddOffsetsToTxnRequest (v0-v4; flexible from v3)
//   transactional_id   STRING
//   producer_id        INT64
//   producer_epoch     INT16
//   group_id           STRING
//   TAG_BUFFER         v3+
const request = defineMessage<AddOffsetsToTxnRequest>({
  name: 'AddOffsetsToTxnRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
  ],
});

// AddOffsetsToTxnResponse (v0-v4; flexible from v3)
//   throttle_time_ms   INT32
//   error_code         INT16
//   TAG_BUFFER         v3+
const response = defineMessage<AddOffsetsToTxnResponse>({
  name: 'AddOffsetsToTxnResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
});

/** AddOffsetsToTxn (key 25): versions 0-4, flexible from 3. */
export const AddOffsetsToTxn = defineApi<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  apiKey: ApiKey.AddOffsetsToTxn,
  name: 'AddOffsetsToTxn',
  request,
  response,
});

/** Writes an AddOffsetsToTxn request body. */
export function encodeAddOffsetsToTxnRequest(w: Writer, version: number, req: AddOffsetsToTxnRequest): void {
  request.encode(w, version, req);
}

/** Reads an AddOffsetsToTxn response body. Throws only ProtocolError. */
export function decodeAddOffsetsToTxnResponse(input: Reader | Buffer, version: number): AddOffsetsToTxnResponse {
  return response.decode(input, version);
}
