/**
 * The 61-byte header of a RecordBatch v2 (magic 2), as the Sender writes it in front of records
 * that are already encoded, and the offsets and flags a reader needs.
 * Source of truth: Java's `DefaultRecordBatch` (field offsets, `writeHeader`,
 * `computeAttributes`) and KIP-98.
 *
 * ```
 * RecordBatch =>
 *   baseOffset            int64   0: the broker assigns offsets
 *   batchLength           int32   bytes after this field (total - 12)
 *   partitionLeaderEpoch  int32   -1: the broker overwrites it, so it is outside the CRC
 *   magic                 int8    2
 *   crc                   uint32  CRC-32C of attributes .. end of the batch
 *   attributes            int16   bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control,
 *                                 6 delete horizon (log cleaner only)
 *   lastOffsetDelta       int32   records - 1
 *   baseTimestamp         int64
 *   maxTimestamp          int64
 *   producerId            int64   -1 unless idempotent
 *   producerEpoch         int16   -1 unless idempotent
 *   baseSequence          int32   -1 unless idempotent
 *   recordsCount          int32   (never compressed)
 *   records               ...     with a codec, one compressed stream
 * ```
 *
 * Runs once per batch in the Sender, not per record: written for clarity, but still allocation
 * free so that it can run over a SharedArrayBuffer slab in place.
 */
import { crc32c } from '../crc32c.js';
import type { CompressionId } from '../compression/types.js';

/** Offset of each header field from the start of the batch (Java: `DefaultRecordBatch.*_OFFSET`). */
export const BatchOffsets = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
  records: 61,
} as const;

/** Bytes of the batch header; records start here. (Java: `RECORD_BATCH_OVERHEAD`.) */
export const RECORD_BATCH_OVERHEAD = 61;

/** baseOffset + batchLength: the bytes not counted by batchLength. (Java: `Records.LOG_OVERHEAD`.) */
export const LOG_OVERHEAD = 12;

/** The magic byte of the v2 format, the only one Tandem writes or reads. */
export const MAGIC_V2 = 2;

/** Attribute bits of a v2 batch (Java: `DefaultRecordBatch.*_MASK`). */
export const BatchAttributes = {
  compressionMask: 0x07,
  /** Set: LogAppendTime (the broker's); clear: CreateTime (the producer's). */
  timestampType: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

/** `producerId`, `producerEpoch` and `baseSequence` of a batch without idempotence. */
export const NO_PRODUCER_ID = -1;
/** @see NO_PRODUCER_ID */
export const NO_PRODUCER_EPOCH = -1;
/** @see NO_PRODUCER_ID */
export const NO_SEQUENCE = -1;

/** The header fields of a batch a producer writes. Defaults are what a non-idempotent producer writes. */
export interface BatchHeader {
  /** Codec id for attribute bits 0-2 (`CompressionType`); default 0 (none). */
  readonly compression?: CompressionId;
  /** Number of records - 1. */
  readonly lastOffsetDelta: number;
  /** Timestamp of the first record, ms since the epoch; the records' deltas are from this. */
  readonly baseTimestamp: number;
  /** Largest record timestamp in the batch. */
  readonly maxTimestamp: number;
  /**
   * From InitProducerId; default -1. A number must be a safe integer (brokers hand out ids
   * counting up from 0, so every real one is); a bigint may be any int64.
   */
  readonly producerId?: bigint | number;
  /** int16; default -1. */
  readonly producerEpoch?: number;
  /** int32, assigned when the batch is drained; default -1. */
  readonly baseSequence?: number;
  /** Number of records. */
  readonly recordCount: number;
  /** Attribute bit 4: the batch belongs to a transaction. */
  readonly isTransactional?: boolean;
  /** Attribute bit 5: a transaction marker batch (written by coordinators, not producers). */
  readonly isControl?: boolean;
  /** For tests and tools: a producer always writes 0. */
  readonly baseOffset?: bigint | number;
  /** For tests and tools: a producer always writes -1. */
  readonly partitionLeaderEpoch?: number;
  /** For tests and tools: attribute bit 3, LogAppendTime; a producer always writes CreateTime. */
  readonly logAppendTime?: boolean;
}

function putInt16(t: Uint8Array, p: number, v: number): void {
  t[p] = v >>> 8;
  t[p + 1] = v;
}

function putInt32(t: Uint8Array, p: number, v: number): void {
  t[p] = v >>> 24;
  t[p + 1] = v >>> 16;
  t[p + 2] = v >>> 8;
  t[p + 3] = v;
}

/** int64 from a safe integer (negative ones too: -1 is hi -1, lo 0xffffffff) or from a bigint. */
function putInt64(t: Uint8Array, p: number, v: bigint | number): void {
  if (typeof v === 'bigint') {
    const u = BigInt.asUintN(64, v);
    putInt32(t, p, Number(u >> 32n));
    putInt32(t, p + 4, Number(u & 0xffffffffn));
    return;
  }
  const hi = Math.floor(v / 0x100000000);
  putInt32(t, p, hi);
  putInt32(t, p + 4, v - hi * 0x100000000);
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`batch header ${name} ${v} is outside [${min}, ${max}]`);
  }
}

function checkInt64(name: string, v: bigint | number): void {
  if (typeof v === 'bigint') {
    if (BigInt.asIntN(64, v) !== v) throw new RangeError(`batch header ${name} ${v} is not an int64`);
  } else if (!Number.isSafeInteger(v)) {
    throw new RangeError(`batch header ${name} ${v} is not a safe integer; pass a bigint`);
  }
}

/** Attribute bits for a header (Java: `DefaultRecordBatch.computeAttributes`). */
export function batchAttributes(header: BatchHeader): number {
  const compression = header.compression ?? 0;
  checkInt('compression', compression, 0, 4);
  return (
    compression |
    (header.logAppendTime === true ? BatchAttributes.timestampType : 0) |
    (header.isTransactional === true ? BatchAttributes.transactional : 0) |
    (header.isControl === true ? BatchAttributes.control : 0)
  );
}

/** Writes the fixed fields at `target[offset .. offset+61)`, everything except the CRC. */
function putHeaderFields(target: Uint8Array, offset: number, batchLength: number, header: BatchHeader): void {
  const baseOffset = header.baseOffset ?? 0;
  const producerId = header.producerId ?? NO_PRODUCER_ID;
  const producerEpoch = header.producerEpoch ?? NO_PRODUCER_EPOCH;
  const baseSequence = header.baseSequence ?? NO_SEQUENCE;
  const partitionLeaderEpoch = header.partitionLeaderEpoch ?? -1;
  checkInt64('baseOffset', baseOffset);
  checkInt64('producerId', producerId);
  checkInt('producerEpoch', producerEpoch, -0x8000, 0x7fff);
  checkInt('baseSequence', baseSequence, -0x80000000, 0x7fffffff);
  checkInt('partitionLeaderEpoch', partitionLeaderEpoch, -0x80000000, 0x7fffffff);
  checkInt('recordCount', header.recordCount, 0, 0x7fffffff);
  checkInt('lastOffsetDelta', header.lastOffsetDelta, -1, 0x7fffffff);
  checkInt64('baseTimestamp', header.baseTimestamp);
  checkInt64('maxTimestamp', header.maxTimestamp);
  // Java's writeHeader rejects these too: -1 (NO_TIMESTAMP) is the only negative timestamp.
  if (header.baseTimestamp < -1) throw new RangeError(`invalid baseTimestamp ${header.baseTimestamp}`);
  if (target.length - offset < RECORD_BATCH_OVERHEAD || offset < 0) {
    throw new RangeError(`no room for a ${RECORD_BATCH_OVERHEAD}-byte batch header at ${offset} of ${target.length}`);
  }

  putInt64(target, offset + BatchOffsets.baseOffset, baseOffset);
  putInt32(target, offset + BatchOffsets.batchLength, batchLength);
  putInt32(target, offset + BatchOffsets.partitionLeaderEpoch, partitionLeaderEpoch);
  target[offset + BatchOffsets.magic] = MAGIC_V2;
  putInt16(target, offset + BatchOffsets.attributes, batchAttributes(header));
  putInt32(target, offset + BatchOffsets.lastOffsetDelta, header.lastOffsetDelta);
  putInt64(target, offset + BatchOffsets.baseTimestamp, header.baseTimestamp);
  putInt64(target, offset + BatchOffsets.maxTimestamp, header.maxTimestamp);
  putInt64(target, offset + BatchOffsets.producerId, producerId);
  putInt16(target, offset + BatchOffsets.producerEpoch, producerEpoch);
  putInt32(target, offset + BatchOffsets.baseSequence, baseSequence);
  putInt32(target, offset + BatchOffsets.recordsCount, header.recordCount);
}

/**
 * Writes the batch header at `target[offset]` in front of records already in
 * `target[offset+61 .. end)`, then the CRC-32C of `[offset+21, end)` at `offset+17`. Returns the
 * CRC. This is the uncompressed Sender path: the application thread wrote the records into the
 * slab after 61 reserved bytes, and the batch goes on the wire from the slab as it is.
 *
 * @example
 * ```ts
 * // slab: 61 reserved bytes, then `count` records written by writeRecord up to `end`
 * writeBatchHeader(slab, 0, end, {
 *   lastOffsetDelta: count - 1, recordCount: count,
 *   baseTimestamp, maxTimestamp, producerId, producerEpoch, baseSequence,
 * });
 * ```
 */
export function writeBatchHeader(target: Uint8Array, offset: number, end: number, header: BatchHeader): number {
  if (end < offset + RECORD_BATCH_OVERHEAD || end > target.length) {
    throw new RangeError(`batch end ${end} outside [${offset + RECORD_BATCH_OVERHEAD}, ${target.length}]`);
  }
  putHeaderFields(target, offset, end - offset - LOG_OVERHEAD, header);
  const crc = crc32c(target.subarray(offset + BatchOffsets.attributes, end));
  putInt32(target, offset + BatchOffsets.crc, crc);
  return crc;
}

/**
 * Writes a batch header at `target[offset .. offset+61)` for a records section that lives in
 * another buffer, typically the output of a codec, and returns the CRC. The CRC is computed over
 * the header's tail and then continued over `records`, so the two pieces need never be copied
 * into one buffer: send the 61 header bytes and `records` one after the other.
 */
export function writeBatchHeaderForRecords(
  target: Uint8Array,
  offset: number,
  header: BatchHeader,
  records: Uint8Array,
): number {
  putHeaderFields(target, offset, RECORD_BATCH_OVERHEAD - LOG_OVERHEAD + records.length, header);
  const headerCrc = crc32c(target.subarray(offset + BatchOffsets.attributes, offset + RECORD_BATCH_OVERHEAD));
  const crc = crc32c(records, headerCrc);
  putInt32(target, offset + BatchOffsets.crc, crc);
  return crc;
}
