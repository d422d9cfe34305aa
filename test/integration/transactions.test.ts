/**
 * Transactions against real brokers, read back by clients Tandem did not write: a committed
 * transaction's records are what a read_committed reader (kcat, the Java consumer) finds, record
 * by record; an aborted one's are not (though read_uncommitted finds those that reached the
 * log); a second producer with the same transactional.id fences the first, which then fails with
 * ProducerFencedError and cannot commit; offsets sent to a transaction land in the consumer
 * group (as the Java AdminClient reads it) only when it commits; a failed record makes the
 * transaction abortable, and the abort recovers it; calls out of order are clear errors.
 *
 * Each behaviour runs on both transaction protocols: Kafka 4.4.0 (the harness broker), whose
 * fresh clusters finalize transaction.version 2 (KIP-890 part 2: no AddPartitionsToTxn, an
 * epoch bump at every EndTxn), and Kafka 3.9.1 (transaction.version 1: AddPartitionsToTxn,
 * AddOffsetsToTxn, the same epoch across transactions), started in the background from the
 * first `before` and stopped at the end if this file started it. DumpLogSegments shows which
 * protocol the producer followed: under V2 each transaction's batches carry a new epoch.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import {
  IllegalStateError,
  KafkaProducer,
  ProducerFencedError,
  TimeoutError,
  TransactionAbortableError,
  TransactionAbortedError,
  type ProducerRecord,
  type RecordMetadata,
} from '@tandem/producer';
import { ApiVersions, finalizedFeatureLevel } from '@tandem/protocol';
import {
  createTopic,
  dumpLogSegments,
  ensureKafka,
  readGroupOffsets,
  readWithJava,
  readWithKcat,
  startCluster,
  stopCluster,
  uniqueTopicName,
  type KafkaCluster,
} from '../kafka/index.js';
import { RawKafkaConnection } from '../support/raw-kafka-connection.js';
import { assertReadBack, expectedOf, readCommitted, type Delivery } from '../support/producer-readback.js';

type Rec = ProducerRecord<string | Uint8Array | null, string | Uint8Array | null>;

const OLD_LINE = '3.9.1';

/** The 3.9.1 cluster, started (or found running) in the background from the first `before`. */
let oldCluster: Promise<KafkaCluster> | undefined;
const producers: KafkaProducer[] = [];

before(() => {
  if (process.env['KAFKA_OTHER_LINE'] === 'none') return;
  oldCluster = startCluster({ version: OLD_LINE });
  oldCluster.catch(() => {});
});

after(async () => {
  await Promise.all(producers.map((p) => p.close({ timeout: 5000 }).catch(() => {})));
  const cluster = await oldCluster?.catch(() => undefined);
  // Only a broker this file started: a reused one belongs to whoever started it.
  if (cluster?.started === true && cluster.name !== undefined) await stopCluster(cluster.name);
});

/** A transactional producer closed after the file's tests, whatever they did to it. */
function producer(kafka: KafkaCluster, config: Record<string, unknown> = {}): KafkaProducer<string | Uint8Array | null, string | Uint8Array | null> {
  const p = new KafkaProducer({
    'bootstrap.servers': kafka.bootstrap,
    'transactional.id': uniqueTopicName('txn'),
    'linger.ms': 5,
    ...config,
  } as never) as KafkaProducer<string | Uint8Array | null, string | Uint8Array | null>;
  producers.push(p as KafkaProducer);
  return p;
}

/** The finalized transaction.version the broker reports in ApiVersions (0 when it reports none). */
async function transactionVersion(bootstrap: string): Promise<number> {
  const conn = await RawKafkaConnection.connect(bootstrap);
  try {
    const { body } = await conn.request(ApiVersions, 3, { clientSoftwareName: 'tandem-test', clientSoftwareVersion: '0.1.0' });
    return finalizedFeatureLevel(body, 'transaction.version');
  } finally {
    conn.close();
  }
}

/** Sends every record, and says which settled by the time `settledBy` resolved. */
function sendTracked(p: KafkaProducer<string | Uint8Array | null, string | Uint8Array | null>, records: readonly Rec[]) {
  let settled = 0;
  const results = records.map((r) => {
    const promise = p.send(r);
    promise.then(
      () => settled++,
      () => settled++,
    );
    return promise;
  });
  return { results, settled: () => settled };
}

function deliveries(records: readonly Rec[], metadata: readonly RecordMetadata[]): Delivery[] {
  return metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m }));
}

/** Records of one transaction, labelled, over three partitions: keyed, unkeyed and explicit. */
function records(topic: string, label: string, n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) out.push({ topic, key: `${label}-key-${i}`, value: `${label} keyed ${i} ü€`, headers: { txn: label } });
    else if (i % 3 === 1) out.push({ topic, partition: i % 3, value: `${label} explicit ${i}` });
    else out.push({ topic, key: null, value: Buffer.from(`${label} bytes ${i}`), timestamp: 1_700_000_000_000 + i });
  }
  return out;
}

function transactionSuite(label: string, cluster: () => Promise<KafkaCluster>, expectV2: boolean, skip: string | false = false): void {
  describe(`transactions on ${label}`, { timeout: 120_000, skip }, () => {
    let kafka: KafkaCluster;
    before(async () => {
      kafka = await cluster();
    });

    test(`the cluster finalizes transaction.version ${expectV2 ? '>= 2 (transactions V2)' : '< 2 (transactions V1)'}`, async () => {
      const tv = await transactionVersion(kafka.bootstrap);
      if (expectV2) assert.ok(tv >= 2, `a fresh ${kafka.version} cluster finalizes transaction.version ${tv}`);
      else assert.ok(tv < 2, `${kafka.version} finalizes transaction.version ${tv}`);
    });

    test('committed transactions are read back by read_committed readers record by record; aborted ones are not', async () => {
      const topic = uniqueTopicName('txn-commit');
      await createTopic(kafka.bootstrap, topic, { partitions: 3 });
      const p = producer(kafka);
      await p.initTransactions();

      // A: committed. The commit resolves only once every record of it has settled.
      await p.beginTransaction();
      const a = records(topic, 'A', 60);
      const sentA = sendTracked(p, a);
      await p.commitTransaction();
      assert.equal(sentA.settled(), a.length, 'every record of the transaction settled before commitTransaction() resolved');
      const deliveredA = deliveries(a, await Promise.all(sentA.results));

      // B: written to the log (flushed), then aborted.
      await p.beginTransaction();
      const b = records(topic, 'B', 30);
      const sentB = b.map((r) => p.send(r));
      await p.flush();
      const writtenB = deliveries(b, await Promise.all(sentB));
      await p.abortTransaction();

      // C: still lingering in its batch when aborted, and one still waiting for its topic's
      // metadata: neither is ever sent; each fails with TransactionAbortedError.
      const lingering = producer(kafka, { 'linger.ms': 60_000 });
      await lingering.initTransactions();
      await lingering.partitionsFor(topic);
      await lingering.beginTransaction();
      const aborted = (err: unknown): boolean => err instanceof TransactionAbortedError && err.code === 'ERR_TANDEM_TRANSACTION_ABORTED';
      const inBatch = assert.rejects(lingering.send({ topic, partition: 1, value: 'C never sent' }), aborted);
      const waiting = assert.rejects(lingering.send({ topic: uniqueTopicName('txn-unknown'), value: 'C waits for metadata' }), aborted);
      await lingering.abortTransaction();
      await Promise.all([inBatch, waiting]);

      // D: committed after the abort.
      await p.beginTransaction();
      const d = records(topic, 'D', 30);
      const sentD = sendTracked(p, d);
      await p.commitTransaction();
      assert.equal(sentD.settled(), d.length);
      const deliveredD = deliveries(d, await Promise.all(sentD.results));

      const committed = [...deliveredA, ...deliveredD];
      assertReadBack(await readCommitted(kafka.bootstrap, topic, committed.length), committed);
      // The aborted transaction's records are in the log, for read_uncommitted readers only.
      assertReadBack(
        await readWithJava(kafka.bootstrap, topic, { isolation: 'read_uncommitted', version: kafka.version }),
        [...deliveredA, ...writtenB, ...deliveredD],

      );

      // The broker's own view of partition 0: transactional batches, one marker per ended
      // transaction, and the epochs the protocol implies.
      const dumped = await dumpLogSegments(kafka, topic, 0);
      const data = dumped.filter((x) => !x.isControl);
      const markers = dumped.filter((x) => x.isControl);
      assert.ok(data.length >= 3 && data.every((x) => x.isTransactional && x.isValid), 'transactional batches with valid CRCs');
      assert.ok(data.every((x) => x.producerId === data[0]!.producerId), 'one producer id');
      const epochOf = (value: string): number => data.find((x) => x.records.some((r) => r.payload?.startsWith(value) === true))!.producerEpoch;
      const [ea, eb, ed] = [epochOf('A '), epochOf('B '), epochOf('D ')];
      if (expectV2) assert.ok(ea < eb && eb < ed, `transactions V2 bumps the epoch at every EndTxn: A ${ea}, B ${eb}, D ${ed}`);
      else assert.ok(ea === eb && eb === ed, `transactions V1 keeps the epoch: A ${ea}, B ${eb}, D ${ed}`);
      assert.equal(markers.length, 3, 'commit A, abort B, commit D: three markers in partition 0 (C never reached the log)');
    });

    test('a second producer with the same transactional.id fences the first, which cannot commit', async () => {
      const topic = uniqueTopicName('txn-fence');
      await createTopic(kafka.bootstrap, topic, { partitions: 2 });
      const transactionalId = uniqueTopicName('fenced');
      const first = producer(kafka, { 'transactional.id': transactionalId });
      await first.initTransactions();
      await first.beginTransaction();
      const zombie: Rec = { topic, partition: 0, value: 'from the fenced producer' };
      const zombieMd = await first.send(zombie);
      assert.ok(zombieMd.offset >= 0);

      const second = producer(kafka, { 'transactional.id': transactionalId });
      await second.initTransactions(); // fences `first` and aborts its open transaction

      const fenced = (err: unknown): boolean => err instanceof ProducerFencedError && err.fatal && err.code === 'ERR_TANDEM_PRODUCER_FENCED';
      await assert.rejects(first.commitTransaction(), fenced, 'the fenced producer cannot commit');
      await assert.rejects(first.send({ topic, value: 'after fencing' }), fenced);
      await assert.rejects(first.beginTransaction(), fenced);
      await assert.rejects(first.abortTransaction(), fenced);

      await second.beginTransaction();
      const good: Rec[] = [
        { topic, partition: 0, value: 'from the new producer' },
        { topic, partition: 1, key: 'k', value: 'also' },
      ];
      const md = await Promise.all(good.map((r) => second.send(r)));
      await second.commitTransaction();

      assertReadBack(await readCommitted(kafka.bootstrap, topic, good.length), deliveries(good, md));
      const uncommitted = await readWithKcat(kafka.bootstrap, topic, { isolation: 'read_uncommitted' });
      assert.ok(
        uncommitted.some((r) => r.value?.toString() === zombie.value),
        "the zombie's record reached the log, but only read_uncommitted readers see it",
      );
    });

    test('offsets sent to a transaction land in the group only when it commits', async () => {
      const topic = uniqueTopicName('txn-offsets-out');
      const input = uniqueTopicName('txn-offsets-in');
      await Promise.all([
        createTopic(kafka.bootstrap, topic, { partitions: 1 }),
        createTopic(kafka.bootstrap, input, { partitions: 2 }),
      ]);
      const group = uniqueTopicName('txn-group');
      const p = producer(kafka);
      await p.initTransactions();
      const read = () => readGroupOffsets(kafka.bootstrap, group, { version: kafka.version });

      // Pending: sent to an open transaction, not visible.
      await p.beginTransaction();
      await p.send({ topic, value: 'out 1' });
      await p.sendOffsetsToTransaction(
        [
          { topic: input, partition: 0, offset: 5 },
          { topic: input, partition: 1, offset: 7n },
        ],
        { groupId: group },
      );
      assert.deepEqual(await read(), [], 'offsets of an open transaction are not committed');
      await p.abortTransaction();

      // Committed: they land.
      await p.beginTransaction();
      await p.send({ topic, value: 'out 2' });
      await p.sendOffsetsToTransaction(
        [
          { topic: input, partition: 0, offset: 10, metadata: 'batch 2' },
          { topic: input, partition: 1, offset: 12 },
        ],
        { groupId: group, generationId: -1, memberId: '', groupInstanceId: null },
      );
      await p.commitTransaction();

      // Aborted: they do not.
      await p.beginTransaction();
      await p.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 20 }], group);
      await p.abortTransaction();

      assert.deepEqual(await read(), [
        { topic: input, partition: 0, offset: 10, metadata: 'batch 2' },
        { topic: input, partition: 1, offset: 12, metadata: '' },
      ]);
      const out = await readCommitted(kafka.bootstrap, topic, 1);
      assert.deepEqual(
        out.map((r) => r.value?.toString()),
        ['out 2'],
      );
    });

    test('a record the broker refuses makes the transaction abortable; abort recovers it', async () => {
      const topic = uniqueTopicName('txn-abortable');
      // A record of 4 KB passes the producer's max.request.size and is refused by the topic.
      await createTopic(kafka.bootstrap, topic, { partitions: 1, configs: { 'max.message.bytes': 2048 } });
      const p = producer(kafka);
      await p.initTransactions();

      await p.beginTransaction();
      const small = p.send({ topic, value: 'small, fine' });
      const large = p.send({ topic, value: Buffer.alloc(4096, 0x61) });
      await assert.rejects(large, (err: unknown) => (err as { kafkaErrorName?: string }).kafkaErrorName === 'MESSAGE_TOO_LARGE');
      await small.catch(() => {});
      const abortable = (err: unknown): boolean =>
        err instanceof TransactionAbortableError && !err.fatal && err.code === 'ERR_TANDEM_TRANSACTION_ABORTABLE' && err.kafkaErrorName === 'MESSAGE_TOO_LARGE';
      await assert.rejects(p.commitTransaction(), abortable, 'commit fails: a record of the transaction failed');
      await assert.rejects(p.send({ topic, value: 'in the failed transaction' }), abortable);
      await assert.rejects(p.beginTransaction(), abortable);
      await p.abortTransaction();

      // The producer goes on: a new transaction commits (under V1 after an epoch bump, with
      // sequence numbers from 0; under V2 EndTxn bumped it anyway).
      await p.beginTransaction();
      const next: Rec[] = [
        { topic, value: 'next 1' },
        { topic, value: 'next 2' },
      ];
      const md = await Promise.all(next.map((r) => p.send(r)));
      await p.commitTransaction();
      assertReadBack(await readCommitted(kafka.bootstrap, topic, next.length), deliveries(next, md));
    });
  });
}

transactionSuite('Kafka 4.4.0 (transactions V2)', () => ensureKafka(), true);
transactionSuite(
  `Kafka ${OLD_LINE} (transactions V1)`,
  () => oldCluster!,
  false,
  process.env['KAFKA_OTHER_LINE'] === 'none' ? `KAFKA_OTHER_LINE=none: no ${OLD_LINE} broker` : false,
);

describe('closing a transactional producer', { timeout: 60_000 }, () => {
  test('close() aborts an open transaction: the abort marker is written at once, read_committed readers see nothing', async () => {
    const kafka = await ensureKafka();
    const topic = uniqueTopicName('txn-close');
    await createTopic(kafka.bootstrap, topic, { partitions: 1 });
    const p = producer(kafka, { 'linger.ms': 60_000 });
    await p.initTransactions();
    await p.beginTransaction();
    const written = p.send({ topic, value: 'written, then aborted by close' });
    await p.flush();
    await written;
    // close() seals the open batch, so the Sender may send it before it sees the close (then the
    // abort covers it) or fail it unsent: either way it is never committed.
    const lingering = p.send({ topic, value: 'sent by close, or never' }).then(
      () => 'written',
      (err: unknown) => (err instanceof TransactionAbortedError ? 'aborted unsent' : String(err)),
    );
    await p.close();
    const outcome = await lingering;
    assert.ok(outcome === 'written' || outcome === 'aborted unsent', outcome);
    // Without the abort the transaction would stay open until transaction.timeout.ms (60 s) and
    // no marker would follow the records.
    const dumped = await dumpLogSegments(kafka, topic, 0);
    assert.deepEqual(
      dumped.map((x) => (x.isControl ? 'marker' : 'data')),
      outcome === 'written' ? ['data', 'data', 'marker'] : ['data', 'marker'],
    );
    assert.deepEqual(await readWithKcat(kafka.bootstrap, topic, { isolation: 'read_committed' }), []);
  });

  test('initTransactions() gives up after max.block.ms with a TimeoutError; other calls wait for it to be retried', async () => {
    // Nothing listens on port 1: the coordinator is never found.
    const p = new KafkaProducer({ 'bootstrap.servers': '127.0.0.1:1', 'transactional.id': uniqueTopicName('txn-timeout'), 'max.block.ms': 300 });
    producers.push(p);
    const started = Date.now();
    await assert.rejects(p.initTransactions(), (err: unknown) => err instanceof TimeoutError && err.setting === 'max.block.ms');
    assert.ok(Date.now() - started < 5000, 'bounded by max.block.ms');
    await assert.rejects(p.beginTransaction(), (err: unknown) => err instanceof IllegalStateError && /initTransactions\(\) timed out/.test(err.message));
    await assert.rejects(p.initTransactions(), TimeoutError, 'the same call waits for the same operation');
    await p.close({ timeout: 1000 });
  });
});

describe('transactional calls out of order are clear errors', { timeout: 60_000 }, () => {
  let kafka: KafkaCluster;
  before(async () => {
    kafka = await ensureKafka();
  });

  const illegal = (state: string, operation: string, mention: RegExp) => (err: unknown): boolean => {
    assert.ok(err instanceof IllegalStateError, `an IllegalStateError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_TANDEM_ILLEGAL_STATE');
    assert.equal(err.state, state);
    assert.equal(err.operation, operation);
    assert.match(err.message, mention);
    assert.ok(!err.fatal, 'the producer is as it was');
    return true;
  };

  test('a producer without transactional.id refuses every transactional call', async () => {
    const p = new KafkaProducer({ 'bootstrap.servers': kafka.bootstrap });
    producers.push(p);
    await assert.rejects(p.initTransactions(), illegal('NOT_TRANSACTIONAL', 'initTransactions', /transactional\.id/));
    await assert.rejects(p.beginTransaction(), illegal('NOT_TRANSACTIONAL', 'beginTransaction', /transactional\.id/));
    await assert.rejects(p.commitTransaction(), illegal('NOT_TRANSACTIONAL', 'commitTransaction', /transactional\.id/));
  });

  test('each call outside its state names the state and what to do', async () => {
    const topic = uniqueTopicName('txn-order');
    await createTopic(kafka.bootstrap, topic, { partitions: 1 });
    const p = producer(kafka);

    await assert.rejects(p.beginTransaction(), illegal('UNINITIALIZED', 'beginTransaction', /initTransactions\(\)/));
    await assert.rejects(p.commitTransaction(), illegal('UNINITIALIZED', 'commitTransaction', /initTransactions\(\)/));
    await assert.rejects(p.send({ topic, value: 'x' }), illegal('UNINITIALIZED', 'send', /initTransactions\(\)/));

    await p.initTransactions();
    await assert.rejects(p.initTransactions(), illegal('READY', 'initTransactions', /already called/));
    await assert.rejects(p.commitTransaction(), illegal('READY', 'commitTransaction', /beginTransaction\(\)/));
    await assert.rejects(p.abortTransaction(), illegal('READY', 'abortTransaction', /beginTransaction\(\)/));
    await assert.rejects(p.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1 }], 'g'), illegal('READY', 'sendOffsetsToTransaction', /beginTransaction\(\)/));
    await assert.rejects(p.send({ topic, value: 'x' }), illegal('READY', 'send', /beginTransaction\(\)/));

    await p.beginTransaction();
    await assert.rejects(p.beginTransaction(), illegal('IN_TRANSACTION', 'beginTransaction', /already in progress/));
    await assert.rejects(p.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1 }], { groupId: '' }), TypeError);

    // A transaction nothing was sent in ends without reaching the coordinator.
    await p.commitTransaction();
    await p.beginTransaction();
    await p.abortTransaction();

    // And the producer still works.
    await p.beginTransaction();
    const md = await p.send({ topic, value: 'after all that' });
    await p.commitTransaction();
    const read = await readCommitted(kafka.bootstrap, topic, 1);
    assert.deepEqual(
      read.map((r) => [r.offset, r.value?.toString()]),
      [[md.offset, 'after all that']],
    );
  });
});
