/**
 * What KafkaProducer writes is what a consumer reads: every acks level, keyed, unkeyed and
 * explicitly partitioned records, keys and values of every shape, headers in both forms,
 * timestamps (given, defaulted, LogAppendTime) and every codec, each read back from the real
 * broker with kcat (librdkafka) or the Java consumer and compared byte for byte, with the
 * partition and offset RecordMetadata reported and the order of the sends within a partition.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { partitionForKey, type RecordMetadata } from '@tandem/producer';
import {
  createTopic,
  dumpLogSegments,
  produceWithKcat,
  readWithJava,
  readWithKcat,
  setProducerQuota,
  uniqueTopicName,
} from '../kafka/index.js';
import { kafka, producer, proxy, setUpProducerTests, type Rec } from '../support/producer-fixture.js';
import { assertReadBack, expectedOf, randomBytes, seeded, sendAll, sleep, type Delivery } from '../support/producer-readback.js';

setUpProducerTests('producer-delivery.test');

/** Keys that stress the partitioner and the encoder: empty, non-ASCII, binary, long. */
function mixedKeys(next: () => number, n: number): Array<string | Buffer> {
  const keys: Array<string | Buffer> = ['', 'a', 'customer-42', 'clé-é', '日本語のキー', '🎉🚀', Buffer.alloc(0), Buffer.from([0, 0xff, 0x80])];
  while (keys.length < n) {
    const kind = next() % 3;
    if (kind === 0) keys.push(`key-${next() % 100000}`);
    else if (kind === 1) keys.push(randomBytes(next, 1 + (next() % 40)));
    else keys.push(`ключ-${next() % 1000}-€`);
  }
  return keys;
}

for (const acks of ['all', '1', '0'] as const) {
  test(`acks=${acks}: keyed, unkeyed and explicitly partitioned records read back as sent`, async () => {
    const topic = uniqueTopicName(`delivery-acks${acks}`);
    await createTopic(kafka.bootstrap, topic, { partitions: 3 });
    const p = producer({ acks, 'linger.ms': 20 });
    const next = seeded(0xacc5 + acks.length);
    const keys = mixedKeys(next, 150);
    const records: Rec[] = [];
    for (let i = 0; i < 150; i++) records.push({ topic, key: keys[i]!, value: `keyed-${i}` });
    for (let i = 0; i < 150; i++) records.push({ topic, value: randomBytes(next, next() % 300) });
    for (let i = 0; i < 150; i++) records.push({ topic, partition: i % 3, key: i % 2 === 0 ? `explicit-${i}` : null, value: `explicit-${i}` });
    // Interleave the three kinds, so that each partition's batches mix them.
    const order = records.map((_, i) => i).sort((a, b) => (a % 150) - (b % 150) || a - b);
    const sent = order.map((i) => records[i]!);

    const deliveries = await sendAll(p, sent);

    for (const [i, d] of deliveries.entries()) {
      const r = sent[i]!;
      if (r.partition !== undefined) assert.equal(d.metadata.partition, r.partition, 'an explicit partition wins, even over a key');
      else if (r.key !== undefined && r.key !== null) {
        const key = typeof r.key === 'string' ? Buffer.from(r.key) : r.key;
        assert.equal(d.metadata.partition, partitionForKey(key, 3), `key ${Buffer.from(key).toString('hex')} goes where murmur2 puts it`);
      }
      if (acks === '0') assert.equal(d.metadata.offset, -1, 'acks=0 has no offsets');
      else assert.ok(d.metadata.offset >= 0);
    }
    const read = await readWithKcat(kafka.bootstrap, topic, { count: sent.length });
    assertReadBack(read, deliveries, { noOffsets: acks === '0' });
  });
}

test('a stream of keyed and unkeyed records over time: every keyed record lands in its murmur2 partition', async () => {
  // Batches complete while later records are still being sent, so slabs are freed and reused
  // by other partitions mid-stream: a keyed record must still go to its own partition.
  const topic = uniqueTopicName('delivery-stream');
  await createTopic(kafka.bootstrap, topic, { partitions: 3 });
  const p = producer({ 'linger.ms': 2 });
  await p.partitionsFor(topic);
  const records: Rec[] = [];
  const pending: Array<Promise<RecordMetadata>> = [];
  for (let tick = 0; tick < 40; tick++) {
    for (let i = 0; i < 40; i++) {
      const n = records.length;
      const r: Rec = i % 2 === 0 ? { topic, key: `key-${n % 101}`, value: `keyed ${n}` } : { topic, value: `unkeyed ${n} `.padEnd(600, '.') };
      records.push(r);
      pending.push(p.send(r));
    }
    await sleep(5);
  }
  const metadata = await Promise.all(pending);
  const read = await readWithKcat(kafka.bootstrap, topic, { count: records.length });
  const misplaced = read.filter((r) => r.key !== null && r.partition !== partitionForKey(r.key, 3));
  assert.equal(
    misplaced.length,
    0,
    `${misplaced.length} keyed record(s) on the wrong partition, e.g. key ${misplaced[0]?.key} on ${misplaced[0]?.partition} (murmur2 says ${misplaced[0] ? partitionForKey(misplaced[0].key!, 3) : ''})`,
  );
  assertReadBack(read, metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m })));
});

test('partitioners: round-robin, a user function, and librdkafka\'s consistent_random placing keys where kcat does', async () => {
  const topic = uniqueTopicName('delivery-partitioners');
  const viaKcat = uniqueTopicName('delivery-partitioners-kcat');
  await Promise.all([createTopic(kafka.bootstrap, topic, { partitions: 3 }), createTopic(kafka.bootstrap, viaKcat, { partitions: 7 })]);

  // Round-robin: every record, keyed or not, to the next partition (Java's RoundRobinPartitioner).
  const rr = producer({ 'partitioner.class': 'round-robin', 'linger.ms': 5 });
  const rrRecords: Rec[] = [];
  for (let i = 0; i < 90; i++) rrRecords.push({ topic, key: i % 2 === 0 ? `k${i % 5}` : null, value: `rr ${i}` });
  const rrDeliveries = await sendAll(rr, rrRecords);
  assert.deepEqual(
    rrDeliveries.map((d) => d.metadata.partition),
    rrRecords.map((_, i) => i % 3),
    'round-robin cycles through the partitions',
  );

  // A user's partition function; an explicit partition still wins over it.
  const custom = producer({
    'partitioner.class': (_topic: string, key: Uint8Array | null) => (key === null ? -1 : key.length % 3),
    'linger.ms': 5,
  });
  const customRecords: Rec[] = [];
  for (let i = 0; i < 60; i++) customRecords.push({ topic, key: i % 3 === 0 ? null : 'x'.repeat(i % 7), value: `custom ${i}` });
  customRecords.push({ topic, key: 'xx', partition: 0, value: 'explicit' });
  const customDeliveries = await sendAll(custom, customRecords);
  for (const [i, d] of customDeliveries.entries()) {
    const r = customRecords[i]!;
    if (r.partition !== undefined) assert.equal(d.metadata.partition, r.partition);
    else if (r.key !== null) assert.equal(d.metadata.partition, (r.key as string).length % 3, `custom partition of record ${i}`);
  }
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: rrRecords.length + customRecords.length }), [...rrDeliveries, ...customDeliveries]);

  // consistent_random is kcat's (librdkafka's) default: the same keys, sent by kcat and by
  // Tandem to two 7-partition topics, must land on the same partitions.
  // (Not the empty key: consistent_random sends it to the sticky partitioner, on both sides.)
  const keys: string[] = [];
  for (let i = 0; i < 200; i++) keys.push(`user-${(i * 7919) % 100000}`, `ключ-${i}`);
  await produceWithKcat(kafka.bootstrap, viaKcat, keys.map((k) => ({ key: k, value: `kcat ${k}` })));
  const kcatPartition = new Map((await readWithKcat(kafka.bootstrap, viaKcat, { count: keys.length })).map((r) => [r.key!.toString(), r.partition]));
  const librd = producer({ 'partitioner.class': 'consistent_random', 'linger.ms': 5 });
  const ours = await sendAll(librd, keys.map((k) => ({ topic: viaKcat, key: k, value: `tandem ${k}` })));
  const differ = keys.filter((k, i) => ours[i]!.metadata.partition !== kcatPartition.get(k));
  assert.deepEqual(differ, [], 'keys Tandem and librdkafka put on different partitions');
});

test('interceptors: onSend may change the record, one that throws is skipped with a warning, onAcknowledgement sees every outcome', async () => {
  const topic = uniqueTopicName('delivery-interceptors');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const acknowledged: Array<{ metadata: RecordMetadata | null; error: Error | null }> = [];
  let closed = 0;
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const p = producer({
      'linger.ms': 5,
      interceptors: [
        {
          onSend: (r: Rec): Rec => ({ ...r, value: String(r.value).toUpperCase(), headers: [...((r.headers as Array<[string, string]>) ?? []), ['traced', 'yes']] }),
          onAcknowledgement: (metadata: RecordMetadata | null, error: Error | null) => void acknowledged.push({ metadata, error }),
          close: () => void closed++,
        },
        {
          onSend: (r: Rec): Rec => {
            if (String(r.value).includes('BOOM')) throw new Error('interceptor failure');
            return r;
          },
        },
      ],
    });
    const records: Rec[] = [];
    for (let i = 0; i < 40; i++) records.push({ topic, key: `k${i}`, value: i === 7 ? `boom ${i}` : `value ${i}`, headers: [['i', String(i)]] });
    const deliveries = await sendAll(p, records);
    // A record that fails (no such partition) is acknowledged with its error too.
    await assert.rejects(p.send({ topic, partition: 5, value: 'nowhere' }));
    await p.close();

    const sentAs = records.map((r) => ({ ...r, value: String(r.value).toUpperCase(), headers: [...(r.headers as Array<[string, string]>), ['traced', 'yes']] as Array<[string, string]> }));
    assertReadBack(
      await readWithKcat(kafka.bootstrap, topic, { count: records.length }),
      deliveries.map((d, i) => ({ expected: expectedOf(sentAs[i]!), metadata: d.metadata })),
    );
    assert.equal(acknowledged.length, records.length + 1, 'onAcknowledgement once per send');
    assert.equal(acknowledged.filter((a) => a.error === null && a.metadata !== null).length, records.length);
    assert.ok(acknowledged.some((a) => a.error !== null), 'the failed send was acknowledged with its error');
    assert.equal(closed, 1, 'interceptors are closed with the producer');
    await sleep(10);
    assert.ok(warnings.some((w) => w.includes('interceptor failure')), `a warning names the failure: ${JSON.stringify(warnings)}`);
  } finally {
    process.off('warning', onWarning);
  }
});

test('keys and values of every shape: null, empty, multi-byte UTF-8, binary, long strings near a batch boundary', async () => {
  const topic = uniqueTopicName('delivery-shapes');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  // A small batch.size puts many records at the end of a slab, where a string value is measured
  // exactly rather than written optimistically.
  const p = producer({ 'batch.size': 2048, 'linger.ms': 50 });
  const next = seeded(0x5a9e5);
  const records: Rec[] = [
    { topic, key: null, value: null },
    { topic, key: 'tombstone', value: null },
    { topic, key: '', value: '' },
    { topic, key: Buffer.alloc(0), value: Buffer.alloc(0) },
    { topic, value: 'plain ASCII' },
    { topic, value: 'é' },
    { topic, value: 'naïve café – “quotes” – 日本語 – 🎉' },
    { topic, value: '\u0000nul inside\u0000' },
    { topic, value: Buffer.from([0, 1, 2, 0xfe, 0xff]) },
    { topic, value: new Uint8Array([9, 8, 7]) },
    { topic, value: new Uint8Array(Buffer.from('a view into a larger buffer').buffer, 2, 5) },
    { topic, key: 'k'.repeat(1000), value: 'v'.repeat(1500) },
  ];
  const alphabet = ['a', 'é', '日', '🎉', ' ', 'ß', '\n'];
  for (let i = 0; i < 400; i++) {
    let s = '';
    const len = next() % 600;
    const ascii = next() % 2 === 0;
    for (let j = 0; j < len; j++) s += ascii ? String.fromCharCode(32 + (next() % 95)) : alphabet[next() % alphabet.length];
    records.push({ topic, key: i % 5 === 0 ? null : `k${i}`, value: s });
  }
  const deliveries = await sendAll(p, records);
  const read = await readWithJava(kafka.bootstrap, topic, { count: records.length, version: kafka.version });
  assertReadBack(read, deliveries);
});

test('headers, as an object or as a list of pairs (repeated keys, null and binary values, UTF-8 keys), read back by the Java consumer', async () => {
  const topic = uniqueTopicName('delivery-headers');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const p = producer({ 'linger.ms': 20 });
  const many: Array<[string, string]> = [];
  for (let i = 0; i < 100; i++) many.push([`h${i}`, `value ${i}`]);
  const records: Rec[] = [
    { topic, partition: 0, value: 'object', headers: { source: 'checkout', empty: '', nothing: null, bytes: Buffer.from([0, 0xff]) } },
    {
      topic,
      partition: 0,
      value: 'pairs',
      headers: [
        ['dup', 'first'],
        ['dup', 'second'],
        ['dup', null],
        ['clé', 'välue – 日本'],
        ['', 'empty key'],
        ['bin', new Uint8Array([1, 2, 3])],
      ],
    },
    { topic, partition: 1, value: 'no headers' },
    { topic, partition: 1, value: 'empty object', headers: {} },
    { topic, partition: 1, value: 'empty list', headers: [] },
    { topic, partition: 1, value: 'a hundred', headers: many },
    { topic, partition: 0, key: 'k', value: null, headers: { 'tombstone-reason': 'deleted' } },
  ];
  for (let i = 0; i < 200; i++) {
    records.push({ topic, key: `k${i}`, value: `v${i}`, headers: i % 2 === 0 ? { seq: String(i), trace: `t-${i}` } : [['seq', String(i)], ['seq', null]] });
  }
  const deliveries = await sendAll(p, records);
  const read = await readWithJava(kafka.bootstrap, topic, { count: records.length, version: kafka.version });
  assertReadBack(read, deliveries);
});

test('timestamps: given (past, zero, out of order, near the future limit) and defaulted to the send time; batch max timestamps are right', async () => {
  const topic = uniqueTopicName('delivery-timestamps');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const p = producer({ 'linger.ms': 50 });
  const now = Date.now();
  const given = [1_000_000_000_000, 0, 1, now - 86_400_000, now + 30 * 60_000, now - 5, now - 10_000, 1_600_000_000_123];
  const records: Rec[] = given.map((timestamp, i) => ({ topic, value: `given-${i}`, timestamp }));
  const before = Date.now();
  for (let i = 0; i < 50; i++) records.push({ topic, value: `defaulted-${i}` });
  const deliveries = await sendAll(p, records);
  const after = Date.now();
  for (const d of deliveries.slice(given.length)) {
    assert.ok(d.metadata.timestamp >= before && d.metadata.timestamp <= after, `a defaulted timestamp is the send time (${d.metadata.timestamp})`);
  }
  const read = await readWithKcat(kafka.bootstrap, topic, { count: records.length });
  assertReadBack(read, deliveries);
  // The broker's own view: each batch's (max) timestamp is the largest of its records', even
  // when records go back in time inside the batch (negative deltas).
  const batches = await dumpLogSegments(kafka, topic, 0);
  for (const b of batches) {
    assert.ok(b.isValid, `batch at ${b.baseOffset} has a valid CRC`);
    const inBatch = read.filter((r) => r.offset >= b.baseOffset && r.offset <= b.lastOffset).map((r) => r.timestamp);
    assert.equal(b.timestamp, Math.max(...inBatch), `batch at ${b.baseOffset}: max timestamp`);
  }
});

test('a LogAppendTime topic: RecordMetadata carries the broker-assigned time, as the readers see it', async () => {
  const topic = uniqueTopicName('delivery-logappend');
  await createTopic(kafka.bootstrap, topic, { partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } });
  const p = producer({ 'linger.ms': 10 });
  const records: Rec[] = [];
  for (let i = 0; i < 100; i++) records.push({ topic, value: `v${i}`, timestamp: i === 0 ? 1_000_000_000_000 : undefined });
  const beforeSend = Date.now();
  const deliveries = await sendAll(p, records);
  for (const d of deliveries) assert.ok(d.metadata.timestamp >= beforeSend - 1000, 'the broker time, not the one given');
  const read = await readWithKcat(kafka.bootstrap, topic, { count: records.length });
  assertReadBack(read, deliveries, { logAppendTime: true });
});

test('every codec (none, gzip, snappy, lz4, zstd): batches on disk carry the codec and a valid CRC; records read back as sent', async () => {
  const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
  const topic = uniqueTopicName('delivery-codecs');
  // One partition per codec: one topic to create, and each partition's segments hold one codec.
  await createTopic(kafka.bootstrap, topic, { partitions: codecs.length });
  const next = seeded(0xc0dec);
  const all: Delivery[] = [];
  await Promise.all(
    codecs.map(async (codec, partition) => {
      const p = producer({ 'compression.type': codec, 'linger.ms': 20 });
      const records: Rec[] = [];
      for (let i = 0; i < 600; i++) {
        // Compressible text, random bytes, headers, nulls, and now and then a record larger
        // than batch.size (a batch of its own, compressed too).
        const value =
          i % 100 === 99
            ? `large-${i}-`.repeat(4000)
            : i % 3 === 0
              ? randomBytes(next, next() % 200)
              : `${codec} record ${i} `.repeat(1 + (next() % 20));
        records.push({
          topic,
          partition,
          key: i % 7 === 0 ? null : `${codec}-${i}`,
          value: i % 50 === 49 ? null : value,
          headers: i % 4 === 0 ? { codec, i: String(i) } : undefined,
        });
      }
      all.push(...(await sendAll(p, records)));
    }),
  );
  const read = await readWithKcat(kafka.bootstrap, topic, { count: all.length });
  assertReadBack(read, all);

  for (const [partition, codec] of codecs.entries()) {
    const batches = await dumpLogSegments(kafka, topic, partition, { printData: false });
    assert.ok(batches.length > 1, `${codec}: several batches`);
    for (const b of batches) {
      assert.equal(b.compressCodec, codec, `${codec}: batch at ${b.baseOffset} is stored with its codec`);
      assert.ok(b.isValid, `${codec}: batch at ${b.baseOffset} has a valid CRC`);
      assert.ok(b.producerId >= 0, `${codec}: idempotent by default (producer id ${b.producerId})`);
    }
    // Idempotence: each batch's sequence starts where the previous one ended.
    for (let i = 1; i < batches.length; i++) {
      assert.equal(batches[i]!.baseSequence, batches[i - 1]!.lastSequence + 1, `${codec}: sequence numbers run on`);
    }
  }
});

// A record sent but never compared would make the tests above vacuous: make sure of the helper.
test('the read-back comparison catches a changed byte, a lost record and a swapped pair', () => {
  const md = (partition: number, offset: number) => ({ topic: 't', partition, offset, timestamp: 5, serializedKeySize: -1, serializedValueSize: 1 });
  const deliveries: Delivery[] = [
    { expected: expectedOf({ topic: 't', value: 'a', timestamp: 5 }), metadata: md(0, 0) },
    { expected: expectedOf({ topic: 't', value: 'b', timestamp: 5 }), metadata: md(0, 1) },
  ];
  const rec = (offset: number, value: string) => ({
    partition: 0,
    offset,
    timestamp: 5,
    timestampType: 'CreateTime' as const,
    key: null,
    value: Buffer.from(value),
    headers: [],
  });
  assertReadBack([rec(0, 'a'), rec(1, 'b')], deliveries);
  assert.throws(() => assertReadBack([rec(0, 'a'), rec(1, 'c')], deliveries));
  assert.throws(() => assertReadBack([rec(0, 'a')], deliveries));
  assert.throws(() => assertReadBack([rec(0, 'b'), rec(1, 'a')], deliveries));
});

test('a broker quota: the producer waits out each throttle time before its next request (KIP-219), and everything is delivered', async () => {
  const topic = uniqueTopicName('delivery-quota');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const clientId = uniqueTopicName('throttled-client');
  await setProducerQuota(kafka.bootstrap, clientId, 32 * 1024);
  const stall = await proxy();
  // One request at a time: each throttled response is followed by the next request, whose
  // timing shows whether the producer waited.
  const p = producer({ 'client.id': clientId, acks: 1, 'linger.ms': 20, 'batch.size': 32 * 1024, 'max.in.flight.requests.per.connection': 1 }, stall.bootstrap);
  // 400 KiB at a 32 KiB/s quota: the broker measures the rate over its ~10 s of quota windows,
  // so it throttles once about 320 KiB went through, then after each request.
  const next = seeded(7);
  const records: Rec[] = [];
  for (let i = 0; i < 400; i++) records.push({ topic, value: randomBytes(next, 1024) });
  const deliveries = await sendAll(p, records);
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries);

  assert.ok(stall.produceThrottles.length > 0, 'the broker throttled the client');
  const metrics = await p.metrics();
  assert.ok(metrics['produce-throttle-time-max']! > 0, `produce-throttle-time-max ${metrics['produce-throttle-time-max']}`);
  // No request left the client inside a throttle window (with one request in flight, none can
  // cross the response; a few ms of slack at the end for the client's timer). Without the wait,
  // the next request reached the proxy about 1 ms after the throttled response.
  for (const { at, throttleTimeMs } of stall.produceThrottles) {
    if (throttleTimeMs < 20) continue;
    const early = stall.produceRequestTimes.filter((t) => t > at && t < at + throttleTimeMs - 5);
    assert.equal(early.length, 0, `a request ${(early[0]! - at).toFixed(0)} ms after a response that said to wait ${throttleTimeMs} ms`);
  }
});
