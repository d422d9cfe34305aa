/**
 * The idempotent producer's sequence rules (packages/sender/src/transactions/idempotence.ts),
 * held to the Java client's TransactionManager case by case: which sequence errors are retried,
 * which bump the epoch (KIP-360: locally, same producer id, epoch + 1, a new producer id only
 * when the epoch runs out), how a partition restarts at sequence 0 under the new epoch, and when
 * a partition still finishing batches of the old epoch may move to the new one.
 *
 * The same behaviour against a real broker: test/integration/failover-epoch-bump.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  MAX_PRODUCER_EPOCH,
  PartitionQueue,
  ProducerBatch,
  bumpedEpoch,
  mayNumberNewBatch,
  restartSequences,
  sequenceErrorVerdict,
  type SequenceErrorContext,
} from '@tandem/sender';

const OUT_OF_ORDER = 45;
const UNKNOWN_PRODUCER_ID = 59;

function ctx(over: Partial<SequenceErrorContext>): SequenceErrorContext {
  return { code: OUT_OF_ORDER, transactional: false, gapIsOurs: false, sequenceReset: false, logStartOffset: 0n, ...over };
}

/** A batch of `count` records numbered from `sequence` under producer 7, epoch `epoch` (-1: not numbered yet). */
function batch(count: number, sequence: number, epoch = 0): ProducerBatch {
  const b = new ProducerBatch(0, 0, 0, 2, 0, 0);
  b.recordCount = count;
  b.baseSequence = sequence;
  if (sequence >= 0) {
    b.producerId = 7n;
    b.producerEpoch = epoch;
  }
  return b;
}

function queue(epoch: number, ...batches: ProducerBatch[]): PartitionQueue {
  const q = new PartitionQueue(0, 2);
  q.producerId = 7n;
  q.producerEpoch = epoch;
  q.batches.push(...batches);
  q.nextSequence = batches.filter((b) => b.baseSequence >= 0).reduce((n, b) => n + b.recordCount, 0);
  q.sequenceConfirmed = true;
  return q;
}

describe('the epoch bump of an idempotent producer (KIP-360)', () => {
  test('is local: the next epoch, the same producer id', () => {
    assert.equal(bumpedEpoch(0), 1);
    assert.equal(bumpedEpoch(41), 42);
    assert.equal(bumpedEpoch(MAX_PRODUCER_EPOCH - 1), MAX_PRODUCER_EPOCH);
  });

  test('at epoch 32767 asks for a new producer id instead (null)', () => {
    assert.equal(MAX_PRODUCER_EPOCH, 32767);
    assert.equal(bumpedEpoch(32767), null);
  });
});

describe('OUT_OF_ORDER_SEQUENCE_NUMBER (Java TransactionManager#canRetry)', () => {
  test('a gap of our own making (an earlier batch still to be written) is retried as is', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ gapIsOurs: true })), { retry: true, bumpEpoch: false });
    assert.deepEqual(sequenceErrorVerdict(ctx({ gapIsOurs: true, transactional: true })), { retry: true, bumpEpoch: false });
  });

  test('a batch whose sequence already restarted is retried as is (no second bump)', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ sequenceReset: true })), { retry: true, bumpEpoch: false });
  });

  test('a real gap: the idempotent producer bumps the epoch and retries', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({})), { retry: true, bumpEpoch: true });
  });

  test('a real gap: the transactional producer fails the batch (the transaction aborts)', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ transactional: true })), { retry: false, bumpEpoch: false });
  });
});

describe('UNKNOWN_PRODUCER_ID (Java TransactionManager#canRetry)', () => {
  test('with no log start offset in the response (-1), retried as is until the broker knows it', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ code: UNKNOWN_PRODUCER_ID, logStartOffset: -1n })), { retry: true, bumpEpoch: false });
    assert.deepEqual(sequenceErrorVerdict(ctx({ code: UNKNOWN_PRODUCER_ID, logStartOffset: -1n, transactional: true })), { retry: true, bumpEpoch: false });
  });

  test('on a batch whose sequence already restarted: retried as is', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ code: UNKNOWN_PRODUCER_ID, sequenceReset: true })), { retry: true, bumpEpoch: false });
  });

  test('otherwise the idempotent producer bumps the epoch and retries from sequence 0', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ code: UNKNOWN_PRODUCER_ID, logStartOffset: 1234n })), { retry: true, bumpEpoch: true });
  });

  test('otherwise the transactional producer fails the batch', () => {
    assert.deepEqual(sequenceErrorVerdict(ctx({ code: UNKNOWN_PRODUCER_ID, transactional: true })), { retry: false, bumpEpoch: false });
  });

  test('other codes are not sequence errors (null: the ordinary retriable rule applies)', () => {
    for (const code of [0, 6, 7, 13, 19, 46, 47, 90]) assert.equal(sequenceErrorVerdict(ctx({ code })), null, `code ${code}`);
  });
});

describe('restarting a partition at sequence 0 under the bumped epoch', () => {
  test('renumbers the numbered batches in queue order from 0, marks them for a header rewrite, and leaves new ones for drain', () => {
    const a = batch(10, 20);
    const b = batch(5, 30);
    const fresh = batch(3, -1);
    const q = queue(0, a, b, fresh);
    restartSequences(q, 7n, 1);
    assert.deepEqual(
      [a, b].map((x) => [x.producerId, x.producerEpoch, x.baseSequence, x.sequenceStale, x.sequenceReset]),
      [
        [7n, 1, 0, true, true],
        [7n, 1, 10, true, true],
      ],
    );
    assert.equal(fresh.baseSequence, -1, 'a batch not numbered yet gets its sequence at drain');
    assert.equal(q.nextSequence, 15, 'the next new batch follows the renumbered ones');
    assert.deepEqual([q.producerId, q.producerEpoch], [7n, 1]);
    assert.equal(q.sequenceConfirmed, false, 'one batch at a time until the broker has accepted the new epoch');
  });

  test('wraps at 2^31 - 1 as the broker does', () => {
    const q = queue(0, batch(0x7fffffff, 0), batch(4, 0x7fffffff));
    restartSequences(q, 7n, 3);
    assert.equal(q.batches[1]!.baseSequence, 0x7fffffff);
    assert.equal(q.nextSequence, 3);
  });
});

describe('a partition still under the old epoch after a bump', () => {
  test('numbers nothing new while batches numbered under the old epoch are in flight or waiting to be retried', () => {
    const retrying = batch(10, 50, 0);
    const q = queue(0, retrying, batch(5, -1));
    assert.equal(mayNumberNewBatch(q, 7n, 1), false);
    assert.equal(q.producerEpoch, 0);
    const inFlight = queue(0, batch(5, -1));
    inFlight.inFlight = 1;
    assert.equal(mayNumberNewBatch(inFlight, 7n, 1), false);
  });

  test('moves to the new epoch at sequence 0 once they are done', () => {
    const q = queue(0, batch(5, -1));
    q.nextSequence = 60;
    assert.equal(mayNumberNewBatch(q, 7n, 1), true);
    assert.deepEqual([q.producerId, q.producerEpoch, q.nextSequence, q.sequenceConfirmed], [7n, 1, 0, false]);
  });

  test('a partition already under the current epoch goes on as it was', () => {
    const q = queue(1, batch(10, 0, 1), batch(5, -1));
    assert.equal(mayNumberNewBatch(q, 7n, 1), true);
    assert.deepEqual([q.nextSequence, q.sequenceConfirmed], [10, true]);
  });

  test('a new producer id (the epoch ran out) moves it too', () => {
    const q = queue(MAX_PRODUCER_EPOCH, batch(5, -1));
    assert.equal(mayNumberNewBatch(q, 8n, 0), true);
    assert.deepEqual([q.producerId, q.producerEpoch, q.nextSequence], [8n, 0, 0]);
  });
});
