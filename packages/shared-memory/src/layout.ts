/**
 * Where everything lives in the memory shared by the application thread and the Sender worker.
 *
 * Two SharedArrayBuffers:
 * - `data`: `slabCount` slabs of `slabSize` (= batch.size) bytes. A slab holds one batch in
 *   progress for one topic-partition: {@link BATCH_HEADER_SIZE} bytes reserved for the
 *   RecordBatch v2 header, which the Sender writes in place when it sends the batch, then the
 *   records, already in the final v2 record format.
 * - `control`: Int32 words: a small header (doorbells, state, ring indices), the slab table
 *   (per-slab words, see {@link SlabWord}) and two single-producer/single-consumer rings.
 *
 * Who writes what (the whole protocol in one place):
 * - A slab's record bytes: the application thread only, past the committed length.
 * - {@link SlabWord.COMMIT}: `SEALED | committedBytes`. The application thread publishes a record
 *   with one compare-and-swap from its own last value to `+ recordLength`; whoever seals sets
 *   the sealed bit with `Atomics.or`. Once sealed, the committed length is final, and a failed
 *   CAS tells the application thread its record landed outside the batch.
 * - The other slab words: the application thread, before it announces the slab; the announce
 *   ring's tail store publishes them (JS memory model: the plain writes before an Atomics store
 *   are visible to a thread that reads that word with Atomics afterwards).
 * - Announce ring (app -> Sender): slab opened / slab sealed full.
 * - Completion ring (Sender -> app): a range of a slab's records is done (offset or error).
 * - The free-slab list: the application thread alone, in plain JS (it allocates, and frees a slab
 *   once the last completion for it is settled), so it needs no atomics.
 */

/** Bytes of a RecordBatch v2 header (baseOffset .. recordsCount). */
export const BATCH_HEADER_SIZE = 61;

/** The sealed bit of {@link SlabWord.COMMIT}: bit 31, as an Int32 value. */
export const SEALED = -0x80000000;
/** Mask of the committed byte count in {@link SlabWord.COMMIT}. */
export const COMMITTED_MASK = 0x7fffffff;

/** Words of the control header. */
export const ControlWord = {
  /** Bumped and notified by the app when it announces a slab or asks for a flush. */
  SENDER_DOORBELL: 0,
  /** Bumped and notified by the Sender when it pushes completions. */
  APP_DOORBELL: 1,
  /** {@link SenderState} bits. */
  STATE: 2,
  /** Flush requests made by the app (a counter); the Sender seals every open slab when it moves. */
  FLUSH_REQUESTS: 3,
  ANNOUNCE_HEAD: 4,
  ANNOUNCE_TAIL: 5,
  COMPLETION_HEAD: 6,
  COMPLETION_TAIL: 7,
  /**
   * The SENDER_DOORBELL value the Sender last armed its wait with. While it differs from the
   * value the app last rang, the Sender has a wake-up (or a run) pending and will poll the
   * announce ring anyway, so the app does not ring again: one notify per Sender wake-up, not one
   * per slab. (Dekker-style: the app publishes, then reads this word; the Sender writes it, then
   * polls the ring. With sequentially consistent Atomics one of them sees the other.)
   */
  SENDER_ARMED: 8,
  /** The same for the app's doorbell: the APP_DOORBELL value the app last armed its wait with. */
  APP_ARMED: 9,
} as const;

/** Words reserved for the control header. */
export const CONTROL_HEADER_WORDS = 16;

/** Bits of {@link ControlWord.STATE}. */
export const SenderState = {
  /** The Sender is running and draining. */
  RUNNING: 1,
  /** The Sender has stopped (closed or died): nothing more will complete. */
  STOPPED: 2,
} as const;

/** Words of one slab's entry in the slab table. */
export const SlabWord = {
  /** `SEALED | committed record bytes` (the header area excluded). */
  COMMIT: 0,
  /** Index of the topic in the Sender's topic table. */
  TOPIC: 1,
  PARTITION: 2,
  /** The first record's timestamp (ms since the epoch), high and low 32 bits. */
  BASE_TIMESTAMP_HI: 3,
  BASE_TIMESTAMP_LO: 4,
  /** When the slab was opened, in ms since the layout's epoch (see {@link SharedLayout.epochMs}). */
  CREATED_MS: 5,
  /** Bumped each time the slab is opened: tells a stale completion from a current one. */
  GENERATION: 6,
} as const;

/** Words per slab-table entry. */
export const SLAB_WORDS = 8;

/** Announce-ring events (bits 24-31 of an entry; the slab id is bits 0-23). */
export const AnnounceEvent = {
  /** A slab was opened for a topic-partition: queue it. */
  OPENED: 1,
  /** The app sealed a slab because the next record did not fit: send it without lingering. */
  SEALED_FULL: 2,
} as const;

/** Words per completion-ring entry, see {@link CompletionWord}. */
export const COMPLETION_WORDS = 10;

/** Words of a completion-ring entry. */
export const CompletionWord = {
  SLAB: 0,
  /** Generation of the slab this completion is for. */
  GENERATION: 1,
  /** Index of the first record of the range, counting from the slab's first record. */
  FIRST_RECORD: 2,
  RECORD_COUNT: 3,
  /** 0 = success; a Kafka error code (> 0), or a {@link LocalErrorCode} (< -1). */
  ERROR: 4,
  /** Base offset of the range (-1 when unknown, e.g. acks=0), high and low 32 bits. */
  BASE_OFFSET_HI: 5,
  BASE_OFFSET_LO: 6,
  /** The broker's LogAppendTime for the range, or -1 (CreateTime topics), high and low bits. */
  LOG_APPEND_TIME_HI: 7,
  LOG_APPEND_TIME_LO: 8,
} as const;

/**
 * Outcomes the Sender decides locally (no broker error code says them). Negative so they never
 * collide with Kafka's codes (UNKNOWN_SERVER_ERROR is -1, so these start below it).
 */
export const LocalErrorCode = {
  /** delivery.timeout.ms passed before the batch was acknowledged. */
  DELIVERY_TIMEOUT: -100,
  /** The producer was closed with a timeout before the batch could be sent. */
  CLOSED_BEFORE_SENT: -101,
  /** The Sender failed fatally (see the detail message on the control channel). */
  SENDER_FATAL: -102,
  /** The topic or partition disappeared, or metadata never arrived. */
  METADATA_UNAVAILABLE: -103,
  /** The batch was larger than the broker accepts and could not be split. */
  RECORD_TOO_LARGE: -104,
  /** The batch's transaction was aborted before the batch was sent (Java's TransactionAbortedException). */
  TRANSACTION_ABORTED: -105,
} as const;

/** Sizes a layout is built from. */
export interface LayoutSizes {
  /** Bytes per slab: batch.size. */
  readonly slabSize: number;
  /** Number of slabs: floor(buffer.memory / batch.size). */
  readonly slabCount: number;
}

/** The SharedArrayBuffers of a layout, as they cross to the worker in workerData. */
export interface LayoutBuffers extends LayoutSizes {
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  /** Date.now() when the layout was made; slab creation times count from it. */
  readonly epochMs: number;
}

/** A single-producer/single-consumer ring of fixed-size entries over Int32 words. */
export class SpscRing {
  /**
   * @param words the control words
   * @param headWord index of the consumer's counter
   * @param tailWord index of the producer's counter
   * @param base first word of the ring's entries
   * @param capacity entries the ring holds
   * @param entryWords words per entry
   */
  constructor(
    readonly words: Int32Array,
    private readonly headWord: number,
    private readonly tailWord: number,
    private readonly base: number,
    readonly capacity: number,
    private readonly entryWords: number,
  ) {}

  /** Entries waiting (consumer's view). */
  size(): number {
    return (Atomics.load(this.words, this.tailWord) - Atomics.load(this.words, this.headWord)) | 0;
  }

  /**
   * Producer: word index where the next entry is to be written, or -1 if the ring is full.
   * Write the entry's words there with plain stores, then call {@link publish}.
   */
  reserve(): number {
    const tail = this.words[this.tailWord]!; // only the producer writes tail
    const head = Atomics.load(this.words, this.headWord);
    if (((tail - head) | 0) >= this.capacity) return -1;
    return this.base + ((tail >>> 0) % this.capacity) * this.entryWords;
  }

  /** Producer: makes the reserved entry visible to the consumer. */
  publish(): void {
    Atomics.store(this.words, this.tailWord, (this.words[this.tailWord]! + 1) | 0);
  }

  /** Consumer: word index of the oldest entry, or -1 if the ring is empty. */
  peek(): number {
    const head = this.words[this.headWord]!; // only the consumer writes head
    const tail = Atomics.load(this.words, this.tailWord);
    if (head === tail) return -1;
    return this.base + ((head >>> 0) % this.capacity) * this.entryWords;
  }

  /** Consumer: releases the entry returned by {@link peek}. */
  release(): void {
    Atomics.store(this.words, this.headWord, (this.words[this.headWord]! + 1) | 0);
  }
}

/** The layout, attached to its buffers, as either side sees it. */
export class SharedLayout {
  readonly control: Int32Array;
  readonly data: Uint8Array;
  readonly slabSize: number;
  readonly slabCount: number;
  readonly epochMs: number;
  /** First word of the slab table. */
  readonly slabTable: number;
  readonly announce: SpscRing;
  readonly completions: SpscRing;

  private constructor(readonly buffers: LayoutBuffers) {
    const { slabSize, slabCount } = buffers;
    this.slabSize = slabSize;
    this.slabCount = slabCount;
    this.epochMs = buffers.epochMs;
    this.control = new Int32Array(buffers.control);
    this.data = new Uint8Array(buffers.data);
    const g = SharedLayout.geometry(buffers);
    this.slabTable = g.slabTable;
    this.announce = new SpscRing(
      this.control,
      ControlWord.ANNOUNCE_HEAD,
      ControlWord.ANNOUNCE_TAIL,
      g.announceBase,
      g.announceCapacity,
      1,
    );
    this.completions = new SpscRing(
      this.control,
      ControlWord.COMPLETION_HEAD,
      ControlWord.COMPLETION_TAIL,
      g.completionBase,
      g.completionCapacity,
      COMPLETION_WORDS,
    );
  }

  private static geometry(s: LayoutSizes) {
    const slabTable = CONTROL_HEADER_WORDS;
    const announceBase = slabTable + s.slabCount * SLAB_WORDS;
    // Each slab makes at most two announcements (opened, sealed full) before the Sender has
    // taken them, and it cannot be reopened before its completion: 2 per slab always fits.
    const announceCapacity = 2 * s.slabCount;
    const completionBase = announceBase + announceCapacity;
    // Splitting can complete a slab in several ranges; the Sender keeps any overflow itself.
    const completionCapacity = 2 * s.slabCount;
    const words = completionBase + completionCapacity * COMPLETION_WORDS;
    return { slabTable, announceBase, announceCapacity, completionBase, completionCapacity, words };
  }

  /** Allocates a new layout (application thread, at producer construction). */
  static create(sizes: LayoutSizes): SharedLayout {
    if (!Number.isInteger(sizes.slabCount) || sizes.slabCount < 1 || sizes.slabCount >= 1 << 24) {
      throw new RangeError(`slab count ${sizes.slabCount} outside [1, 2^24)`);
    }
    if (!Number.isInteger(sizes.slabSize) || sizes.slabSize <= BATCH_HEADER_SIZE || sizes.slabSize > COMMITTED_MASK) {
      throw new RangeError(`slab size ${sizes.slabSize} must exceed the ${BATCH_HEADER_SIZE}-byte batch header`);
    }
    const g = SharedLayout.geometry(sizes);
    return new SharedLayout({
      slabSize: sizes.slabSize,
      slabCount: sizes.slabCount,
      control: new SharedArrayBuffer(g.words * 4),
      data: new SharedArrayBuffer(sizes.slabSize * sizes.slabCount),
      epochMs: Date.now(),
    });
  }

  /** Attaches to buffers made by {@link create} (the Sender worker, from workerData). */
  static attach(buffers: LayoutBuffers): SharedLayout {
    return new SharedLayout(buffers);
  }

  /** Word index of slab `id`'s table entry. */
  slabWord(id: number, word: number): number {
    return this.slabTable + id * SLAB_WORDS + word;
  }

  /** Byte offset of slab `id` in {@link data} (its header area comes first). */
  slabOffset(id: number): number {
    return id * this.slabSize;
  }

  /** Last SENDER_DOORBELL value this side rang (the app's view). */
  private senderRung = 0;
  /** Last APP_DOORBELL value this side rang (the Sender's view). */
  private appRung = 0;

  /**
   * Rings the Sender's doorbell, unless the Sender has not yet re-armed since the last ring
   * (then it will poll the announce ring before it waits again). Call after publishing.
   */
  wakeSender(): void {
    const c = this.control;
    if (Atomics.load(c, ControlWord.SENDER_ARMED) !== this.senderRung) return;
    this.senderRung = (Atomics.add(c, ControlWord.SENDER_DOORBELL, 1) + 1) | 0;
    Atomics.notify(c, ControlWord.SENDER_DOORBELL);
  }

  /** Rings the application thread's doorbell; the same rule as {@link wakeSender}. */
  wakeApp(): void {
    const c = this.control;
    if (Atomics.load(c, ControlWord.APP_ARMED) !== this.appRung) return;
    this.appRung = (Atomics.add(c, ControlWord.APP_DOORBELL, 1) + 1) | 0;
    Atomics.notify(c, ControlWord.APP_DOORBELL);
  }

  /**
   * Arms a wait on a doorbell: records the value waited on in the ARMED word, then the caller
   * must poll its ring before waiting (see {@link ControlWord.SENDER_ARMED}). Returns the value
   * to pass to Atomics.waitAsync.
   */
  arm(doorbell: typeof ControlWord.SENDER_DOORBELL | typeof ControlWord.APP_DOORBELL): number {
    const c = this.control;
    const value = Atomics.load(c, doorbell);
    Atomics.store(c, doorbell === ControlWord.SENDER_DOORBELL ? ControlWord.SENDER_ARMED : ControlWord.APP_ARMED, value);
    return value;
  }
}

/** Stores a safe-integer number (an offset, a timestamp, -1) as two Int32 words, high first. */
export function storeInt64(words: Int32Array, at: number, value: number): void {
  const hi = Math.floor(value / 0x100000000);
  words[at] = hi;
  words[at + 1] = (value - hi * 0x100000000) | 0;
}

/** Reads a number stored by {@link storeInt64}. */
export function loadInt64(words: Int32Array, at: number): number {
  return words[at]! * 0x100000000 + (words[at + 1]! >>> 0);
}
