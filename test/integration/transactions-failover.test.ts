/**
 * Transactions through broker failures, on a three-broker KRaft cluster of its own (RF 3,
 * min.insync.replicas 2): while a transactional producer commits a numbered stream, one
 * transaction at a time, the test kills -9 its transaction coordinator in the middle of a
 * transaction, later restarts it, then kills the leader of a data partition in the middle of
 * another. A transaction whose commit fails with an abortable error is aborted and sent again
 * (as an application would); then a read_committed reader must find every committed
 * transaction's records exactly once, in send order within each partition, and nothing of the
 * attempts that were aborted.
 *
 * Its own file (and cluster, `txn-failover`, stopped at the end if this file started it), so
 * that transactions.test.ts stays quick.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { KafkaProducer, TimeoutError, TransactionAbortableError, type ProducerRecord } from '@tandem/producer';
import { CoordinatorType, FindCoordinator, coordinatorsOf } from '@tandem/protocol';
import {
  createTopic,
  readWithKcat,
  restartBroker,
  startCluster,
  stopBroker,
  stopCluster,
  uniqueTopicName,
  type KafkaCluster,
} from '../kafka/index.js';
import { leaderOf as leaderOfPartition, liveBootstrap, probeCluster } from '../support/cluster-probe.js';
import { assertReadBack, expectedOf, readCommitted, type Delivery } from '../support/producer-readback.js';

type Rec = ProducerRecord<string, string>;

let cluster: KafkaCluster;
let producer: KafkaProducer<string, string> | undefined;

before(async () => {
  cluster = await startCluster({ brokers: 3, name: 'txn-failover' });
});

after(async () => {
  await producer?.close({ timeout: 5000 }).catch(() => {});
  if (cluster?.started === true) await stopCluster('txn-failover');
});

/** A bootstrap string of the brokers that are up. */
const live = (): string => liveBootstrap(cluster);

/** The node id of the transaction coordinator of `transactionalId`. */
function coordinatorOf(transactionalId: string): Promise<number> {
  return probeCluster(cluster, `the coordinator of ${transactionalId}`, async (conn) => {
    const { body } = await conn.request(FindCoordinator, 3, { key: transactionalId, keyType: CoordinatorType.transaction });
    const c = coordinatorsOf(body, 3, [transactionalId])[0];
    return c !== undefined && c.errorCode === 0 ? c.nodeId : undefined;
  });
}

/** The node id of the leader of `topic`-`partition`. */
const leaderOf = (topic: string, partition: number): Promise<number> => leaderOfPartition(cluster, topic, partition);

test('committed transactions survive the coordinator and a partition leader being killed: each record exactly once, in order', { timeout: 240_000 }, async () => {
  const topic = uniqueTopicName('txn-failover');
  await createTopic(live(), topic, { partitions: 3 });
  const transactionalId = uniqueTopicName('txn-failover-id');
  producer = new KafkaProducer<string, string>({
    'bootstrap.servers': live(),
    'transactional.id': transactionalId,
    'linger.ms': 5,
    // A dead broker's requests are given up sooner than the default 30 s.
    'request.timeout.ms': 10_000,
  });
  const p = producer;
  await p.initTransactions();

  const committed: Delivery[] = [];
  let aborted = 0;
  let killedCoordinator = -1;
  const TRANSACTIONS = 12;
  for (let t = 0; t < TRANSACTIONS; t++) {
    for (let attempt = 1; ; attempt++) {
      await p.beginTransaction();
      const records: Rec[] = [];
      for (let i = 0; i < 40; i++) records.push({ topic, key: `key-${i % 7}`, value: `txn ${t} attempt ${attempt} record ${i}` });
      const sends = records.map((r) => p.send(r));
      sends.forEach((s) => s.catch(() => {}));

      // The faults, in the middle of a transaction: its records are on their way.
      if (t === 3 && attempt === 1) {
        killedCoordinator = await coordinatorOf(transactionalId);
        await stopBroker(cluster, killedCoordinator, { signal: 'SIGKILL' });
      }
      if (t === 7 && attempt === 1) {
        const down = cluster.brokers.find((b) => b.pid === null);
        if (down !== undefined) await restartBroker(cluster, down.nodeId);
      }
      if (t === 9 && attempt === 1) await stopBroker(cluster, await leaderOf(topic, 0), { signal: 'SIGKILL' });

      try {
        for (;;) {
          try {
            await p.commitTransaction();
            break;
          } catch (err) {
            // max.block.ms passed while the cluster recovered: the commit goes on; wait for it again.
            if (!(err instanceof TimeoutError)) throw err;
          }
        }
        const metadata = await Promise.all(sends);
        committed.push(...metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m })));
        if (t === 3) {
          const now = await coordinatorOf(transactionalId);
          assert.notEqual(now, killedCoordinator, 'the transaction committed through a new coordinator');
        }
        break;
      } catch (err) {
        // A record of the transaction failed (its leader died and retries ran out, say): the
        // application aborts and sends the transaction again.
        assert.ok(err instanceof TransactionAbortableError, `commit of transaction ${t} failed with ${String(err)}`);
        await p.abortTransaction();
        aborted++;
        assert.ok(attempt < 5, `transaction ${t} could not be committed in ${attempt} attempts`);
      }
    }
  }

  assert.equal(committed.length, TRANSACTIONS * 40);
  // The commit markers reach the partitions after commitTransaction() resolves: see readCommitted.
  const read = await readCommitted(live(), topic, committed.length);
  assertReadBack(read, committed, { duplicatesAnswered: true });
  // Each value names its transaction and attempt: nothing of an aborted attempt is visible.
  const attempts = new Map<number, string>();
  for (const r of read) {
    const [, txn, attempt] = /^txn (\d+) attempt (\d+) /.exec(r.value!.toString())!;
    const seen = attempts.get(Number(txn));
    assert.ok(seen === undefined || seen === attempt, `transaction ${txn}: records of attempts ${seen} and ${attempt} are both visible`);
    attempts.set(Number(txn), attempt!);
  }
  assert.equal(attempts.size, TRANSACTIONS);
  console.log(`transactions-failover: ${TRANSACTIONS} transactions committed, ${aborted} attempt(s) aborted and sent again`);
});
