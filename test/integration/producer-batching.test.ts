/**
 * How records become batches, against the real broker: linger.ms and batch.size each send a
 * batch on their own, flush() sends everything and waits for it, records larger than batch.size
 * go through with default settings up to max.request.size, and larger ones fail at once with a
 * RecordTooLargeError naming the limit. Batches are seen as the broker stored them
 * (DumpLogSegments); records are read back and compared.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RecordTooLargeError, type RecordMetadata } from '@tandem/producer';
import { createTopic, dumpLogSegments, readWithKcat, uniqueTopicName } from '../kafka/index.js';
import { kafka, nextTurn, producer, setUpProducerTests, type Rec } from '../support/producer-fixture.js';
import { assertReadBack, expectedOf, randomBytes, seeded, sendAll, sleep, within, type Delivery } from '../support/producer-readback.js';

setUpProducerTests('producer-batching.test');

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

test('linger.ms: records sent together wait for it, then go as one batch', async () => {
  const topic = uniqueTopicName('batching-linger');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const linger = 400;
  const p = producer({ 'linger.ms': linger });
  await p.partitionsFor(topic); // metadata first: the wait measured below is linger's alone

  const records: Rec[] = [];
  for (let i = 0; i < 20; i++) records.push({ topic, key: `k${i}`, value: `lingering ${i}` });
  const started = performance.now();
  const deliveries = await sendAll(p, records);
  const waited = performance.now() - started;
  // A lower bound only: how much longer it took depends on the machine, not on the producer.
  assert.ok(waited >= linger - 20, `acknowledged after ${waited.toFixed(0)} ms, before linger.ms (${linger}) passed`);

  const batches = await dumpLogSegments(kafka, topic, 0, { printData: false });
  assert.deepEqual(
    batches.map((b) => b.count),
    [20],
    'the 20 records sent within linger.ms are one batch',
  );
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: 20 }), deliveries);
});

test('batch.size: a full batch goes at once without waiting for linger.ms; the rest waits, and flush() sends it', async () => {
  const topic = uniqueTopicName('batching-size');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const batchSize = 1024;
  const p = producer({ 'linger.ms': 60_000, 'batch.size': batchSize });
  await p.partitionsFor(topic);

  const records: Rec[] = [];
  for (let i = 0; i < 45; i++) records.push({ topic, key: `k${i}`, value: `record ${i} `.padEnd(100, '.') });
  const sends = records.map((r) => track(p.send(r)));
  // ~8 records fill a 1 KiB batch: the first ones are acknowledged long before linger.ms (60 s).
  const firstFull = await within(Promise.all(sends.slice(0, 5).map((s) => s.promise)), 20_000, null);
  assert.ok(firstFull !== null, 'records of a full batch were not sent within 20 s (linger.ms is 60 s): batch.size did not trigger');
  await sleep(300);
  assert.equal(sends.at(-1)!.settled, false, 'the last, partly filled batch still lingers');

  const flushStarted = performance.now();
  await p.flush();
  assert.ok(performance.now() - flushStarted < 20_000, 'flush() did not wait for linger.ms');
  assert.ok(sends.every((s) => s.settled), 'every record sent before flush() has completed when it resolves');
  const metadata = await Promise.all(sends.map((s) => s.promise));
  const deliveries: Delivery[] = metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m }));

  const batches = await dumpLogSegments(kafka, topic, 0, { printData: false });
  assert.ok(batches.length >= 5, `${batches.length} batches`);
  for (const b of batches) assert.ok(b.size <= batchSize, `a batch of ${b.size} bytes is larger than batch.size (${batchSize})`);
  // All but the last were sent because they were full: the next record would not have fit.
  for (const b of batches.slice(0, -1)) assert.ok(b.size > batchSize - 120, `batch at ${b.baseOffset} was sent ${b.size} bytes full`);
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries);
});

test('flush() completes every record sent before it (callbacks called), including sends still waiting for metadata', async () => {
  const topic = uniqueTopicName('batching-flush');
  await createTopic(kafka.bootstrap, topic, { partitions: 3 });
  const p = producer({ 'linger.ms': 60_000 });
  // No metadata yet: the first sends wait for it, and flush() must wait for them too.
  const records: Rec[] = [];
  for (let i = 0; i < 600; i++) records.push({ topic, key: i % 4 === 0 ? null : `key-${i % 37}`, value: `flushed ${i}` });
  const results: Array<{ err: Error | null; md: RecordMetadata | null } | undefined> = new Array(records.length);
  records.forEach((r, i) => p.send(r, (err, md) => (results[i] = { err, md })));

  await p.flush();
  const missing = results.findIndex((r) => r === undefined);
  assert.equal(missing, -1, `record ${missing} sent before flush() had no outcome when flush() resolved`);
  const failed = results.find((r) => r!.err !== null);
  assert.equal(failed, undefined, `a record failed: ${failed?.err}`);
  const deliveries: Delivery[] = results.map((r, i) => ({ expected: expectedOf(records[i]!), metadata: r!.md! }));
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries);

  // With nothing buffered, flush() resolves promptly.
  const idle = performance.now();
  await p.flush();
  assert.ok(performance.now() - idle < 5_000, 'an idle flush() returns at once');
});

test('records larger than batch.size, up to max.request.size, go through with default settings, in order with small ones', async () => {
  const topic = uniqueTopicName('batching-large');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const p = producer({});
  const next = seeded(0x1a96e);
  const maxRequestSize = 1_048_576;
  // The largest value whose one-record batch fits max.request.size: 61 bytes of batch header,
  // and for this key and no headers 11 bytes of record framing (Java's upper bound is 82).
  const largest = maxRequestSize - 61 - 11 - 'largest'.length;
  const sizes = [16_385, 16_384 * 3, 100_000, 300_000, largest];
  const records: Rec[] = [];
  for (const [i, size] of sizes.entries()) {
    // Interleaved with small records on the same partition: order must hold across the
    // large-record path and the ordinary one.
    records.push({ topic, partition: 0, value: `small before ${i}` });
    const value = i === 0 ? randomBytes(next, size) : letters(next, size);
    records.push({ topic, partition: 0, key: i === sizes.length - 1 ? 'largest' : `large-${i}`, value, headers: i === 0 ? { big: 'yes' } : undefined });
    records.push({ topic, partition: 0, value: `small after ${i}` });
  }
  const deliveries = await sendAll(p, records);

  // More large records than buffer.memory holds at once: they wait for memory, and go in order.
  const small = producer({ 'buffer.memory': 4 * 1024 * 1024 });
  const waiting: Rec[] = [];
  for (let i = 0; i < 12; i++) waiting.push({ topic, partition: 1, key: `many-${i}`, value: letters(next, 900_000) });
  deliveries.push(...(await sendAll(small, waiting)));

  const read = await readWithKcat(kafka.bootstrap, topic, { count: records.length + waiting.length, timeoutMs: 60_000 });
  assertReadBack(read, deliveries);
});

/** `n` random capital letters: large values that stay small in kcat's JSON output. */
function letters(next: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 65 + (next() % 26);
  return b;
}

test('a record over max.request.size fails at once with RecordTooLargeError naming the limit, and only that send', async () => {
  const topic = uniqueTopicName('batching-too-large');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const p = producer({ 'linger.ms': 0 });
  await p.partitionsFor(topic);

  const tooLarge = track(p.send({ topic, value: Buffer.alloc(1_048_577) }));
  await nextTurn();
  assert.ok(tooLarge.settled, 'rejected at once, without a round trip to the broker');
  await assert.rejects(tooLarge.promise, (err: unknown) => {
    assert.ok(err instanceof RecordTooLargeError, `a RecordTooLargeError, got ${String(err)}`);
    assert.equal(err.setting, 'max.request.size');
    assert.equal(err.limit, 1_048_576);
    assert.equal(err.code, 'ERR_TANDEM_RECORD_TOO_LARGE');
    assert.match(err.message, /max\.request\.size/);
    assert.match(err.message, new RegExp(topic));
    return true;
  });

  // The callback form too: the callback gets the error, and nothing else is affected.
  const viaCallback = await new Promise<Error | null>((resolve) => p.send({ topic, value: Buffer.alloc(2_000_000) }, (err) => resolve(err)));
  assert.ok(viaCallback instanceof RecordTooLargeError);

  const ok = await p.send({ topic, value: 'still fine' });
  assert.equal(ok.offset, 0, 'the next record is the first one written');
});

test('a record whose one-record batch exceeds max.request.size fails at once, as in Java (the 61-byte batch header counts)', async () => {
  const topic = uniqueTopicName('batching-boundary');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const maxRequestSize = 100_000;
  const p = producer({ 'max.request.size': maxRequestSize, 'linger.ms': 0 });
  await p.partitionsFor(topic);
  // The record alone (about 99,988 bytes) is under the limit; with the batch header it is over.
  // Java's KafkaProducer#ensureValidRecordSize checks the batch's size
  // (AbstractRecords.estimateSizeInBytesUpperBound), so it never puts a request over
  // max.request.size on the wire.
  const send = track(p.send({ topic, value: Buffer.alloc(maxRequestSize - 20) }));
  await nextTurn();
  assert.ok(send.settled, 'rejected at once');
  await assert.rejects(send.promise, (err: unknown) => {
    assert.ok(err instanceof RecordTooLargeError, `a RecordTooLargeError, got ${String(err)}`);
    assert.equal(err.setting, 'max.request.size');
    return true;
  });
});

test('a record larger than buffer.memory fails at once naming buffer.memory', async () => {
  const topic = uniqueTopicName('batching-over-memory');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const p = producer({ 'buffer.memory': 65_536 });
  await p.partitionsFor(topic);
  await assert.rejects(p.send({ topic, value: Buffer.alloc(70_000) }), (err: unknown) => {
    assert.ok(err instanceof RecordTooLargeError, `a RecordTooLargeError, got ${String(err)}`);
    assert.equal(err.setting, 'buffer.memory');
    assert.equal(err.limit, 65_536);
    return true;
  });
  // A large record that fits buffer.memory still goes.
  const md = await p.send({ topic, value: Buffer.alloc(40_000, 1) });
  assert.equal(md.offset, 0);
});

test('buffer.memory exhausted by lingering batches: they are sent at once (Java\'s exhausted BufferPool), so the waiting send gets memory', async () => {
  const topic = uniqueTopicName('batching-exhausted');
  await createTopic(kafka.bootstrap, topic, { partitions: 5 });
  // Four 16 KiB slabs; a fifth partition needs a fifth batch. linger.ms is far longer than
  // max.block.ms: waiting for linger would fail the fifth send.
  const p = producer({ 'buffer.memory': 65_536, 'linger.ms': 60_000, 'max.block.ms': 10_000 });
  await p.partitionsFor(topic);
  const records: Rec[] = [0, 1, 2, 3, 4].map((i) => ({ topic, partition: i, value: `partition ${i}` }));
  const sends = records.map((r) => track(p.send(r)));
  const firstFour = await within(Promise.all(sends.slice(0, 4).map((s) => s.promise)), 20_000, null);
  assert.ok(firstFour !== null, 'the four lingering batches were not sent although a send was waiting for memory');
  assert.equal(sends[4]!.settled, false, 'the fifth record is now in a batch of its own, lingering');
  await p.flush();
  const metadata = await Promise.all(sends.map((s) => s.promise));
  assertReadBack(
    await readWithKcat(kafka.bootstrap, topic, { count: records.length }),
    metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m })),
  );
});

test('batch.size = 0 disables batching: each record is a batch of its own, as in Java', async () => {
  const topic = uniqueTopicName('batching-zero');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const p = producer({ 'batch.size': 0, 'linger.ms': 50 });
  await p.partitionsFor(topic);
  const records: Rec[] = [];
  for (let i = 0; i < 10; i++) records.push({ topic, value: `alone ${i}` });
  const deliveries = await sendAll(p, records);
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries);
  const batches = await dumpLogSegments(kafka, topic, 0, { printData: false });
  assert.deepEqual(
    batches.map((b) => b.count),
    records.map(() => 1),
  );
});
