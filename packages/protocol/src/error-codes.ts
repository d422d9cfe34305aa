/**
 * Kafka's error codes as data: every code a broker can return (-1 to 133, Apache Kafka 4.1),
 * with Java's name, whether the Java client treats it as retriable, whether it means the
 * client's metadata is stale, and a message written for the person reading a Tandem error.
 *
 * Source of truth: `org.apache.kafka.common.protocol.Errors` (codes and names) and the
 * exception class each code maps to in `org.apache.kafka.common.errors`:
 * - `retriable` is true exactly when that class extends `RetriableException` (directly or via
 *   `InvalidMetadataException`). It says the error is transient in itself; whether a producer
 *   may retry a batch also depends on idempotence (Java's `TransactionManager.canRetry`, e.g.
 *   OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID are not retriable here but are retried
 *   by an idempotent producer in some states) and on the delivery timeout.
 * - `invalidMetadata` is true when the class extends `InvalidMetadataException`: Java's Sender
 *   requests a metadata update when a batch fails with one (`Sender.completeBatch`).
 * Codes 129-133 (4.0/4.1) were checked against secondary sources, the rest against the Java
 * source as of late 2024. Decoders keep unknown codes (a newer broker may send them): see
 * {@link kafkaErrorByCode}.
 *
 * Messages are our own words. The protocol layer does not know the topic, partition or
 * setting involved; the producer's error classes add those.
 */

/**
 * R: retriable. M: retriable, and the client's metadata is stale (refresh it).
 * '': neither.
 */
type Flags = '' | 'R' | 'M';

const TABLE = [
  [-1, 'UNKNOWN_SERVER_ERROR', '', 'The broker hit an unexpected error while handling the request; its log has the details.'],
  [0, 'NONE', '', 'No error.'],
  [1, 'OFFSET_OUT_OF_RANGE', '', 'The requested offset is outside the range of offsets the partition holds.'],
  [2, 'CORRUPT_MESSAGE', 'R', 'The broker found the batch corrupt: a CRC mismatch, an invalid size, a null key on a compacted topic, or bytes it could not parse.'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', 'M', 'The broker does not host this topic-partition: the topic may not exist (yet), or the client may not be allowed to describe it.'],
  [4, 'INVALID_FETCH_SIZE', '', 'The requested fetch size is invalid.'],
  [5, 'LEADER_NOT_AVAILABLE', 'M', 'The partition has no leader at the moment, usually during a leader election; the client retries once metadata shows a new leader.'],
  [6, 'NOT_LEADER_OR_FOLLOWER', 'M', 'The broker is not the leader (or not a replica) of this partition; leadership has moved and the client retries with fresh metadata.'],
  [7, 'REQUEST_TIMED_OUT', 'R', 'The request timed out, on the broker (e.g. waiting for replicas to acknowledge) or on the client.'],
  [8, 'BROKER_NOT_AVAILABLE', '', 'The broker is not available.'],
  [9, 'REPLICA_NOT_AVAILABLE', 'M', 'A replica of the partition is not available.'],
  [10, 'MESSAGE_TOO_LARGE', '', 'A record or batch is larger than the broker or topic accepts (message.max.bytes / max.message.bytes); large batches are split and retried, a single record this large fails.'],
  [11, 'STALE_CONTROLLER_EPOCH', '', 'The request carried an old controller epoch: the controller has moved.'],
  [12, 'OFFSET_METADATA_TOO_LARGE', '', 'The metadata string of an offset commit is longer than the broker allows.'],
  [13, 'NETWORK_EXCEPTION', 'M', 'The connection closed before a response arrived; the request is retried.'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', 'R', 'The coordinator is still loading its state and cannot answer yet.'],
  [15, 'COORDINATOR_NOT_AVAILABLE', 'R', 'The coordinator is not available; the client looks it up again.'],
  [16, 'NOT_COORDINATOR', 'R', 'The broker is not the coordinator for this group or transactional id; the client looks it up again.'],
  [17, 'INVALID_TOPIC_EXCEPTION', '', 'The topic name is invalid, or the operation is not allowed on this topic (e.g. producing to an internal topic).'],
  [18, 'RECORD_LIST_TOO_LARGE', '', 'The batch is larger than the broker\'s log segment size (segment.bytes) and cannot be written.'],
  [19, 'NOT_ENOUGH_REPLICAS', 'R', 'Fewer replicas are in sync than min.insync.replicas requires for acks=all; nothing was written.'],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'R', 'The records were written to the leader, but fewer replicas than min.insync.replicas acknowledged them; a retry may write them twice unless idempotence is on.'],
  [21, 'INVALID_REQUIRED_ACKS', '', 'The request\'s acks value is not one the broker accepts (0, 1 or -1/all).'],
  [22, 'ILLEGAL_GENERATION', '', 'The consumer group generation in the request is not the current one.'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', '', 'The group member\'s protocols do not match those of the group, or are empty.'],
  [24, 'INVALID_GROUP_ID', '', 'The group id is invalid.'],
  [25, 'UNKNOWN_MEMBER_ID', '', 'The coordinator does not know this group member.'],
  [26, 'INVALID_SESSION_TIMEOUT', '', 'The session timeout is outside the broker\'s group.min.session.timeout.ms and group.max.session.timeout.ms.'],
  [27, 'REBALANCE_IN_PROGRESS', '', 'The group is rebalancing; the member must rejoin.'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', '', 'The offset commit is too large.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', '', 'The client is not authorized to access this topic (check the ACLs for the principal).'],
  [30, 'GROUP_AUTHORIZATION_FAILED', '', 'The client is not authorized to access this group (check the ACLs for the principal).'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', '', 'The client is not authorized for this cluster-level operation (check the principal\'s cluster ACLs).'],
  [32, 'INVALID_TIMESTAMP', '', 'A record timestamp is outside the range the topic accepts (message.timestamp.before.max.ms / message.timestamp.after.max.ms).'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', '', 'The broker does not support the requested SASL mechanism (sasl.mechanism).'],
  [34, 'ILLEGAL_SASL_STATE', '', 'The request is not valid in the current state of the SASL exchange.'],
  [35, 'UNSUPPORTED_VERSION', '', 'The broker does not support this version of the API.'],
  [36, 'TOPIC_ALREADY_EXISTS', '', 'A topic with this name already exists.'],
  [37, 'INVALID_PARTITIONS', '', 'The number of partitions is invalid.'],
  [38, 'INVALID_REPLICATION_FACTOR', '', 'The replication factor is below 1 or above the number of available brokers.'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', '', 'The replica assignment is invalid.'],
  [40, 'INVALID_CONFIG', '', 'The configuration is invalid.'],
  [41, 'NOT_CONTROLLER', 'R', 'The broker is not the active controller.'],
  [42, 'INVALID_REQUEST', '', 'The broker could not accept the request as it was sent: malformed, or not valid for this broker; its log says why.'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', '', 'The topic\'s message format version does not support this request.'],
  [44, 'POLICY_VIOLATION', '', 'The request violates a policy configured on the broker.'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', '', 'The broker received a batch whose sequence number is not the next one it expected from this producer; records may have been lost.'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', '', 'The broker already has this batch from this producer (a retried duplicate); it was not written again.'],
  [47, 'INVALID_PRODUCER_EPOCH', '', 'The producer\'s epoch is older than the broker\'s: another instance or an epoch bump has superseded it.'],
  [48, 'INVALID_TXN_STATE', '', 'The transactional operation is not allowed in the transaction\'s current state.'],
  [49, 'INVALID_PRODUCER_ID_MAPPING', '', 'The producer id is not the one currently assigned to this transactional id.'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', '', 'transaction.timeout.ms is larger than the broker allows (transaction.max.timeout.ms).'],
  [51, 'CONCURRENT_TRANSACTIONS', 'R', 'Another operation on this transaction is still in progress (e.g. the previous commit or abort); the request is retried.'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', '', 'The transaction coordinator that sent this request is no longer the current one.'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', '', 'The client is not authorized to use this transactional.id (check the ACLs for the principal).'],
  [54, 'SECURITY_DISABLED', '', 'Security features are disabled on the broker.'],
  [55, 'OPERATION_NOT_ATTEMPTED', '', 'The broker did not attempt this operation because another part of the same request failed.'],
  [56, 'KAFKA_STORAGE_ERROR', 'M', 'The broker hit a disk error accessing the partition\'s log; the partition may move to another replica.'],
  [57, 'LOG_DIR_NOT_FOUND', '', 'The requested log directory is not in the broker\'s configuration.'],
  [58, 'SASL_AUTHENTICATION_FAILED', '', 'SASL authentication failed: check the credentials and sasl.mechanism.'],
  [59, 'UNKNOWN_PRODUCER_ID', '', 'The broker has no state for this producer id, typically because its records were all removed by retention.'],
  [60, 'REASSIGNMENT_IN_PROGRESS', '', 'A partition reassignment is in progress.'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', '', 'Delegation tokens are not enabled on the broker.'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', '', 'The delegation token was not found.'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', '', 'The principal is not the owner or a renewer of the delegation token.'],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', '', 'Delegation token requests are not allowed on plaintext or one-way SSL connections, nor on token-authenticated ones.'],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', '', 'The client is not authorized for this delegation token operation.'],
  [66, 'DELEGATION_TOKEN_EXPIRED', '', 'The delegation token has expired.'],
  [67, 'INVALID_PRINCIPAL_TYPE', '', 'The principal type is not supported.'],
  [68, 'NON_EMPTY_GROUP', '', 'The group is not empty.'],
  [69, 'GROUP_ID_NOT_FOUND', '', 'The group id does not exist.'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', 'R', 'The fetch session was not found.'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', 'R', 'The fetch session epoch is invalid.'],
  [72, 'LISTENER_NOT_FOUND', 'M', 'The leader has no listener matching the one this metadata request came in on; the brokers\' listener configuration may be inconsistent.'],
  [73, 'TOPIC_DELETION_DISABLED', '', 'Topic deletion is disabled on the broker.'],
  [74, 'FENCED_LEADER_EPOCH', 'M', 'The leader epoch in the request is older than the broker\'s: the client\'s metadata is stale.'],
  [75, 'UNKNOWN_LEADER_EPOCH', 'R', 'The leader epoch in the request is newer than the broker\'s: the broker has not caught up yet.'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', '', 'The broker does not accept this compression type here (zstd needs Produce v7+, i.e. brokers of 2.1 or newer).'],
  [77, 'STALE_BROKER_EPOCH', '', 'The broker epoch has changed.'],
  [78, 'OFFSET_NOT_AVAILABLE', 'R', 'The leader\'s high watermark has not caught up after an election, so the offset cannot be given yet.'],
  [79, 'MEMBER_ID_REQUIRED', '', 'The group member needs a member id before it can join.'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', 'M', 'The preferred leader is not available.'],
  [81, 'GROUP_MAX_SIZE_REACHED', '', 'The group has reached its maximum size.'],
  [82, 'FENCED_INSTANCE_ID', '', 'Another member with the same group.instance.id has replaced this one.'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', 'M', 'No eligible leader is available for the partition.'],
  [84, 'ELECTION_NOT_NEEDED', 'M', 'A leader election is not needed for the partition.'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', '', 'No partition reassignment is in progress.'],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', '', 'The group\'s offsets for a topic cannot be deleted while it is subscribed to it.'],
  [87, 'INVALID_RECORD', '', 'The broker rejected a record that failed its validation (for example a missing key on a compacted topic); the batch is not written.'],
  [88, 'UNSTABLE_OFFSET_COMMIT', 'R', 'Offsets are pending in an unfinished transaction; try again later.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', 'R', 'The request exceeded a throttling quota.'],
  [90, 'PRODUCER_FENCED', '', 'A newer producer with the same transactional.id has started and fenced this one; this producer must be closed.'],
  [91, 'RESOURCE_NOT_FOUND', '', 'The request refers to a resource that does not exist.'],
  [92, 'DUPLICATE_RESOURCE', '', 'The request names the same resource twice.'],
  [93, 'UNACCEPTABLE_CREDENTIAL', '', 'The credential does not meet the acceptance criteria.'],
  [94, 'INCONSISTENT_VOTER_SET', '', 'The sender or receiver of a voter-only request is not among the expected voters.'],
  [95, 'INVALID_UPDATE_VERSION', '', 'The update version is invalid.'],
  [96, 'FEATURE_UPDATE_FAILED', '', 'The finalized features could not be updated because of an unexpected server error.'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', '', 'A forwarded request\'s principal could not be deserialized: the cluster\'s security setup is inconsistent.'],
  [98, 'SNAPSHOT_NOT_FOUND', '', 'The requested snapshot was not found.'],
  [99, 'POSITION_OUT_OF_RANGE', '', 'The requested position is outside the snapshot.'],
  [100, 'UNKNOWN_TOPIC_ID', 'M', 'The broker does not host a topic with this topic id; the client retries with fresh metadata.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', '', 'This broker id is already registered.'],
  [102, 'BROKER_ID_NOT_REGISTERED', '', 'The broker id is not registered.'],
  [103, 'INCONSISTENT_TOPIC_ID', 'M', 'The topic id in the request does not match the log\'s topic id.'],
  [104, 'INCONSISTENT_CLUSTER_ID', '', 'The cluster id in the request does not match the server\'s.'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', '', 'The transactional id was not found.'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', 'R', 'The fetch session used topic ids inconsistently.'],
  [107, 'INELIGIBLE_REPLICA', '', 'The new in-sync replica set contains an ineligible replica.'],
  [108, 'NEW_LEADER_ELECTED', '', 'The partition state was updated, but a new leader has been elected.'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', '', 'The requested offset has moved to tiered storage.'],
  [110, 'FENCED_MEMBER_EPOCH', '', 'The group coordinator fenced the member\'s epoch; the member must rejoin.'],
  [111, 'UNRELEASED_INSTANCE_ID', '', 'The instance id is still held by another member of the group.'],
  [112, 'UNSUPPORTED_ASSIGNOR', '', 'The group does not support this assignor or its version.'],
  [113, 'STALE_MEMBER_EPOCH', '', 'The member epoch is stale; the member must retry with its updated epoch.'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', '', 'The request went to an endpoint of the wrong type (broker or controller).'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', '', 'This endpoint type is not supported yet.'],
  [116, 'UNKNOWN_CONTROLLER_ID', '', 'The controller id is not known.'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', '', 'The client telemetry subscription id is unknown or outdated.'],
  [118, 'TELEMETRY_TOO_LARGE', '', 'The client telemetry push is larger than the broker accepts.'],
  [119, 'INVALID_REGISTRATION', '', 'The controller found the broker registration invalid.'],
  [120, 'TRANSACTION_ABORTABLE', '', 'The broker hit an error in the current transaction; abort the transaction, then the transactional.id can be used again.'],
  [121, 'INVALID_RECORD_STATE', '', 'The record state is invalid; the delivery acknowledgement could not be completed.'],
  [122, 'SHARE_SESSION_NOT_FOUND', 'R', 'The share session was not found.'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', 'R', 'The share session epoch is invalid.'],
  [124, 'FENCED_STATE_EPOCH', '', 'The share coordinator rejected the request: the share-group state epoch does not match.'],
  [125, 'INVALID_VOTER_KEY', '', 'The voter key does not match the receiving replica\'s key.'],
  [126, 'DUPLICATE_VOTER', '', 'The voter is already in the voter set.'],
  [127, 'VOTER_NOT_FOUND', '', 'The voter is not in the voter set.'],
  [128, 'INVALID_REGULAR_EXPRESSION', '', 'The regular expression is invalid.'],
  [129, 'REBOOTSTRAP_REQUIRED', '', 'The client\'s metadata is stale beyond repair; it must bootstrap again from bootstrap.servers.'],
  [130, 'STREAMS_INVALID_TOPOLOGY', '', 'The streams topology is invalid.'],
  [131, 'STREAMS_INVALID_TOPOLOGY_EPOCH', '', 'The streams topology epoch is invalid.'],
  [132, 'STREAMS_TOPOLOGY_FENCED', '', 'The streams topology epoch is outdated.'],
  [133, 'SHARE_SESSION_LIMIT_REACHED', 'R', 'The broker has reached its limit of share sessions.'],
] as const satisfies ReadonlyArray<readonly [number, string, Flags, string]>;

type Row = (typeof TABLE)[number];

/** Java's name of a Kafka error code, e.g. `'NOT_LEADER_OR_FOLLOWER'`. */
export type KafkaErrorName = Row[1];

/** Name of the entry {@link kafkaErrorByCode} returns for a code this table does not know. */
export const UNKNOWN_ERROR_CODE_NAME = 'UNKNOWN_ERROR_CODE';

/** What is known about one Kafka error code. */
export interface KafkaErrorInfo {
  /** The int16 error code on the wire. */
  readonly code: number;
  /** Java's `Errors` enum name, or {@link UNKNOWN_ERROR_CODE_NAME} for a code not in the table. */
  readonly name: KafkaErrorName | typeof UNKNOWN_ERROR_CODE_NAME;
  /** Java maps the code to a `RetriableException`: transient, safe to retry in itself. */
  readonly retriable: boolean;
  /** Java maps the code to an `InvalidMetadataException`: refresh metadata before retrying. */
  readonly invalidMetadata: boolean;
  /** What happened, in words for the user (without the topic-partition, which callers add). */
  readonly message: string;
}

/** Every known error code, ascending by code. */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = Object.freeze(
  TABLE.map(([code, name, flags, message]) =>
    Object.freeze<KafkaErrorInfo>({
      code,
      name,
      retriable: flags !== '',
      invalidMetadata: flags === 'M',
      message,
    }),
  ),
);

/**
 * Error codes by name, for code that reads better with names than numbers:
 * `if (code === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER) ...`.
 */
export const KafkaErrorCodes: { readonly [R in Row as R[1]]: R[0] } = Object.freeze(
  Object.fromEntries(TABLE.map(([code, name]) => [name, code])),
) as { readonly [R in Row as R[1]]: R[0] };

const byCode = new Map<number, KafkaErrorInfo>(KAFKA_ERRORS.map((e) => [e.code, e]));
const byName = new Map<string, KafkaErrorInfo>(KAFKA_ERRORS.map((e) => [e.name, e]));

/**
 * The entry for a known code, or undefined. Use {@link kafkaErrorByCode} to get an entry for
 * any code.
 */
export function findKafkaError(code: number): KafkaErrorInfo | undefined {
  return byCode.get(code);
}

/**
 * The entry for any code. A code this table does not know (a newer broker's) gets an entry
 * named {@link UNKNOWN_ERROR_CODE_NAME} that keeps the number and is not retriable, as Java's
 * `Errors.forCode` turns an unknown code into UNKNOWN_SERVER_ERROR (a non-retriable
 * `UnknownServerException`).
 *
 * @example
 * ```ts
 * kafkaErrorByCode(6).name;      // 'NOT_LEADER_OR_FOLLOWER'
 * kafkaErrorByCode(6).retriable; // true
 * kafkaErrorByCode(999).code;    // 999, name 'UNKNOWN_ERROR_CODE'
 * ```
 */
export function kafkaErrorByCode(code: number): KafkaErrorInfo {
  const known = byCode.get(code);
  if (known !== undefined) return known;
  return {
    code,
    name: UNKNOWN_ERROR_CODE_NAME,
    retriable: false,
    invalidMetadata: false,
    message: `The broker returned error code ${code}, which this version of Tandem does not know; it is treated as a non-retriable server error.`,
  };
}

/** The entry for a Java error name such as `'NOT_LEADER_OR_FOLLOWER'`, or undefined. */
export function kafkaErrorByName(name: string): KafkaErrorInfo | undefined {
  return byName.get(name);
}

/** Whether Java treats `code` as retriable (false for unknown codes). */
export function isRetriableErrorCode(code: number): boolean {
  return byCode.get(code)?.retriable ?? false;
}
