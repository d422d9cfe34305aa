/**
 * PartitionLoad: the statistics the application thread feeds to the built-in partitioner for
 * adaptive partitioning (KIP-794) and partitioner.availability.timeout.ms, from the slabs it
 * opens and frees.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuiltInPartitioner, type TopicPartitions } from '@tandem/producer';
import { PartitionLoad } from '@tandem/producer/accumulator';

const view = (count: number, available?: number[]): TopicPartitions => ({
  partitionCount: count,
  availablePartitions: available ?? Array.from({ length: count }, (_, i) => i),
});

/** Every draw of the sticky partitioner over `draws` switches, counted per partition. */
function choices(sticky: BuiltInPartitioner, partitions: TopicPartitions, draws: number): number[] {
  const counts = new Array<number>(partitions.partitionCount).fill(0);
  for (let i = 0; i < draws; i++) {
    // Twice batch.size produced: the partitioner switches whatever the batch.
    sticky.afterAppend(2 * sticky.stickyBatchSize, false, partitions);
    counts[sticky.partition(partitions)]!++;
  }
  return counts;
}

test('until every partition has had a batch, the choice stays uniform (Java builds its statistics from the queues it has)', () => {
  const partitions = view(3);
  const load = new PartitionLoad(3);
  load.opened(0, 1000);
  load.opened(0, 1000);
  load.opened(1, 1000);
  const sticky = new BuiltInPartitioner('t', 100);
  load.feed(sticky, partitions, 0, 1000);
  const counts = choices(sticky, partitions, 3000);
  for (const c of counts) assert.ok(c > 800 && c < 1200, `uniform: ${counts.join(' ')}`);
});

test('partitions with more slabs in use are chosen less: weights max + 1 - load', () => {
  const partitions = view(3);
  const load = new PartitionLoad(3);
  // Loads 0, 3, 1 -> weights 4, 1, 3 (of 8).
  for (const [p, n] of [[0, 1], [1, 3], [2, 1]] as const) for (let i = 0; i < n; i++) load.opened(p, 1000);
  load.released(0, 1001);
  const sticky = new BuiltInPartitioner('t', 100);
  load.feed(sticky, partitions, 0, 1002);
  const counts = choices(sticky, partitions, 8000);
  const expected = [4000, 1000, 3000];
  counts.forEach((c, p) => assert.ok(Math.abs(c - expected[p]!) < 400, `partition ${p}: ${c} of 8000, expected about ${expected[p]} (${counts.join(' ')})`));
});

test('with partitioner.availability.timeout.ms, a partition whose batches have not completed for longer is left out', () => {
  const partitions = view(3);
  const load = new PartitionLoad(3);
  for (let p = 0; p < 3; p++) load.opened(p, 1000);
  load.released(0, 5000);
  load.released(2, 5000);
  // Partition 1 has had a batch in use since 1000 and nothing completed: at 5000 that is 4 s.
  const sticky = new BuiltInPartitioner('t', 100);
  load.feed(sticky, partitions, 3000, 5000);
  assert.equal(choices(sticky, partitions, 2000)[1], 0, 'partition 1 is never chosen');
  // Within the timeout it stays in (weighted by its one slab in use).
  load.feed(sticky, partitions, 10_000, 5000);
  assert.ok(choices(sticky, partitions, 2000)[1]! > 0, 'partition 1 is chosen again');
});

test('an idle partition is available whatever its last completion, and partitions added later are counted', () => {
  const load = new PartitionLoad(2);
  load.opened(0, 1000);
  load.opened(1, 1000);
  load.released(0, 1000);
  load.released(1, 1000);
  load.grow(3);
  assert.equal(load.slabsInUse(0), 0);
  const sticky = new BuiltInPartitioner('t', 100);
  // The new partition has had no batch yet: uniform over all three.
  load.feed(sticky, view(3), 100, 60_000);
  const counts = choices(sticky, view(3), 3000);
  for (const c of counts) assert.ok(c > 800, `uniform over the grown topic: ${counts.join(' ')}`);
  load.opened(2, 60_000);
  assert.equal(load.slabsInUse(2), 1);
});
