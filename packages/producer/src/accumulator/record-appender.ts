/**
 * The application thread's half of the RecordAccumulator: it writes each record, in the final
 * RecordBatch v2 record format, straight into the open slab of its topic-partition and publishes
 * it with one compare-and-swap on the slab's commit word (see @tandem/shared-memory's layout for
 * the whole protocol).
 *
 * THIS IS THE PER-RECORD PATH OF send(). Every allocation and branch here is paid once per
 * record: no closures, no objects, no BigInt; sizes are computed once; strings are written
 * straight into shared memory (no intermediate Buffer). Anything rare (opening a slab, a slab
 * sealed under us, a non-ASCII string) leaves the fast path through a separate function.
 *
 * The free-slab list belongs to this thread alone, so it is a plain stack.
 */
import {
  AnnounceEvent,
  BATCH_HEADER_SIZE,
  SEALED,
  SlabWord,
  type SharedLayout,
} from '@tandem/shared-memory';
import { recordSize, recordSizeUtf8, writeRecordUtf8, writeRecordWithin, type RecordHeader } from '@tandem/protocol';
import type { PartitionLoad } from './partition-load.js';

/** A record header as the appender takes it: UTF-8 key, bytes or string value, or null. */
export type HeaderValue = Uint8Array | string | null;

/**
 * Headers in the forms users write: an object, a list of `[key, value]` pairs (which allows
 * repeated keys), or a list of `{ key, value }` (keys may be pre-encoded UTF-8 bytes).
 */
export type RecordHeaders =
  | Readonly<Record<string, HeaderValue>>
  | ReadonlyArray<readonly [string, HeaderValue]>
  | readonly RecordHeader[];

/** The per-record outcome of an append. */
export const AppendResult = {
  /** Written and published; the record's index in its slab is `lastRecordIndex`. */
  APPENDED: 0,
  /** No slab is free: the caller must wait for memory (buffer.memory is exhausted). */
  NO_MEMORY: 1,
  /** The record does not fit an empty slab (larger than batch.size). */
  TOO_LARGE_FOR_SLAB: 2,
} as const;

const NO_SLAB = -1;

/**
 * Within one synchronous run of sends, the Sender is rung at the first announcement and then at
 * most once per this many announcements; a ring owed for the rest is paid at the end of the run
 * (a microtask). A ring that wakes the Sender is a cross-thread notify that costs the app thread
 * microseconds (benchmarks/micro/send.js prints their count and cost; under --cpu-prof they were
 * about a tenth of send()'s time when rung for every announcement), and the Sender polls every
 * announcement on each wake-up anyway. Ringing every few announcements still keeps a Sender that
 * went idle working during a long loop of sends.
 */
const RING_EVERY = 8;

/** Per topic: the open slab of each partition. */
export interface AppendTarget {
  readonly topicIndex: number;
  /** Open slab id per partition, or -1. Grown when partitions are added. */
  openSlab: Int32Array;
  /** Slabs in use per partition, for adaptive partitioning (told of each open and release). */
  readonly load: PartitionLoad;
}

/**
 * Appends records into the shared slabs. One instance per producer, used only on the
 * application thread.
 */
export class RecordAppender {
  private readonly layout: SharedLayout;
  private readonly control: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly slabSize: number;
  /**
   * Record bytes a batch may hold: batch.size minus the batch header (at most what a slab
   * holds). Zero or less (batch.size 0, or tiny) means every record is a batch of its own, as in
   * Java: such records take the large-record path.
   */
  readonly slabCapacity: number;

  /** Free slab ids (a stack; this thread only). */
  private readonly free: Int32Array;
  private freeTop: number;

  /** Committed record bytes per slab (this thread's copy of the COMMIT word's low bits). */
  readonly committed: Int32Array;
  /** Records committed per slab. */
  readonly recordCount: Int32Array;
  /** Records of each slab settled so far (completions may arrive in ranges). */
  readonly settledCount: Int32Array;
  /** Base timestamp per slab (the first record's). */
  readonly baseTimestamp: Float64Array;
  /** Generation per slab, bumped at each open. */
  readonly generation: Int32Array;
  /** Topic index and partition per open slab (to find the record's topic when settling). */
  readonly slabTopic: Int32Array;
  readonly slabPartition: Int32Array;

  /** Index in its slab of the last appended record, and that slab (outputs of {@link append}). */
  lastSlab = NO_SLAB;
  lastRecordIndex = 0;
  /**
   * Encoded size of the last record: as appended, or, after TOO_LARGE_FOR_SLAB, the exact size
   * it would take (for the size checks and error messages).
   */
  lastRecordSize = 0;
  /** 1 where a slab is free (mirrors the free stack; lets large records find contiguous runs). */
  private readonly isFree: Uint8Array;
  /** Slabs a large record's slab spans (1 for ordinary slabs). */
  private readonly span: Int32Array;
  /** The target each slab was opened for, to forget the slab there when it is released. */
  private readonly slabTarget: Array<AppendTarget | null>;
  /** Announcements since the last ring in this run of sends; -1 before the first (see {@link RING_EVERY}). */
  private unrung = -1;
  /** An announcement since the last ring went unrung: ring at the end of the run. */
  private ringOwed = false;
  private readonly endOfRun = (): void => {
    this.unrung = -1;
    if (this.ringOwed) {
      this.ringOwed = false;
      this.layout.wakeSender();
    }
  };

  /**
   * @param layout - the shared layout (slabs of at least batch.size bytes).
   * @param batchSize - batch.size: the most bytes one batch may take, header included.
   */
  constructor(layout: SharedLayout, batchSize: number = layout.slabSize) {
    this.layout = layout;
    this.control = layout.control;
    this.bytes = layout.data;
    this.slabSize = layout.slabSize;
    this.slabCapacity = Math.min(layout.slabSize, batchSize) - BATCH_HEADER_SIZE;
    const n = layout.slabCount;
    this.free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.free[i] = n - 1 - i;
    this.freeTop = n;
    this.committed = new Int32Array(n);
    this.recordCount = new Int32Array(n);
    this.settledCount = new Int32Array(n);
    this.baseTimestamp = new Float64Array(n);
    this.generation = new Int32Array(n);
    this.slabTopic = new Int32Array(n);
    this.slabPartition = new Int32Array(n);
    this.isFree = new Uint8Array(n).fill(1);
    this.span = new Int32Array(n).fill(1);
    this.slabTarget = new Array<AppendTarget | null>(n).fill(null);
  }

  /** Slabs free right now. */
  get freeSlabs(): number {
    return this.freeTop;
  }

  /**
   * Appends one record. Returns an {@link AppendResult}; on APPENDED, {@link lastSlab} and
   * {@link lastRecordIndex} say where it went.
   *
   * `value` is bytes, a string (written as UTF-8 in place) or null; `key` likewise bytes or null
   * (keys are serialized by the caller: the partitioner hashes their bytes anyway).
   */
  append(
    target: AppendTarget,
    partition: number,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | string | null,
    headers: readonly RecordHeader[] | null,
  ): number {
    const slab = target.openSlab[partition]!;
    if (slab !== NO_SLAB) {
      const committed = this.committed[slab]!;
      const start = slab * this.slabSize + BATCH_HEADER_SIZE + committed;
      const room = this.slabCapacity - committed;
      const written = this.encode(start, room, timestamp - this.baseTimestamp[slab]!, this.recordCount[slab]!, key, value, headers);
      if (written > 0) {
        const word = this.layout.slabTable + slab * 8 + SlabWord.COMMIT;
        if (Atomics.compareExchange(this.control, word, committed, committed + written) === committed) {
          this.committed[slab] = committed + written;
          this.lastRecordSize = written;
          this.lastSlab = slab;
          this.lastRecordIndex = this.recordCount[slab]++;
          return AppendResult.APPENDED;
        }
        // The Sender sealed the slab under us: those bytes are outside the batch. Start anew.
        target.openSlab[partition] = NO_SLAB;
      } else {
        // Full: seal it ourselves and tell the Sender not to wait for linger.
        this.sealFull(target, partition, slab);
      }
    }
    return this.appendToNewSlab(target, partition, timestamp, key, value, headers);
  }

  /** Seals an open slab that cannot take the next record, and announces it as full. */
  private sealFull(target: AppendTarget, partition: number, slab: number): void {
    target.openSlab[partition] = NO_SLAB;
    const word = this.layout.slabWord(slab, SlabWord.COMMIT);
    const before = Atomics.or(this.control, word, SEALED);
    if ((before & SEALED) === 0) this.announce(slab, AnnounceEvent.SEALED_FULL);
  }

  /** Seals every open slab of a target (flush, close, partition change). */
  sealAll(target: AppendTarget): void {
    for (let p = 0; p < target.openSlab.length; p++) {
      const slab = target.openSlab[p]!;
      if (slab !== NO_SLAB) this.sealFull(target, p, slab);
    }
  }

  private appendToNewSlab(
    target: AppendTarget,
    partition: number,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | string | null,
    headers: readonly RecordHeader[] | null,
  ): number {
    if (this.slabCapacity <= 0) {
      this.lastRecordSize = exactRecordSize(key, value, headers);
      return AppendResult.TOO_LARGE_FOR_SLAB;
    }
    if (this.freeTop === 0) return AppendResult.NO_MEMORY;
    const slab = this.free[--this.freeTop]!;
    const start = slab * this.slabSize + BATCH_HEADER_SIZE;
    const written = this.encode(start, this.slabCapacity, 0, 0, key, value, headers);
    if (written <= 0) {
      this.free[this.freeTop++] = slab;
      this.lastRecordSize = exactRecordSize(key, value, headers);
      return AppendResult.TOO_LARGE_FOR_SLAB;
    }
    this.isFree[slab] = 0;
    this.open(target, partition, slab, timestamp, written);
    target.openSlab[partition] = slab;
    this.announce(slab, AnnounceEvent.OPENED);
    return AppendResult.APPENDED;
  }

  /**
   * Appends a record larger than a slab (up to max.request.size) into a run of adjacent free
   * slabs used as one, sealed at once: a batch of its own, as Java gives such a record. Returns
   * false if no run of enough free slabs exists now (the caller waits for memory).
   * {@link lastRecordSize} must hold the record's size (append() leaves it there).
   */
  appendLarge(
    target: AppendTarget,
    partition: number,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | string | null,
    headers: readonly RecordHeader[] | null,
  ): boolean {
    const need = Math.ceil((this.lastRecordSize + BATCH_HEADER_SIZE) / this.slabSize);
    const first = this.findFreeRun(need);
    if (first < 0) return false;
    for (let i = first; i < first + need; i++) this.isFree[i] = 0;
    let top = 0;
    for (let i = 0; i < this.freeTop; i++) {
      const id = this.free[i]!;
      if (id < first || id >= first + need) this.free[top++] = id;
    }
    this.freeTop = top;
    this.span[first] = need;
    const start = first * this.slabSize + BATCH_HEADER_SIZE;
    const written = this.encode(start, need * this.slabSize - BATCH_HEADER_SIZE, 0, 0, key, value, headers);
    if (written <= 0) throw new Error('tandem: large record did not fit the slabs sized for it');
    this.open(target, partition, first, timestamp, written);
    // Sealed before the Sender hears of it: nothing else goes into this batch.
    this.control[this.layout.slabWord(first, SlabWord.COMMIT)] = written | SEALED;
    this.announce(first, AnnounceEvent.OPENED);
    this.announce(first, AnnounceEvent.SEALED_FULL);
    return true;
  }

  /** First slab of `count` adjacent free slabs, or -1. */
  private findFreeRun(count: number): number {
    let run = 0;
    for (let i = 0; i < this.isFree.length; i++) {
      run = this.isFree[i] === 1 ? run + 1 : 0;
      if (run === count) return i - count + 1;
    }
    return -1;
  }

  /** Fills a freshly taken slab's table entry after its first record was written. */
  private open(target: AppendTarget, partition: number, slab: number, timestamp: number, written: number): void {
    const c = this.control;
    const gen = (this.generation[slab]! + 1) | 0;
    this.generation[slab] = gen;
    this.committed[slab] = written;
    this.recordCount[slab] = 1;
    this.settledCount[slab] = 0;
    this.baseTimestamp[slab] = timestamp;
    this.slabTopic[slab] = target.topicIndex;
    this.slabPartition[slab] = partition;
    // Plain stores: the announce ring's publish (an Atomics store) makes them visible.
    const w = this.layout.slabWord(slab, 0);
    c[w + SlabWord.COMMIT] = written;
    c[w + SlabWord.TOPIC] = target.topicIndex;
    c[w + SlabWord.PARTITION] = partition;
    const hi = Math.floor(timestamp / 0x100000000);
    c[w + SlabWord.BASE_TIMESTAMP_HI] = hi;
    c[w + SlabWord.BASE_TIMESTAMP_LO] = (timestamp - hi * 0x100000000) | 0;
    const now = Date.now();
    c[w + SlabWord.CREATED_MS] = now - this.layout.epochMs;
    c[w + SlabWord.GENERATION] = gen;
    this.slabTarget[slab] = target;
    target.load.opened(partition, now);
    this.lastSlab = slab;
    this.lastRecordIndex = 0;
    this.lastRecordSize = written;
  }

  private announce(slab: number, event: number): void {
    const ring = this.layout.announce;
    const at = ring.reserve();
    // Cannot happen: the ring holds two events per slab (see the layout). A broken invariant
    // must be loud, not a lost batch.
    if (at < 0) throw new Error('tandem: announce ring full (invariant broken)');
    this.control[at] = slab | (event << 24);
    ring.publish();
    // The Sender hears of it now, or by the end of this run of sends (see RING_EVERY).
    if (this.unrung < 0) queueMicrotask(this.endOfRun);
    if (this.unrung < 0 || this.unrung >= RING_EVERY) {
      this.unrung = 0;
      this.ringOwed = false;
      this.layout.wakeSender();
    } else {
      this.unrung++;
      this.ringOwed = true;
    }
  }

  /**
   * Returns a slab to the free list once every record in it has been settled. Called by the
   * completion handler.
   */
  release(slab: number): void {
    // The Sender may have sealed, sent and completed this slab while its partition still named
    // it as open (the app learns of a seal only when a CAS fails). Forget it there, or the
    // partition's next record would land in whatever batch reuses the slab.
    const target = this.slabTarget[slab];
    if (target !== null && target !== undefined) {
      const p = this.slabPartition[slab]!;
      if (target.openSlab[p] === slab) target.openSlab[p] = NO_SLAB;
      target.load.released(p, Date.now());
      this.slabTarget[slab] = null;
    }
    const span = this.span[slab]!;
    for (let i = slab; i < slab + span; i++) {
      this.free[this.freeTop++] = i;
      this.isFree[i] = 1;
    }
    this.span[slab] = 1;
  }

  /**
   * Encodes one record at `start` if it fits in `room` bytes; returns the bytes written, or 0 if
   * it does not fit (nothing a reader can see was changed: the bytes are past the commit).
   * The record format itself is @tandem/protocol's (writeRecord, writeRecordUtf8).
   */
  private encode(
    start: number,
    room: number,
    timestampDelta: number,
    offsetDelta: number,
    key: Uint8Array | null,
    value: Uint8Array | string | null,
    headers: readonly RecordHeader[] | null,
  ): number {
    const next =
      typeof value === 'string'
        ? writeRecordUtf8(this.bytes, start, start + room, timestampDelta, offsetDelta, key, value, headers)
        : writeRecordWithin(this.bytes, start, start + room, timestampDelta, offsetDelta, key, value, headers);
    return next < 0 ? 0 : next - start;
  }
}

/** Exact encoded size of a record as the first of its batch (deltas 0). */
function exactRecordSize(key: Uint8Array | null, value: Uint8Array | string | null, headers: readonly RecordHeader[] | null): number {
  return typeof value === 'string' ? recordSizeUtf8(0, 0, key, value, headers) : recordSize(0, 0, key, value, headers);
}

/**
 * The record headers as the record encoder takes them, from any of the forms send() accepts:
 * a list of `{ key, value }` (used as is), a list of `[key, value]` pairs, or an object. Only
 * records with headers pay for the conversion.
 */
export function toRecordHeaders(headers: RecordHeaders | undefined): readonly RecordHeader[] | null {
  if (headers === undefined || headers === null) return null;
  if (Array.isArray(headers)) {
    if (headers.length === 0) return null;
    if (!Array.isArray(headers[0])) return headers as readonly RecordHeader[];
    const pairs = headers as ReadonlyArray<readonly [string, HeaderValue]>;
    const out = new Array<RecordHeader>(pairs.length);
    for (let i = 0; i < pairs.length; i++) out[i] = { key: pairs[i]![0], value: pairs[i]![1] };
    return out;
  }
  const out: RecordHeader[] = [];
  const obj = headers as Readonly<Record<string, HeaderValue>>;
  for (const key in obj) out.push({ key, value: obj[key]! });
  return out.length === 0 ? null : out;
}
