/**
 * TxnOffsetCommit (key 28): commits consumer offsets as part of a transaction, sent to the
 * group coordinator by `sendOffsetsToTransaction` (after AddOffsetsToTxn under TV1, alone under
 * TV2).
 *
 * We speak v0-v5: v2 CommittedLeaderEpoch; v3 flexible, plus the consumer's generation, member
 * id and group instance id so the coordinator can fence zombies (KIP-447); v4
 * TRANSACTION_ABORTABLE; v5 (4.0) implicit AddOffsetsToTxn under transaction.version 2, so
 * without TV2 clients cap it at v4 (see `negotiation.ts`). v6 names topics by id; adding it
 * means a `topicId` field here.
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** One partition's offset to commit. */
export interface TxnOffsetCommitRequestPartition {
  readonly partitionIndex: number;
  readonly committedOffset: bigint;
  /** v2+: the leader epoch of the last consumed record, or -1 (the default). */
  readonly committedLeaderEpoch?: number;
  /** Free-form metadata stored with the offset, or null. */
  readonly committedMetadata: string | null;
}

/** One topic's offsets. */
export interface TxnOffsetCommitRequestTopic {
  readonly name: string;
  readonly partitions: readonly TxnOffsetCommitRequestPartition[];
}

/** A TxnOffsetCommit request. */
export interface TxnOffsetCommitRequest {
  readonly transactionalId: string;
  readonly groupId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** v3+: the consumer's generation id (member epoch for KIP-848 groups), or -1 (default). */
  readonly generationIdOrMemberEpoch?: number;
  /** v3+: the consumer's member id, or '' (default). */
  readonly memberId?: string;
  /** v3+: the consumer's group.instance.id, or null (default). */
  readonly groupInstanceId?: string | null;
  readonly topics: readonly TxnOffsetCommitRequestTopic[];
}

/** One partition's outcome. */
export interface TxnOffsetCommitResponsePartition {
  readonly partitionIndex: number;
  readonly errorCode: number;
}

/** One topic's outcomes. */
export interface TxnOffsetCommitResponseTopic {
  readonly name: string;
  readonly partitions: readonly TxnOffsetCommitResponsePartition[];
}

/** A TxnOffsetCommit response. */
export interface TxnOffsetCommitResponse {
  readonly throttleTimeMs: number;
  readonly topics: readonly TxnOffsetCommitResponseTopic[];
}

// TxnOffsetCommitRequest (v0-v5; flexible from v3)
//   transactional_id                 STRING
//   group_id                         STRING
//   producer_id                      INT64
//   producer_epoch                   INT16
//   generation_id_or_member_epoch    INT32             v3+ (default -1)
//   member_id                        STRING            v3+ (default "")
//   group_instance_id                NULLABLE_STRING   v3+ (default null)
//   topics                           [TxnOffsetCommitRequestTopic]
//     name                           STRING
//     partitions                     [TxnOffsetCommitRequestPartition]
//       partition_index              INT32
//       committed_offset             INT64
//       committed_leader_epoch       INT32             v2+ (default -1)
//       committed_metadata           NULLABLE_STRING
//   TAG_BUFFER (after each struct)   v3+
const request = defineMessage<TxnOffsetCommitRequest>({
  name: 'TxnOffsetCommitRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'generationIdOrMemberEpoch', type: 'int32', versions: '3+', default: -1 },
    { name: 'memberId', type: 'string', versions: '3+', default: '' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '2+', ignorable: true, default: -1 },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
});

// TxnOffsetCommitResponse (v0-v5; flexible from v3)
//   throttle_time_ms    INT32
//   topics              [TxnOffsetCommitResponseTopic]
//     name              STRING
//     partitions        [TxnOffsetCommitResponsePartition]
//       partition_index INT32
//       error_code      INT16
//   TAG_BUFFER (after each struct)   v3+
const response = defineMessage<TxnOffsetCommitResponse>({
  name: 'TxnOffsetCommitResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
});

/** TxnOffsetCommit (key 28): versions 0-5, flexible from 3. */
export const TxnOffsetCommit = defineApi<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  name: 'TxnOffsetCommit',
  request,
  response,
});

/**
 * Writes a TxnOffsetCommit request body. Before v3 the consumer's generation, member id and
 * instance id cannot be sent: leaving them at their defaults is required (else
 * ERR_TANDEM_PROTOCOL_UNSUPPORTED), as in Java.
 */
export function encodeTxnOffsetCommitRequest(w: Writer, version: number, req: TxnOffsetCommitRequest): void {
  request.encode(w, version, req);
}

/** Reads a TxnOffsetCommit response body. Throws only ProtocolError. */
export function decodeTxnOffsetCommitResponse(input: Reader | Buffer, version: number): TxnOffsetCommitResponse {
  return response.decode(input, version);
}
