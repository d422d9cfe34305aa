/**
 * Settles sends: reads the Sender's completion ring and calls each record's callback or
 * settles its promise, a whole range of a slab in one pass, then returns fully settled slabs to
 * the appender's free list.
 *
 * Per-record state is two slots in plain arrays indexed by slab (never crossing threads):
 * `onSuccess[slab][i]` is the callback or the promise's resolve, `onFailure[slab][i]` is null
 * for a callback or the promise's reject. RecordMetadata is built at completion from the record
 * bytes still in the slab (timestamp delta, key and value sizes), so send() stores nothing else.
 *
 * A slab's two arrays keep their length when the slab is freed (each slot is nulled as its
 * record settles, so callbacks and promises can be collected): a reused slab then stores into
 * slots that exist, instead of growing a fresh array record by record (and reallocating its
 * backing store a few times per batch).
 */
import {
  BATCH_HEADER_SIZE,
  CompletionWord,
  loadInt64,
  type SharedLayout,
} from '@tandem/shared-memory';
import type { RecordMetadata, SendCallback } from '../record.js';
import type { RecordAppender } from './record-appender.js';

/** Turns a completion's error code into the Error the user sees. */
export type ErrorFactory = (code: number, topic: string, partition: number, recordCount: number) => Error;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Settler = (...args: any[]) => void;

export class DeliveryTracker {
  /** Per slab, per record: the callback or resolve; null once settled and the slab freed. */
  private readonly onSuccess: Array<Settler | null>[];
  private readonly onFailure: Array<Settler | null>[];
  private readonly bytes: Uint8Array;
  /** Records handed to append and not yet settled. */
  pending = 0;

  constructor(
    private readonly layout: SharedLayout,
    private readonly appender: RecordAppender,
    private readonly topicName: (topicIndex: number) => string,
    private readonly errorFor: ErrorFactory,
    /** Called after slabs were freed (waiting sends may now fit). */
    private readonly onMemoryFreed: () => void,
  ) {
    const n = layout.slabCount;
    this.onSuccess = new Array(n);
    this.onFailure = new Array(n);
    for (let i = 0; i < n; i++) {
      this.onSuccess[i] = [];
      this.onFailure[i] = [];
    }
    this.bytes = layout.data;
  }

  /** Records the settler of the record just appended at (slab, index). Per-record path. */
  track(slab: number, index: number, success: Settler, failure: Settler | null): void {
    this.onSuccess[slab]![index] = success;
    this.onFailure[slab]![index] = failure;
    this.pending++;
  }

  /** Drains the completion ring; returns the number of records settled. */
  drain(): number {
    const ring = this.layout.completions;
    const words = this.layout.control;
    let settled = 0;
    let freed = false;
    for (let at = ring.peek(); at >= 0; at = ring.peek()) {
      const slab = words[at + CompletionWord.SLAB]!;
      const generation = words[at + CompletionWord.GENERATION]!;
      const first = words[at + CompletionWord.FIRST_RECORD]!;
      const count = words[at + CompletionWord.RECORD_COUNT]!;
      const error = words[at + CompletionWord.ERROR]!;
      const baseOffset = loadInt64(words, at + CompletionWord.BASE_OFFSET_HI);
      const logAppendTime = loadInt64(words, at + CompletionWord.LOG_APPEND_TIME_HI);
      ring.release();
      if (generation !== this.appender.generation[slab]) {
        throw new Error(`tandem: completion for slab ${slab} generation ${generation}, current ${this.appender.generation[slab]}`);
      }
      this.settleRange(slab, first, count, error, baseOffset, logAppendTime);
      settled += count;
      const done = (this.appender.settledCount[slab]! += count);
      if (done >= this.appender.recordCount[slab]!) {
        this.appender.release(slab);
        freed = true;
      }
    }
    this.pending -= settled;
    if (freed) this.onMemoryFreed();
    return settled;
  }

  /** Fails every record still pending (the Sender died or close timed out). */
  failAll(error: Error): void {
    for (let slab = 0; slab < this.onSuccess.length; slab++) {
      const successes = this.onSuccess[slab]!;
      const failures = this.onFailure[slab]!;
      // Settled slots are null (ranges of a slab may settle in any order); a free slab's are all null.
      for (let i = 0; i < successes.length; i++) {
        const ok = successes[i];
        if (ok === null || ok === undefined) continue;
        const fail = failures[i];
        successes[i] = null;
        failures[i] = null;
        this.pending--;
        if (fail === null) safeCallback(ok, error, null);
        else fail!(error);
      }
    }
  }

  private settleRange(slab: number, first: number, count: number, error: number, baseOffset: number, logAppendTime: number): void {
    const successes = this.onSuccess[slab]!;
    const failures = this.onFailure[slab]!;
    const topic = this.topicName(this.appender.slabTopic[slab]!);
    const partition = this.appender.slabPartition[slab]!;
    if (error !== 0) {
      const err = this.errorFor(error, topic, partition, count);
      for (let i = first; i < first + count; i++) {
        const fail = failures[i];
        const ok = successes[i]!;
        successes[i] = null;
        failures[i] = null;
        if (fail === null) safeCallback(ok, err, null);
        else fail!(err);
      }
      return;
    }
    // Walk the slab's records to the first of the range, then read each one's sizes.
    const b = this.bytes;
    let p = slab * this.layout.slabSize + BATCH_HEADER_SIZE;
    const base = this.appender.baseTimestamp[slab]!;
    for (let i = 0; i < first; i++) {
      const len = readVarint(b, p);
      p = varintEnd + len;
    }
    for (let i = first; i < first + count; i++) {
      const len = readVarint(b, p);
      const next = varintEnd + len;
      let q = varintEnd + 1; // skip attributes
      const delta = readVarlong(b, q);
      q = varintEnd;
      readVarint(b, q); // offsetDelta
      q = varintEnd;
      const keyLen = readVarint(b, q);
      q = varintEnd + (keyLen > 0 ? keyLen : 0);
      const valueLen = readVarint(b, q);
      const metadata: RecordMetadata = {
        topic,
        partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i - first,
        timestamp: logAppendTime >= 0 ? logAppendTime : base + delta,
        serializedKeySize: keyLen,
        serializedValueSize: valueLen,
      };
      const fail = failures[i];
      const ok = successes[i]!;
      successes[i] = null;
      failures[i] = null;
      if (fail === null) safeCallback(ok, null, metadata);
      else ok(metadata);
      p = next;
    }
  }
}

/** End position of the last varint read (module state: avoids returning a pair). */
let varintEnd = 0;

function readVarint(b: Uint8Array, p: number): number {
  let z = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = b[p++]!;
    z |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  varintEnd = p;
  return (z >>> 1) ^ -(z & 1);
}

function readVarlong(b: Uint8Array, p: number): number {
  let z = 0;
  let mul = 1;
  let byte: number;
  do {
    byte = b[p++]!;
    z += (byte & 0x7f) * mul;
    mul *= 128;
  } while (byte & 0x80);
  varintEnd = p;
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/**
 * Calls a user's callback; an exception it throws is reported as an uncaught exception on the
 * next tick (as an EventEmitter listener's would be) instead of breaking the settling loop.
 */
function safeCallback(fn: Settler, error: Error | null, metadata: RecordMetadata | null): void {
  try {
    (fn as SendCallback)(error, metadata);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

export type { SendCallback };
