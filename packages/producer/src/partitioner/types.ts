/**
 * The shapes partitioners work with: what they know of a topic's partitions, and the interface a
 * user-supplied partitioner implements.
 *
 * The interface is small on purpose (franz-go's `Partitioner` / `TopicPartitioner` and its
 * optional `TopicPartitionerOnNewBatch` showed the way): one required method, and optional
 * methods the runtime calls only if they are there.
 */

/**
 * The partition value that means "not chosen yet": the record has no explicit partition, and
 * the built-in sticky partitioner of the accumulator must choose (Java's
 * `RecordMetadata.UNKNOWN_PARTITION`). A custom partitioner may return it to hand a record to
 * the built-in partitioner.
 */
export const UNKNOWN_PARTITION = -1;

/**
 * What a partitioner knows about a topic's partitions at the moment it chooses. The runtime keeps
 * one per topic, updated when the Sender pushes metadata (the shared-memory `TopicView` has this
 * shape), and passes the same object on every call: partitioning allocates nothing.
 */
export interface TopicPartitions {
  /**
   * Number of partitions of the topic, with or without a leader. Keyed partitioning hashes over
   * all of them, so that a key keeps its partition while a broker is down. At least 1.
   */
  readonly partitionCount: number;
  /**
   * Ids of the partitions that currently have a leader (Java's
   * `Cluster.availablePartitionsForTopic`), in any stable order. Unkeyed partitioners choose
   * among these, or among all partitions when this is empty.
   */
  readonly availablePartitions: ArrayLike<number>;
}

/** The record as the application gave it to send(), as far as a partitioner may look at it. */
export interface PartitionerRecord<K = unknown, V = unknown> {
  readonly topic: string;
  /** The key before serialization (null or undefined when there is none). */
  readonly key?: K | null;
  /** The value before serialization. */
  readonly value?: V | null;
  /** The record's headers, as given to send(). */
  readonly headers?: unknown;
}

/**
 * A user-supplied partitioner: Java's `org.apache.kafka.clients.producer.Partitioner`, set with
 * `partitioner.class`. It is called once per record that has no explicit partition (never twice,
 * whatever happens to batches: no KAFKA-9965 skipping) and must be fast: it runs on the
 * application's thread inside send().
 *
 * Differences from Java, and why:
 * - It receives the serialized key but not the serialized value: Tandem writes the value
 *   straight into shared memory after the partition is known, so there are no value bytes yet.
 *   The unserialized value is on `record`.
 * - Returning {@link UNKNOWN_PARTITION} (-1) hands the record to the built-in sticky
 *   partitioner (say, to partition only some records yourself). Any other value outside
 *   [0, partitionCount) fails the send with an InvalidPartitionError.
 *
 * @example
 * ```ts
 * const byTenant: Partitioner<string, Order> = {
 *   partition(topic, keyBytes, partitions, record) {
 *     return record.value ? tenantShard(record.value.tenant) % partitions.partitionCount : UNKNOWN_PARTITION;
 *   },
 * };
 * new KafkaProducer({ 'bootstrap.servers': 'localhost:9092', 'partitioner.class': byTenant });
 * ```
 */
export interface Partitioner<K = unknown, V = unknown> {
  /**
   * Chooses the record's partition.
   *
   * @param topic - the record's topic.
   * @param keyBytes - the serialized key, or null if the record has no key. Valid only during the
   *   call: the runtime may reuse the memory behind it; copy it if you keep it.
   * @param partitions - the topic's partition count and available partitions.
   * @param record - the record as given to send().
   * @returns a partition in [0, partitions.partitionCount), or {@link UNKNOWN_PARTITION}.
   */
  partition(
    topic: string,
    keyBytes: Uint8Array | null,
    partitions: TopicPartitions,
    record: PartitionerRecord<K, V>,
  ): number;

  /**
   * Optional: told after the runtime opened a new batch for a record this partitioner placed in
   * `topic`-`partition`. A notification only: the record stays where it was put. A sticky custom
   * partitioner can use it to move on at its next call (what Java's removed
   * `Partitioner.onNewBatch` was for, without its double call).
   */
  onNewBatch?(topic: string, partition: number): void;

  /** Optional: called once when the producer closes. */
  close?(): void | Promise<void>;
}

/** A partitioner given as a bare function: the `partition` method of {@link Partitioner}. */
export type PartitionFunction<K = unknown, V = unknown> = Partitioner<K, V>['partition'];
