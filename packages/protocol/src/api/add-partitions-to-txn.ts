/**
 * AddPartitionsToTxn (key 24): under transaction.version 1, a transactional producer registers
 * each partition with its transaction coordinator before the partition's first batch of the
 * transaction is sent. (Under TV2 Produce v12 does it implicitly and this request is not sent.)
 *
 * Clients speak only v0-v3. v4+ is a different, batched schema (many transactions, VerifyOnly,
 * a top-level error) that brokers send to each other to verify membership (KIP-890 part 1); its
 * request fields are named `Transactions` and the v0-v3 ones `V3AndBelow*`. We keep our field
 * names short since we only speak the client form. Landmarks: v2 PRODUCER_FENCED, v3 flexible.
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** One topic's partitions to add. */
export interface AddPartitionsToTxnTopic {
  readonly name: string;
  readonly partitions: readonly number[];
}

/** An AddPartitionsToTxn request (client form, v0-v3). */
export interface AddPartitionsToTxnRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly topics: readonly AddPartitionsToTxnTopic[];
}

/** One partition's outcome. */
export interface AddPartitionsToTxnPartitionResult {
  readonly partitionIndex: number;
  readonly partitionErrorCode: number;
}

/** One topic's outcomes. */
export interface AddPartitionsToTxnTopicResult {
  readonly name: string;
  readonly resultsByPartition: readonly AddPartitionsToTxnPartitionResult[];
}

/** An AddPartitionsToTxn response (client form, v0-v3). */
export interface AddPartitionsToTxnResponse {
  readonly throttleTimeMs: number;
  readonly resultsByTopic: readonly AddPartitionsToTxnTopicResult[];
}

// AddPartitionsToTxnRequest (v0-v3 as clients use it; flexible from v3)
//   v3_and_below_transactional_id   STRING
//   v3_and_below_producer_id        INT64
//   v3_and_below_producer_epoch     INT16
//   v3_and_below_topics             [AddPartitionsToTxnTopic]
//     name                          STRING
//     partitions                    [INT32]
//   TAG_BUFFER (after each struct)  v3
const request = defineMessage<AddPartitionsToTxnRequest>({
  name: 'AddPartitionsToTxnRequest',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0-3' },
    { name: 'producerId', type: 'int64', versions: '0-3' },
    { name: 'producerEpoch', type: 'int16', versions: '0-3' },
    {
      name: 'topics',
      type: '[]',
      versions: '0-3',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]int32', versions: '0+' },
      ],
    },
  ],
});

// AddPartitionsToTxnResponse (v0-v3 as clients use it; flexible from v3)
//   throttle_time_ms                  INT32
//   results_by_topic_v3_and_below     [AddPartitionsToTxnTopicResult]
//     name                            STRING
//     results_by_partition            [AddPartitionsToTxnPartitionResult]
//       partition_index               INT32
//       partition_error_code          INT16
//   TAG_BUFFER (after each struct)    v3
const response = defineMessage<AddPartitionsToTxnResponse>({
  name: 'AddPartitionsToTxnResponse',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'resultsByTopic',
      type: '[]',
      versions: '0-3',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'resultsByPartition',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'partitionErrorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
});

/** AddPartitionsToTxn (key 24): versions 0-3 (the client form), flexible from 3. */
export const AddPartitionsToTxn = defineApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: ApiKey.AddPartitionsToTxn,
  name: 'AddPartitionsToTxn',
  request,
  response,
});

/** Writes an AddPartitionsToTxn request body (v0-v3). */
export function encodeAddPartitionsToTxnRequest(w: Writer, version: number, req: AddPartitionsToTxnRequest): void {
  request.encode(w, version, req);
}

/** Reads an AddPartitionsToTxn response body (v0-v3). Throws only ProtocolError. */
export function decodeAddPartitionsToTxnResponse(input: Reader | Buffer, version: number): AddPartitionsToTxnResponse {
  return response.decode(input, version);
}
