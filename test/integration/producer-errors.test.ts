/**
 * How sends fail, against the real broker: buffer.memory exhausted (the record waits without
 * blocking the event loop, then fails with a TimeoutError after max.block.ms), a topic that never
 * appears (TimeoutError after max.block.ms), an invalid topic name (InvalidTopicError at once), a
 * serializer that throws (SerializationError for that send only), delivery.timeout.ms, a record
 * the broker refuses (only its batch fails; the producer goes on), a batch the broker refuses
 * as too large (split and delivered), and ConfigError at construction. Whatever was delivered
 * around the failures is read back and compared.
 */
import { strict as assert } from 'node:assert';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import {
  ConfigError,
  InvalidTopicError,
  KafkaError,
  KafkaProducer,
  SerializationError,
  TimeoutError,
  type RecordMetadata,
} from '@tandem/producer';
import { createTopic, readWithKcat, uniqueTopicName } from '../kafka/index.js';
import { kafka, producer, proxy, setUpProducerTests, watch, type Rec } from '../support/producer-fixture.js';
import { assertReadBack, expectedOf, sendAll, sleep, type Delivery } from '../support/producer-readback.js';

setUpProducerTests('producer-errors.test', { closeTimeoutMs: 2000 });

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

test('buffer.memory exhausted: sends wait without blocking the event loop, then fail with TimeoutError after max.block.ms; the rest is delivered', async () => {
  const topic = uniqueTopicName('errors-buffer-full');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const stall = await proxy();
  const maxBlock = 1000;
  // 4 slabs of 16 KiB: about 60 records of 1000 bytes fill them.
  const p = producer({ 'buffer.memory': 65_536, 'max.block.ms': maxBlock, 'linger.ms': 0 }, stall.bootstrap);
  await p.partitionsFor(topic);
  const warm = await sendAll(p, [{ topic, value: 'warm up' }]); // producer id and connection before the stall
  stall.hold();

  const records: Rec[] = [];
  for (let i = 0; i < 100; i++) records.push({ topic, key: `k${i}`, value: `${i} `.padEnd(1000, '-') });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let slowestSend = 0;
  const outcomes = records.map((r) => {
    const t = performance.now();
    const o = watch(p.send(r));
    slowestSend = Math.max(slowestSend, performance.now() - t);
    return o;
  });
  const started = performance.now();
  await waitFor('the sends that found no memory failing', () => outcomes.some((o) => o.error !== null), maxBlock + 10_000);
  const failedAfter = performance.now() - started;
  delay.disable();

  assert.ok(slowestSend < 50, `send() returned after ${slowestSend.toFixed(1)} ms: it must not wait for memory in place`);
  // The event loop ran freely during the wait (generous bound: CI machines are slow, a blocked
  // loop would show the whole max.block.ms).
  const maxDelayMs = delay.max / 1e6;
  assert.ok(maxDelayMs < maxBlock / 2, `event loop delay reached ${maxDelayMs.toFixed(0)} ms while sends waited for memory`);
  assert.ok(failedAfter >= maxBlock - 100, `failed after ${failedAfter.toFixed(0)} ms, before max.block.ms (${maxBlock})`);

  await sleep(200);
  const appended = outcomes.filter((o) => o.error === null);
  const timedOut = outcomes.filter((o) => o.error !== null);
  // How many fit depends on timing: with linger.ms 0 the Sender drains (and so seals) a slab as
  // soon as it sees it, up to max.in.flight, so a slab may hold a single record. Each of the 4
  // slabs holds at least one, and not everything fits.
  assert.ok(appended.length >= 4 && appended.length < records.length, `${appended.length} records fit in buffer.memory`);
  for (const o of timedOut) {
    assert.ok(o.error instanceof TimeoutError, `a TimeoutError, got ${o.error}`);
    assert.equal(o.error.setting, 'max.block.ms');
    assert.match(o.error.message, /buffer\.memory/);
  }
  // The ones that waited and failed are the last ones: memory is handed out in send order.
  const firstFailed = outcomes.findIndex((o) => o.error !== null);
  assert.ok(outcomes.slice(firstFailed).every((o) => o.error !== null), 'every send after the first that waited also waited');

  stall.release();
  await waitFor('the buffered records being acknowledged', () => appended.every((o) => o.settledAt !== null), 30_000);
  const deliveries: Delivery[] = [...warm];
  outcomes.slice(0, firstFailed).forEach((o, i) => {
    assert.equal(o.error, null, `record ${i}: ${o.error}`);
    deliveries.push({ expected: expectedOf(records[i]!), metadata: o.metadata! });
  });
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: deliveries.length }), deliveries);
});

test('buffer.memory smaller than what is sent: sends wait for memory and all go through, in order', async () => {
  const topic = uniqueTopicName('errors-backpressure');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const p = producer({ 'buffer.memory': 65_536, 'max.block.ms': 30_000 });
  const records: Rec[] = [];
  for (let i = 0; i < 3000; i++) records.push({ topic, key: `k${i % 11}`, value: `backpressure ${i} `.padEnd(200, '+') });
  const deliveries = await sendAll(p, records);
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries);
});

test('a topic that never appears in metadata fails with TimeoutError after max.block.ms; other topics are unaffected', async () => {
  // The broker auto-creates unknown topics, but not one whose name collides with an existing
  // topic's ('.' and '_' are the same in metric names): it stays unknown for good.
  const base = uniqueTopicName('errors-collide');
  await createTopic(kafka.bootstrap, `${base}.x`, { partitions: 1 });
  const unknown = `${base}_x`;
  const maxBlock = 1500;
  const p = producer({ 'max.block.ms': maxBlock });

  const started = performance.now();
  await assert.rejects(p.send({ topic: unknown, value: 'nowhere' }), (err: unknown) => {
    assert.ok(err instanceof TimeoutError, `a TimeoutError, got ${String(err)}`);
    assert.equal(err.setting, 'max.block.ms');
    assert.ok(err.message.includes(unknown), `the message names the topic: ${err.message}`);
    return true;
  });
  const took = performance.now() - started;
  assert.ok(took >= maxBlock - 50 && took < maxBlock + 10_000, `failed after ${took.toFixed(0)} ms (max.block.ms ${maxBlock})`);

  await assert.rejects(p.partitionsFor(unknown), TimeoutError);
  const md = await p.send({ topic: `${base}.x`, value: 'somewhere' });
  assert.equal(md.offset, 0);
});

test('a send to a topic that never appears does not hold back later sends to other topics, which keep their order', async () => {
  // Java blocks only the thread that sent to the missing topic; an async app sends everything
  // from one thread, so the wait must be per topic, not a queue in front of every send.
  const base = uniqueTopicName('errors-hol');
  await createTopic(kafka.bootstrap, `${base}.x`, { partitions: 1 });
  const healthy = uniqueTopicName('errors-hol-ok');
  await createTopic(kafka.bootstrap, healthy, { partitions: 2 });
  const maxBlock = 8000;
  const p = producer({ 'max.block.ms': maxBlock, 'linger.ms': 0 });

  const stuck = p.send({ topic: `${base}_x`, value: 'nowhere' }).then(
    () => null,
    (err: unknown) => err,
  );
  const started = performance.now();
  // The healthy topic is new to the producer too: these wait for its metadata, not the other's.
  const records: Rec[] = [];
  for (let i = 0; i < 200; i++) records.push({ topic: healthy, partition: i % 2, value: `in order ${i}` });
  const deliveries = await sendAll(p, records);
  const took = performance.now() - started;
  assert.ok(took < maxBlock / 2, `the healthy topic's sends took ${took.toFixed(0)} ms: held back by the missing topic (max.block.ms ${maxBlock})`);
  assertReadBack(await readWithKcat(kafka.bootstrap, healthy, { count: records.length }), deliveries);

  const err = await stuck;
  assert.ok(err instanceof TimeoutError, `the missing topic's send fails with a TimeoutError, got ${String(err)}`);
  assert.equal(err.setting, 'max.block.ms');
});

test('an invalid topic name fails with InvalidTopicError, at once rather than after max.block.ms', async () => {
  const p = producer({ 'max.block.ms': 30_000 });
  for (const name of ['bad topic!', 'x'.repeat(250), '', '..', 'slash/topic']) {
    const started = performance.now();
    await assert.rejects(p.send({ topic: name, value: 'v' }), (err: unknown) => {
      assert.ok(err instanceof InvalidTopicError, `'${name.slice(0, 20)}': an InvalidTopicError, got ${String(err)}`);
      assert.equal(err.code, 'ERR_TANDEM_INVALID_TOPIC');
      return true;
    });
    assert.ok(performance.now() - started < 10_000, `'${name.slice(0, 20)}' took ${(performance.now() - started).toFixed(0)} ms`);
  }
  await assert.rejects(p.partitionsFor('bad topic!'), InvalidTopicError);
});

test('a serializer that throws fails that send with SerializationError, and nothing else', async () => {
  const topic = uniqueTopicName('errors-serializer');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  interface Order {
    id: number;
    bad?: 'value' | 'key' | 'type';
  }
  const p = producer<Order, Order>({
    'linger.ms': 10,
    'key.serializer': {
      serialize: (_t: string, o: Order) => {
        if (o.bad === 'key') throw new Error(`cannot serialize key ${o.id}`);
        return Buffer.from(`order-${o.id}`);
      },
    },
    'value.serializer': {
      serialize: (_t: string, o: Order) => {
        if (o.bad === 'value') throw new RangeError(`cannot serialize value ${o.id}`);
        if (o.bad === 'type') return `not bytes ${o.id}` as unknown as Uint8Array;
        return Buffer.from(JSON.stringify(o));
      },
    },
  });
  const bad = (i: number): Order['bad'] => (i % 10 === 3 ? 'value' : i % 10 === 6 ? 'key' : i % 10 === 9 ? 'type' : undefined);
  const orders: Order[] = [];
  for (let i = 0; i < 200; i++) orders.push({ id: i, bad: bad(i) });
  const outcomes = orders.map((o, i) =>
    i % 2 === 0
      ? watch(p.send({ topic, key: o, value: o }))
      : watch(new Promise<RecordMetadata>((resolve, reject) => p.send({ topic, key: o, value: o }, (err, md) => (err ? reject(err) : resolve(md!))))),
  );
  await waitFor('every send completing', () => outcomes.every((o) => o.settledAt !== null), 30_000);

  const deliveries: Delivery[] = [];
  for (const [i, o] of outcomes.entries()) {
    const order = orders[i]!;
    if (order.bad !== undefined) {
      assert.ok(o.error instanceof SerializationError, `order ${i} (${order.bad}): a SerializationError, got ${o.error ?? 'success'}`);
      assert.equal(o.error.code, 'ERR_TANDEM_SERIALIZATION');
      assert.ok(o.error.message.includes(topic), 'names the topic');
      if (order.bad !== 'type') assert.ok(o.error.cause instanceof Error, 'carries the serializer error as its cause');
    } else {
      assert.equal(o.error, null, `order ${i}: ${o.error}`);
      deliveries.push({ expected: expectedOf({ topic, key: `order-${i}`, value: JSON.stringify(order) }), metadata: o.metadata! });
    }
  }
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: deliveries.length }), deliveries);
});

test('records the broker cannot acknowledge in time fail with TimeoutError after delivery.timeout.ms; the producer then goes on', async () => {
  const topic = uniqueTopicName('errors-delivery-timeout');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const stall = await proxy();
  const p = producer({ 'delivery.timeout.ms': 1500, 'request.timeout.ms': 1000, 'linger.ms': 0 }, stall.bootstrap);
  const warm = await sendAll(p, [{ topic, value: 'before' }]);
  stall.hold();
  const started = performance.now();
  const stuck = [0, 1, 2, 3, 4].map((i) => watch(p.send({ topic, value: `expires ${i}` })));
  await waitFor('the stuck records failing', () => stuck.every((o) => o.settledAt !== null), 20_000);
  for (const o of stuck) {
    assert.ok(o.error instanceof TimeoutError, `a TimeoutError, got ${o.error ?? 'success'}`);
    assert.equal(o.error.setting, 'delivery.timeout.ms');
    assert.ok(o.settledAt! - started >= 1400, `expired after ${(o.settledAt! - started).toFixed(0)} ms`);
  }
  // The held requests never reach the broker (the proxy drops them with their connection).
  stall.release();
  const afterwards = await sendAll(p, [0, 1, 2].map((i) => ({ topic, value: `after ${i}` })));
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, {}), [...warm, ...afterwards]);
});

test('connections lost mid-flight, again and again: records are retried and land exactly once, in order', async () => {
  const topic = uniqueTopicName('errors-cut');
  await createTopic(kafka.bootstrap, topic, { partitions: 3 });
  const stall = await proxy();
  const p = producer({ 'linger.ms': 5, 'retry.backoff.ms': 20, 'reconnect.backoff.ms': 20 }, stall.bootstrap);
  await p.partitionsFor(topic);
  const records: Rec[] = [];
  const sends: Array<Promise<RecordMetadata>> = [];
  const sendSome = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const n = records.length;
      const r: Rec = { topic, key: `key-${n % 29}`, value: `cut ${n} `.padEnd(300, '#'), timestamp: 1_700_000_000_000 + n };
      records.push(r);
      sends.push(p.send(r));
    }
  };
  for (let round = 0; round < 8; round++) {
    sendSome(100);
    await sleep(20);
    // Odd rounds: the broker writes the records but the answers are lost with the connection
    // (the retries are duplicates the broker must recognise). Even rounds: the requests are
    // lost before the broker sees them (the retries are the only copies).
    stall.hold(round % 2 === 1 ? 'responses' : 'requests');
    sendSome(100);
    await sleep(100);
    stall.cut();
    stall.release();
    sendSome(50);
    await sleep(50);
  }
  const metadata = await Promise.all(sends);
  const metrics = await p.metrics();
  assert.ok((metrics['record-retry-total'] ?? 0) > 0, 'records were retried after the cuts');
  const deliveries: Delivery[] = metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m }));
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries, { duplicatesAnswered: true });
});

test('a record the broker refuses (INVALID_TIMESTAMP) fails alone; records after it, on the same partition, are delivered', async () => {
  const topic = uniqueTopicName('errors-refused');
  // At most an hour in the future (Kafka 4's default message.timestamp.after.max.ms), made explicit.
  await createTopic(kafka.bootstrap, topic, { partitions: 1, configs: { 'message.timestamp.after.max.ms': 3_600_000 } });
  const p = producer({ 'linger.ms': 0 });
  const before = await sendAll(p, [{ topic, value: 'before' }]);
  await assert.rejects(p.send({ topic, value: 'from the future', timestamp: Date.now() + 10 * 3_600_000 }), (err: unknown) => {
    assert.ok(err instanceof KafkaError, `a KafkaError, got ${String(err)}`);
    assert.equal(err.kafkaErrorName, 'INVALID_TIMESTAMP');
    assert.equal(err.kafkaErrorCode, 32);
    assert.equal(err.retriable, false);
    return true;
  });
  const records: Rec[] = [];
  for (let i = 0; i < 50; i++) records.push({ topic, value: `after ${i}` });
  const afterwards = await sendAll(p, records);
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: 51 }), [...before, ...afterwards]);
});

test('a batch the broker refuses as too large is split (again if need be) and delivered in order; a lone record too large fails alone', async () => {
  const topic = uniqueTopicName('errors-split');
  // Batches of 16 KiB (batch.size) meet a topic that takes at most 3000 bytes: one split halves
  // them to about 8 KiB, still too large, so pieces must be split again, and again.
  await createTopic(kafka.bootstrap, topic, { partitions: 1, configs: { 'max.message.bytes': 3000 } });
  const p = producer({ 'linger.ms': 100 });
  await p.partitionsFor(topic);
  const records: Rec[] = [];
  for (let i = 0; i < 150; i++) records.push({ topic, key: `k${i}`, value: `value ${i} `.padEnd(200, '~'), headers: { i: String(i) } });
  const deliveries = await sendAll(p, records);
  const metrics = await p.metrics();
  assert.ok((metrics['batch-split-total'] ?? 0) >= 2, `batches were split (${metrics['batch-split-total']})`);

  await assert.rejects(p.send({ topic, value: Buffer.alloc(5000) }), (err: unknown) => {
    assert.ok(err instanceof KafkaError && err.code === 'ERR_TANDEM_RECORD_TOO_LARGE', `a RecordTooLargeError, got ${String(err)}`);
    return true;
  });
  const last = await sendAll(p, [{ topic, value: 'after the refused one' }]);
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length + 1 }), [...deliveries, ...last]);
});

test('an invalid configuration is a ConfigError at construction, naming the key', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ 'linger.msec': 5 }, 'linger.msec'],
    [{ 'linger.ms': 'soon' }, 'linger.ms'],
    [{ acks: 2 }, 'acks'],
    [{ 'compression.type': 'brotli' }, 'compression.type'],
    [{ 'linger.ms': 100, 'request.timeout.ms': 30_000, 'delivery.timeout.ms': 30_000 }, 'delivery.timeout.ms'],
    [{ acks: '1', 'enable.idempotence': true }, 'acks'],
    [{ 'max.in.flight.requests.per.connection': 6 }, 'max.in.flight.requests.per.connection'],
    [{ 'buffer.memory': -1 }, 'buffer.memory'],
  ];
  for (const [config, key] of cases) {
    assert.throws(
      () => new KafkaProducer({ 'bootstrap.servers': kafka.bootstrap, ...config } as never),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${JSON.stringify(config)}: a ConfigError, got ${String(err)}`);
        assert.equal(err.key, key, `${JSON.stringify(config)} names '${key}'`);
        assert.ok(err.message.includes(key), `the message names '${key}': ${err.message}`);
        return true;
      },
    );
  }
  assert.throws(() => new KafkaProducer({} as never), ConfigError, 'bootstrap.servers is required');
});
