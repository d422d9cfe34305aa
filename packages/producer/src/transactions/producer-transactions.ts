/**
 * The application thread's half of transactions. The Sender worker's TransactionManager holds
 * the real state machine and talks to the coordinators; this side keeps a copy of its state,
 * enough to refuse a send outside a transaction at once (as Java's send() does), and turns the
 * control calls' failures into the errors a user catches.
 *
 * The copy follows the calls made from this thread (begin moves it to IN_TRANSACTION at once,
 * so that sends right after `beginTransaction()` are accepted even before its promise settles)
 * and every failure the Sender reports, which names the Sender's own state.
 */
import { KafkaErrorCodes } from '@tandem/protocol';
import type { ConsumerGroupMetadata, TransactionOffset } from '@tandem/shared-memory';
import {
  AuthorizationError,
  IllegalStateError,
  KafkaError,
  ProducerClosedError,
  ProducerFencedError,
  TimeoutError,
  TransactionAbortableError,
} from '../errors.js';
import type { TransactionState } from '@tandem/shared-memory';

export type { TransactionState } from '@tandem/shared-memory';

const STATES = new Set<string>([
  'UNINITIALIZED',
  'INITIALIZING',
  'READY',
  'IN_TRANSACTION',
  'COMMITTING_TRANSACTION',
  'ABORTING_TRANSACTION',
  'ABORTABLE_ERROR',
  'FATAL_ERROR',
]);

/**
 * A consumer offset to commit in a transaction: the offset of the next record the application
 * will consume from the partition, i.e. the last processed record's offset + 1 (as Java's
 * OffsetAndMetadata).
 */
export type { TransactionOffset, ConsumerGroupMetadata };

/** The calls a transactional producer makes, for messages and {@link IllegalStateError.operation}. */
export type TransactionOperation =
  | 'initTransactions'
  | 'beginTransaction'
  | 'sendOffsetsToTransaction'
  | 'commitTransaction'
  | 'abortTransaction';

export class ProducerTransactions {
  /** The state as this thread knows it: sends are accepted in IN_TRANSACTION only. */
  state: TransactionState = 'UNINITIALIZED';
  /** The error that made the producer unusable, once one has. */
  private fatal: KafkaError | null = null;
  /** The error that made the transaction abortable, while it is. */
  private abortable: KafkaError | null = null;

  constructor(
    readonly transactionalId: string,
    private readonly maxBlockMs: number,
  ) {}

  /**
   * The error a send fails with now, or null if it may go ahead (Java's
   * TransactionManager#failIfNotReadyForSend).
   */
  sendError(topic: string): KafkaError | null {
    switch (this.state) {
      case 'IN_TRANSACTION':
        return null;
      case 'FATAL_ERROR':
        return this.fatal;
      case 'ABORTABLE_ERROR':
        return new TransactionAbortableError(
          `Cannot send to topic '${topic}': the transaction of producer '${this.transactionalId}' failed` +
            `${this.abortable !== null ? ` (${this.abortable.message})` : ''}. Call abortTransaction(), then begin a new transaction.`,
          { kafkaErrorCode: this.abortable?.kafkaErrorCode, kafkaErrorName: this.abortable?.kafkaErrorName, cause: this.abortable ?? undefined },
        );
      default:
        return new IllegalStateError(
          `Cannot send to topic '${topic}' with transactional producer '${this.transactionalId}' in state ${this.state}: ` +
            `${this.state === 'UNINITIALIZED' || this.state === 'INITIALIZING' ? 'call initTransactions() and then beginTransaction() first' : this.state === 'READY' ? 'call beginTransaction() first' : 'the transaction is ending: wait for it, then begin a new one'}.`,
          { state: this.state, operation: 'send' },
        );
    }
  }

  /**
   * Runs a control call: `during` is this side's state while it runs (if the call may start from
   * here), `after` its state once it succeeded. A failure moves the state where the Sender says
   * it is and is turned into the error to throw.
   */
  async call(operation: TransactionOperation, during: TransactionState | null, after: TransactionState, run: () => Promise<void>): Promise<void> {
    if (during !== null) this.state = during;
    try {
      await run();
    } catch (err) {
      throw this.failed(err as Error, operation);
    }
    this.state = after;
    this.abortable = null;
  }

  /** Turns a control-call failure (an Error named with a stable code) into the error to throw. */
  failed(err: Error, operation: TransactionOperation): Error {
    const name = err.name;
    const colon = name.indexOf(':');
    const kind = colon < 0 ? name : name.slice(0, colon);
    const detail = colon < 0 ? '' : name.slice(colon + 1);
    switch (kind) {
      case 'TIMEOUT':
        return new TimeoutError(err.message, { setting: 'max.block.ms', timeoutMs: this.maxBlockMs });
      case 'CLOSED':
        return new ProducerClosedError(err.message);
      case 'ILLEGAL_STATE':
        if (STATES.has(detail)) this.state = detail as TransactionState;
        return new IllegalStateError(err.message, { state: detail, operation });
      case 'ABORTABLE': {
        const code = codeOf(detail);
        const error = new TransactionAbortableError(err.message, { kafkaErrorCode: code, kafkaErrorName: code === undefined ? undefined : detail });
        this.state = 'ABORTABLE_ERROR';
        this.abortable = error;
        return error;
      }
      case 'FATAL': {
        const error = fatalError(err.message, detail, this.transactionalId);
        this.state = 'FATAL_ERROR';
        this.fatal = error;
        return error;
      }
      default:
        return err;
    }
  }

  /**
   * Checks and copies what sendOffsetsToTransaction() was given, so that nothing odd crosses to
   * the worker. Throws TypeError for arguments that cannot be right.
   */
  static offsetsArgument(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata | string,
  ): { offsets: TransactionOffset[]; group: ConsumerGroupMetadata } {
    const g: ConsumerGroupMetadata = typeof group === 'string' ? { groupId: group } : group;
    if (g === null || typeof g !== 'object' || typeof g.groupId !== 'string' || g.groupId.length === 0) {
      throw new TypeError('sendOffsetsToTransaction(): the consumer group metadata needs a non-empty groupId (the consumer\'s group.id).');
    }
    if ((g.generationId ?? -1) > 0 && (g.memberId ?? '') === '') {
      // As Java's throwIfInvalidGroupMetadata: a generation without a member cannot be checked.
      throw new TypeError(`sendOffsetsToTransaction(): group '${g.groupId}' has generationId ${g.generationId} but no memberId.`);
    }
    if (!Array.isArray(offsets)) throw new TypeError('sendOffsetsToTransaction(): offsets must be an array of { topic, partition, offset }.');
    const copied = offsets.map((o, i) => {
      const offset = typeof o?.offset === 'bigint' ? o.offset : Number(o?.offset);
      if (typeof o?.topic !== 'string' || o.topic.length === 0 || !Number.isInteger(o.partition) || o.partition < 0) {
        throw new TypeError(`sendOffsetsToTransaction(): offsets[${i}] needs a topic and a partition >= 0.`);
      }
      if (typeof offset === 'number' ? !Number.isSafeInteger(offset) || offset < 0 : offset < 0n) {
        throw new TypeError(`sendOffsetsToTransaction(): offsets[${i}].offset must be an integer >= 0 (the next offset to consume).`);
      }
      return {
        topic: o.topic,
        partition: o.partition,
        offset,
        ...(o.leaderEpoch !== undefined ? { leaderEpoch: o.leaderEpoch } : {}),
        ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
      };
    });
    const group2: ConsumerGroupMetadata = {
      groupId: g.groupId,
      ...(g.generationId !== undefined ? { generationId: g.generationId } : {}),
      ...(g.memberId !== undefined ? { memberId: g.memberId } : {}),
      ...(g.groupInstanceId !== undefined ? { groupInstanceId: g.groupInstanceId } : {}),
    };
    return { offsets: copied, group: group2 };
  }
}

function codeOf(name: string): number | undefined {
  return (KafkaErrorCodes as Readonly<Record<string, number>>)[name];
}

/** The error for a FATAL:<NAME> failure: fenced, not authorized, or another error the producer cannot survive. */
function fatalError(message: string, name: string, transactionalId: string): KafkaError {
  const code = codeOf(name);
  const base = { kafkaErrorCode: code, kafkaErrorName: code === undefined ? undefined : name, fatal: true };
  if (name === 'PRODUCER_FENCED') return new ProducerFencedError(message, base);
  if (name === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED') {
    return new AuthorizationError(message, { ...base, resource: 'transactional-id', resourceName: transactionalId });
  }
  if (name === 'CLUSTER_AUTHORIZATION_FAILED') return new AuthorizationError(message, { ...base, resource: 'cluster' });
  return new KafkaError('ERR_TANDEM_KAFKA', message, base);
}
