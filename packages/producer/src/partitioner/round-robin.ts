/**
 * Round-robin partitioning: each record (keyed or not) to the next available partition.
 *
 * Trade-off: the most even spread of records over partitions, record by record, at the cost of
 * batching. Consecutive records go to different partitions, so each batch fills
 * `partitionCount` times slower than with the sticky partitioner: smaller batches, more
 * requests, more broker CPU. Use it when consumers need an even record count per partition at
 * every moment; otherwise the default sticky partitioner is better.
 *
 * Source of truth: `org.apache.kafka.clients.producer.RoundRobinPartitioner` (4.x): a counter
 * per topic starting at 0, `toPositive(counter++) % available.length` over the partitions with
 * a leader, or `% partitionCount` when none has one. Keys are ignored.
 *
 * One call per record: Tandem never calls a partitioner twice for the same record, so this
 * does not skip partitions the way Java up to 3.9.0 did (KAFKA-9965: KafkaProducer aborted the
 * append for a new batch and called `partition()` again, using up a counter value).
 */
import { toPositive } from './murmur2.js';
import type { Partitioner, TopicPartitions } from './types.js';

/** A topic's counter; an object so the per-record update is one Map lookup. */
interface Counter {
  next: number;
}

/**
 * Java's RoundRobinPartitioner. Select it with `'partitioner.class': 'round-robin'` (or Java's
 * class name), or pass an instance.
 *
 * @example
 * ```ts
 * new KafkaProducer({ 'bootstrap.servers': 'localhost:9092', 'partitioner.class': 'round-robin' });
 * ```
 */
export class RoundRobinPartitioner implements Partitioner {
  private readonly counters = new Map<string, Counter>();

  /**
   * PER-RECORD PATH. The next partition for `topic`.
   *
   * @param topic - the record's topic.
   * @param _keyBytes - ignored: round-robin does not look at keys.
   * @param partitions - the topic's partitions.
   */
  partition(topic: string, _keyBytes: Uint8Array | null, partitions: TopicPartitions): number {
    let counter = this.counters.get(topic);
    if (counter === undefined) {
      counter = { next: 0 };
      this.counters.set(topic, counter);
    }
    const value = counter.next;
    // Java's AtomicInteger wraps from 2^31 - 1 to -2^31; toPositive then restarts at 0.
    counter.next = (value + 1) | 0;
    const available = partitions.availablePartitions;
    if (available.length > 0) return available[toPositive(value) % available.length];
    return toPositive(value) % partitions.partitionCount;
  }
}
