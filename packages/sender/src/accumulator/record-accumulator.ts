/**
 * The Sender's half of the RecordAccumulator: it learns of slabs from the announce ring, keeps
 * one queue of batches per topic-partition, decides which are ready (full, linger expired,
 * flushing, closing, retry backoff passed), drains them per leader, and reports completions back
 * through the completion ring.
 *
 * Mirrors the Java client's RecordAccumulator#ready/#drain. Batches of one partition are sent in
 * order; with max.in.flight = 1 a partition with a batch in flight is muted (Java's
 * guaranteeMessageOrder), and retried batches go back to the head of their queue.
 */
import {
  AnnounceEvent,
  BATCH_HEADER_SIZE,
  COMMITTED_MASK,
  CompletionWord,
  SEALED,
  SlabWord,
  loadInt64,
  storeInt64,
  type SharedLayout,
} from '@tandem/shared-memory';
import { BatchState, ProducerBatch } from './producer-batch.js';
import { scanRecords, type RecordScan } from './record-scan.js';

/** The batches of one topic-partition, oldest first. */
export class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  /** Batches of this partition in flight. */
  inFlight = 0;
  /** Next idempotent sequence number to assign. */
  nextSequence = 0;
  /**
   * The producer id and epoch this partition's sequences run under. After an epoch bump
   * (KIP-360) a partition keeps the old ones until the batches numbered under them are done,
   * then moves to the new ones at sequence 0 (transactions/idempotence.ts).
   */
  producerId = -1n;
  producerEpoch = -1;
  /**
   * Idempotence: the broker has acknowledged a batch of this partition under the current
   * producer id. Until then only one batch may be in flight: a broker that has no state for a
   * producer accepts any first sequence number, so a second batch could be written ahead of a
   * first one that fails (too large, say) and is then refused as out of order for good.
   */
  sequenceConfirmed = false;

  constructor(
    readonly topicIndex: number,
    readonly partition: number,
  ) {}
}

/** Outcome of a completed batch range, as the app will see it. */
export interface Completion {
  readonly batch: ProducerBatch;
  /** 0 = success, a Kafka error code, or a LocalErrorCode. */
  readonly error: number;
  /** Offset of the batch's first record, or -1. */
  readonly baseOffset: number;
  /** LogAppendTime, or -1. */
  readonly logAppendTime: number;
}

/** Sender-side accumulator settings. */
export interface AccumulatorSettings {
  readonly lingerMs: number;
  /** Whether only one batch per partition may be in flight (max.in.flight = 1). */
  readonly guaranteeOrder: boolean;
  /** Whether batches carry sequence numbers (see {@link PartitionQueue.sequenceConfirmed}). */
  readonly idempotent: boolean;
}

export class RecordAccumulator {
  private readonly queues = new Map<number, PartitionQueue>();
  private readonly batchBySlab: Array<ProducerBatch | undefined>;
  private readonly scan: RecordScan = { count: 0, maxTimestampDelta: 0, offsets: null };
  /** Completions the ring had no room for; pushed first at the next report. */
  private readonly overflow: Completion[] = [];
  /** Batches not yet completed (open, ready or in flight). */
  incomplete = 0;
  /** Every batch is ready regardless of linger (close in progress). */
  private flushAll = false;
  /** Id of the newest batch. */
  lastBatchId = 0;
  /** Incomplete batches per slab (pieces of a split share their slab). */
  private readonly slabRefs: Int32Array;
  /** Slabs each slab's batch spans (a record larger than a slab takes a run of them). */
  private readonly slabSpan: Int32Array;
  /** Slabs held by incomplete batches. */
  private slabsInUse = 0;

  constructor(
    private readonly layout: SharedLayout,
    private readonly settings: AccumulatorSettings,
  ) {
    this.batchBySlab = new Array(layout.slabCount);
    this.slabRefs = new Int32Array(layout.slabCount);
    this.slabSpan = new Int32Array(layout.slabCount);
  }

  /**
   * Every slab of buffer.memory holds a batch that is not complete: the application thread has
   * no memory for a new batch, and a send that needs one waits. Java sends every batch at once
   * when its BufferPool has such waiters ("exhausted" in RecordAccumulator#ready) rather than
   * let them linger while sends time out; the Sender cannot see the waiters, so it takes a
   * full buffer for them (with no waiter, that only trades some batching when memory is full).
   */
  get exhausted(): boolean {
    return this.slabsInUse >= this.layout.slabCount;
  }

  /** Key of a topic-partition in {@link queues}. */
  static key(topicIndex: number, partition: number): number {
    return topicIndex * 0x10000 + partition;
  }

  /** The queue of a topic-partition (created on first use). */
  queue(topicIndex: number, partition: number): PartitionQueue {
    const key = RecordAccumulator.key(topicIndex, partition);
    let q = this.queues.get(key);
    if (q === undefined) {
      q = new PartitionQueue(topicIndex, partition);
      this.queues.set(key, q);
    }
    return q;
  }

  /** All partition queues. */
  partitionQueues(): IterableIterator<PartitionQueue> {
    return this.queues.values();
  }

  /** Reads the announce ring; returns how many events it took. */
  pollAnnouncements(): number {
    const ring = this.layout.announce;
    const words = this.layout.control;
    let n = 0;
    for (let at = ring.peek(); at >= 0; at = ring.peek()) {
      const entry = words[at]!;
      ring.release();
      n++;
      const slab = entry & 0xffffff;
      const event = entry >>> 24;
      if (event === AnnounceEvent.OPENED) {
        const w = this.layout.slabWord(slab, 0);
        const batch = new ProducerBatch(
          slab,
          words[w + SlabWord.GENERATION]!,
          words[w + SlabWord.TOPIC]!,
          words[w + SlabWord.PARTITION]!,
          loadInt64(words, w + SlabWord.BASE_TIMESTAMP_HI),
          this.layout.epochMs + words[w + SlabWord.CREATED_MS]!,
        );
        batch.id = ++this.lastBatchId;
        this.batchBySlab[slab] = batch;
        const committed = Atomics.load(words, w + SlabWord.COMMIT) & COMMITTED_MASK;
        const span = Math.max(1, Math.ceil((BATCH_HEADER_SIZE + committed) / this.layout.slabSize));
        this.slabRefs[slab] = 1;
        this.slabSpan[slab] = span;
        this.slabsInUse += span;
        this.queue(batch.topicIndex, batch.partition).batches.push(batch);
        this.incomplete++;
        if (this.flushAll) batch.flushing = true;
      } else if (event === AnnounceEvent.SEALED_FULL) {
        const batch = this.batchBySlab[slab];
        if (batch !== undefined) batch.full = true;
      }
    }
    return n;
  }

  /** Marks every batch that exists now as ready (flush); `sticky` keeps doing so (close). */
  beginFlush(sticky: boolean): void {
    for (const q of this.queues.values()) for (const b of q.batches) b.flushing = true;
    if (sticky) this.flushAll = true;
  }

  /**
   * The batch of `q` to send next: the oldest not in flight, unless order is guaranteed by
   * max.in.flight = 1 and one is in flight. Batches behind a retrying one wait for it, so a
   * partition's records keep their order.
   */
  nextSendable(q: PartitionQueue): ProducerBatch | undefined {
    if ((this.settings.guaranteeOrder || (this.settings.idempotent && !q.sequenceConfirmed)) && q.inFlight > 0) return undefined;
    for (const b of q.batches) if (b.state !== BatchState.IN_FLIGHT) return b;
    return undefined;
  }

  /**
   * When the next batch of `q` may be sent (ms; `nowMs` or earlier means now), or Infinity if it
   * waits for something other than time.
   */
  readyAt(q: PartitionQueue, nowMs: number): number {
    const batch = this.nextSendable(q);
    if (batch === undefined) return Infinity;
    if (batch.attempts > 0) return batch.retryAtMs;
    if (batch.state === BatchState.READY || batch.full || batch.flushing || this.flushAll || this.exhausted) return nowMs;
    return batch.createdMs + this.settings.lingerMs;
  }

  /** The smallest id of a batch not yet completed, or Infinity. */
  oldestIncompleteId(): number {
    let oldest = Infinity;
    for (const q of this.queues.values()) {
      const head = q.batches[0];
      if (head !== undefined && head.id < oldest) oldest = head.id;
    }
    return oldest;
  }

  /** Puts `pieces` in the place of `batch` in its queue (after a split). */
  replace(batch: ProducerBatch, pieces: readonly ProducerBatch[]): void {
    const q = this.queue(batch.topicIndex, batch.partition);
    const i = q.batches.indexOf(batch);
    if (i < 0) throw new Error('tandem: split batch is not in its queue');
    q.batches.splice(i, 1, ...pieces);
    this.slabRefs[batch.slab] += pieces.length - 1;
    batch.state = BatchState.DONE;
    this.incomplete += pieces.length - 1;
  }

  /**
   * Seals a batch (if the app has not) and prepares its bytes: counts its records, writes the
   * RecordBatch header in front of them in the slab. The header fields that depend on the
   * request (producer id, epoch, sequence) are written by `writeHeader`.
   */
  seal(batch: ProducerBatch): void {
    if (batch.state !== BatchState.OPEN) return;
    const word = this.layout.slabWord(batch.slab, SlabWord.COMMIT);
    const before = Atomics.or(this.layout.control, word, SEALED);
    const committed = before & COMMITTED_MASK;
    const start = this.layout.slabOffset(batch.slab) + BATCH_HEADER_SIZE;
    scanRecords(this.layout.data, start, start + committed, this.scan);
    batch.recordBytes = committed;
    batch.recordCount = this.scan.count;
    batch.maxTimestamp = batch.baseTimestamp + this.scan.maxTimestampDelta;
    batch.state = BatchState.READY;
  }

  /** Record bytes of a sealed batch, header area included in front (a view of the slab). */
  slabBytes(batch: ProducerBatch): Uint8Array {
    const off = this.layout.slabOffset(batch.slab);
    return this.layout.data.subarray(off, off + BATCH_HEADER_SIZE + batch.recordBytes);
  }

  /** Removes a completed batch from its queue and reports it to the application thread. */
  complete(batch: ProducerBatch, error: number, baseOffset: number, logAppendTime: number): void {
    if (batch.state === BatchState.DONE) return;
    // Seal first: a batch failed while still open (expiry, close) must stop taking records.
    if (batch.state === BatchState.OPEN) this.seal(batch);
    batch.state = BatchState.DONE;
    const q = this.queue(batch.topicIndex, batch.partition);
    const i = q.batches.indexOf(batch);
    if (i >= 0) q.batches.splice(i, 1);
    if (this.batchBySlab[batch.slab] === batch) this.batchBySlab[batch.slab] = undefined;
    if (--this.slabRefs[batch.slab]! === 0) this.slabsInUse -= this.slabSpan[batch.slab]!;
    this.incomplete--;
    this.overflow.push({ batch, error, baseOffset, logAppendTime });
    this.publishCompletions();
  }

  /** Pushes pending completions into the ring and wakes the application thread. */
  publishCompletions(): void {
    if (this.overflow.length === 0) return;
    const ring = this.layout.completions;
    const words = this.layout.control;
    let pushed = 0;
    while (pushed < this.overflow.length) {
      const at = ring.reserve();
      if (at < 0) break;
      const c = this.overflow[pushed++]!;
      words[at + CompletionWord.SLAB] = c.batch.slab;
      words[at + CompletionWord.GENERATION] = c.batch.generation;
      words[at + CompletionWord.FIRST_RECORD] = c.batch.firstRecord;
      words[at + CompletionWord.RECORD_COUNT] = c.batch.recordCount;
      words[at + CompletionWord.ERROR] = c.error;
      storeInt64(words, at + CompletionWord.BASE_OFFSET_HI, c.baseOffset);
      storeInt64(words, at + CompletionWord.LOG_APPEND_TIME_HI, c.logAppendTime);
      ring.publish();
    }
    this.overflow.splice(0, pushed);
    if (pushed > 0) this.layout.wakeApp();
  }

  /** Completions still waiting for room in the ring. */
  get unpublished(): number {
    return this.overflow.length;
  }
}
