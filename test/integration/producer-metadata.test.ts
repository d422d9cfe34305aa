/**
 * What the producer knows of the cluster, against the real broker: partitionsFor() reports every
 * partition and its leader, and partitions added while the producer runs are used once
 * metadata.max.age.ms brings them in (keyed records by murmur2 over the new count, unkeyed ones
 * by the sticky partitioner), with no record lost or reordered across the change: everything
 * sent is read back and compared.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { partitionForKey, type RecordMetadata } from '@tandem/producer';
import { createTopic, readWithKcat, runJava, uniqueTopicName } from '../kafka/index.js';
import { kafka, producer, setUpProducerTests, type Rec } from '../support/producer-fixture.js';
import { assertReadBack, expectedOf, sleep, type Delivery } from '../support/producer-readback.js';

setUpProducerTests('producer-metadata.test');

/** Raises a topic's partition count with the Java AdminClient (test/kafka/java/TopicAdmin.java). */
async function addPartitions(topic: string, count: number): Promise<void> {
  await runJava('TopicAdmin', ['add-partitions', '--bootstrap', kafka.bootstrap, '--topic', topic, '--partitions', String(count), '--timeout-ms', '30000'], {
    version: kafka.version,
    timeoutMs: 60_000,
  });
}

test('partitionsFor() lists every partition of a topic with its leader', async () => {
  const topic = uniqueTopicName('metadata-partitions');
  await createTopic(kafka.bootstrap, topic, { partitions: 4 });
  const p = producer({});
  const partitions = await p.partitionsFor(topic);
  assert.deepEqual(
    partitions.map((x) => x.partition),
    [0, 1, 2, 3],
  );
  for (const x of partitions) {
    assert.equal(x.topic, topic);
    assert.ok(x.leader >= 0, `partition ${x.partition} has a leader (${x.leader})`);
    assert.ok(x.leaderEpoch >= 0, `partition ${x.partition} has a leader epoch (${x.leaderEpoch})`);
  }
  // A send right after uses what partitionsFor() learned.
  const md = await p.send({ topic, partition: 3, value: 'to the last partition' });
  assert.equal(md.partition, 3);
});

test('partitions added while producing are used after the next metadata refresh; no record is lost or reordered', async () => {
  const topic = uniqueTopicName('metadata-grow');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const p = producer({ 'metadata.max.age.ms': 500, 'linger.ms': 5 });
  await p.partitionsFor(topic);

  const records: Rec[] = [];
  const sends: Array<Promise<RecordMetadata>> = [];
  let stop = false;
  let onNew = 0;
  // A steady stream of keyed and unkeyed records, while partitions are added under it.
  const producing = (async () => {
    for (let tick = 0; !stop; tick++) {
      for (let i = 0; i < 10; i++) {
        const n = records.length;
        const r: Rec =
          i % 2 === 0
            ? { topic, key: `key-${n % 97}`, value: `keyed ${n}` }
            : { topic, value: `unkeyed ${n} `.padEnd(600, '.') }; // large: the sticky partition moves on often
        records.push(r);
        const s = p.send(r);
        s.then((md) => (onNew += md.partition >= 2 ? 1 : 0), () => {});
        sends.push(s);
      }
      await sleep(20);
    }
  })();

  await sleep(500);
  await addPartitions(topic, 4);
  const deadline = performance.now() + 30_000;
  while (onNew < 100 && performance.now() < deadline) await sleep(50);
  stop = true;
  await producing;
  const metadata = await Promise.all(sends);
  assert.ok(onNew >= 100, `only ${onNew} record(s) reached the new partitions within 30 s of adding them (metadata.max.age.ms 500)`);

  // Keyed records follow murmur2 over the partition count the producer knew when it sent them:
  // 2 before the change, 4 from the first record placed on a new partition on.
  const first = metadata.findIndex((m) => m.partition >= 2);
  for (const [i, r] of records.entries()) {
    if (r.key === undefined || r.key === null) continue;
    const key = Buffer.from(r.key as string);
    const now = partitionForKey(key, 4);
    if (i > first) assert.equal(metadata[i]!.partition, now, `record ${i} (key ${r.key}) after the change`);
    else assert.ok([partitionForKey(key, 2), now].includes(metadata[i]!.partition), `record ${i} (key ${r.key}) before the change`);
  }
  const unkeyedOnNew = records.filter((r, i) => r.key === undefined && metadata[i]!.partition >= 2).length;
  assert.ok(unkeyedOnNew > 0, 'the sticky partitioner also moved unkeyed records to the new partitions');

  const deliveries: Delivery[] = metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m }));
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length, timeoutMs: 60_000 }), deliveries);
});
