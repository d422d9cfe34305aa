/**
 * What adaptive partitioning (KIP-794, `partitioner.adaptive.partitioning.enable`) and
 * `partitioner.availability.timeout.ms` need to know about a topic's partitions, kept on the
 * application thread from the slabs it opens and frees.
 *
 * Java counts, per partition, the batches queued in the accumulator and not yet drained, and it
 * leaves out a partition whose leader has had data ready but not drained for longer than the
 * availability timeout. Here the application thread sees a batch from the moment it opens the
 * slab to the moment the slab's last record settles, so:
 * - a partition's load is its slabs in use: open, sealed, or in a request not yet answered.
 *   A slow or overloaded leader holds its batches longer, so its partitions weigh less, which
 *   is the point of the feature (in-flight batches count too, where Java stops counting at
 *   drain);
 * - a partition is unavailable when it has batches in use and none of them has completed for
 *   longer than the timeout (Java: data ready and not drained for that long): its leader is
 *   not taking or not answering produce requests.
 */
import type { BuiltInPartitioner } from '../partitioner/built-in.js';
import type { TopicPartitions } from '../partitioner/types.js';

export class PartitionLoad {
  /** Slabs in use per partition. */
  private inUse: Int32Array;
  /**
   * Per partition: when its last batch completed, or when it went from idle to busy (ms since
   * the epoch); 0 before its first batch.
   */
  private progressMs: Float64Array;
  /** Partitions that have had at least one batch. */
  private withBatches = 0;
  // Reused arguments of updatePartitionLoadStats.
  private sizes: Int32Array;
  private ids: Int32Array;

  constructor(partitionCount: number) {
    this.inUse = new Int32Array(partitionCount);
    this.progressMs = new Float64Array(partitionCount);
    this.sizes = new Int32Array(partitionCount);
    this.ids = new Int32Array(partitionCount);
  }

  /** Makes room for partitions added to the topic. */
  grow(partitionCount: number): void {
    if (partitionCount <= this.inUse.length) return;
    const inUse = new Int32Array(partitionCount);
    inUse.set(this.inUse);
    this.inUse = inUse;
    const progress = new Float64Array(partitionCount);
    progress.set(this.progressMs);
    this.progressMs = progress;
    this.sizes = new Int32Array(partitionCount);
    this.ids = new Int32Array(partitionCount);
  }

  /** A slab was opened for `partition` at `nowMs`. */
  opened(partition: number, nowMs: number): void {
    if (this.progressMs[partition] === 0) this.withBatches++;
    if (this.inUse[partition]++ === 0) this.progressMs[partition] = nowMs;
  }

  /** A slab of `partition` was freed (its last record settled) at `nowMs`. */
  released(partition: number, nowMs: number): void {
    this.inUse[partition]--;
    this.progressMs[partition] = nowMs;
  }

  /** Slabs in use for `partition` right now. */
  slabsInUse(partition: number): number {
    return this.inUse[partition]!;
  }

  /**
   * Gives the topic's sticky partitioner the current load statistics (Java does it at every
   * ready check; the producer does it when the sticky partition needs a new batch, before the
   * partitioner may switch). Until every partition has had a batch the choice stays uniform, as
   * in Java, which builds the statistics from the partitions it has queues for.
   *
   * @param availabilityTimeoutMs - `partitioner.availability.timeout.ms`; 0 leaves none out.
   */
  feed(sticky: BuiltInPartitioner, partitions: TopicPartitions, availabilityTimeoutMs: number, nowMs: number): void {
    const count = partitions.partitionCount;
    if (this.withBatches < count) {
      sticky.clearPartitionLoadStats();
      return;
    }
    const available = partitions.availablePartitions;
    const sizes = this.sizes;
    const ids = this.ids;
    let length = 0;
    for (let i = 0; i < available.length; i++) {
      const p = available[i]!;
      if (p >= this.inUse.length) continue;
      const inUse = this.inUse[p]!;
      if (availabilityTimeoutMs > 0 && inUse > 0 && nowMs - this.progressMs[p]! > availabilityTimeoutMs) continue;
      sizes[length] = inUse;
      ids[length++] = p;
    }
    sticky.updatePartitionLoadStats(sizes, ids, length, count);
  }
}
