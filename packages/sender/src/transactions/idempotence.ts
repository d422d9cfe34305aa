/**
 * The idempotent producer's sequence rules that decide, without I/O, what to do when the broker
 * answers a numbered batch with a sequence error, and how a partition's sequences restart under
 * a bumped epoch (KIP-360). The Sender applies them (sender.ts); they are pure so that the
 * unit tests can hold them to Java's behaviour case by case.
 *
 * Source of truth: the Java client's TransactionManager (`canRetry`, `handleFailedBatch`,
 * `bumpIdempotentProducerEpoch`, `bumpIdempotentEpochAndResetIdIfNeeded`,
 * `maybeUpdateProducerIdAndEpoch`, `maybeResolveSequences`) and Sender (`completeBatch`).
 *
 * The shape of it:
 * - A broker keeps, per partition and producer id, the epoch and the last sequences it wrote.
 *   A batch with a higher epoch than the broker knows must start at sequence 0; a lower epoch
 *   is refused. So a producer whose sequences for a partition can no longer be trusted (a batch
 *   that may or may not have been written expired; a real gap, OUT_OF_ORDER_SEQUENCE_NUMBER;
 *   the broker lost the producer's state, UNKNOWN_PRODUCER_ID) bumps its epoch and starts that
 *   partition at 0 again. An idempotent (non-transactional) producer does this **locally**:
 *   epoch + 1, no request, same producer id. Only at epoch 32767 does it ask for a new producer
 *   id with InitProducerId. (A transactional producer bumps through its coordinator instead,
 *   InitProducerId v3+ with its current id and epoch, when it aborts: transaction-manager.ts.)
 * - The bump is per partition in effect: the partitions that asked for it restart at 0 under
 *   the new epoch; every other partition finishes the batches it numbered under the old epoch
 *   (the broker de-duplicates their retries by that epoch's sequences) and moves to the new
 *   epoch, at sequence 0, for its next new batch.
 */
import type { PartitionQueue } from '../accumulator/record-accumulator.js';

/** Kafka error codes of the sequence rules. */
export const SequenceError = {
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  UNKNOWN_PRODUCER_ID: 59,
} as const;

/** The largest producer epoch (Java's Short.MAX_VALUE). */
export const MAX_PRODUCER_EPOCH = 32767;

/**
 * The epoch an idempotent producer moves to when it bumps locally (KIP-360), or null when the
 * epoch is exhausted and a new producer id must be fetched with InitProducerId instead.
 *
 * @example
 * bumpedEpoch(0)      // 1
 * bumpedEpoch(32767)  // null: InitProducerId for a new producer id, epoch 0
 */
export function bumpedEpoch(epoch: number): number | null {
  return epoch >= MAX_PRODUCER_EPOCH ? null : epoch + 1;
}

/** What the Sender knows when a numbered batch comes back with a sequence error. */
export interface SequenceErrorContext {
  /** The partition error code. */
  readonly code: number;
  /** A transactional producer (no local bumps: its errors go through the transaction). */
  readonly transactional: boolean;
  /**
   * The gap is of the producer's own making: the batch is not the oldest of its partition (an
   * earlier one is still to be written), or it was renumbered after it was sent. Java's
   * `!isNextSequence(...)`.
   */
  readonly gapIsOurs: boolean;
  /** The batch's sequence restarted under a bumped epoch since it was first numbered (Java's `sequenceHasBeenReset`). */
  readonly sequenceReset: boolean;
  /** The response's log start offset; -1 when the broker did not know it (Produce v5+). */
  readonly logStartOffset: bigint;
}

/** The verdict on a sequence error. */
export interface SequenceVerdict {
  /** Retry the batch (within retries and delivery.timeout.ms), rather than fail it. */
  readonly retry: boolean;
  /** Restart the batch's partition at sequence 0 under a bumped epoch before it is sent again. */
  readonly bumpEpoch: boolean;
}

/**
 * Java's TransactionManager#canRetry for OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID,
 * with the epoch bumps it requests; null for any other code (the ordinary retriable rule
 * applies).
 *
 * - UNKNOWN_PRODUCER_ID: the broker has no state for this producer on the partition (its
 *   records were all deleted by retention, say). Retry as is when the log start offset is
 *   unknown (-1: the partition was moving) or the sequence already restarted (the other batches
 *   in flight meet the same error); otherwise an idempotent producer retries under a bumped
 *   epoch from sequence 0, and a transactional one fails the batch (the transaction aborts).
 * - OUT_OF_ORDER_SEQUENCE_NUMBER: retry as is when the gap is ours (the batch is not next, or
 *   was renumbered); otherwise there is a real gap in the log, and an idempotent producer
 *   retries under a bumped epoch, while a transactional one fails the batch.
 */
export function sequenceErrorVerdict(ctx: SequenceErrorContext): SequenceVerdict | null {
  if (ctx.code === SequenceError.UNKNOWN_PRODUCER_ID) {
    if (ctx.logStartOffset < 0n || ctx.sequenceReset) return { retry: true, bumpEpoch: false };
    return ctx.transactional ? { retry: false, bumpEpoch: false } : { retry: true, bumpEpoch: true };
  }
  if (ctx.code === SequenceError.OUT_OF_ORDER_SEQUENCE_NUMBER) {
    if (ctx.gapIsOurs || ctx.sequenceReset) return { retry: true, bumpEpoch: false };
    return ctx.transactional ? { retry: false, bumpEpoch: false } : { retry: true, bumpEpoch: true };
  }
  return null;
}

/**
 * Numbers a partition's batches afresh from sequence 0 under `producerId` and `producerEpoch`
 * (Java's startSequencesAtBeginning): every batch that already has a sequence gets a new one, in
 * queue order, and is marked so its header is rewritten before it is sent again; batches not
 * yet numbered get theirs at drain, after these. The partition's sequence is unconfirmed again,
 * so only one batch goes out until the broker accepts the new epoch.
 *
 * Meant for a partition with nothing in flight (the Sender waits for that): a batch still in
 * flight would be renumbered here, but its bytes are rewritten only when it is sent again
 * (`sequenceStale`), never while they may be on the wire.
 */
export function restartSequences(q: PartitionQueue, producerId: bigint, producerEpoch: number): void {
  let sequence = 0;
  for (const b of q.batches) {
    if (b.baseSequence < 0) continue; // numbered when first drained
    b.producerId = producerId;
    b.producerEpoch = producerEpoch;
    b.baseSequence = sequence;
    b.sequenceStale = true;
    b.sequenceReset = true;
    sequence = (sequence + b.recordCount) % 0x80000000;
  }
  q.producerId = producerId;
  q.producerEpoch = producerEpoch;
  q.nextSequence = sequence;
  q.sequenceConfirmed = false;
}

/**
 * Whether a new (unnumbered) batch of `q` may be numbered now under the producer's current
 * `producerId`/`producerEpoch`, moving the partition to them first if it still runs under an
 * older epoch and has finished every batch numbered under it (Java's
 * maybeUpdateProducerIdAndEpoch, and RecordAccumulator's rule that no new batch is drained
 * while a partition has batches in flight under another epoch).
 */
export function mayNumberNewBatch(q: PartitionQueue, producerId: bigint, producerEpoch: number): boolean {
  if (q.producerId === producerId && q.producerEpoch === producerEpoch) return true;
  if (q.inFlight > 0) return false;
  for (const b of q.batches) if (b.baseSequence >= 0) return false;
  q.producerId = producerId;
  q.producerEpoch = producerEpoch;
  q.nextSequence = 0;
  q.sequenceConfirmed = false;
  return true;
}
