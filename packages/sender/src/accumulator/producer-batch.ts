/**
 * One batch on its way to a broker: a sealed range of records in a slab, with everything the
 * Sender decides about it (attempts, deadlines, sequence). Named after the Java client's
 * ProducerBatch, which holds the same state and guards the same rules.
 */

import type { DecodedRecord } from '@tandem/protocol';

/** States a batch moves through, in order. */
export const BatchState = {
  /** Open: the application thread may still append to its slab. */
  OPEN: 0,
  /** Sealed, header written, waiting to be sent (or re-sent). */
  READY: 1,
  /** In a Produce request awaiting its response. */
  IN_FLIGHT: 2,
  /** Completed (success or failure) and reported; the slab belongs to the app again. */
  DONE: 3,
} as const;

export type BatchStateValue = (typeof BatchState)[keyof typeof BatchState];

export class ProducerBatch {
  /**
   * Order of creation (1, 2, ...); the pieces of a split batch keep their parent's. A flush waits
   * for every batch up to the last id it saw.
   */
  id = 0;
  state: BatchStateValue = BatchState.OPEN;
  /** The app sealed it because it was full: send without waiting for linger. */
  full = false;
  /** Number of sends so far. */
  attempts = 0;
  /** Earliest time of the next attempt (retry backoff), ms. */
  retryAtMs = 0;
  /** Base sequence for idempotence, -1 until assigned at first drain. */
  baseSequence = -1;
  /**
   * The sequence (or producer id) was changed after the header was written: rewrite it before
   * the next send.
   */
  sequenceStale = false;
  /**
   * The sequence restarted under a bumped epoch since the batch was first numbered (Java's
   * sequenceHasBeenReset): a sequence error on it is retried without bumping again.
   */
  sequenceReset = false;
  producerId = -1n;
  producerEpoch = -1;
  /** Filled at seal. */
  recordCount = 0;
  /** Committed record bytes at seal (header area excluded). */
  recordBytes = 0;
  maxTimestamp = 0;
  /** The bytes sent: the slab's header + records (a view), or a compressed copy. */
  encoded: Uint8Array | null = null;
  /** Set when the batch joined a flush: it is ready regardless of linger. */
  flushing = false;
  /**
   * A piece of a split batch: its records, decoded. The slab's bytes are those of the whole
   * original batch, so a piece the broker refuses as too large again is cut from these.
   */
  records: DecodedRecord[] | null = null;

  constructor(
    /** Slab holding the records. */
    readonly slab: number,
    /** The slab's generation when the batch was opened. */
    readonly generation: number,
    readonly topicIndex: number,
    readonly partition: number,
    /** First record's timestamp (the batch's base timestamp). */
    readonly baseTimestamp: number,
    /** When the app opened the slab, ms since the epoch. */
    readonly createdMs: number,
    /**
     * Index of this batch's first record in its slab, and the byte range of its records:
     * the whole slab except after a split (MESSAGE_TOO_LARGE), when a batch is one piece.
     */
    readonly firstRecord = 0,
  ) {}

  /** Whether delivery.timeout.ms has passed since the batch was created. */
  expired(nowMs: number, deliveryTimeoutMs: number): boolean {
    return nowMs - this.createdMs >= deliveryTimeoutMs;
  }
}
