/**
 * The built-in partitioner for records without a key (or all records, with
 * `partitioner.ignore.keys`): KIP-794's uniform sticky partitioner, Java's default since 3.3.
 *
 * Why sticky: sending each unkeyed record to a random partition spreads a burst over every
 * partition, so every batch is tiny, requests carry many small batches, and brokers spend CPU
 * per batch. Sticking to one partition until about `batch.size` bytes went there fills whole
 * batches, which lowers latency (batches fill before `linger.ms`) and broker CPU. Over many
 * batches the spread is still uniform.
 *
 * Why KIP-794 rather than KIP-480 (Java 2.4-3.2, switch at each new batch): under KIP-480 a slow
 * broker gets MORE data, because its batches stay open longer and new batches (and so switches)
 * happen on the fast ones. KIP-794 switches by bytes produced, not by batches created, so each
 * partition gets the same share; and with `partitioner.adaptive.partitioning.enable` it leans
 * away from partitions whose queues are long.
 *
 * Source of truth: `org.apache.kafka.clients.producer.internals.BuiltInPartitioner` and its use
 * in `RecordAccumulator.append` / `partitionReady` (kafka-clients 4.x); KIP-794.
 *
 * How the runtime drives it (one instance per topic, all calls on the application thread):
 * 1. `p = partitioner.partition(partitions)` for each record that the decision order leaves to
 *    the built-in partitioner (see `RecordPartitioner`).
 * 2. If appending to `p` would open a new batch (no open slab for it, or its slab is sealed or
 *    full), call `p = partitioner.onNewBatch(partitions)` first and use the partition it returns
 *    (Java's `RecordAccumulator.partitionChanged`: a switch deferred until the batch was complete
 *    happens here).
 * 3. After the record is appended: `partitioner.afterAppend(bytes, lastBatchFull, partitions)`.
 * 4. From time to time, if adaptive partitioning is on: `updatePartitionLoadStats(...)` with the
 *    queue length of each available partition (Java does it at every ready check).
 */
import { InvalidPartitionError } from '../errors.js';
import { randomInt31, type RandomInt31 } from './random.js';
import type { TopicPartitions } from './types.js';

/** Options of a {@link BuiltInPartitioner}. */
export interface BuiltInPartitionerOptions {
  /**
   * `partitioner.adaptive.partitioning.enable`: lean away from partitions with long queues.
   * When false, {@link BuiltInPartitioner.updatePartitionLoadStats} does nothing. Default true.
   */
  readonly adaptive?: boolean;
  /** The random source; tests pass a deterministic one. Default: a shared xorshift32. */
  readonly random?: RandomInt31;
}

/**
 * KIP-794's uniform sticky partitioner for one topic.
 *
 * Rules, as in Java:
 * - Stays on its partition until the bytes produced to it reach `batch.size` and the partition's
 *   last batch is full (or gone to the broker), or reach 2 x `batch.size` whatever the batch.
 *   Waiting for the batch boundary avoids leaving a fractional batch behind at each switch
 *   (with a long `linger.ms`, 12 KiB + 4 KiB batches instead of 16 KiB ones); the 2x cap bounds
 *   how long a switch can wait.
 * - The next partition is uniformly random among the partitions with a leader (among all when
 *   none has one), and may be the same partition again.
 * - With adaptive partitioning and load statistics, the next partition is drawn with weights
 *   `maxQueue + 1 - queue`, so shorter queues are likelier.
 *
 * @example
 * ```ts
 * const sticky = new BuiltInPartitioner('events', config['batch.size']);
 * let p = sticky.partition(view);
 * if (needsNewBatch(p)) p = sticky.onNewBatch(view);
 * const bytes = appendRecord(p, record);
 * sticky.afterAppend(bytes, isLastBatchFull(p), view);
 * ```
 */
export class BuiltInPartitioner {
  /** The topic this partitioner chooses for. */
  readonly topic: string;
  /** Bytes to produce to a partition before switching: `max(1, batch.size)`. */
  readonly stickyBatchSize: number;

  private readonly adaptive: boolean;
  private readonly random: RandomInt31;
  /** The current sticky partition, or -1 before the first choice. */
  private current = -1;
  /** Bytes appended to the current sticky partition since it was chosen. */
  private producedBytes = 0;
  /**
   * Adaptive load statistics: a cumulative frequency table over `loadIds[0..loadLength)`.
   * `loadLength === 0` means no statistics: choose uniformly.
   */
  private cumulative: Int32Array = new Int32Array(0);
  private loadIds: Int32Array = new Int32Array(0);
  private loadLength = 0;

  /**
   * @param topic - the topic.
   * @param batchSize - the producer's `batch.size`; 0 (no batching) counts as 1 byte, as in Java.
   * @param options - adaptive switch and random source.
   */
  constructor(topic: string, batchSize: number, options: BuiltInPartitionerOptions = {}) {
    this.topic = topic;
    // KafkaProducer passes max(1, batch.size): the partitioner refuses a threshold below 1.
    this.stickyBatchSize = Math.max(1, batchSize | 0);
    this.adaptive = options.adaptive ?? true;
    this.random = options.random ?? randomInt31;
  }

  /**
   * PER-RECORD PATH. The current sticky partition, choosing one if there is none yet (or if the
   * topic's partition count no longer covers it). Java's `peekCurrentPartitionInfo`.
   *
   * @param partitions - the topic's partitions (partitionCount at least 1).
   * @returns the partition to append the record to.
   */
  partition(partitions: TopicPartitions): number {
    const current = this.current;
    if (current >= 0 && current < partitions.partitionCount) return current;
    return this.switchPartition(partitions);
  }

  /**
   * Call when appending to the current partition would open a new batch: the partition has no
   * open batch, or its open batch is sealed (linger expired, flush) or full. Completes a switch
   * that {@link afterAppend} deferred because the batch was not yet full (Java's
   * `RecordAccumulator.partitionChanged`, which calls `updatePartitionInfo(info, 0, cluster,
   * true)` when all batches are full).
   *
   * @returns the partition to append to: the same one, or a new one if it switched.
   */
  onNewBatch(partitions: TopicPartitions): number {
    if (this.current >= 0 && this.producedBytes >= this.stickyBatchSize) {
      return this.switchPartition(partitions);
    }
    return this.partition(partitions);
  }

  /**
   * PER-RECORD PATH. Counts bytes appended to the current partition and switches when the
   * KIP-794 rule says so. Java's `updatePartitionInfo`.
   *
   * @param appendedBytes - the bytes the record added to its batch (its encoded size).
   * @param lastBatchFull - whether the partition's last batch can take no more records (full,
   *   sealed or sent), i.e. the switch would not leave a partial batch behind. Java's
   *   `allBatchesFull(deque)` after the append.
   * @param partitions - the topic's partitions, to choose the next one.
   */
  afterAppend(appendedBytes: number, lastBatchFull: boolean, partitions: TopicPartitions): void {
    const produced = (this.producedBytes += appendedBytes);
    if (produced < this.stickyBatchSize) return;
    if (lastBatchFull || produced >= this.stickyBatchSize * 2) this.switchPartition(partitions);
  }

  /**
   * Feeds adaptive partitioning with the queue length of each partition: the number of batches
   * (slabs) waiting to be drained for it, open or sealed. Java's `updatePartitionLoadStats`,
   * called at each `RecordAccumulator.partitionReady`. The arrays are copied (into buffers this
   * object reuses), so the caller may reuse them.
   *
   * What to pass, as Java builds it:
   * - Only once every partition of the topic has had a batch (before that, uniform choice).
   * - Entries for partitions with a leader only; leave out too, when
   *   `partitioner.availability.timeout.ms` is set, partitions whose leader has had data ready
   *   but not drained for longer than that.
   *
   * Statistics are dropped (uniform choice) when fewer than 2 partitions exist, none is
   * included, or all queues are equal and none was left out.
   *
   * @param queueSizes - queue length of each included partition, in batches.
   * @param partitionIds - the partition id of each entry of `queueSizes`.
   * @param length - how many entries of both arrays to use.
   * @param partitionCount - the topic's partition count.
   */
  updatePartitionLoadStats(
    queueSizes: ArrayLike<number>,
    partitionIds: ArrayLike<number>,
    length: number,
    partitionCount: number,
  ): void {
    if (!this.adaptive || length < 1 || partitionCount < 2) {
      this.loadLength = 0;
      return;
    }
    // Invert the queue sizes (maxSize + 1 - size, so an empty queue weighs most and the longest
    // still weighs 1) and fold them into a running sum. A random r in [0, total) then falls in
    // the range of partition i with probability weight_i / total: the first entry > r.
    // Example: sizes 0 3 1 -> weights 4 1 3 -> cumulative 4 5 8.
    let max = queueSizes[0];
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      const size = queueSizes[i];
      if (size !== max) allEqual = false;
      if (size > max) max = size;
    }
    if (allEqual && length === partitionCount) {
      this.loadLength = 0;
      return;
    }
    if (this.cumulative.length < length) {
      this.cumulative = new Int32Array(partitionCount > length ? partitionCount : length);
      this.loadIds = new Int32Array(this.cumulative.length);
    }
    const cumulative = this.cumulative;
    const ids = this.loadIds;
    let sum = 0;
    for (let i = 0; i < length; i++) {
      sum += max + 1 - queueSizes[i];
      cumulative[i] = sum;
      ids[i] = partitionIds[i];
    }
    this.loadLength = length;
  }

  /** Drops the adaptive load statistics: the next switch is uniform again. */
  clearPartitionLoadStats(): void {
    this.loadLength = 0;
  }

  /** Picks the next sticky partition and resets the byte count. Java's `nextPartition`. */
  private switchPartition(partitions: TopicPartitions): number {
    const next = this.nextPartition(partitions);
    this.current = next;
    this.producedBytes = 0;
    return next;
  }

  private nextPartition(partitions: TopicPartitions): number {
    const random = this.random();
    const length = this.loadLength;
    if (length > 0) {
      // Weighted choice: the first cumulative entry strictly greater than r (binary search).
      const cumulative = this.cumulative;
      const r = random % cumulative[length - 1];
      let lo = 0;
      let hi = length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      const id = this.loadIds[lo];
      if (id < partitions.partitionCount) return id;
      // Statistics from a larger partition count than the view's: fall back to uniform.
    }
    const available = partitions.availablePartitions;
    if (available.length > 0) return available[random % available.length];
    if (partitions.partitionCount < 1) {
      throw new InvalidPartitionError(
        `Topic '${this.topic}' has no partitions yet: cannot choose one for the record.`,
        { topic: this.topic },
      );
    }
    return random % partitions.partitionCount;
  }
}
