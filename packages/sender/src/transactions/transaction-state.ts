/**
 * The states of a transactional producer and the rules for moving between them, after the Java
 * client's TransactionManager.State (its names, so that anyone who has read the Java client or
 * its logs recognises them), and the errors a control call out of order gets.
 *
 * ```
 * UNINITIALIZED --initTransactions--> INITIALIZING --InitProducerId--> READY
 * READY --beginTransaction--> IN_TRANSACTION --commit--> COMMITTING_TRANSACTION --EndTxn--> READY
 *                             IN_TRANSACTION --abort---> ABORTING_TRANSACTION ---EndTxn--> READY
 * IN_TRANSACTION, COMMITTING_TRANSACTION --an error the transaction cannot survive--> ABORTABLE_ERROR
 * ABORTABLE_ERROR --abort--> ABORTING_TRANSACTION
 * any state --fenced, not authorized, ...--> FATAL_ERROR (close the producer)
 * ```
 *
 * ABORTING_TRANSACTION goes back to INITIALIZING when the epoch must be bumped after the abort
 * (KIP-360: InitProducerId with the current producer id and epoch).
 */
import type { TransactionState } from '@tandem/shared-memory';

export type { TransactionState } from '@tandem/shared-memory';

/** Whether `from` may move to `to` (Java's State#isTransitionValid). */
export function isTransitionValid(from: TransactionState, to: TransactionState): boolean {
  switch (to) {
    case 'UNINITIALIZED':
      return from === 'READY' || from === 'ABORTABLE_ERROR';
    case 'INITIALIZING':
      return from === 'UNINITIALIZED' || from === 'ABORTING_TRANSACTION';
    case 'READY':
      return from === 'INITIALIZING' || from === 'COMMITTING_TRANSACTION' || from === 'ABORTING_TRANSACTION';
    case 'IN_TRANSACTION':
      return from === 'READY';
    case 'COMMITTING_TRANSACTION':
      return from === 'IN_TRANSACTION';
    case 'ABORTING_TRANSACTION':
      return from === 'IN_TRANSACTION' || from === 'ABORTABLE_ERROR';
    case 'ABORTABLE_ERROR':
      return from === 'IN_TRANSACTION' || from === 'COMMITTING_TRANSACTION' || from === 'ABORTABLE_ERROR' || from === 'INITIALIZING';
    case 'FATAL_ERROR':
      return true;
  }
}

/** What to do instead, when `operation` is not allowed in `state`: the second half of the message. */
export function hintFor(state: TransactionState, operation: string): string {
  switch (state) {
    case 'UNINITIALIZED':
      return 'call initTransactions() first';
    case 'INITIALIZING':
      return 'initTransactions() has not completed yet';
    case 'READY':
      if (operation === 'initTransactions') return 'initTransactions() was already called';
      if (operation === 'sendOffsetsToTransaction') return 'offsets can only be sent in a transaction: call beginTransaction() first';
      return 'no transaction is in progress: call beginTransaction() first';
    case 'IN_TRANSACTION':
      return operation === 'initTransactions'
        ? 'initTransactions() was already called'
        : 'a transaction is already in progress: commit or abort it first';
    case 'COMMITTING_TRANSACTION':
      return 'the transaction is being committed: wait for commitTransaction()';
    case 'ABORTING_TRANSACTION':
      return 'the transaction is being aborted: wait for abortTransaction()';
    case 'ABORTABLE_ERROR':
      return 'the transaction failed: call abortTransaction()';
    case 'FATAL_ERROR':
      return 'the producer failed for good: close it';
  }
}

/**
 * A failure of a transactional control call, carried to the application thread by comlink as
 * an Error whose `name` is a stable code (see `TransactionFailureName` in @tandem/shared-memory):
 * `ILLEGAL_STATE:<STATE>`, `FATAL:<ERROR>`, `ABORTABLE:<ERROR>`, `TIMEOUT` or `CLOSED`.
 */
export function transactionFailure(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** The failure of `operation` called in a state that does not allow it. */
export function illegalState(state: TransactionState, operation: string, transactionalId: string, hint = hintFor(state, operation)): Error {
  return transactionFailure(
    `ILLEGAL_STATE:${state}`,
    `Cannot call ${operation}() on transactional producer '${transactionalId}' in state ${state}: ${hint}.`,
  );
}
