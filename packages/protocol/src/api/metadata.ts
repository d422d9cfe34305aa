/**
 * Metadata (key 3): brokers, and for each topic its partitions' leaders, leader epochs and
 * replicas. The producer asks for the topics it writes to, always with AllowAutoTopicCreation
 * (Java's `MetadataRequest.Builder` in the producer), and refreshes on NOT_LEADER_OR_FOLLOWER
 * and friends.
 *
 * We speak v4-v13: v4 is the first with AllowAutoTopicCreation, and every broker a 4.x Java
 * client accepts (2.1+) has at least v7. Version landmarks: v7 leader epoch, v9 flexible,
 * v10 topic ids (in the response; brokers ignore request ids before v12), v12 topics may be
 * requested by id with a null name, v13 a top-level error code (4.0).
 *
 * In v1+ a null topic list means "all topics" and an empty one "no topics" (v0, which we do not
 * speak, read empty as all).
 */
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { ApiKey } from './api-keys.js';
import { defineApi } from './definition.js';
import { defineMessage } from './schema.js';

/** A topic to describe: by name, or (v12+) by id with a null name. */
export interface MetadataRequestTopic {
  /** v10+: the topic id, or left undefined (zero UUID) to go by name. */
  readonly topicId?: Uint8Array;
  /** The topic name; null only in v10+ (and honoured by brokers from v12) when asking by id. */
  readonly name: string | null;
}

/** A Metadata request. */
export interface MetadataRequest {
  /** The topics to describe; null for all topics, [] for none (brokers and cluster id only). */
  readonly topics: readonly MetadataRequestTopic[] | null;
  /** v4+: let the broker create missing topics if `auto.create.topics.enable`. Default true. */
  readonly allowAutoTopicCreation?: boolean;
  /** v8-v10 only: ask for the cluster's authorized operations. Default false. */
  readonly includeClusterAuthorizedOperations?: boolean;
  /** v8+: ask for each topic's authorized operations. Default false. */
  readonly includeTopicAuthorizedOperations?: boolean;
}

/** A broker of the cluster. */
export interface MetadataResponseBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** null if the broker has no rack. */
  readonly rack: string | null;
}

/** One partition of a topic. */
export interface MetadataResponsePartition {
  readonly errorCode: number;
  readonly partitionIndex: number;
  /** The leader's node id, -1 if there is none. */
  readonly leaderId: number;
  /** v7+; -1 before. */
  readonly leaderEpoch: number;
  readonly replicaNodes: readonly number[];
  readonly isrNodes: readonly number[];
  /** v5+. */
  readonly offlineReplicas: readonly number[];
}

/** One topic. */
export interface MetadataResponseTopic {
  readonly errorCode: number;
  /** Null only for a topic asked for by an id the broker does not know (v12+). */
  readonly name: string | null;
  /** v10+: 16 bytes, all zero when unknown. */
  readonly topicId: Buffer;
  readonly isInternal: boolean;
  readonly partitions: readonly MetadataResponsePartition[];
  /** v8+; -2147483648 when not requested. */
  readonly topicAuthorizedOperations: number;
}

/** A Metadata response. */
export interface MetadataResponse {
  readonly throttleTimeMs: number;
  readonly brokers: readonly MetadataResponseBroker[];
  /** v2+; null if unknown. */
  readonly clusterId: string | null;
  /** v1+; -1 if unknown. */
  readonly controllerId: number;
  readonly topics: readonly MetadataResponseTopic[];
  /** v8-v10; -2147483648 when not requested. */
  readonly clusterAuthorizedOperations: number;
  /** v13+: a top-level error (e.g. the request was not authorized); 0 before. */
  readonly errorCode: number;
}

// MetadataRequest (v4-v13; flexible from v9)
//   topics                                  [MetadataRequestTopic]   nullable (null = all topics)
//     topic_id                              UUID                     v10+
//     name                                  STRING                   nullable v10+
//   allow_auto_topic_creation               BOOLEAN                  v4+ (default true)
//   include_cluster_authorized_operations   BOOLEAN                  v8-v10
//   include_topic_authorized_operations     BOOLEAN                  v8+
//   TAG_BUFFER (after each struct)          v9+
const request = defineMessage<MetadataRequest>({
  name: 'MetadataRequest',
  validVersions: '4-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      nullableVersions: '1+',
      fields: [
        { name: 'topicId', type: 'uuid', versions: '10+', ignorable: true },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '10+' },
      ],
    },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
});

// MetadataResponse (v4-v13; flexible from v9)
//   throttle_time_ms                INT32          v3+
//   brokers                         [MetadataResponseBroker]
//     node_id                       INT32
//     host                          STRING
//     port                          INT32
//     rack                          NULLABLE_STRING   v1+
//   cluster_id                      NULLABLE_STRING   v2+
//   controller_id                   INT32             v1+ (default -1)
//   topics                          [MetadataResponseTopic]
//     error_code                    INT16
//     name                          STRING            nullable v12+
//     topic_id                      UUID              v10+
//     is_internal                   BOOLEAN           v1+
//     partitions                    [MetadataResponsePartition]
//       error_code                  INT16
//       partition_index             INT32
//       leader_id                   INT32
//       leader_epoch                INT32             v7+ (default -1)
//       replica_nodes               [INT32]
//       isr_nodes                   [INT32]
//       offline_replicas            [INT32]           v5+
//     topic_authorized_operations   INT32             v8+ (default INT32_MIN)
//   cluster_authorized_operations   INT32             v8-v10 (default INT32_MIN)
//   error_code                      INT16             v13+
//   TAG_BUFFER (after each struct)  v9+
const response = defineMessage<MetadataResponse>({
  name: 'MetadataResponse',
  validVersions: '4-13',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+', ignorable: true },
    {
      name: 'brokers',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', ignorable: true, default: null },
      ],
    },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+', ignorable: true, default: null },
    { name: 'controllerId', type: 'int32', versions: '1+', ignorable: true, default: -1 },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '12+' },
        { name: 'topicId', type: 'uuid', versions: '10+', ignorable: true },
        { name: 'isInternal', type: 'bool', versions: '1+', ignorable: true },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', ignorable: true, default: -1 },
            { name: 'replicaNodes', type: '[]int32', versions: '0+' },
            { name: 'isrNodes', type: '[]int32', versions: '0+' },
            { name: 'offlineReplicas', type: '[]int32', versions: '5+', ignorable: true },
          ],
        },
        { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648 },
      ],
    },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: -2147483648 },
    { name: 'errorCode', type: 'int16', versions: '13+', ignorable: true },
  ],
});

/** Metadata (key 3): versions 4-13, flexible from 9. */
export const Metadata = defineApi<MetadataRequest, MetadataResponse>({
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  request,
  response,
});

/**
 * Writes a Metadata request body.
 *
 * @example
 * encodeMetadataRequest(w, 12, { topics: [{ name: 'orders' }] }) // auto-creation on by default
 */
export function encodeMetadataRequest(w: Writer, version: number, req: MetadataRequest): void {
  request.encode(w, version, req);
}

/** Reads a Metadata response body. Throws only ProtocolError. */
export function decodeMetadataResponse(input: Reader | Buffer, version: number): MetadataResponse {
  return response.decode(input, version);
}
