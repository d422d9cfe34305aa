/**
 * Partitioners: the built-in KIP-794 sticky partitioner, round-robin, the librdkafka key
 * hashes, and the decision order (explicit partition, custom partitioner, key, sticky).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BuiltInPartitioner,
  InvalidPartitionError,
  KeyHashPartitioner,
  RecordPartitioner,
  RoundRobinPartitioner,
  UNKNOWN_PARTITION,
  crc32,
  fnv1a,
  murmur2,
  partitionForKey,
  type Partitioner,
  type TopicPartitions,
} from '@tandem/producer';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A topic of `count` partitions, all available unless `available` says otherwise. */
function topic(count: number, available?: number[]): TopicPartitions {
  return { partitionCount: count, availablePartitions: available ?? Array.from({ length: count }, (_, i) => i) };
}

/** A random source that returns the given values in turn (then repeats them). */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('BuiltInPartitioner (KIP-794 uniform sticky)', () => {
  test('stays on one partition until batch.size bytes went there and its batch is full', () => {
    const view = topic(6);
    const sticky = new BuiltInPartitioner('t', 1000, { random: sequence(2, 4) });
    assert.equal(sticky.partition(view), 2);
    for (let i = 0; i < 9; i++) {
      sticky.afterAppend(100, true, view);
      assert.equal(sticky.partition(view), 2, `after ${(i + 1) * 100} bytes`);
    }
    sticky.afterAppend(100, true, view); // 1000 bytes, batch full: switch
    assert.equal(sticky.partition(view), 4);
  });

  test('does not switch at batch.size while the batch is still open, but does at 2 x batch.size', () => {
    const view = topic(6);
    const sticky = new BuiltInPartitioner('t', 1000, { random: sequence(1, 3) });
    assert.equal(sticky.partition(view), 1);
    for (let bytes = 100; bytes < 2000; bytes += 100) {
      sticky.afterAppend(100, false, view);
      assert.equal(sticky.partition(view), 1, `after ${bytes} bytes with an open batch`);
    }
    sticky.afterAppend(100, false, view); // 2000 bytes: switch whatever the batch
    assert.equal(sticky.partition(view), 3);
  });

  test('completes a deferred switch when a new batch is needed (Java partitionChanged)', () => {
    const view = topic(6);
    const sticky = new BuiltInPartitioner('t', 1000, { random: sequence(0, 5) });
    assert.equal(sticky.partition(view), 0);
    sticky.afterAppend(600, false, view);
    assert.equal(sticky.onNewBatch(view), 0, 'below batch.size: no switch');
    sticky.afterAppend(600, false, view); // 1200 >= 1000, batch open: deferred
    assert.equal(sticky.partition(view), 0);
    assert.equal(sticky.onNewBatch(view), 5, 'the next batch goes elsewhere');
    assert.equal(sticky.partition(view), 5);
    assert.equal(sticky.onNewBatch(view), 5, 'the byte count restarts on the new partition');
  });

  test('counts batch.size 0 as 1 byte (switches at every full batch), as Java', () => {
    const view = topic(3);
    const sticky = new BuiltInPartitioner('t', 0, { random: sequence(0, 1, 2) });
    assert.equal(sticky.stickyBatchSize, 1);
    assert.equal(sticky.partition(view), 0);
    sticky.afterAppend(50, true, view);
    assert.equal(sticky.partition(view), 1);
  });

  test('never picks a partition without a leader while one has a leader', () => {
    const view = topic(8, [1, 6]);
    const sticky = new BuiltInPartitioner('t', 100);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      seen.add(sticky.partition(view));
      sticky.afterAppend(100, true, view);
    }
    assert.deepEqual([...seen].sort(), [1, 6]);
  });

  test('picks among all partitions when none has a leader', () => {
    const view = topic(4, []);
    const sticky = new BuiltInPartitioner('t', 100);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      seen.add(sticky.partition(view));
      sticky.afterAppend(100, true, view);
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
  });

  test('spreads batches uniformly over the available partitions', () => {
    const partitions = 6;
    const switches = 12000;
    const view = topic(partitions);
    const sticky = new BuiltInPartitioner('t', 16384);
    const counts = new Array<number>(partitions).fill(0);
    for (let i = 0; i < switches; i++) {
      counts[sticky.partition(view)]++;
      sticky.afterAppend(16384, true, view);
    }
    const expected = switches / partitions;
    // ±12 % is about 7 standard deviations at this count: fails only if the spread is skewed.
    for (const [p, n] of counts.entries()) {
      assert.ok(Math.abs(n - expected) < expected * 0.12, `partition ${p}: ${n} batches, expected about ${expected}`);
    }
  });

  test('may pick the same partition again (uniform over all, not excluding the last)', () => {
    const view = topic(3);
    const sticky = new BuiltInPartitioner('t', 10, { random: sequence(1, 1) });
    assert.equal(sticky.partition(view), 1);
    sticky.afterAppend(10, true, view);
    assert.equal(sticky.partition(view), 1);
  });

  test('chooses again when the sticky partition is beyond a smaller partition count', () => {
    const sticky = new BuiltInPartitioner('t', 1000, { random: sequence(7, 2) });
    assert.equal(sticky.partition(topic(8)), 7);
    assert.equal(sticky.partition(topic(4)), 2);
  });

  test('adaptive: weights partitions by maxQueue + 1 - queue (Java example 0 3 1 -> 4 5 8)', () => {
    const view = topic(3);
    // Random values 0..7 over the cumulative table 4 5 8: 0-3 -> p0, 4 -> p1, 5-7 -> p2.
    const draws = [0, 1, 2, 3, 4, 5, 6, 7];
    const sticky = new BuiltInPartitioner('t', 10, { random: sequence(0, ...draws) });
    sticky.partition(view);
    sticky.updatePartitionLoadStats(Int32Array.of(0, 3, 1), Int32Array.of(0, 1, 2), 3, 3);
    const picks: number[] = [];
    for (let i = 0; i < draws.length; i++) {
      sticky.afterAppend(10, true, view);
      picks.push(sticky.partition(view));
    }
    assert.deepEqual(picks, [0, 0, 0, 0, 1, 2, 2, 2]);
  });

  test('adaptive: a partition left out of the load stats is never picked', () => {
    const view = topic(4);
    const sticky = new BuiltInPartitioner('t', 10);
    sticky.partition(view);
    // Partition 2 excluded (no leader, or over partitioner.availability.timeout.ms); equal queues.
    sticky.updatePartitionLoadStats(Int32Array.of(1, 1, 1), Int32Array.of(0, 1, 3), 3, 4);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      sticky.afterAppend(10, true, view);
      seen.add(sticky.partition(view));
    }
    assert.deepEqual([...seen].sort(), [0, 1, 3]);
  });

  test('adaptive: equal queues over all partitions mean uniform choice', () => {
    const view = topic(3, [0, 1, 2]);
    const sticky = new BuiltInPartitioner('t', 10, { random: sequence(0, 7) });
    sticky.partition(view);
    sticky.updatePartitionLoadStats(Int32Array.of(2, 2, 2), Int32Array.of(0, 1, 2), 3, 3);
    sticky.afterAppend(10, true, view);
    assert.equal(sticky.partition(view), 7 % 3);
  });

  test('adaptive off: load stats are ignored', () => {
    const view = topic(3);
    const sticky = new BuiltInPartitioner('t', 10, { adaptive: false, random: sequence(0, 6) });
    sticky.partition(view);
    sticky.updatePartitionLoadStats(Int32Array.of(0, 3, 1), Int32Array.of(0, 1, 2), 3, 3);
    sticky.afterAppend(10, true, view);
    assert.equal(sticky.partition(view), 0, 'uniform (6 % 3 = 0), not weighted (6 -> p2)');
  });

  test('adaptive: the caller may reuse its arrays after the call', () => {
    const view = topic(3);
    const sizes = Int32Array.of(0, 3, 1);
    const ids = Int32Array.of(0, 1, 2);
    const sticky = new BuiltInPartitioner('t', 10, { random: sequence(0, 6) });
    sticky.partition(view);
    sticky.updatePartitionLoadStats(sizes, ids, 3, 3);
    sizes.fill(9);
    ids.fill(0);
    sticky.afterAppend(10, true, view);
    assert.equal(sticky.partition(view), 2, 'weighted 6 -> p2 from the stats as given');
  });
});

describe('RoundRobinPartitioner', () => {
  test('cycles through the available partitions, one per record, from 0', () => {
    const rr = new RoundRobinPartitioner();
    const view = topic(3);
    const picks = Array.from({ length: 7 }, () => rr.partition('t', null, view));
    assert.deepEqual(picks, [0, 1, 2, 0, 1, 2, 0]);
  });

  test('skips partitions without a leader, and ignores keys', () => {
    const rr = new RoundRobinPartitioner();
    const view = topic(5, [1, 3]);
    const picks = Array.from({ length: 4 }, (_, i) => rr.partition('t', utf8(`key-${i}`), view));
    assert.deepEqual(picks, [1, 3, 1, 3]);
  });

  test('uses all partitions when none has a leader', () => {
    const rr = new RoundRobinPartitioner();
    const picks = Array.from({ length: 4 }, () => rr.partition('t', null, topic(3, [])));
    assert.deepEqual(picks, [0, 1, 2, 0]);
  });

  test('keeps one counter per topic', () => {
    const rr = new RoundRobinPartitioner();
    const view = topic(4);
    assert.deepEqual([rr.partition('a', null, view), rr.partition('a', null, view), rr.partition('b', null, view)], [0, 1, 0]);
  });
});

describe('librdkafka key hashes', () => {
  test('crc32 is zlib CRC-32', () => {
    assert.equal(crc32(utf8('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  test("fnv1a matches librdkafka's unit-test vectors (Sarama-compatible)", () => {
    const unaligned = 'PreAmbleWillBeRemoved,ThePrePartThatIs';
    const vectors: [string, number][] = [
      ['kafka', 0xd33c4e1],
      ['giberish123456789', 0x77a58295],
      ['1234', 0x23bdd03],
      ['234', 0x2dea3cd2],
      ['34', 0x740fa83e],
      ['4', 0x310ca263],
      [unaligned, 0x65cbd69c],
      [unaligned.slice(1), 0x6e49c79a],
      [unaligned.slice(2), 0x69eed356],
      [unaligned.slice(3), 0x6abcc023],
      ['', 0x7ee3623b],
    ];
    for (const [key, hash] of vectors) assert.equal(fnv1a(utf8(key)), hash, JSON.stringify(key));
  });

  test('consistent hashes an empty key to partition 0; consistent_random sends it to the sticky partitioner', () => {
    const view = topic(5);
    assert.equal(new KeyHashPartitioner('consistent').partition('t', new Uint8Array(0), view), 0);
    assert.equal(new KeyHashPartitioner('consistent_random').partition('t', new Uint8Array(0), view), UNKNOWN_PARTITION);
  });

  test('records without a key go to the sticky partitioner, whatever the hash', () => {
    for (const name of ['murmur2', 'consistent', 'fnv1a_random'] as const) {
      assert.equal(new KeyHashPartitioner(name).partition('t', null, topic(5)), UNKNOWN_PARTITION, name);
    }
  });

  test("murmur2 gives Java's partition; consistent and fnv1a their own hash mod the count", () => {
    const key = utf8('customer-42');
    const view = topic(12);
    assert.equal(new KeyHashPartitioner('murmur2_random').partition('t', key, view), partitionForKey(key, 12));
    assert.equal(new KeyHashPartitioner('consistent_random').partition('t', key, view), crc32(key) % 12);
    assert.equal(new KeyHashPartitioner('fnv1a').partition('t', key, view), fnv1a(key) % 12);
  });
});

describe('RecordPartitioner (decision order)', () => {
  const defaults = { partitioner: null, ignoreKeys: false, batchSize: 16384, adaptive: true };
  const record = { topic: 't' };

  test('1. an explicit partition wins over the partitioner and the key', () => {
    let called = false;
    const custom: Partitioner = { partition: () => ((called = true), 0) };
    const rp = new RecordPartitioner({ ...defaults, partitioner: custom });
    const key = utf8('k');
    assert.equal(rp.choose('t', 2, key, 0, key.length, topic(3), record), 2);
    assert.equal(called, false);
  });

  test('1. an explicit partition outside the topic fails with InvalidPartitionError', () => {
    const rp = new RecordPartitioner(defaults);
    for (const bad of [3, -1, 1.5, Number.NaN]) {
      assert.throws(() => rp.choose('orders', bad, null, 0, 0, topic(3), record), (err: unknown) => {
        assert.ok(err instanceof InvalidPartitionError);
        assert.equal(err.code, 'ERR_TANDEM_INVALID_PARTITION');
        assert.match(err.message, /orders/);
        return true;
      });
    }
  });

  test('2. a custom partitioner decides, seeing the serialized key and the record', () => {
    let seen: { topic: string; key: number[] | null; count: number; record: unknown } | undefined;
    const custom: Partitioner = {
      partition(t, keyBytes, partitions, r) {
        seen = { topic: t, key: keyBytes && [...keyBytes], count: partitions.partitionCount, record: r };
        return 1;
      },
    };
    const rp = new RecordPartitioner({ ...defaults, partitioner: custom });
    const scratch = utf8('..key..');
    assert.equal(rp.choose('t', undefined, scratch, 2, 3, topic(4), record), 1);
    assert.deepEqual(seen, { topic: 't', key: [...utf8('key')], count: 4, record });
  });

  test('2. a custom partitioner may hand a record to the built-in partitioner with -1', () => {
    const rp = new RecordPartitioner({ ...defaults, partitioner: { partition: () => UNKNOWN_PARTITION } });
    assert.equal(rp.choose('t', undefined, null, 0, 0, topic(4), record), UNKNOWN_PARTITION);
  });

  test('2. a custom partitioner returning a non-partition fails with InvalidPartitionError', () => {
    for (const bad of [4, -2, 0.5, Number.NaN]) {
      const rp = new RecordPartitioner({ ...defaults, partitioner: { partition: () => bad } });
      assert.throws(() => rp.choose('t', undefined, null, 0, 0, topic(4), record), InvalidPartitionError, String(bad));
    }
  });

  test('3. a key gives toPositive(murmur2(key)) % partitionCount, over all partitions', () => {
    const rp = new RecordPartitioner(defaults);
    const key = utf8('foobar');
    // Partition 6 of 10 even though only partition 0 has a leader: keys keep their partition.
    assert.equal(rp.choose('t', undefined, key, 0, key.length, topic(10, [0]), record), 6);
  });

  test('3. an empty key is a key (hashed), unlike a null key', () => {
    const rp = new RecordPartitioner(defaults);
    const empty = new Uint8Array(0);
    assert.equal(rp.choose('t', undefined, empty, 0, 0, topic(7), record), (murmur2(empty) & 0x7fffffff) % 7);
    assert.equal(rp.choose('t', undefined, null, 0, 0, topic(7), record), UNKNOWN_PARTITION);
  });

  test('3. partitioner.ignore.keys sends keyed records to the sticky partitioner', () => {
    const rp = new RecordPartitioner({ ...defaults, ignoreKeys: true });
    const key = utf8('foobar');
    assert.equal(rp.choose('t', undefined, key, 0, key.length, topic(10), record), UNKNOWN_PARTITION);
  });

  test('4. records left unknown use one built-in sticky partitioner per topic', () => {
    const rp = new RecordPartitioner({ ...defaults, batchSize: 500 });
    const a = rp.builtIn('a');
    assert.equal(rp.builtIn('a'), a);
    assert.notEqual(rp.builtIn('b'), a);
    assert.equal(a.stickyBatchSize, 500);
  });

  test('a named key-hash partitioner takes the key in place', () => {
    const rp = new RecordPartitioner({ ...defaults, partitioner: new KeyHashPartitioner('consistent') });
    const scratch = utf8('xx123456789yy');
    assert.equal(rp.choose('t', undefined, scratch, 2, 9, topic(1000), record), 0xcbf43926 % 1000);
    assert.equal(rp.choose('t', undefined, null, 0, 0, topic(1000), record), UNKNOWN_PARTITION);
  });

  test('tells a custom partitioner about new batches, and closes it', async () => {
    const events: string[] = [];
    const custom: Partitioner = {
      partition: () => 0,
      onNewBatch: (t, p) => events.push(`new ${t}-${p}`),
      close: () => void events.push('closed'),
    };
    const rp = new RecordPartitioner({ ...defaults, partitioner: custom });
    rp.notifyNewBatch('t', 0);
    await rp.close();
    assert.deepEqual(events, ['new t-0', 'closed']);
  });
});
