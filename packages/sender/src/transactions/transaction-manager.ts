/**
 * The transactional producer's side of the Sender: the state machine of
 * {@link ./transaction-state.ts}, the requests to the transaction and group coordinators, and
 * the rules for what the Sender may drain during a transaction. Read the Java client's
 * TransactionManager (and Sender#maybeSendAndPollTransactionalRequest) for the behaviour this
 * mirrors; the names are Java's.
 *
 * How it works:
 * - Coordinator requests wait in a queue ordered by priority (FindCoordinator, InitProducerId,
 *   AddPartitionsToTxn / AddOffsetsToTxn / TxnOffsetCommit, EndTxn, epoch bump) and go out one
 *   at a time, from {@link TransactionManager.run}, which the Sender calls on every pass of its
 *   loop. A request that needs a coordinator we do not know first queues a FindCoordinator;
 *   NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a lost connection forget the coordinator and
 *   look it up again; CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS and other
 *   retriable errors retry after retry.backoff.ms (20 ms for the first AddPartitionsToTxn of a
 *   transaction, which usually meets the previous transaction's markers still being written).
 * - transaction.version 1 (the cluster's finalized feature below 2): a partition's batches are
 *   not drained until AddPartitionsToTxn has added the partition ({@link mayDrain}); the
 *   request goes out as soon as a batch for a new partition appears (during its linger).
 *   Offsets take AddOffsetsToTxn, then TxnOffsetCommit to the group coordinator.
 * - transaction.version 2 (KIP-890 part 2, Kafka 4.0+ clusters): Produce v12 adds partitions
 *   and TxnOffsetCommit v5 adds the group implicitly; every EndTxn bumps the epoch, and its v5
 *   reply carries the producer id and epoch for the next transaction, which the producer adopts
 *   with every partition's sequence numbers restarting at 0.
 * - EndTxn waits until every batch of the transaction has completed, and is skipped when the
 *   transaction never reached the coordinator (no partition or offsets added). A commit flushes
 *   first; an abort fails the batches not yet sent (TRANSACTION_ABORTED) and waits for those in
 *   flight.
 * - A batch that fails puts the transaction in ABORTABLE_ERROR (commit then fails; only abort
 *   is allowed), or in FATAL_ERROR for PRODUCER_FENCED and the other errors Java treats as
 *   fatal. Under transaction.version 1 the abort after a failed batch bumps the epoch
 *   (InitProducerId with the current producer id and epoch, KIP-360), since that batch's
 *   sequence numbers may be lost to the broker.
 * - The blocking calls give up after their timeout (max.block.ms) while the operation goes on;
 *   calling the same operation again waits for it, and any other call fails until it has been
 *   (Java's pending transition).
 */
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  ApiKey,
  CoordinatorType,
  EndTxn,
  FindCoordinator,
  InitProducerId,
  KafkaErrorCodes as E,
  TxnOffsetCommit,
  coordinatorsOf,
  isRetriableErrorCode,
  kafkaErrorByCode,
  type AddPartitionsToTxnTopic,
  type TxnOffsetCommitRequestTopic,
} from '@tandem/protocol';
import { LocalErrorCode, type ConsumerGroupMetadata, type TransactionOffset } from '@tandem/shared-memory';
import { BatchState, type ProducerBatch } from '../accumulator/producer-batch.js';
import { RecordAccumulator, type PartitionQueue } from '../accumulator/record-accumulator.js';
import { NetworkError } from '../network/broker-connection.js';
import { UnsupportedVersionError, type NetworkClient } from '../network/network-client.js';
import { illegalState, isTransitionValid, transactionFailure, type TransactionState } from './transaction-state.js';

/** What the TransactionManager needs of the Sender it lives in. */
export interface TransactionHost {
  readonly network: NetworkClient;
  readonly accumulator: RecordAccumulator;
  /** The name of the topic with this index. */
  topicName(topicIndex: number): string | undefined;
  /**
   * Batches drained from now on carry this producer id and epoch, and every partition's
   * sequence numbers start again at 0.
   */
  adoptProducerId(producerId: bigint, producerEpoch: number): void;
  /** Completes a batch with an error (Kafka code or LocalErrorCode). */
  failBatch(batch: ProducerBatch, code: number): void;
  /** Asks the Sender to run its loop soon (a response arrived, a state changed). */
  scheduleRun(): void;
}

/** Settings of a {@link TransactionManager}. */
export interface TransactionSettings {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly reconnectBackoffMs: number;
}

/** Order in which queued requests go out (Java's TransactionManager.Priority). */
const Priority = {
  FIND_COORDINATOR: 0,
  INIT_PRODUCER_ID: 1,
  ADD_PARTITIONS_OR_OFFSETS: 2,
  END_TXN: 3,
  EPOCH_BUMP: 4,
} as const;

/** The first AddPartitionsToTxn of a transaction retries CONCURRENT_TRANSACTIONS this soon (Java's). */
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20;

/** Errors of a failed batch after which the producer cannot go on (Java's maybeTransitionToErrorState). */
const FATAL_BATCH_ERRORS = new Set<number>([
  E.PRODUCER_FENCED,
  E.CLUSTER_AUTHORIZATION_FAILED,
  E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  E.UNSUPPORTED_VERSION,
  E.INVALID_PRODUCER_ID_MAPPING,
]);

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The error that put the transaction manager in an error state. */
interface TxnError {
  /** Kafka error code, or a LocalErrorCode, or -1 for failures no code names. */
  readonly code: number;
  /** Kafka's name for the code, or Tandem's. */
  readonly name: string;
  readonly message: string;
}

/** The outcome of an operation a control call waits for (Java's TransactionalRequestResult). */
class OperationResult {
  readonly promise: Promise<void>;
  /** Succeeded or failed. */
  settled = false;
  /** A control call has seen the outcome: a repeat of the call starts afresh. */
  acked = false;
  private resolveFn!: () => void;
  private rejectFn!: (err: Error) => void;

  constructor(readonly operation: string) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.promise.catch(() => {});
  }

  done(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn();
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(err);
  }
}

type CoordinatorKind = 'transaction' | 'group';

/** A queued coordinator request (Java's TxnRequestHandler). */
interface TxnRequest {
  readonly api: 'FindCoordinator' | 'InitProducerId' | 'AddPartitionsToTxn' | 'AddOffsetsToTxn' | 'TxnOffsetCommit' | 'EndTxn';
  readonly priority: number;
  /** The coordinator it goes to, or null for any broker. */
  readonly coordinator: CoordinatorKind | null;
  /** The coordinator's key: the transactional id, or the group id. */
  readonly key: string;
  readonly result: OperationResult;
  /** Not before this time (retry backoff), ms. */
  retryAtMs: number;
  /** Queue order among equal priorities. */
  order: number;
  /** Sends the request to `node` and handles the response. */
  send(node: number): Promise<void>;
}

/** A blocking operation that timed out and must be repeated before anything else (Java's PendingStateTransition). */
interface PendingTransition {
  readonly result: OperationResult;
  readonly state: TransactionState;
  readonly operation: string;
}

export class TransactionManager {
  private currentState: TransactionState = 'UNINITIALIZED';
  private lastError: TxnError | null = null;
  private producerId = -1n;
  private producerEpoch = -1;
  /** Node id of the transaction coordinator, or -1 when unknown. */
  private transactionCoordinator = -1;
  /** Node id of each consumer group's coordinator. */
  private readonly groupCoordinators = new Map<string, number>();
  private readonly queue: TxnRequest[] = [];
  private inFlight: TxnRequest | null = null;
  private pendingTransition: PendingTransition | null = null;
  /** Partitions added to the transaction (transaction.version 1), by RecordAccumulator.key. */
  private readonly partitionsInTransaction = new Set<number>();
  /** Partitions with batches, not added yet. */
  private readonly newPartitions = new Map<number, PartitionQueue>();
  /** Partitions in an AddPartitionsToTxn request that has not been answered. */
  private readonly pendingPartitions = new Map<number, PartitionQueue>();
  /** The coordinator knows of this transaction: EndTxn is needed to end it. */
  private transactionStarted = false;
  /** The abort must bump the epoch (KIP-360). */
  private epochBumpRequired = false;
  private transactionV2 = false;
  /** InitProducerId v3+ (KIP-360): the coordinator can bump an epoch. */
  private coordinatorSupportsEpochBump = false;
  /** Set while this manager fails batches itself, so that those failures are not new errors. */
  private failingBatches = false;
  private order = 0;
  /** close() has begun: no new calls. */
  private closing = false;
  /** The Sender has stopped. */
  private closed = false;

  constructor(
    private readonly settings: TransactionSettings,
    private readonly host: TransactionHost,
  ) {}

  /** The current state (Java's names). */
  get state(): TransactionState {
    return this.currentState;
  }

  /** Whether the cluster runs transactions V2 (KIP-890 part 2), as of the current transaction. */
  get transactionV2Enabled(): boolean {
    return this.transactionV2;
  }

  // ---------------------------------------------------------------- control calls

  /** Gets a producer id and epoch from the transaction coordinator, fencing older instances. */
  initTransactions(timeoutMs: number): Promise<void> {
    return this.blocking('initTransactions', timeoutMs, () =>
      this.cached('initTransactions', 'INITIALIZING', () => {
        this.maybeFailWithError('initTransactions');
        this.transitionTo('INITIALIZING', 'initTransactions');
        return this.enqueueInitProducerId(false);
      }),
    );
  }

  /** Starts a transaction: local, nothing is sent. */
  beginTransaction(): Promise<void> {
    try {
      this.ensureOpen();
      this.throwIfPendingState('beginTransaction');
      this.maybeFailWithError('beginTransaction');
      this.transitionTo('IN_TRANSACTION', 'beginTransaction');
      this.updateTransactionVersion();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Adds consumer offsets to the transaction; resolves once the group coordinator has them. */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata, timeoutMs: number): Promise<void> {
    return this.blocking('sendOffsetsToTransaction', timeoutMs, () => {
      this.throwIfPendingState('sendOffsetsToTransaction');
      this.maybeFailWithError('sendOffsetsToTransaction');
      if (this.currentState !== 'IN_TRANSACTION') {
        throw illegalState(this.currentState, 'sendOffsetsToTransaction', this.settings.transactionalId);
      }
      const result = new OperationResult('sendOffsetsToTransaction');
      if (offsets.length === 0) {
        result.done();
      } else if (this.transactionV2) {
        // TxnOffsetCommit v5 adds the group to the transaction itself.
        this.transactionStarted = true;
        this.enqueue(this.txnOffsetCommitRequest(result, offsets, group));
      } else {
        this.enqueue(this.addOffsetsRequest(result, offsets, group));
      }
      return result;
    });
  }

  /** Commits the transaction once every batch of it has completed. */
  commitTransaction(timeoutMs: number): Promise<void> {
    return this.blocking('commitTransaction', timeoutMs, () =>
      this.cached('commitTransaction', 'COMMITTING_TRANSACTION', () => {
        this.maybeFailWithError('commitTransaction');
        this.transitionTo('COMMITTING_TRANSACTION', 'commitTransaction');
        // Every batch of the transaction is sent now, ignoring linger.ms.
        this.host.accumulator.pollAnnouncements();
        this.host.accumulator.beginFlush(false);
        return this.beginCompletingTransaction(true);
      }),
    );
  }

  /** Aborts the transaction: batches not sent yet fail, those in flight are waited for. */
  abortTransaction(timeoutMs: number): Promise<void> {
    return this.blocking('abortTransaction', timeoutMs, () =>
      this.cached('abortTransaction', 'ABORTING_TRANSACTION', () => {
        if (this.currentState !== 'ABORTABLE_ERROR') this.maybeFailWithError('abortTransaction');
        this.transitionTo('ABORTING_TRANSACTION', 'abortTransaction');
        this.newPartitions.clear();
        this.host.accumulator.pollAnnouncements();
        return this.beginCompletingTransaction(false);
      }),
    );
  }

  /**
   * The producer is closing: no new calls are taken, and a transaction still open is aborted
   * (its batches not sent yet fail with TRANSACTION_ABORTED; Java aborts it at shutdown too,
   * though only after sending them). A commit or abort under way goes on. The Sender waits
   * while {@link busy}, then calls {@link close}.
   */
  beginClose(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.currentState === 'IN_TRANSACTION' || this.currentState === 'ABORTABLE_ERROR') {
      this.currentState = 'ABORTING_TRANSACTION';
      this.lastError = null;
      this.newPartitions.clear();
      this.enqueue(this.endTxnRequest(false));
    }
    this.host.scheduleRun();
  }

  /** A coordinator request is still to be sent or answered (close waits for it). */
  get busy(): boolean {
    return !this.closed && this.currentState !== 'FATAL_ERROR' && (this.inFlight !== null || this.queue.length > 0);
  }

  /** The Sender stops: every call still waiting fails. */
  close(): void {
    if (this.closed) return;
    this.closing = true;
    this.closed = true;
    const err = transactionFailure('CLOSED', `The transactional producer '${this.settings.transactionalId}' was closed.`);
    this.pendingTransition?.result.fail(err);
    for (const r of this.queue.splice(0)) r.result.fail(err);
    this.inFlight?.result.fail(err);
  }

  // ---------------------------------------------------------------- the Sender's hooks

  /**
   * One pass of the Sender's loop: fails the batches an abort or an error rules out, notes
   * partitions to add, and sends the next coordinator request if none is in flight. Returns
   * when to run again (ms), or Infinity if a response or a completion will wake the Sender.
   */
  run(now: number): number {
    if (this.closed) return Infinity;
    if (this.currentState === 'FATAL_ERROR') {
      this.failAllBatches();
      return Infinity;
    }
    if (this.currentState === 'ABORTABLE_ERROR' || this.currentState === 'ABORTING_TRANSACTION') {
      this.abortUndrainedBatches();
    } else if (!this.transactionV2 && (this.currentState === 'IN_TRANSACTION' || this.currentState === 'COMMITTING_TRANSACTION')) {
      this.collectNewPartitions();
    }
    if (this.newPartitions.size > 0 && !this.isQueued('AddPartitionsToTxn')) this.enqueue(this.addPartitionsRequest());

    while (this.inFlight === null) {
      const next = this.peek();
      if (next === undefined) return Infinity;
      if (next.api === 'EndTxn') {
        // Not before every batch of the transaction has completed (each completion runs the
        // Sender again), and its outcome is in the completion ring.
        const acc = this.host.accumulator;
        if (acc.incomplete > 0) return Infinity;
        if (acc.unpublished > 0) return now + 5;
      }
      if (next.retryAtMs > now) return next.retryAtMs;
      this.queue.splice(this.queue.indexOf(next), 1);
      if (this.terminatedByError(next)) continue;
      if (next.api === 'EndTxn' && !this.transactionStarted) {
        // Nothing reached the coordinator: there is nothing to end.
        next.result.done();
        this.completeTransaction();
        continue;
      }
      const node = this.targetOf(next, now);
      if (node === null) {
        this.enqueue(next);
        continue;
      }
      this.dispatch(next, node);
    }
    return Infinity;
  }

  /**
   * Whether the Sender may drain the batches of `q` now: the producer id is known, a
   * transaction is in progress or completing, and (transaction.version 1) the partition has
   * been added to it (Java's isSendToPartitionAllowed).
   */
  mayDrain(q: PartitionQueue): boolean {
    switch (this.currentState) {
      case 'IN_TRANSACTION':
      case 'COMMITTING_TRANSACTION':
      case 'ABORTABLE_ERROR':
      case 'ABORTING_TRANSACTION':
        break;
      default:
        return false;
    }
    if (this.transactionV2) {
      // Produce v12 adds the partition: from this batch on, the coordinator knows the transaction.
      this.transactionStarted = true;
      return true;
    }
    return this.partitionsInTransaction.has(RecordAccumulator.key(q.topicIndex, q.partition));
  }

  /**
   * A batch failed with `code` (a Kafka error or a LocalErrorCode): the transaction cannot
   * commit (ABORTABLE_ERROR), or the producer cannot go on (FATAL_ERROR), as Java's
   * TransactionManager#maybeTransitionToErrorState.
   */
  batchFailed(code: number): void {
    if (this.failingBatches || this.closed) return;
    if (code === E.PRODUCER_FENCED) {
      this.toFatal(this.fencedError());
      return;
    }
    const error = errorOfCode(code, 'a batch of the transaction failed');
    if (FATAL_BATCH_ERRORS.has(code)) {
      this.toFatal(error);
      return;
    }
    // Under transaction.version 2 the coordinator bumps the epoch at every EndTxn itself.
    const completing = this.currentState === 'COMMITTING_TRANSACTION' || this.currentState === 'ABORTING_TRANSACTION';
    if (!this.transactionV2 && this.coordinatorSupportsEpochBump && !completing) this.epochBumpRequired = true;
    this.toAbortable(error);
  }

  // ---------------------------------------------------------------- state

  private transitionTo(target: TransactionState, operation: string): void {
    if (!isTransitionValid(this.currentState, target)) {
      throw illegalState(this.currentState, operation, this.settings.transactionalId);
    }
    this.currentState = target;
    this.lastError = null;
  }

  private toFatal(error: TxnError): void {
    if (this.currentState === 'FATAL_ERROR') return;
    this.currentState = 'FATAL_ERROR';
    this.lastError = error;
    const failure = this.failure('FATAL', error, this.pendingTransition?.operation ?? 'the transaction');
    this.pendingTransition?.result.fail(failure);
    for (const r of this.queue.splice(0)) r.result.fail(this.failure('FATAL', error, r.result.operation));
    this.host.scheduleRun();
  }

  private toAbortable(error: TxnError): void {
    // An abort in progress needs no second reason; a state with no transaction has nothing to abort.
    if (this.currentState === 'ABORTING_TRANSACTION' || !isTransitionValid(this.currentState, 'ABORTABLE_ERROR')) return;
    this.currentState = 'ABORTABLE_ERROR';
    this.lastError = error;
    this.host.scheduleRun();
  }

  /** The failure of `operation` because of `error`: ABORTABLE or FATAL, named for the error. */
  private failure(kind: 'FATAL' | 'ABORTABLE', error: TxnError, operation: string): Error {
    // The user's calls read as calls; request names (EndTxn, ...) and phrases as they are.
    const what = /^[a-z][A-Za-z]+$/.test(operation) ? `${operation}()` : operation;
    const advice =
      kind === 'ABORTABLE'
        ? 'Abort the transaction with abortTransaction(), then begin a new one.'
        : 'The producer cannot be used any more: close it.';
    return transactionFailure(`${kind}:${error.name}`, `${what} of transactional producer '${this.settings.transactionalId}' failed: ${error.message} ${advice}`);
  }

  /** Throws when an earlier error rules out any transactional call but abort (Java's maybeFailWithError). */
  private maybeFailWithError(operation: string): void {
    const e = this.lastError;
    if (e === null) return;
    if (this.currentState === 'FATAL_ERROR') throw this.failure('FATAL', e, operation);
    if (this.currentState === 'ABORTABLE_ERROR') throw this.failure('ABORTABLE', e, operation);
  }

  private ensureOpen(): void {
    if (this.closing) throw transactionFailure('CLOSED', `The transactional producer '${this.settings.transactionalId}' is closing.`);
  }

  /** Fails when a blocking call timed out and was not repeated to its end (Java's throwIfPendingState). */
  private throwIfPendingState(operation: string): void {
    const p = this.pendingTransition;
    if (p === null) return;
    if (p.result.acked) {
      this.pendingTransition = null;
      return;
    }
    throw illegalState(
      this.currentState,
      operation,
      this.settings.transactionalId,
      `the previous call to ${p.operation}() timed out and must be retried (call ${p.operation}() again) first`,
    );
  }

  /**
   * Starts a blocking operation, or returns the outcome of the same one that timed out earlier
   * (Java's handleCachedTransactionRequestResult).
   */
  private cached(operation: string, next: TransactionState, start: () => OperationResult): OperationResult {
    const p = this.pendingTransition;
    if (p !== null) {
      if (p.result.acked) this.pendingTransition = null;
      else if (p.state !== next) {
        throw illegalState(
          this.currentState,
          operation,
          this.settings.transactionalId,
          `the previous call to ${p.operation}() timed out and must be retried (call ${p.operation}() again) first`,
        );
      } else return p.result;
    }
    const result = start();
    this.pendingTransition = { result, state: next, operation };
    return result;
  }

  /** Runs `start` and waits up to `timeoutMs` for the result it returns. */
  private blocking(operation: string, timeoutMs: number, start: () => OperationResult): Promise<void> {
    let result: OperationResult;
    try {
      this.ensureOpen();
      result = start();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.host.scheduleRun();
    if (result.settled) {
      result.acked = true;
      return result.promise;
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          transactionFailure(
            'TIMEOUT',
            `Timeout expired after ${timeoutMs} ms while awaiting ${operation}() of transactional producer '${this.settings.transactionalId}' ` +
              `(max.block.ms). It goes on in the background: call ${operation}() again to wait for it.`,
          ),
        );
      }, Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
      result.promise.then(
        () => {
          clearTimeout(timer);
          result.acked = true;
          resolve();
        },
        (err: Error) => {
          clearTimeout(timer);
          result.acked = true;
          reject(err);
        },
      );
    });
  }

  private setProducerId(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.host.adoptProducerId(producerId, producerEpoch);
  }

  /** The cluster's transaction.version as the transaction coordinator reported it (Java checks at begin). */
  private updateTransactionVersion(): void {
    const ready = this.host.network.readyConnection(this.transactionCoordinator);
    if (ready !== null) this.transactionV2 = ready.transactionVersion >= 2;
  }

  private beginCompletingTransaction(commit: boolean): OperationResult {
    // INVALID_PRODUCER_ID_MAPPING: the coordinator refuses EndTxn; go straight to the epoch bump.
    if (this.lastError?.code !== E.INVALID_PRODUCER_ID_MAPPING) {
      const end = this.endTxnRequest(commit);
      this.enqueue(end);
      if (!this.epochBumpRequired) return end.result;
    }
    return this.enqueueInitProducerId(true);
  }

  /** The transaction ended (Java's completeTransaction): READY, or INITIALIZING for an epoch bump. */
  private completeTransaction(): void {
    const bump = this.epochBumpRequired && this.currentState === 'ABORTING_TRANSACTION';
    this.currentState = bump ? 'INITIALIZING' : 'READY';
    this.lastError = null;
    this.epochBumpRequired = false;
    this.transactionStarted = false;
    this.newPartitions.clear();
    this.pendingPartitions.clear();
    this.partitionsInTransaction.clear();
  }

  private fencedError(): TxnError {
    return {
      code: E.PRODUCER_FENCED,
      name: 'PRODUCER_FENCED',
      message:
        `the producer (producer id ${this.producerId}, epoch ${this.producerEpoch}) has been fenced by another producer ` +
        'with the same transactional.id.',
    };
  }

  // ---------------------------------------------------------------- batches

  /** TV1: partitions with batches that are not in the transaction yet. */
  private collectNewPartitions(): void {
    for (const q of this.host.accumulator.partitionQueues()) {
      if (q.batches.length === 0) continue;
      const key = RecordAccumulator.key(q.topicIndex, q.partition);
      if (this.partitionsInTransaction.has(key) || this.pendingPartitions.has(key) || this.newPartitions.has(key)) continue;
      this.newPartitions.set(key, q);
    }
  }

  /**
   * Fails the batches that were never drained (Java's abortUndrainedBatches) with
   * TRANSACTION_ABORTED. (Java gives them the error that made the transaction abortable; for a
   * record that was never sent that reads as its own failure, e.g. a small record failing as too
   * large. The cause is what the commit fails with.) Batches sent before, in flight or waiting
   * to retry, complete on their own.
   */
  private abortUndrainedBatches(): void {
    this.failBatches((b) => b.encoded === null && b.state !== BatchState.IN_FLIGHT, LocalErrorCode.TRANSACTION_ABORTED);
  }

  /** FATAL_ERROR: every batch fails, in flight or not (Java's abortBatches). */
  private failAllBatches(): void {
    const code = this.lastError !== null && this.lastError.code > 0 ? this.lastError.code : LocalErrorCode.SENDER_FATAL;
    this.failBatches(() => true, code);
  }

  private failBatches(which: (b: ProducerBatch) => boolean, code: number): void {
    const acc = this.host.accumulator;
    if (acc.incomplete === 0) return;
    this.failingBatches = true;
    try {
      for (const q of acc.partitionQueues()) {
        if (q.batches.length === 0) continue;
        for (const b of [...q.batches]) if (which(b)) this.host.failBatch(b, code);
      }
    } finally {
      this.failingBatches = false;
    }
  }

  // ---------------------------------------------------------------- the request queue

  private enqueue(req: TxnRequest): void {
    req.order = ++this.order;
    this.queue.push(req);
  }

  private reenqueue(req: TxnRequest, backoffMs = this.settings.retryBackoffMs): void {
    req.retryAtMs = Date.now() + backoffMs;
    this.enqueue(req);
  }

  private peek(): TxnRequest | undefined {
    let best: TxnRequest | undefined;
    for (const r of this.queue) {
      if (best === undefined || r.priority < best.priority || (r.priority === best.priority && r.order < best.order)) best = r;
    }
    return best;
  }

  private isQueued(api: TxnRequest['api'], key?: string): boolean {
    const matches = (r: TxnRequest | null): boolean => r !== null && r.api === api && (key === undefined || r.key === key);
    return matches(this.inFlight) || this.queue.some(matches);
  }

  /**
   * In an error state a queued request fails instead of going out (Java's
   * maybeTerminateRequestWithError); FindCoordinator may still go, an abort will need it.
   */
  private terminatedByError(req: TxnRequest): boolean {
    const e = this.lastError;
    if (e === null) return false;
    if (this.currentState === 'ABORTABLE_ERROR') {
      if (req.api === 'FindCoordinator') return false;
      req.result.fail(this.failure('ABORTABLE', e, req.result.operation));
      return true;
    }
    if (this.currentState === 'FATAL_ERROR') {
      req.result.fail(this.failure('FATAL', e, req.result.operation));
      return true;
    }
    return false;
  }

  /** The broker `req` goes to, or null after queueing what must come first (a coordinator lookup). */
  private targetOf(req: TxnRequest, now: number): number | null {
    if (req.coordinator === null) {
      const node = this.host.network.leastLoadedNode(now);
      if (node === null) req.retryAtMs = now + this.settings.reconnectBackoffMs;
      return node;
    }
    const known = req.coordinator === 'transaction' ? this.transactionCoordinator : (this.groupCoordinators.get(req.key) ?? -1);
    if (known >= 0) return known;
    this.lookupCoordinator(req.coordinator, req.key);
    return null;
  }

  private dispatch(req: TxnRequest, node: number): void {
    this.inFlight = req;
    req
      .send(node)
      .catch((err: unknown) => this.onSendFailure(req, err))
      .finally(() => {
        this.inFlight = null;
        this.host.scheduleRun();
      });
  }

  /** The request got no answer: a lost connection is retried (after a new coordinator lookup). */
  private onSendFailure(req: TxnRequest, err: unknown): void {
    if (this.closed) return;
    if (err instanceof NetworkError) {
      if (req.coordinator !== null) this.lookupCoordinator(req.coordinator, req.key);
      this.reenqueue(req);
      return;
    }
    if (err instanceof UnsupportedVersionError) {
      this.fatalError(req, { code: E.UNSUPPORTED_VERSION, name: 'UNSUPPORTED_VERSION', message: err.message });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    this.fatalError(req, { code: -1, name: 'UNEXPECTED', message: `${req.api} failed unexpectedly: ${message}` });
  }

  /** Forgets a coordinator and queues a FindCoordinator for it (once). */
  private lookupCoordinator(kind: CoordinatorKind, key: string): void {
    if (kind === 'transaction') this.transactionCoordinator = -1;
    else this.groupCoordinators.delete(key);
    if (this.isQueued('FindCoordinator', `${kind}:${key}`)) return;
    this.enqueue(this.findCoordinatorRequest(kind, key));
  }

  private fatalError(req: TxnRequest, error: TxnError): void {
    req.result.fail(this.failure('FATAL', error, req.result.operation));
    this.toFatal(error);
  }

  private abortableError(req: TxnRequest, error: TxnError): void {
    req.result.fail(this.failure('ABORTABLE', error, req.result.operation));
    this.toAbortable(error);
  }

  /** UNKNOWN_PRODUCER_ID and friends: abortable with an epoch bump if the coordinator can, else fatal. */
  private abortableErrorIfPossible(req: TxnRequest, error: TxnError): void {
    if (this.coordinatorSupportsEpochBump) {
      this.epochBumpRequired = true;
      this.abortableError(req, error);
    } else {
      this.fatalError(req, error);
    }
  }

  /**
   * The handling every coordinator answer shares: retries and coordinator changes. Returns
   * true when it dealt with `code`.
   */
  private retried(req: TxnRequest, code: number, backoffMs?: number): boolean {
    if (code === E.NOT_COORDINATOR || code === E.COORDINATOR_NOT_AVAILABLE) {
      this.lookupCoordinator(req.coordinator ?? 'transaction', req.key);
      this.reenqueue(req);
      return true;
    }
    if (isRetriableErrorCode(code)) {
      this.reenqueue(req, backoffMs);
      return true;
    }
    if (code === E.INVALID_PRODUCER_EPOCH || code === E.PRODUCER_FENCED) {
      // Older coordinators say INVALID_PRODUCER_EPOCH for what newer ones call PRODUCER_FENCED.
      this.fatalError(req, this.fencedError());
      return true;
    }
    return false;
  }

  private newRequest(
    api: TxnRequest['api'],
    priority: number,
    coordinator: CoordinatorKind | null,
    key: string,
    result: OperationResult,
    send: (req: TxnRequest, node: number) => Promise<void>,
  ): TxnRequest {
    const req: TxnRequest = {
      api,
      priority,
      coordinator,
      key,
      result,
      retryAtMs: 0,
      order: 0,
      send: (node) => send(req, node),
    };
    return req;
  }

  // ---------------------------------------------------------------- requests

  private findCoordinatorRequest(kind: CoordinatorKind, key: string): TxnRequest {
    const network = this.host.network;
    return this.newRequest('FindCoordinator', Priority.FIND_COORDINATOR, null, `${kind}:${key}`, new OperationResult('FindCoordinator'), async (req, node) => {
      const ready = await network.connect(node);
      const version = ready.versions.get(ApiKey.FindCoordinator);
      if (version === undefined) throw new UnsupportedVersionError(`broker ${node} speaks no version of FindCoordinator that Tandem does`);
      const keyType = kind === 'transaction' ? CoordinatorType.transaction : CoordinatorType.group;
      // v4+ batches keys (KIP-699); before, one key in the flat fields.
      const res = await network.send(node, FindCoordinator, version >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType });
      const found = coordinatorsOf(res, version, [key]);
      const c = found[0];
      if (found.length !== 1 || c === undefined) {
        this.fatalError(req, { code: -1, name: 'UNEXPECTED', message: `FindCoordinator returned ${found.length} coordinators for one key.` });
        return;
      }
      const code = c.errorCode;
      if (code === 0) {
        network.updateNodes([{ nodeId: c.nodeId, host: c.host, port: c.port }]);
        if (kind === 'transaction') this.transactionCoordinator = c.nodeId;
        else this.groupCoordinators.set(key, c.nodeId);
        req.result.done();
      } else if (isRetriableErrorCode(code)) {
        this.reenqueue(req);
      } else if (code === E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
        this.fatalError(req, errorOfCode(code, `transactional id '${key}'`));
      } else if (code === E.GROUP_AUTHORIZATION_FAILED || code === E.TRANSACTION_ABORTABLE) {
        this.abortableError(req, errorOfCode(code, `group '${key}'`));
      } else {
        this.fatalError(req, errorOfCode(code, `finding the ${kind} coordinator for '${key}'${c.errorMessage ? ` (${c.errorMessage})` : ''}`));
      }
    });
  }

  private enqueueInitProducerId(epochBump: boolean): OperationResult {
    const { transactionalId, transactionTimeoutMs } = this.settings;
    const network = this.host.network;
    const req = this.newRequest(
      'InitProducerId',
      epochBump ? Priority.EPOCH_BUMP : Priority.INIT_PRODUCER_ID,
      'transaction',
      transactionalId,
      new OperationResult(epochBump ? 'abortTransaction' : 'initTransactions'),
      async (req, node) => {
        const res = await network.send(node, InitProducerId, {
          transactionalId,
          transactionTimeoutMs,
          // KIP-360: the current id and epoch ask for a bump of this producer's epoch rather than a new one.
          ...(epochBump ? { producerId: this.producerId, producerEpoch: this.producerEpoch } : {}),
        });
        const code = res.errorCode;
        if (code === 0) {
          this.coordinatorSupportsEpochBump = (network.readyConnection(node)?.versions.get(ApiKey.InitProducerId) ?? 0) >= 3;
          this.setProducerId(res.producerId, res.producerEpoch);
          this.currentState = 'READY';
          this.lastError = null;
          this.updateTransactionVersion();
          req.result.done();
        } else if (this.retried(req, code)) {
          // retried, or fenced
        } else if (code === E.TRANSACTION_ABORTABLE) {
          this.abortableError(req, errorOfCode(code, 'InitProducerId'));
        } else {
          // TRANSACTIONAL_ID_AUTHORIZATION_FAILED, INVALID_TRANSACTION_TIMEOUT, ...
          this.fatalError(req, errorOfCode(code, 'InitProducerId'));
        }
      },
    );
    this.enqueue(req);
    return req.result;
  }

  private addPartitionsRequest(): TxnRequest {
    const { transactionalId } = this.settings;
    const network = this.host.network;
    return this.newRequest(
      'AddPartitionsToTxn',
      Priority.ADD_PARTITIONS_OR_OFFSETS,
      'transaction',
      transactionalId,
      new OperationResult('AddPartitionsToTxn'),
      async (req, node) => {
        // Partitions that appeared while this request waited go along.
        for (const [key, q] of this.newPartitions) this.pendingPartitions.set(key, q);
        this.newPartitions.clear();
        const sent = new Map(this.pendingPartitions);
        if (sent.size === 0) {
          req.result.done();
          return;
        }
        const byTopic = new Map<string, number[]>();
        const topicIndexOf = new Map<string, number>();
        for (const q of sent.values()) {
          const name = this.host.topicName(q.topicIndex);
          if (name === undefined) continue;
          topicIndexOf.set(name, q.topicIndex);
          let list = byTopic.get(name);
          if (list === undefined) byTopic.set(name, (list = []));
          list.push(q.partition);
        }
        const topics: AddPartitionsToTxnTopic[] = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
        const res = await network.send(node, AddPartitionsToTxn, {
          transactionalId,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch,
          topics,
        });
        const unauthorized = new Set<string>();
        const added: number[] = [];
        let otherErrors = '';
        for (const t of res.resultsByTopic) {
          const topicIndex = topicIndexOf.get(t.name);
          for (const p of t.resultsByPartition) {
            const code = p.partitionErrorCode;
            if (code === 0) {
              if (topicIndex !== undefined) added.push(RecordAccumulator.key(topicIndex, p.partitionIndex));
              continue;
            }
            if (code === E.CONCURRENT_TRANSACTIONS) {
              // The previous transaction's markers are still being written: retry soon.
              this.reenqueue(req, this.partitionsInTransaction.size === 0 ? ADD_PARTITIONS_RETRY_BACKOFF_MS : this.settings.retryBackoffMs);
              return;
            }
            if (this.retried(req, code)) return;
            if (code === E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === E.INVALID_TXN_STATE) {
              this.fatalError(req, errorOfCode(code, `adding ${t.name}-${p.partitionIndex} to the transaction`));
              return;
            }
            if (code === E.UNKNOWN_PRODUCER_ID || code === E.INVALID_PRODUCER_ID_MAPPING) {
              this.abortableErrorIfPossible(req, errorOfCode(code, `adding ${t.name}-${p.partitionIndex} to the transaction`));
              return;
            }
            if (code === E.TRANSACTION_ABORTABLE) {
              this.abortableError(req, errorOfCode(code, `adding ${t.name}-${p.partitionIndex} to the transaction`));
              return;
            }
            if (code === E.TOPIC_AUTHORIZATION_FAILED) unauthorized.add(t.name);
            else if (code !== E.OPERATION_NOT_ATTEMPTED) otherErrors += ` ${t.name}-${p.partitionIndex}: ${kafkaErrorByCode(code).name};`;
          }
        }
        // Whatever the outcome, these are no longer pending: batches already sent to them may
        // go on retrying, and the others are aborted if the transaction failed.
        for (const key of sent.keys()) this.pendingPartitions.delete(key);
        if (unauthorized.size > 0) {
          this.abortableError(req, errorOfCode(E.TOPIC_AUTHORIZATION_FAILED, `topics ${[...unauthorized].join(', ')}`));
        } else if (otherErrors !== '') {
          this.abortableError(req, { code: -1, name: 'ADD_PARTITIONS_FAILED', message: `Could not add partitions to the transaction:${otherErrors}` });
        } else {
          for (const key of added) this.partitionsInTransaction.add(key);
          this.transactionStarted = true;
          req.result.done();
        }
      },
    );
  }

  private endTxnRequest(commit: boolean): TxnRequest {
    const { transactionalId } = this.settings;
    const network = this.host.network;
    return this.newRequest(
      'EndTxn',
      Priority.END_TXN,
      'transaction',
      transactionalId,
      new OperationResult(commit ? 'commitTransaction' : 'abortTransaction'),
      async (req, node) => {
        const res = await network.send(node, EndTxn, {
          transactionalId,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch,
          committed: commit,
        });
        const code = res.errorCode;
        if (code === 0) {
          // Transactions V2: the coordinator bumped the epoch (or, at its end, gave a new
          // producer id); the next transaction runs under these, sequences from 0.
          if (res.producerId >= 0n) this.setProducerId(res.producerId, res.producerEpoch);
          this.completeTransaction();
          req.result.done();
        } else if (this.retried(req, code)) {
          // retried, or fenced
        } else if (code === E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === E.INVALID_TXN_STATE) {
          this.fatalError(req, errorOfCode(code, 'EndTxn'));
        } else if (code === E.UNKNOWN_PRODUCER_ID || code === E.INVALID_PRODUCER_ID_MAPPING) {
          this.abortableErrorIfPossible(req, errorOfCode(code, 'EndTxn'));
        } else if (code === E.TRANSACTION_ABORTABLE) {
          this.abortableError(req, errorOfCode(code, 'EndTxn'));
        } else {
          this.fatalError(req, errorOfCode(code, 'EndTxn'));
        }
      },
    );
  }

  private addOffsetsRequest(result: OperationResult, offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): TxnRequest {
    const { transactionalId } = this.settings;
    const network = this.host.network;
    return this.newRequest('AddOffsetsToTxn', Priority.ADD_PARTITIONS_OR_OFFSETS, 'transaction', transactionalId, result, async (req, node) => {
      const res = await network.send(node, AddOffsetsToTxn, {
        transactionalId,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        groupId: group.groupId,
      });
      const code = res.errorCode;
      if (code === 0) {
        // The result completes when the group coordinator has the offsets.
        this.enqueue(this.txnOffsetCommitRequest(result, offsets, group));
        this.transactionStarted = true;
      } else if (this.retried(req, code)) {
        // retried, or fenced
      } else if (code === E.UNKNOWN_PRODUCER_ID || code === E.INVALID_PRODUCER_ID_MAPPING) {
        this.abortableErrorIfPossible(req, errorOfCode(code, `AddOffsetsToTxn for group '${group.groupId}'`));
      } else if (code === E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === E.INVALID_TXN_STATE) {
        this.fatalError(req, errorOfCode(code, `AddOffsetsToTxn for group '${group.groupId}'`));
      } else if (code === E.GROUP_AUTHORIZATION_FAILED || code === E.TRANSACTION_ABORTABLE) {
        this.abortableError(req, errorOfCode(code, `group '${group.groupId}'`));
      } else {
        this.fatalError(req, errorOfCode(code, `AddOffsetsToTxn for group '${group.groupId}'`));
      }
    });
  }

  private txnOffsetCommitRequest(result: OperationResult, offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): TxnRequest {
    const { transactionalId } = this.settings;
    const network = this.host.network;
    // The offsets still to commit; those the coordinator took are removed.
    const pending = new Map<string, TransactionOffset>();
    for (const o of offsets) pending.set(`${o.partition}:${o.topic}`, o);
    return this.newRequest('TxnOffsetCommit', Priority.ADD_PARTITIONS_OR_OFFSETS, 'group', group.groupId, result, async (req, node) => {
      const ready = await network.connect(node);
      const version = ready.versions.get(ApiKey.TxnOffsetCommit) ?? 0;
      const byTopic = new Map<string, TxnOffsetCommitRequestTopic['partitions'][number][]>();
      for (const o of pending.values()) {
        let list = byTopic.get(o.topic);
        if (list === undefined) byTopic.set(o.topic, (list = []));
        list.push({
          partitionIndex: o.partition,
          committedOffset: BigInt(o.offset),
          committedLeaderEpoch: o.leaderEpoch ?? -1,
          committedMetadata: o.metadata ?? '',
        });
      }
      const res = await network.send(node, TxnOffsetCommit, {
        transactionalId,
        groupId: group.groupId,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        // v3+ (KIP-447): the consumer's membership, so the coordinator can fence zombies.
        ...(version >= 3
          ? { generationIdOrMemberEpoch: group.generationId ?? -1, memberId: group.memberId ?? '', groupInstanceId: group.groupInstanceId ?? null }
          : {}),
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      });
      let lookedUp = false;
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const code = p.errorCode;
          const where = `${t.name}-${p.partitionIndex} of group '${group.groupId}'`;
          if (code === 0) {
            pending.delete(`${p.partitionIndex}:${t.name}`);
          } else if (code === E.COORDINATOR_NOT_AVAILABLE || code === E.NOT_COORDINATOR || code === E.REQUEST_TIMED_OUT) {
            if (!lookedUp) this.lookupCoordinator('group', group.groupId);
            lookedUp = true;
          } else if (isRetriableErrorCode(code)) {
            // Unknown topic, coordinator loading, concurrent transactions (V2): retry.
          } else if (code === E.INVALID_PRODUCER_EPOCH || code === E.PRODUCER_FENCED) {
            this.fatalError(req, this.fencedError());
          } else if (code === E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === E.UNSUPPORTED_FOR_MESSAGE_FORMAT) {
            this.fatalError(req, errorOfCode(code, `TxnOffsetCommit for ${where}`));
          } else if (code === E.UNKNOWN_MEMBER_ID || code === E.ILLEGAL_GENERATION) {
            this.abortableError(req, errorOfCode(code, `TxnOffsetCommit for ${where}: the consumer group metadata does not match the group's`));
          } else if (code === E.GROUP_AUTHORIZATION_FAILED || code === E.FENCED_INSTANCE_ID || code === E.TRANSACTION_ABORTABLE) {
            this.abortableError(req, errorOfCode(code, `TxnOffsetCommit for ${where}`));
          } else {
            this.fatalError(req, errorOfCode(code, `TxnOffsetCommit for ${where}`));
          }
          if (req.result.settled) return;
        }
      }
      if (pending.size === 0) req.result.done();
      else this.reenqueue(req);
    });
  }
}

/** A TxnError for a Kafka error code or a LocalErrorCode, with where it happened. */
function errorOfCode(code: number, where: string): TxnError {
  if (code < -1) {
    const name = Object.entries(LocalErrorCode).find(([, c]) => c === code)?.[0] ?? 'LOCAL_ERROR';
    const why = code === LocalErrorCode.DELIVERY_TIMEOUT ? 'a batch was not acknowledged within delivery.timeout.ms' : name;
    return { code, name, message: `${where}: ${why}.` };
  }
  const info = kafkaErrorByCode(code);
  return { code, name: info.name, message: `${where}: ${info.name} (${code}): ${info.message}` };
}
