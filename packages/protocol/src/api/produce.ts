/**
 * Produce (key 0): the Sender's one hot request. Each partition carries exactly one finished
 * RecordBatch v2 (magic 2), built elsewhere (`record/`), and often a view of a shared slab.
 *
 * The encoder never copies those batches: {@link encodeProduceFrame} writes the frame's own
 * fields into one small buffer and returns it cut into chunks around the batch views, ready for
 * `socket.cork()` + writes (a single writev), with the frame size computed before anything is
 * sent. With acks=0 the broker sends no response at all, and the frame says so.
 *
 * We speak v3-v12. v3 is the first with magic 2 and TransactionalId, and the lowest a 4.x broker
 * accepts (KIP-896), whatever its ApiVersions reply says (KAFKA-18659). Landmarks: v7 zstd, v8
 * RecordErrors and ErrorMessage, v9 flexible, v10 CurrentLeader and NodeEndpoints tags (KIP-951),
 * v11 TRANSACTION_ABORTABLE, v12 implicit AddPartitionsToTxn under transaction.version 2
 * (no field change). v13 (4.1) names topics by id; adding it means a `topicId` field here and
 * topic ids in the Sender's metadata.
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { encodeRequestChunks } from './frame.js';
import { defineMessage } from './schema.js';

/** One partition's data: its index and one finished RecordBatch v2. */
export interface PartitionProduceData {
  readonly index: number;
  /**
   * One RecordBatch (magic 2). May be a view of a larger (shared) buffer: it is not copied by
   * {@link encodeProduceFrame}, so it must stay unchanged until the socket write completes.
   * Decoded requests give a view of the input; null never goes out from a producer.
   */
  readonly records: Uint8Array | null;
}

/** One topic's partitions. */
export interface TopicProduceData {
  readonly name: string;
  readonly partitionData: readonly PartitionProduceData[];
}

/** A Produce request. */
export interface ProduceRequest {
  /** The transactional.id, or null for a non-transactional producer. */
  readonly transactionalId: string | null;
  /** 0 (no response), 1 (leader) or -1 (all in-sync replicas). */
  readonly acks: number;
  /** How long the broker may wait for the acks (request.timeout.ms in Java). */
  readonly timeoutMs: number;
  readonly topicData: readonly TopicProduceData[];
}

/** A record the broker rejected, which made it drop the whole batch (v8+, KIP-467). */
export interface BatchIndexAndErrorMessage {
  /** Index of the record within its batch. */
  readonly batchIndex: number;
  readonly batchIndexErrorMessage: string | null;
}

/** The leader a partition moved to (v10+, tag 0; KIP-951), sent with NOT_LEADER_OR_FOLLOWER. */
export interface LeaderIdAndEpoch {
  /** -1 if unknown. */
  readonly leaderId: number;
  /** -1 if unknown. */
  readonly leaderEpoch: number;
}

/** One partition's outcome. */
export interface PartitionProduceResponse {
  readonly index: number;
  readonly errorCode: number;
  /** Offset of the batch's first record; -1n on error. */
  readonly baseOffset: bigint;
  /** Broker time of the append if the topic uses LogAppendTime, else -1. */
  readonly logAppendTimeMs: number;
  /** v5+; -1n before or when unknown. */
  readonly logStartOffset: bigint;
  /** v8+. */
  readonly recordErrors: readonly BatchIndexAndErrorMessage[];
  /** v8+. */
  readonly errorMessage: string | null;
  /** v10+ (tag 0); `{ leaderId: -1, leaderEpoch: -1 }` when absent. */
  readonly currentLeader: LeaderIdAndEpoch;
}

/** One topic's outcomes. */
export interface TopicProduceResponse {
  readonly name: string;
  readonly partitionResponses: readonly PartitionProduceResponse[];
}

/** A broker named in `nodeEndpoints` (v10+, top-level tag 0). */
export interface NodeEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** A Produce response (never sent for acks=0). */
export interface ProduceResponse {
  readonly responses: readonly TopicProduceResponse[];
  readonly throttleTimeMs: number;
  /** v10+ (tag 0): endpoints of the new leaders in `currentLeader`. */
  readonly nodeEndpoints: readonly NodeEndpoint[];
}

/** What the response encoder accepts: fields a version lacks may be left out. */
export type ProduceResponseInput = {
  readonly responses: ReadonlyArray<{
    readonly name: string;
    readonly partitionResponses: ReadonlyArray<
      Pick<PartitionProduceResponse, 'index' | 'errorCode' | 'baseOffset'> & Partial<PartitionProduceResponse>
    >;
  }>;
  readonly throttleTimeMs?: number;
  readonly nodeEndpoints?: readonly NodeEndpoint[];
};

// ProduceRequest (v3-v12; flexible from v9)
//   transactional_id      NULLABLE_STRING
//   acks                  INT16
//   timeout_ms            INT32
//   topic_data            [TopicProduceData]
//     name                STRING
//     partition_data      [PartitionProduceData]
//       index             INT32
//       records           NULLABLE_RECORDS   (int32 length; COMPACT: uvarint length+1 from v9)
//   TAG_BUFFER (after each struct)   v9+
const request = defineMessage<ProduceRequest>({
  name: 'ProduceRequest',
  validVersions: '3-12',
  flexibleVersions: '9+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    {
      name: 'topicData',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionData',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
});

// ProduceResponse (v3-v12; flexible from v9)
//   responses                          [TopicProduceResponse]
//     name                             STRING
//     partition_responses              [PartitionProduceResponse]
//       index                          INT32
//       error_code                     INT16
//       base_offset                    INT64
//       log_append_time_ms             INT64               (default -1)
//       log_start_offset               INT64               v5+ (default -1)
//       record_errors                  [BatchIndexAndErrorMessage]   v8+
//         batch_index                  INT32
//         batch_index_error_message    NULLABLE_STRING
//       error_message                  NULLABLE_STRING     v8+
//       TAG_BUFFER                                         v9+, with
//         0: current_leader            { leader_id INT32, leader_epoch INT32, TAG_BUFFER }  v10+
//   throttle_time_ms                   INT32
//   TAG_BUFFER                                             v9+, with
//     0: node_endpoints                [node_id INT32, host COMPACT_STRING, port INT32,
//                                       rack COMPACT_NULLABLE_STRING, TAG_BUFFER]           v10+
const response = defineMessage<ProduceResponse, ProduceResponseInput>({
  name: 'ProduceResponse',
  validVersions: '3-12',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'responses',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionResponses',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'baseOffset', type: 'int64', versions: '0+' },
            { name: 'logAppendTimeMs', type: 'int64n', versions: '2+', ignorable: true, default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', ignorable: true, default: -1n },
            {
              name: 'recordErrors',
              type: '[]',
              versions: '8+',
              ignorable: true,
              fields: [
                { name: 'batchIndex', type: 'int32', versions: '8+' },
                {
                  name: 'batchIndexErrorMessage',
                  type: 'string',
                  versions: '8+',
                  nullableVersions: '8+',
                  default: null,
                },
              ],
            },
            { name: 'errorMessage', type: 'string', versions: '8+', nullableVersions: '8+', ignorable: true, default: null },
            {
              name: 'currentLeader',
              type: 'struct',
              versions: '10+',
              tag: 0,
              taggedVersions: '10+',
              fields: [
                { name: 'leaderId', type: 'int32', versions: '10+', default: -1 },
                { name: 'leaderEpoch', type: 'int32', versions: '10+', default: -1 },
              ],
            },
          ],
        },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    {
      name: 'nodeEndpoints',
      type: '[]',
      versions: '10+',
      tag: 0,
      taggedVersions: '10+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '10+' },
        { name: 'host', type: 'string', versions: '10+' },
        { name: 'port', type: 'int32', versions: '10+' },
        { name: 'rack', type: 'string', versions: '10+', nullableVersions: '10+', default: null },
      ],
    },
  ],
});

/** Produce (key 0): versions 3-12, flexible from 9. */
export const Produce = defineApi<ProduceRequest, ProduceResponse, ProduceRequest, ProduceResponseInput>({
  apiKey: ApiKey.Produce,
  name: 'Produce',
  request,
  response,
});

/** True if a Produce request with these acks gets a response (every acks but 0). */
export function produceExpectsResponse(acks: number): boolean {
  return acks !== 0;
}

/** A Produce request frame as chunks for one writev, and whether a response will come. */
export interface ProduceFrame {
  /**
   * The frame in order: buffers of our own fields (starting with the int32 size and the
   * header) interleaved with the callers' RecordBatch views, uncopied. Write them all, in order,
   * under one `socket.cork()`.
   */
  readonly chunks: readonly Uint8Array[];
  /** Total bytes of the frame, size prefix included (the prefix holds `size - 4`). */
  readonly size: number;
  /** False for acks=0: the broker sends nothing back, so nothing may wait for it. */
  readonly expectResponse: boolean;
}

/**
 * Encodes a whole Produce request frame (size prefix, header v1/v2, body) without copying any
 * RecordBatch: see {@link ProduceFrame}.
 *
 * @example
 * const frame = encodeProduceFrame(9, correlationId, 'my-app', {
 *   transactionalId: null, acks: -1, timeoutMs: 30000,
 *   topicData: [{ name: 'orders', partitionData: [{ index: 0, records: batch }] }],
 * });
 * socket.cork(); for (const c of frame.chunks) socket.write(c); socket.uncork();
 */
export function encodeProduceFrame(
  version: number,
  correlationId: number,
  clientId: string | null,
  req: ProduceRequest,
): ProduceFrame {
  const { chunks, size } = encodeRequestChunks(Produce, version, correlationId, clientId, req);
  return { chunks, size, expectResponse: produceExpectsResponse(req.acks) };
}

/** Writes a Produce request body into `w`, copying the batches (tests, small tools). */
export function encodeProduceRequest(w: Writer, version: number, req: ProduceRequest): void {
  request.encode(w, version, req);
}

/** Reads a Produce response body. Throws only ProtocolError. */
export function decodeProduceResponse(input: Reader | Buffer, version: number): ProduceResponse {
  return response.decode(input, version);
}
