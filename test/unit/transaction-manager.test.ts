/**
 * The Sender's TransactionManager against a scripted coordinator (no broker): the retries and
 * coordinator changes an integration test cannot provoke at will, the order of requests, which
 * partitions may be drained when, the skipped EndTxn, the epoch bump after a failed batch, and
 * the rules for a call that timed out. Its behaviour against real brokers is in
 * test/integration/transactions.test.ts and transactions-failover.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { ApiKey, type ApiDefinition } from '@tandem/protocol';
import { NetworkError, TransactionManager } from '@tandem/sender';

type Responder = (request: Record<string, unknown>, node: number) => unknown;

/** A coordinator that answers from per-API scripts (and a default per API), recording every request. */
class ScriptedCluster {
  readonly sent: Array<{ api: string; node: number; request: Record<string, unknown> }> = [];
  readonly scripts = new Map<string, Responder[]>();
  transactionVersion = 1;
  /** Which broker FindCoordinator names. */
  coordinator = 1;
  readonly versions = new Map<number, number>([
    [ApiKey.FindCoordinator, 4],
    [ApiKey.InitProducerId, 5],
    [ApiKey.AddPartitionsToTxn, 3],
    [ApiKey.AddOffsetsToTxn, 4],
    [ApiKey.EndTxn, 4],
    [ApiKey.TxnOffsetCommit, 4],
  ]);

  private readonly defaults: Record<string, Responder> = {
    FindCoordinator: (req) => ({
      throttleTimeMs: 0,
      coordinators: [{ key: (req['coordinatorKeys'] as string[])[0], nodeId: this.coordinator, host: 'h', port: 1, errorCode: 0, errorMessage: null }],
    }),
    InitProducerId: () => ({ throttleTimeMs: 0, errorCode: 0, producerId: 7n, producerEpoch: 0 }),
    AddPartitionsToTxn: (req) => ({
      throttleTimeMs: 0,
      resultsByTopic: (req['topics'] as Array<{ name: string; partitions: number[] }>).map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: 0 })),
      })),
    }),
    AddOffsetsToTxn: () => ({ throttleTimeMs: 0, errorCode: 0 }),
    EndTxn: () => ({ throttleTimeMs: 0, errorCode: 0, producerId: -1n, producerEpoch: -1 }),
    TxnOffsetCommit: (req) => ({
      throttleTimeMs: 0,
      topics: (req['topics'] as Array<{ name: string; partitions: Array<{ partitionIndex: number }> }>).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
      })),
    }),
  };

  /** The next `api` request gets this answer (in order, before the default). */
  script(api: string, ...responders: Responder[]): void {
    const list = this.scripts.get(api) ?? [];
    list.push(...responders);
    this.scripts.set(api, list);
  }

  apis(): string[] {
    return this.sent.map((s) => s.api);
  }

  // The NetworkClient surface the TransactionManager uses.
  async connect(node: number) {
    return this.ready(node);
  }
  readyConnection(node: number) {
    return node < 0 ? null : this.ready(node);
  }
  private ready(node: number) {
    return { nodeId: node, connection: null as never, versions: this.versions, unsupported: [], transactionVersion: this.transactionVersion };
  }
  leastLoadedNode(): number {
    return 0;
  }
  updateNodes(): void {}
  async send<Req, Res>(node: number, api: ApiDefinition<Req, Res, Req, unknown>, request: Req): Promise<Res> {
    await Promise.resolve();
    this.sent.push({ api: api.name, node, request: request as Record<string, unknown> });
    const responder = this.scripts.get(api.name)?.shift() ?? this.defaults[api.name]!;
    const answer = responder(request as Record<string, unknown>, node);
    if (answer instanceof Error) throw answer;
    return answer as Res;
  }
}

interface FakeQueue {
  topicIndex: number;
  partition: number;
  batches: Array<{ encoded: Uint8Array | null; state: number }>;
}

/** A TransactionManager wired to a ScriptedCluster and a fake accumulator, run like the Sender runs it. */
function setup(options: { transactionVersion?: number; initProducerIdVersion?: number } = {}) {
  const cluster = new ScriptedCluster();
  cluster.transactionVersion = options.transactionVersion ?? 1;
  if (options.initProducerIdVersion !== undefined) cluster.versions.set(ApiKey.InitProducerId, options.initProducerIdVersion);
  const queues: FakeQueue[] = [];
  const adopted: Array<[bigint, number]> = [];
  const failed: Array<[FakeQueue['batches'][number], number]> = [];
  const accumulator = {
    incomplete: 0,
    unpublished: 0,
    partitionQueues: () => queues.values(),
    pollAnnouncements: () => 0,
    beginFlush: () => {},
  };
  let scheduled = false;
  const tm: TransactionManager = new TransactionManager(
    { transactionalId: 'tx', transactionTimeoutMs: 60000, retryBackoffMs: 10, reconnectBackoffMs: 10 },
    {
      network: cluster as never,
      accumulator: accumulator as never,
      topicName: (i) => `topic${i}`,
      adoptProducerId: (id, epoch) => adopted.push([id, epoch]),
      failBatch: (batch, code) => {
        failed.push([batch as never, code]);
        for (const q of queues) q.batches = q.batches.filter((b) => b !== (batch as never));
        accumulator.incomplete--;
      },
      scheduleRun: () => {
        if (scheduled) return;
        scheduled = true;
        // As the Sender does: run, and when run() names a time, run again then (and again,
        // if a timer fired a millisecond early and run() names the same time once more).
        const runNow = (): void => {
          scheduled = false;
          const next = tm.run(Date.now());
          if (next !== Infinity) setTimeout(runNow, Math.max(1, next - Date.now()));
        };
        setImmediate(runNow);
      },
    },
  );
  /** A partition with one batch not sent yet. */
  const addBatch = (topicIndex: number, partition: number): FakeQueue => {
    const q: FakeQueue = { topicIndex, partition, batches: [{ encoded: null, state: 1 }] };
    queues.push(q);
    accumulator.incomplete++;
    return q;
  };
  /** The batches of `q` were sent and acknowledged. */
  const complete = (q: FakeQueue): void => {
    accumulator.incomplete -= q.batches.length;
    q.batches = [];
    tm.run(Date.now());
  };
  return { tm, cluster, accumulator, adopted, failed, addBatch, complete };
}

const settle = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('TransactionManager', () => {
  test('initTransactions finds the coordinator and retries what is retriable: READY with the producer id', async () => {
    const { tm, cluster, adopted } = setup();
    cluster.script('FindCoordinator', () => ({ throttleTimeMs: 0, coordinators: [{ key: 'tx', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: null }] }));
    cluster.script('InitProducerId', () => ({ throttleTimeMs: 0, errorCode: 51, producerId: -1n, producerEpoch: -1 }));
    await tm.initTransactions(5000);
    assert.equal(tm.state, 'READY');
    assert.deepEqual(adopted, [[7n, 0]]);
    assert.deepEqual(cluster.apis(), ['FindCoordinator', 'FindCoordinator', 'InitProducerId', 'InitProducerId']);
    const init = cluster.sent.find((s) => s.api === 'InitProducerId')!;
    assert.equal(init.node, 1, 'sent to the coordinator');
    assert.equal(init.request['transactionalId'], 'tx');
    assert.equal(init.request['transactionTimeoutMs'], 60000);
  });

  test('NOT_COORDINATOR and a lost connection send the request again to the coordinator found anew', async () => {
    const { tm, cluster } = setup();
    await tm.initTransactions(5000);
    await tm.beginTransaction();
    cluster.coordinator = 2;
    cluster.script('EndTxn', () => new NetworkError('gone', 'disconnected'));
    cluster.script('AddOffsetsToTxn', () => ({ throttleTimeMs: 0, errorCode: 16 }));
    await tm.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 5 }], { groupId: 'g' }, 5000);
    const after = cluster.sent.slice(2);
    assert.deepEqual(after.map((s) => `${s.api}@${s.node}`), ['AddOffsetsToTxn@1', 'FindCoordinator@0', 'AddOffsetsToTxn@2', 'FindCoordinator@0', 'TxnOffsetCommit@2']);
    cluster.coordinator = 3;
    await tm.commitTransaction(5000);
    assert.deepEqual(cluster.sent.slice(7).map((s) => `${s.api}@${s.node}`), ['EndTxn@2', 'FindCoordinator@0', 'EndTxn@3']);
    assert.equal(tm.state, 'READY');
  });

  test('transaction.version 1: a partition is drained only once AddPartitionsToTxn added it', async () => {
    const { tm, cluster, addBatch, complete } = setup();
    await tm.initTransactions(5000);
    await tm.beginTransaction();
    // The previous transaction's markers: CONCURRENT_TRANSACTIONS, retried soon.
    cluster.script('AddPartitionsToTxn', (req) => ({
      throttleTimeMs: 0,
      resultsByTopic: (req['topics'] as Array<{ name: string; partitions: number[] }>).map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: 51 })),
      })),
    }));
    const q = addBatch(0, 3);
    assert.equal(tm.mayDrain(q as never), false);
    tm.run(Date.now());
    await settle(80);
    assert.equal(tm.mayDrain(q as never), true);
    const adds = cluster.sent.filter((s) => s.api === 'AddPartitionsToTxn');
    assert.equal(adds.length, 2);
    assert.deepEqual(adds[1]!.request['topics'], [{ name: 'topic0', partitions: [3] }]);
    const committing = tm.commitTransaction(5000);
    await settle();
    assert.ok(!cluster.apis().includes('EndTxn'), 'EndTxn waits for the batches');
    complete(q);
    await committing;
    assert.equal(cluster.sent.at(-1)!.api, 'EndTxn');
    assert.equal(cluster.sent.at(-1)!.request['committed'], true);
  });

  test('transaction.version 2: no AddPartitionsToTxn, and EndTxn v5 hands over the next epoch', async () => {
    const { tm, cluster, adopted, addBatch, complete } = setup({ transactionVersion: 2 });
    cluster.versions.set(ApiKey.EndTxn, 5);
    cluster.script('EndTxn', () => ({ throttleTimeMs: 0, errorCode: 0, producerId: 7n, producerEpoch: 1 }));
    await tm.initTransactions(5000);
    await tm.beginTransaction();
    assert.ok(tm.transactionV2Enabled);
    const q = addBatch(0, 0);
    assert.equal(tm.mayDrain(q as never), true);
    complete(q);
    await tm.commitTransaction(5000);
    assert.ok(!cluster.apis().includes('AddPartitionsToTxn'));
    assert.deepEqual(adopted, [
      [7n, 0],
      [7n, 1],
    ]);
  });

  test('EndTxn is skipped when nothing reached the coordinator', async () => {
    const { tm, cluster } = setup();
    await tm.initTransactions(5000);
    await tm.beginTransaction();
    await tm.commitTransaction(5000);
    await tm.beginTransaction();
    await tm.abortTransaction(5000);
    assert.deepEqual(cluster.apis(), ['FindCoordinator', 'InitProducerId']);
    assert.equal(tm.state, 'READY');
  });

  test('a failed batch makes the transaction abortable: commit fails, abort bumps the epoch (KIP-360)', async () => {
    const { tm, cluster, adopted, failed, addBatch, complete } = setup();
    await tm.initTransactions(5000);
    await tm.beginTransaction();
    const q = addBatch(0, 0);
    tm.run(Date.now());
    await settle();
    complete(q);
    tm.batchFailed(29);
    assert.equal(tm.state, 'ABORTABLE_ERROR');
    const unsent = addBatch(0, 1);
    await assert.rejects(tm.commitTransaction(5000), (err: Error) => err.name === 'ABORTABLE:TOPIC_AUTHORIZATION_FAILED' && /abortTransaction/.test(err.message));
    await settle(); // the Sender's next pass
    assert.deepEqual(failed.map(([, code]) => code), [-105], 'the unsent batch fails as TRANSACTION_ABORTED');
    assert.equal(unsent.batches.length, 0);
    cluster.script('InitProducerId', (req) => ({ throttleTimeMs: 0, errorCode: 0, producerId: req['producerId'], producerEpoch: (req['producerEpoch'] as number) + 1 }));
    await tm.abortTransaction(5000);
    assert.deepEqual(cluster.apis().slice(-2), ['EndTxn', 'InitProducerId']);
    const bump = cluster.sent.at(-1)!.request;
    assert.equal(bump['producerId'], 7n);
    assert.equal(bump['producerEpoch'], 0);
    assert.deepEqual(adopted.at(-1), [7n, 1]);
    assert.equal(tm.state, 'READY');
  });

  test('PRODUCER_FENCED from the coordinator is fatal, and every later call says so', async () => {
    const { tm, cluster, addBatch, complete } = setup();
    await tm.initTransactions(5000);
    await tm.beginTransaction();
    const q = addBatch(0, 0);
    tm.run(Date.now());
    await settle();
    complete(q);
    cluster.script('EndTxn', () => ({ throttleTimeMs: 0, errorCode: 47, producerId: -1n, producerEpoch: -1 }));
    const fenced = (err: Error): boolean => err.name === 'FATAL:PRODUCER_FENCED';
    await assert.rejects(tm.commitTransaction(5000), fenced);
    assert.equal(tm.state, 'FATAL_ERROR');
    await assert.rejects(tm.beginTransaction(), fenced);
    await assert.rejects(tm.abortTransaction(5000), fenced);
  });

  test('a call that timed out must be repeated before any other; the repeat waits for the same operation', async () => {
    const { tm, cluster } = setup();
    cluster.script('InitProducerId', () => new Promise<never>(() => {}) as never); // never answered
    const first = tm.initTransactions(50);
    await assert.rejects(first, (err: Error) => err.name === 'TIMEOUT' && /initTransactions/.test(err.message));
    await assert.rejects(tm.beginTransaction(), (err: Error) => err.name === 'ILLEGAL_STATE:INITIALIZING' && /initTransactions\(\) timed out/.test(err.message));
    await assert.rejects(tm.commitTransaction(10), (err: Error) => err.name === 'ILLEGAL_STATE:INITIALIZING');
    await assert.rejects(tm.initTransactions(20), (err: Error) => err.name === 'TIMEOUT');
    assert.equal(cluster.apis().filter((a) => a === 'InitProducerId').length, 1, 'no second InitProducerId');
  });

  test('calls out of order name the state', async () => {
    const { tm } = setup();
    await assert.rejects(tm.beginTransaction(), (err: Error) => err.name === 'ILLEGAL_STATE:UNINITIALIZED' && /initTransactions\(\) first/.test(err.message));
    await tm.initTransactions(5000);
    await assert.rejects(tm.commitTransaction(100), (err: Error) => err.name === 'ILLEGAL_STATE:READY');
    await assert.rejects(tm.sendOffsetsToTransaction([], { groupId: 'g' }, 100), (err: Error) => err.name === 'ILLEGAL_STATE:READY');
    await tm.beginTransaction();
    await assert.rejects(tm.beginTransaction(), (err: Error) => err.name === 'ILLEGAL_STATE:IN_TRANSACTION');
    await assert.rejects(tm.initTransactions(100), (err: Error) => err.name === 'ILLEGAL_STATE:IN_TRANSACTION');
  });
});
