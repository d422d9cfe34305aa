/**
 * A producer's life, against the real broker: close() sends what is buffered; close with a
 * timeout fails what it could not send and returns near the timeout; a send after close fails
 * at once; a process whose producer is idle exits by itself, and one with a send in progress
 * waits for it; a producer of every codec lets its process exit cleanly; and a Sender worker
 * that dies fails every pending and later send at once instead of leaving them hanging.
 *
 * "Could not send" is made real with a StallProxy between the producer and the broker: held,
 * it keeps the producer's requests from reaching the broker, so records stay in flight.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { ProducerClosedError, type KafkaProducer, type RecordMetadata } from '@tandem/producer';
import { runCommand } from '../kafka/command.js';
import { createTopic, readWithKcat, uniqueTopicName } from '../kafka/index.js';
import { kafka, nextTurn, producer, proxy, setUpProducerTests, watch, type Outcome, type Rec } from '../support/producer-fixture.js';
import { assertReadBack, expectedOf, sendAll, sleep, within, type Delivery } from '../support/producer-readback.js';

setUpProducerTests('producer-lifecycle.test', { closeTimeoutMs: 2000 });

test('close() sends every buffered record (linger.ms notwithstanding) before it resolves', async () => {
  const topic = uniqueTopicName('lifecycle-close');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const p = producer({ 'linger.ms': 60_000 });
  // Metadata first: sends still waiting for it at close() are the child-process test below.
  await p.partitionsFor(topic);
  const records: Rec[] = [];
  for (let i = 0; i < 300; i++) records.push({ topic, key: `k${i % 13}`, value: `closing ${i}` });
  const results: Array<{ err: Error | null; md: RecordMetadata | null } | undefined> = [];
  records.forEach((r, i) => p.send(r, (err, md) => (results[i] = { err, md })));
  const started = performance.now();
  await p.close();
  assert.ok(performance.now() - started < 30_000, 'close() did not wait for linger.ms');
  assert.equal(results.filter((r) => r !== undefined).length, records.length, 'every callback was called before close() resolved');
  const failed = results.find((r) => r!.err !== null);
  assert.equal(failed, undefined, `a record failed: ${failed?.err}`);
  const deliveries: Delivery[] = results.map((r, i) => ({ expected: expectedOf(records[i]!), metadata: r!.md! }));
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), deliveries);
});

test('close({ timeout }) with a healthy broker delivers everything', async () => {
  const topic = uniqueTopicName('lifecycle-close-timeout-ok');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const p = producer({ 'linger.ms': 60_000 });
  await p.partitionsFor(topic);
  const records: Rec[] = [];
  for (let i = 0; i < 100; i++) records.push({ topic, value: `v${i}` });
  const sending = sendAll(p, records);
  await p.close({ timeout: 20_000 });
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: records.length }), await sending);
});

test('close({ timeout }) fails what it could not send with ProducerClosedError, in flight or waiting for metadata, and returns near the timeout', async () => {
  const topic = uniqueTopicName('lifecycle-close-timeout');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const stall = await proxy();
  const p = producer({ 'linger.ms': 5 }, stall.bootstrap);
  const first: Rec[] = [];
  for (let i = 0; i < 5; i++) first.push({ topic, value: `delivered ${i}` });
  const delivered = await sendAll(p, first);

  stall.hold();
  const stuck: Outcome[] = [];
  for (let i = 0; i < 50; i++) stuck.push(watch(p.send({ topic, value: `stuck ${i}` })));
  // And one for a topic whose metadata is still to come (the request is held too).
  const unknown = watch(p.send({ topic: uniqueTopicName('lifecycle-never'), value: 'waits for metadata' }));
  await sleep(300);
  assert.ok(stuck.every((o) => o.settledAt === null) && unknown.settledAt === null, 'nothing completes while the broker is unreachable');

  const timeout = 1000;
  const started = performance.now();
  await p.close({ timeout });
  const took = performance.now() - started;
  assert.ok(took >= timeout - 50, `close() returned after ${took.toFixed(0)} ms, before its timeout`);
  assert.ok(took < timeout + 10_000, `close() took ${took.toFixed(0)} ms for a ${timeout} ms timeout`);
  await nextTurn();
  for (const [i, o] of [...stuck, unknown].entries()) {
    assert.ok(o.settledAt !== null, `send ${i} was still pending after close() resolved`);
    assert.ok(o.error instanceof ProducerClosedError, `send ${i}: a ProducerClosedError, got ${o.error ?? 'success'}`);
    assert.equal(o.error.code, 'ERR_TANDEM_PRODUCER_CLOSED');
    assert.match(o.error.message, /clos/i);
  }
  // What was held never reached the broker: exactly the first five records are there.
  await stall.close();
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, {}), delivered);
});

test('a send after close() fails at once with ProducerClosedError; flush() and close() again resolve', async () => {
  const topic = uniqueTopicName('lifecycle-after-close');
  const p = producer({});
  await p.close();
  const viaPromise = watch(p.send({ topic, value: 'too late' }));
  await nextTurn();
  assert.ok(viaPromise.settledAt !== null, 'rejected at once');
  assert.ok(viaPromise.error instanceof ProducerClosedError, `got ${viaPromise.error}`);

  let viaCallback: Error | null | undefined;
  p.send({ topic, value: 'too late' }, (err) => (viaCallback = err));
  await nextTurn();
  assert.ok(viaCallback instanceof ProducerClosedError, `the callback got ${viaCallback}`);

  await p.flush();
  await p.close();
  await p.close({ timeout: 0 });
  await assert.rejects(p.partitionsFor(topic), ProducerClosedError);
});

/** The @tandem/producer entry a child process imports (it runs outside the test's module graph). */
const producerEntry = import.meta.resolve('@tandem/producer');

/**
 * Runs an ES module in a child node, from a file or (`eval`) as `node --input-type=module -e`;
 * it must exit by itself within `timeoutMs`.
 */
async function child(code: string, timeoutMs = 30_000, how: 'file' | 'eval' = 'file') {
  const source = `import { KafkaProducer } from ${JSON.stringify(producerEntry)};\nconst bootstrap = ${JSON.stringify(kafka.bootstrap)};\n${code}`;
  if (how === 'eval') {
    const result = await runCommand(process.execPath, ['--input-type=module', '-e', source], { timeoutMs });
    return { ...result, out: result.stdout.toString(), err: result.stderr.toString() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'tandem-child-'));
  const file = join(dir, 'child.mjs');
  await writeFile(file, source);
  try {
    const result = await runCommand(process.execPath, [file], { timeoutMs });
    return { ...result, out: result.stdout.toString(), err: result.stderr.toString() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('an idle producer does not keep the process alive: send, await, and the process exits by itself', async () => {
  const topic = uniqueTopicName('lifecycle-idle');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const r = await child(`
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap });
    const md = await producer.send({ topic: ${JSON.stringify(topic)}, key: 'k', value: 'from a child' });
    console.log(JSON.stringify(md));
    // No close(): an idle producer must not hold the event loop open.
  `);
  assert.equal(r.timedOut, false, `the process did not exit by itself within 30 s (stdout: ${r.out.trim()})`);
  assert.equal(r.code, 0, `exit ${r.code ?? r.signal}: ${r.err}`);
  const md = JSON.parse(r.out.trim()) as RecordMetadata;
  assertReadBack(await readWithKcat(kafka.bootstrap, topic, { count: 1 }), [
    { expected: expectedOf({ topic, key: 'k', value: 'from a child' }), metadata: md },
  ]);
});

test('a producer works in a script run as node --input-type=module -e (the worker does not inherit those flags)', async () => {
  const topic = uniqueTopicName('lifecycle-eval');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const r = await child(
    `
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap });
    const md = await producer.send({ topic: ${JSON.stringify(topic)}, value: 'from -e' });
    await producer.close();
    console.log(md.offset);
  `,
    30_000,
    'eval',
  );
  assert.equal(r.timedOut, false, 'the process did not exit by itself');
  assert.equal(r.code, 0, `exit ${r.code ?? r.signal}: ${r.err.split('\n').slice(0, 6).join('\n')}`);
  assert.equal(r.out.trim(), '0');
});

test('close() called while sends still wait for metadata delivers them, and the process then exits by itself', async () => {
  const topic = uniqueTopicName('lifecycle-close-waiting');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const r = await child(`
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap });
    const sends = [0, 1, 2].map((i) => producer.send({ topic: ${JSON.stringify(topic)}, value: 'waiting ' + i }));
    await producer.close(); // no metadata yet: the three sends wait for it
    console.log((await Promise.all(sends)).map((md) => md.offset).join(','));
  `, 20_000);
  assert.equal(r.timedOut, false, `the process did not exit by itself after close() (stdout: ${r.out.trim()})`);
  assert.equal(r.code, 0, `exit ${r.code ?? r.signal}: ${r.err}`);
  assert.equal(r.out.trim(), '0,1,2');
});

test('a producer never used does not keep the process alive either', async () => {
  const r = await child(`
    new KafkaProducer({ 'bootstrap.servers': bootstrap });
    console.log('created');
  `);
  assert.equal(r.timedOut, false, 'the process did not exit by itself');
  assert.equal(r.code, 0, `exit ${r.code ?? r.signal}: ${r.err}`);
});

test('a send in progress keeps the process alive until its callback has run, with nothing awaited', async () => {
  const topic = uniqueTopicName('lifecycle-pending');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const r = await child(`
    const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap, 'linger.ms': 500 });
    for (let i = 0; i < 3; i++) {
      producer.send({ topic: ${JSON.stringify(topic)}, value: 'pending ' + i }, (err, md) => console.log(err ? 'failed ' + err.message : 'acked ' + md.offset));
    }
  `);
  assert.equal(r.timedOut, false, 'the process did not exit by itself');
  assert.equal(r.code, 0, `exit ${r.code ?? r.signal}: ${r.err}`);
  assert.deepEqual(r.out.trim().split('\n'), ['acked 0', 'acked 1', 'acked 2'], 'the process waited for the callbacks');
  const read = await readWithKcat(kafka.bootstrap, topic, { count: 3 });
  assert.deepEqual(read.map((x) => x.value?.toString()), ['pending 0', 'pending 1', 'pending 2']);
});

test('a producer of every codec closes and its process exits cleanly (no crash when the Sender worker exits)', async () => {
  const topic = uniqueTopicName('lifecycle-codec-exit');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const failures: string[] = [];
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const r = await child(`
      const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap, 'compression.type': ${JSON.stringify(codec)} });
      await producer.send({ topic: ${JSON.stringify(topic)}, value: ${JSON.stringify(codec)}.repeat(100) });
      await producer.close();
      console.log('closed');
    `);
    if (r.timedOut || r.code !== 0 || r.out.trim() !== 'closed') {
      failures.push(`${codec}: ${r.timedOut ? 'hung' : `exit ${r.code ?? r.signal}`} (stdout ${JSON.stringify(r.out.trim())})`);
    }
  }
  // snappy: @napi-rs/snappy loaded only in the worker thread crashes the process (SIGSEGV) when
  // that thread exits (Brooooooklyn/snappy#83, rust-lang/rust#91979); the main thread must load
  // it too before the worker does.
  assert.deepEqual(failures, [], 'every process exits with code 0 after close()');
});

/** The producer's Sender worker (private): a test that simulates its crash needs it. */
function senderWorker(p: KafkaProducer): Worker {
  return (p as unknown as { sender: { worker: Worker } }).sender.worker;
}

test('if the Sender worker dies, every pending send fails at once with a fatal error, later sends too, and nothing hangs', async () => {
  const topic = uniqueTopicName('lifecycle-worker-death');
  await createTopic(kafka.bootstrap, topic, { partitions: 2 });
  const stall = await proxy();
  const p = producer({ 'linger.ms': 30_000 }, stall.bootstrap);
  const warm = p.send({ topic, partition: 1, value: 'warm up' });
  await p.flush();
  await warm;

  // Pending in three ways: in flight (held by the proxy), lingering in a slab, waiting for metadata.
  stall.hold();
  const inFlight = [0, 1, 2].map((i) => watch(p.send({ topic, partition: 0, value: `in flight ${i}` })));
  void p.flush().catch(() => {});
  await sleep(200);
  const lingering = [0, 1, 2].map((i) => watch(p.send({ topic, partition: 1, value: `lingering ${i}` })));
  const waiting = watch(p.send({ topic: uniqueTopicName('lifecycle-unknown'), value: 'waiting' }));
  await sleep(200);
  const pending = [...inFlight, ...lingering, waiting];
  assert.ok(pending.every((o) => o.settledAt === null), 'all pending before the worker dies');

  const killed = performance.now();
  await senderWorker(p).terminate();
  await sleep(500);
  for (const [i, o] of pending.entries()) {
    assert.ok(o.settledAt !== null, `pending send ${i} did not fail when the worker died`);
    assert.ok(o.error instanceof ProducerClosedError, `pending send ${i}: a ProducerClosedError, got ${o.error ?? 'success'}`);
    assert.equal((o.error as ProducerClosedError).fatal, true, 'the error is fatal');
    assert.ok(o.settledAt - killed < 2000, `failed ${(o.settledAt - killed).toFixed(0)} ms after the worker died`);
  }

  const later = watch(p.send({ topic, value: 'after the death' }));
  await nextTurn();
  assert.ok(later.error instanceof ProducerClosedError && later.error.fatal, `a later send fails at once, fatally (got ${later.error})`);
  assert.notEqual(await within(Promise.all([p.flush(), p.close()]), 10_000, 'hung'), 'hung', 'flush() or close() hung after the worker died');
});

test('if the Sender reports a fatal failure, pending sends fail at once, and close() right after resolves', async () => {
  const topic = uniqueTopicName('lifecycle-fatal');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const p = producer({ 'linger.ms': 30_000 });
  await p.partitionsFor(topic);
  const pending = [0, 1, 2].map((i) => watch(p.send({ topic, value: `lingering ${i}` })));
  // What Sender#die posts when an invariant breaks inside the worker (a real one, before it was
  // fixed: splitting a piece of a split batch threw). There is no way left to provoke one from
  // outside, so the event is delivered as the events port would deliver it.
  (p as unknown as { onSenderEvent(e: { type: 'fatal'; message: string }): void }).onSenderEvent({ type: 'fatal', message: 'Sender failed: simulated' });
  await nextTurn();
  for (const [i, o] of pending.entries()) {
    assert.ok(o.error instanceof ProducerClosedError && o.error.fatal, `pending send ${i}: a fatal ProducerClosedError, got ${o.error ?? 'nothing yet'}`);
    assert.match(o.error.message, /simulated/);
  }
  assert.notEqual(await within(p.close(), 10_000, 'hung'), 'hung', 'close() hung after a fatal failure');
  await p.flush();
});

test('connections.max.idle.ms: a connection with nothing to do is closed, and the next send reconnects', async () => {
  const topic = uniqueTopicName('lifecycle-idle');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  const stall = await proxy();
  const p = producer({ 'connections.max.idle.ms': 1500, 'metadata.max.age.ms': 600_000 }, stall.bootstrap);
  const first = await p.send({ topic, value: 'before idle' });
  assert.ok(stall.openConnections > 0, 'the producer is connected');
  const accepted = stall.accepted;
  // Idle: every connection is closed after 1.5 s without traffic (well within 10 s).
  const deadline = Date.now() + 10_000;
  while (stall.openConnections > 0) {
    assert.ok(Date.now() < deadline, `still ${stall.openConnections} connection(s) open 10 s after the last request`);
    await sleep(100);
  }
  const second = await p.send({ topic, value: 'after idle' });
  assert.ok(stall.accepted > accepted, 'the send opened a new connection');
  assert.equal(second.offset, first.offset + 1);
  const read = await readWithKcat(kafka.bootstrap, topic, { count: 2 });
  assert.deepEqual(read.map((r) => r.value?.toString()), ['before idle', 'after idle']);
});
