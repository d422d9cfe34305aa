/**
 * KIP-360 on a real broker: when an idempotent producer can no longer trust a partition's
 * sequence, it bumps its epoch locally (same producer id, epoch + 1) and restarts the partition
 * at sequence 0, as the Java producer does; it does not fetch a new producer id.
 *
 * How the sequence becomes untrustworthy: a stall proxy between producer and broker lets a
 * batch reach the broker (which writes it) but keeps the response, until the batch's
 * delivery.timeout.ms passes and its records fail with a TimeoutError although the broker
 * has them. The producer cannot know that: the partition restarts under a bumped epoch. The
 * broker's own DumpLogSegments then shows every batch under one producer id, the later ones
 * under the next epoch from sequence 0; and kcat shows every record once (the failed ones
 * included: failed is not "not written"), none twice.
 *
 * On the harness's single broker (the stall proxy fronts one broker).
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { KafkaProducer, TimeoutError, type RecordMetadata } from '@tandem/producer';
import { ApiKey } from '@tandem/protocol';
import { createTopic, dumpLogSegments, ensureKafka, readWithKcat, uniqueTopicName, type KafkaCluster } from '../kafka/index.js';
import { StallProxy } from '../support/stall-proxy.js';
import { failIfHeldOpen, within } from '../support/producer-readback.js';

let kafka: KafkaCluster;
let proxy: StallProxy | undefined;
let producer: KafkaProducer<string, string> | undefined;

before(async () => {
  kafka = await ensureKafka();
});

after(async () => {
  await producer?.close({ timeout: 5000 }).catch(() => {});
  await proxy?.close();
  failIfHeldOpen('failover-epoch-bump.test.ts');
});

test('a batch that may have been written expires: the epoch is bumped locally (same producer id), the partition restarts at sequence 0, nothing is duplicated', { timeout: 120_000 }, async () => {
  assert.ok(!kafka.external, 'this test reads the broker\'s segments with DumpLogSegments: it needs the harness broker, not KAFKA_BOOTSTRAP pointing elsewhere');
  const topic = uniqueTopicName('epoch-bump');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });
  proxy = await StallProxy.start(kafka.bootstrap);
  const stall = proxy;
  const p = (producer = new KafkaProducer<string, string>({
    'bootstrap.servers': stall.bootstrap,
    'linger.ms': 5,
    'request.timeout.ms': 1500,
    'delivery.timeout.ms': 4000,
    'retry.backoff.ms': 50,
    'reconnect.backoff.ms': 50,
  }));
  const send = (phase: string, n: number): Array<Promise<RecordMetadata>> =>
    Array.from({ length: n }, (_, i) => p.send({ topic, partition: 0, key: `${phase}-${i}`, value: `${phase} ${i}` }));

  // 1. Acknowledged under the first epoch.
  await Promise.all(send('first', 20));

  // 2. Written by the broker, never acknowledged: the responses stay in the proxy until the
  //    records expire. (The producer's reconnects stall too: their ApiVersions answers are kept.)
  const producesBefore = stall.forwarded.get(ApiKey.Produce) ?? 0;
  stall.hold('responses');
  const lost = send('unacknowledged', 20);
  const outcomes = await within(Promise.allSettled(lost), 30_000, 'timed out' as const);
  assert.notEqual(outcomes, 'timed out', 'the held records neither failed nor succeeded within 30 s');
  assert.ok((stall.forwarded.get(ApiKey.Produce) ?? 0) > producesBefore, 'the held batch reached the broker');
  for (const o of outcomes as PromiseSettledResult<RecordMetadata>[]) {
    assert.equal(o.status, 'rejected');
    assert.ok(o.reason instanceof TimeoutError, `failed with a TimeoutError, got ${String(o.reason)}`);
    assert.match(o.reason.message, new RegExp(`${topic}-0.*delivery\\.timeout\\.ms`));
  }
  stall.cut();
  stall.release();

  // 3. Sent after the failure: under the bumped epoch, from sequence 0.
  await Promise.all(send('after', 20));
  await p.close();
  producer = undefined;

  // The log, by the broker's own tool: one producer id throughout; the epoch one higher for
  // the batches after the failure, whose sequences start again at 0.
  const batches = await dumpLogSegments(kafka, topic, 0);
  const phaseOf = (payload: string | undefined): string => payload?.split(' ')[0] ?? '?';
  const summary = batches.map((b) => `${phaseOf(b.records[0]?.payload)}: pid ${b.producerId} epoch ${b.producerEpoch} seq ${b.baseSequence}-${b.lastSequence}`);
  const pids = new Set(batches.map((b) => b.producerId));
  assert.equal(pids.size, 1, `one producer id for every batch (KIP-360 bumps the epoch, it does not replace the id):\n${summary.join('\n')}`);
  const first = batches.filter((b) => phaseOf(b.records[0]?.payload) === 'first');
  const held = batches.filter((b) => phaseOf(b.records[0]?.payload) === 'unacknowledged');
  const later = batches.filter((b) => phaseOf(b.records[0]?.payload) === 'after');
  assert.ok(first.length > 0 && later.length > 0, `batches of both phases:\n${summary.join('\n')}`);
  const epoch = first[0]!.producerEpoch;
  assert.ok(first.every((b) => b.producerEpoch === epoch) && held.every((b) => b.producerEpoch === epoch), `one epoch before the bump:\n${summary.join('\n')}`);
  assert.ok(later.every((b) => b.producerEpoch === epoch + 1), `epoch ${epoch + 1} after it:\n${summary.join('\n')}`);
  assert.equal(later[0]!.baseSequence, 0, `the partition restarts at sequence 0 under the new epoch:\n${summary.join('\n')}`);

  // And by contents, through kcat: each record once, in send order; the expired ones too,
  // since the broker had written them.
  const read = await readWithKcat(kafka.bootstrap, topic, { timeoutMs: 30_000 });
  const values = read.map((r) => r.value?.toString('utf8'));
  const expected = [...['first', 'unacknowledged', 'after'].flatMap((phase) => Array.from({ length: 20 }, (_, i) => `${phase} ${i}`))];
  assert.deepEqual(values, expected);
  console.log(`failover-epoch-bump: ${summary.join('; ')}`);
});
