/**
 * Which partition a record goes to: Java's decision order (`KafkaProducer.partition`), in one
 * place, for the runtime to call on every send.
 *
 * 1. An explicit partition on the record wins (checked against the partition count).
 * 2. Else a custom partitioner (`partitioner.class`), if one is set, decides.
 * 3. Else, if the record has a key and `partitioner.ignore.keys` is false:
 *    `toPositive(murmur2(key)) % partitionCount`.
 * 4. Else {@link UNKNOWN_PARTITION}: the topic's {@link BuiltInPartitioner} (sticky) chooses, in
 *    step with the accumulator (it must know about new batches and appended bytes).
 *
 * PER-RECORD PATH: {@link RecordPartitioner.choose} allocates nothing for the default and
 * named-hash partitioners; only a user-supplied partitioner with a key costs a `subarray` view.
 */
import { InvalidPartitionError } from '../errors.js';
import { BuiltInPartitioner } from './built-in.js';
import { KeyHashPartitioner } from './key-hash.js';
import { murmur2 } from './murmur2.js';
import type { RandomInt31 } from './random.js';
import { UNKNOWN_PARTITION, type Partitioner, type PartitionerRecord, type TopicPartitions } from './types.js';

/** The settings a {@link RecordPartitioner} follows (from the resolved producer config). */
export interface RecordPartitionerOptions {
  /**
   * `partitioner.class`: a user or named partitioner, or null for the built-in behaviour (murmur2
   * for keys, sticky otherwise).
   */
  readonly partitioner: Partitioner | null;
  /** `partitioner.ignore.keys`: send keyed records through the sticky partitioner too. */
  readonly ignoreKeys: boolean;
  /** `batch.size`: the sticky partitioner's switch threshold. */
  readonly batchSize: number;
  /** `partitioner.adaptive.partitioning.enable`. */
  readonly adaptive: boolean;
  /** Random source for the sticky partitioners; tests pass a deterministic one. */
  readonly random?: RandomInt31;
}

/**
 * Chooses partitions for one producer: the decision order above, plus one
 * {@link BuiltInPartitioner} per topic for step 4.
 *
 * @example
 * ```ts
 * const rp = new RecordPartitioner({ partitioner: null, ignoreKeys: false, batchSize: 16384, adaptive: true });
 * let p = rp.choose(record.topic, record.partition, keyBuf, 0, keyLen, view, record);
 * if (p === UNKNOWN_PARTITION) {
 *   const sticky = rp.builtIn(record.topic);   // cache it in the topic's state
 *   p = sticky.partition(view);
 *   // ...onNewBatch / append / afterAppend, see BuiltInPartitioner
 * }
 * ```
 */
export class RecordPartitioner {
  /** The custom or named partitioner, or null for the built-in behaviour. */
  readonly custom: Partitioner | null;
  private readonly keyHash: KeyHashPartitioner | null;
  private readonly ignoreKeys: boolean;
  private readonly batchSize: number;
  private readonly adaptive: boolean;
  private readonly random: RandomInt31 | undefined;
  private readonly sticky = new Map<string, BuiltInPartitioner>();

  constructor(options: RecordPartitionerOptions) {
    this.custom = options.partitioner;
    this.keyHash = options.partitioner instanceof KeyHashPartitioner ? options.partitioner : null;
    this.ignoreKeys = options.ignoreKeys;
    this.batchSize = options.batchSize;
    this.adaptive = options.adaptive;
    this.random = options.random;
  }

  /**
   * PER-RECORD PATH. Steps 1-3 of the decision order.
   *
   * @param topic - the record's topic.
   * @param explicitPartition - the partition given on the record, or undefined/null.
   * @param key - a buffer holding the serialized key, or null when the record has no key.
   * @param keyOffset - where the key starts in `key`.
   * @param keyLength - the key's length in bytes (0 for an empty, non-null key).
   * @param partitions - the topic's partitions.
   * @param record - the record as given to send() (passed to a custom partitioner).
   * @returns the partition, or {@link UNKNOWN_PARTITION} when the topic's built-in partitioner
   *   must choose.
   * @throws InvalidPartitionError if the explicit partition, or the custom partitioner's answer,
   *   is not a partition of the topic.
   */
  choose(
    topic: string,
    explicitPartition: number | null | undefined,
    key: Uint8Array | null,
    keyOffset: number,
    keyLength: number,
    partitions: TopicPartitions,
    record: PartitionerRecord,
  ): number {
    const count = partitions.partitionCount;
    if (explicitPartition !== undefined && explicitPartition !== null) {
      if (Number.isInteger(explicitPartition) && explicitPartition >= 0 && explicitPartition < count) {
        return explicitPartition;
      }
      throw new InvalidPartitionError(
        `Invalid partition given with a record to topic '${topic}': ${String(explicitPartition)} is not in the range [0...${count}).`,
        { topic },
      );
    }

    const keyHash = this.keyHash;
    if (keyHash !== null) {
      return key === null ? UNKNOWN_PARTITION : keyHash.partitionKey(key, keyOffset, keyLength, count);
    }

    const custom = this.custom;
    if (custom !== null) {
      const view = key === null ? null : key.subarray(keyOffset, keyOffset + keyLength);
      const p = custom.partition(topic, view, partitions, record);
      if (Number.isInteger(p) && p >= UNKNOWN_PARTITION && p < count) return p;
      throw new InvalidPartitionError(
        `The partitioner set in 'partitioner.class' returned ${String(p)} for a record to topic '${topic}', ` +
          `which is not a partition of the topic: expected an integer in [0...${count}), or -1 for the built-in partitioner.`,
        { topic },
      );
    }

    if (key !== null && !this.ignoreKeys) {
      return (murmur2(key, keyOffset, keyLength) & 0x7fffffff) % count;
    }
    return UNKNOWN_PARTITION;
  }

  /**
   * The topic's built-in sticky partitioner (step 4), created on first use. The runtime should
   * keep it in its per-topic state rather than look it up per record.
   */
  builtIn(topic: string): BuiltInPartitioner {
    let partitioner = this.sticky.get(topic);
    if (partitioner === undefined) {
      partitioner = new BuiltInPartitioner(topic, this.batchSize, { adaptive: this.adaptive, random: this.random });
      this.sticky.set(topic, partitioner);
    }
    return partitioner;
  }

  /**
   * Tells a custom partitioner that the runtime opened a new batch for a record it placed. Call
   * only for records whose partition came from the custom partitioner (step 2).
   */
  notifyNewBatch(topic: string, partition: number): void {
    this.custom?.onNewBatch?.(topic, partition);
  }

  /** Closes the custom partitioner, if it has a `close`. */
  async close(): Promise<void> {
    await this.custom?.close?.();
  }
}
