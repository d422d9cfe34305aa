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
import { varintSize, varlongSize, writeVarint, writeVarlong } from '@tandem/protocol';

/** A record header as the appender takes it: UTF-8 key, bytes or string value, or null. */
export type HeaderValue = Uint8Array | string | null;

/** Headers in either form users write: an object or a list of pairs (which allows repeats). */
export type RecordHeaders = Readonly<Record<string, HeaderValue>> | ReadonlyArray<readonly [string, HeaderValue]>;

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
 * Buffer#utf8Write: the same as `buf.write(str, offset, length, 'utf8')` without the argument
 * normalisation and validation of the public method, which cost more than the copy itself for
 * a 100-byte string. It has been on Buffer.prototype since Node 0.x and still is in Node 24;
 * bounds are checked by our callers.
 */
interface Utf8Writable {
  utf8Write(value: string, offset: number, length: number): number;
}

/** Per topic: the open slab of each partition. */
export interface AppendTarget {
  readonly topicIndex: number;
  /** Open slab id per partition, or -1. Grown when partitions are added. */
  openSlab: Int32Array;
}

/**
 * Appends records into the shared slabs. One instance per producer, used only on the
 * application thread.
 */
export class RecordAppender {
  private readonly layout: SharedLayout;
  private readonly control: Int32Array;
  private readonly bytes: Uint8Array;
  /** The same memory as a Buffer, for Buffer#write (writes a string in place, no allocation). */
  private readonly buffer: Buffer & Utf8Writable;
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

  /**
   * @param layout - the shared layout (slabs of at least batch.size bytes).
   * @param batchSize - batch.size: the most bytes one batch may take, header included.
   */
  constructor(layout: SharedLayout, batchSize: number = layout.slabSize) {
    this.layout = layout;
    this.control = layout.control;
    this.bytes = layout.data;
    this.buffer = Buffer.from(layout.data.buffer, layout.data.byteOffset, layout.data.byteLength) as Buffer & Utf8Writable;
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
  }

  /** Slabs free right now. */
  get freeSlabs(): number {
    return this.freeTop;
  }

  /**
   * Size of a record's body (everything after its length prefix), given the key's and value's
   * byte lengths (-1 = null) and the encoded size of its headers section.
   */
  static recordBodySize(timestampDelta: number, offsetDelta: number, keyLen: number, valueLen: number, headersSize: number): number {
    return (
      1 + // attributes
      varlongSize(timestampDelta) +
      varintSize(offsetDelta) +
      (keyLen < 0 ? 1 : varintSize(keyLen) + keyLen) +
      (valueLen < 0 ? 1 : varintSize(valueLen) + valueLen) +
      headersSize
    );
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
    headers: RecordHeaders | undefined,
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
    headers: RecordHeaders | undefined,
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
    headers: RecordHeaders | undefined,
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
    c[w + SlabWord.CREATED_MS] = Date.now() - this.layout.epochMs;
    c[w + SlabWord.GENERATION] = gen;
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
    this.layout.wakeSender();
  }

  /**
   * Returns a slab to the free list once every record in it has been settled. Called by the
   * completion handler.
   */
  release(slab: number): void {
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
   */
  private encode(
    start: number,
    room: number,
    timestampDelta: number,
    offsetDelta: number,
    key: Uint8Array | null,
    value: Uint8Array | string | null,
    headers: RecordHeaders | undefined,
  ): number {
    const keyLen = key === null ? -1 : key.length;
    // Strings: assume one byte per character (ASCII, the common case) and check after writing;
    // a string with multi-byte characters takes the exact path below.
    let valueLen = value === null ? -1 : value.length;
    const headersSize = headers === undefined ? 1 : headersEncodedSize(headers);
    const body = RecordAppender.recordBodySize(timestampDelta, offsetDelta, keyLen, valueLen, headersSize);
    if (typeof value === 'string') {
      if (varintSize(body) + body + 2 * valueLen + 8 > room) {
        // Not enough room to write optimistically: measure exactly first.
        return this.encodeExact(start, room, timestampDelta, offsetDelta, key, value, keyLen, headersSize, headers);
      }
    } else if (varintSize(body) + body > room) {
      return 0;
    }
    const written = this.write(start, body, timestampDelta, offsetDelta, key, value, valueLen, headers);
    if (written >= 0) return written;
    // A multi-byte string: the guessed length was wrong. Rewrite with the exact one.
    return this.encodeExact(start, room, timestampDelta, offsetDelta, key, value as string, keyLen, headersSize, headers);
  }

  /** The string-value path with the UTF-8 length measured first (non-ASCII, or little room). */
  private encodeExact(
    start: number,
    room: number,
    timestampDelta: number,
    offsetDelta: number,
    key: Uint8Array | null,
    value: string,
    keyLen: number,
    headersSize: number,
    headers: RecordHeaders | undefined,
  ): number {
    const valueLen = Buffer.byteLength(value, 'utf8');
    const body = RecordAppender.recordBodySize(timestampDelta, offsetDelta, keyLen, valueLen, headersSize);
    if (varintSize(body) + body > room) return 0;
    return this.write(start, body, timestampDelta, offsetDelta, key, value, valueLen, headers);
  }

  /**
   * Writes a record whose body is `body` bytes; returns the bytes written (prefix included), or
   * -1 if a string value's byte length was not `valueLen`.
   */
  private write(
    start: number,
    body: number,
    timestampDelta: number,
    offsetDelta: number,
    key: Uint8Array | null,
    value: Uint8Array | string | null,
    valueLen: number,
    headers: RecordHeaders | undefined,
  ): number {
    const b = this.bytes;
    let p = writeVarint(b, start, body);
    b[p++] = 0; // attributes
    p = writeVarlong(b, p, timestampDelta);
    p = writeVarint(b, p, offsetDelta);
    if (key === null) {
      b[p++] = 1; // zig-zag -1
    } else {
      p = writeVarint(b, p, key.length);
      b.set(key, p);
      p += key.length;
    }
    if (value === null) {
      b[p++] = 1;
    } else if (typeof value === 'string') {
      p = writeVarint(b, p, valueLen);
      // Room for 3 bytes per UTF-16 unit was checked by the caller, so the whole string is
      // written; a byte count other than the one encoded in the prefix means multi-byte text.
      const n = this.buffer.utf8Write(value, p, Math.min(value.length * 3, this.buffer.length - p));
      if (n !== valueLen) return -1;
      p += n;
    } else {
      p = writeVarint(b, p, valueLen);
      b.set(value, p);
      p += valueLen;
    }
    if (headers === undefined) {
      b[p++] = 0;
    } else {
      p = writeHeaders(b, this.buffer, p, headers);
    }
    return p - start;
  }
}

/** Exact encoded size of a record as the first of its batch (deltas 0). */
function exactRecordSize(key: Uint8Array | null, value: Uint8Array | string | null, headers: RecordHeaders | undefined): number {
  const valueLen = value === null ? -1 : typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
  const body = RecordAppender.recordBodySize(0, 0, key === null ? -1 : key.length, valueLen, headers === undefined ? 1 : headersEncodedSize(headers));
  return varintSize(body) + body;
}

function headerValueLength(v: HeaderValue): number {
  if (v === null) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

function headerFieldSize(k: string, v: HeaderValue): number {
  const kl = Buffer.byteLength(k, 'utf8');
  const vl = headerValueLength(v);
  return varintSize(kl) + kl + (vl < 0 ? 1 : varintSize(vl) + vl);
}

/** Encoded size of the headers section (count varint included). */
export function headersEncodedSize(headers: RecordHeaders): number {
  let size = 0;
  let count = 0;
  if (Array.isArray(headers)) {
    for (const [k, v] of headers as ReadonlyArray<readonly [string, HeaderValue]>) {
      size += headerFieldSize(k, v);
      count++;
    }
  } else {
    for (const k in headers) {
      size += headerFieldSize(k, (headers as Record<string, HeaderValue>)[k]!);
      count++;
    }
  }
  return varintSize(count) + size;
}

function writeHeader(b: Uint8Array, buf: Buffer & Utf8Writable, p: number, k: string, v: HeaderValue): number {
  const kl = Buffer.byteLength(k, 'utf8');
  p = writeVarint(b, p, kl);
  p += buf.utf8Write(k, p, kl);
  if (v === null) {
    b[p++] = 1;
  } else if (typeof v === 'string') {
    const vl = Buffer.byteLength(v, 'utf8');
    p = writeVarint(b, p, vl);
    p += buf.utf8Write(v, p, vl);
  } else {
    p = writeVarint(b, p, v.length);
    b.set(v, p);
    p += v.length;
  }
  return p;
}

function writeHeaders(b: Uint8Array, buf: Buffer & Utf8Writable, p: number, headers: RecordHeaders): number {
  if (Array.isArray(headers)) {
    const list = headers as ReadonlyArray<readonly [string, HeaderValue]>;
    p = writeVarint(b, p, list.length);
    for (const [k, v] of list) p = writeHeader(b, buf, p, k, v);
  } else {
    const obj = headers as Record<string, HeaderValue>;
    let count = 0;
    for (const _k in obj) count++;
    p = writeVarint(b, p, count);
    for (const k in obj) p = writeHeader(b, buf, p, k, obj[k]!);
  }
  return p;
}
