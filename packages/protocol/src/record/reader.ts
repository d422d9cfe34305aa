/**
 * Reads RecordBatch v2 bytes back into objects: for tests, for tools that check what a broker
 * stored, and for the Sender's rare paths (splitting a slab's records). Not on the per-record
 * path, so written for clarity.
 *
 * The reader meets bytes that may be truncated, corrupt or hostile, and promises three things:
 * 1. It throws only {@link ProtocolError}: TRUNCATED when the input ends early, CORRUPT when a
 *    CRC does not match or a codec cannot decompress, INVALID when a length, count or varint is
 *    outside the format, UNSUPPORTED for another magic or an unknown codec.
 * 2. It never loops for long: every loop step consumes input or fails, and every count is
 *    checked against the bytes left before it is trusted (recordsCount can lie).
 * 3. It never allocates beyond what the input justifies: lengths are checked before slicing
 *    (key, value and header values are views of the input, not copies), and a compressed
 *    records section may grow only up to {@link DecodeRecordBatchesOptions.maxDecompressedBytes}.
 *
 * Checks follow Java's `DefaultRecordBatch` (`ensureValid`, `RecordIterator`) and
 * `DefaultRecord.readFrom`, a little stricter where Java is lenient: a key or value length
 * below -1 is INVALID here (Java reads any negative length as null).
 */
import { ProtocolError, invalid, truncated } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import { crc32c } from '../crc32c.js';
import { codecFor } from '../compression/index.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, type CompressionId } from '../compression/types.js';
import {
  BatchAttributes,
  BatchOffsets,
  LOG_OVERHEAD,
  MAGIC_V2,
  RECORD_BATCH_OVERHEAD,
} from './batch-header.js';
import { decompressBounded } from './codecs.js';

/** A record header as read: the key decoded from UTF-8, the value a view of the input. */
export interface DecodedHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** One record as read from a batch. */
export interface DecodedRecord {
  /** The record's attributes byte (unused in v2, 0 when written by Java or Tandem). */
  readonly attributes: number;
  readonly offsetDelta: number;
  /** baseOffset + offsetDelta. */
  readonly offset: bigint;
  readonly timestampDelta: number;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime (as Java reads it). */
  readonly timestamp: number;
  /** baseSequence + offsetDelta, wrapping after 2^31-1; -1 if the batch has no sequence. */
  readonly sequence: number;
  /** A view of the input (or of the decompressed records), not a copy. */
  readonly key: Buffer | null;
  /** A view of the input (or of the decompressed records), not a copy. */
  readonly value: Buffer | null;
  readonly headers: readonly DecodedHeader[];
}

/** One batch as read: every header field, and its records. */
export interface DecodedRecordBatch {
  readonly baseOffset: bigint;
  readonly batchLength: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  /** The stored CRC-32C, checked against the bytes. */
  readonly crc: number;
  readonly attributes: number;
  readonly compression: CompressionId;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly hasDeleteHorizon: boolean;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
  /** Bytes of this batch in the input (batchLength + 12). */
  readonly sizeInBytes: number;
  readonly records: readonly DecodedRecord[];
}

/** Limits and switches of {@link decodeRecordBatches}. */
export interface DecodeRecordBatchesOptions {
  /**
   * Largest records section a compressed batch may decompress to, in bytes; default the
   * compression module's DEFAULT_MAX_DECOMPRESSED_BYTES (64 MiB).
   * Compression ratios can be huge (zstd over zeros passes 1000:1), so the input's size alone
   * cannot bound the output.
   */
  readonly maxDecompressedBytes?: number;
  /** Check each batch's CRC-32C; default true. */
  readonly verifyCrc?: boolean;
}

/**
 * Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key length, value
 * length and header count, one byte each. A recordsCount above bytes/7 is a lie.
 */
export const MIN_RECORD_SIZE = 7;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** Java's `DefaultRecordBatch.incrementSequence`: sequences wrap from 2^31-1 to 0. */
function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1;
  return sequence + increment;
}

/** Where and how to place the records of a batch: the base fields their deltas are relative to. */
export interface RecordBase {
  readonly baseOffset?: bigint;
  readonly baseTimestamp?: number;
  readonly baseSequence?: number;
  /** Set under LogAppendTime: every record's timestamp is this (the batch's maxTimestamp). */
  readonly logAppendTime?: number | null;
}

/**
 * Reads exactly `count` records from `records` (a records section: no batch header, not
 * compressed), e.g. the records a slab holds. All bytes must be consumed: leftovers are INVALID
 * ("Incorrect declared batch size" in Java).
 */
export function decodeRecords(records: Uint8Array, count: number, base: RecordBase = {}): DecodedRecord[] {
  const buf = asBuffer(records);
  if (!Number.isInteger(count) || count < 0) throw invalid(`invalid record count ${count}`);
  if (count > Math.floor(buf.length / MIN_RECORD_SIZE)) {
    throw invalid(`record count ${count} cannot fit in ${buf.length} bytes of records`);
  }
  const r = new Reader(buf);
  const out = new Array<DecodedRecord>(count);
  const baseOffset = base.baseOffset ?? 0n;
  const baseTimestamp = base.baseTimestamp ?? 0;
  const baseSequence = base.baseSequence ?? -1;
  const logAppendTime = base.logAppendTime ?? null;
  for (let i = 0; i < count; i++) {
    out[i] = readRecord(r, baseOffset, baseTimestamp, baseSequence, logAppendTime);
  }
  if (r.remaining !== 0) {
    throw invalid(`${r.remaining} byte(s) left after the ${count} declared record(s)`);
  }
  return out;
}

function readNullableBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < -1) throw invalid(`${what} length ${n}`);
  return r.raw(n);
}

function readRecord(
  r: Reader,
  baseOffset: bigint,
  baseTimestamp: number,
  baseSequence: number,
  logAppendTime: number | null,
): DecodedRecord {
  const bodySize = r.varint();
  if (bodySize < MIN_RECORD_SIZE - 1) throw invalid(`record length ${bodySize} below the minimum of ${MIN_RECORD_SIZE - 1}`);
  if (bodySize > r.remaining) throw truncated('record', bodySize, r.remaining);
  const end = r.pos + bodySize;
  // A reader over exactly this record: a lying length inside it cannot read the next record.
  const body = new Reader(r.buf, r.pos, end);
  r.pos = end;

  const attributes = body.int8();
  const timestampDelta = body.varlongn();
  const offsetDelta = body.varint();
  if (offsetDelta < 0) throw invalid(`negative offsetDelta ${offsetDelta}`);
  const key = readNullableBytes(body, 'key');
  const value = readNullableBytes(body, 'value');
  const headerCount = body.varint();
  if (headerCount < 0) throw invalid(`invalid number of record headers ${headerCount}`);
  // Each header takes at least 2 bytes (key length, value length).
  if (headerCount * 2 > body.remaining) {
    throw invalid(`${headerCount} record headers cannot fit in the ${body.remaining} byte(s) left`);
  }
  const headers = new Array<DecodedHeader>(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const keyLength = body.varint();
    if (keyLength < 0) throw invalid(`invalid header key length ${keyLength}`);
    const keyBytes = body.raw(keyLength);
    headers[i] = { key: utf8.decode(keyBytes), value: readNullableBytes(body, 'header value') };
  }
  if (body.remaining !== 0) {
    throw invalid(`record length ${bodySize} but its fields took ${bodySize - body.remaining}`);
  }

  return {
    attributes,
    offsetDelta,
    offset: baseOffset + BigInt(offsetDelta),
    timestampDelta,
    timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
    sequence: baseSequence >= 0 ? incrementSequence(baseSequence, offsetDelta) : -1,
    key,
    value,
    headers,
  };
}

/**
 * Reads one batch that starts at `input[offset]` and returns it with its size in bytes.
 * See {@link decodeRecordBatches}.
 */
export function decodeRecordBatch(
  input: Uint8Array,
  offset = 0,
  options: DecodeRecordBatchesOptions = {},
): DecodedRecordBatch {
  const buf = asBuffer(input);
  const left = buf.length - offset;
  if (offset < 0 || left < 0) throw new RangeError(`offset ${offset} outside the input's ${buf.length} bytes`);
  if (left < RECORD_BATCH_OVERHEAD) throw truncated('record batch header', RECORD_BATCH_OVERHEAD, left);

  const magic = buf.readInt8(offset + BatchOffsets.magic);
  if (magic !== MAGIC_V2) {
    // Magic 0 and 1 (the old message sets) lay out their bytes differently from here on.
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED', `record batch magic ${magic}; only magic 2 is supported`);
  }
  const batchLength = buf.readInt32BE(offset + BatchOffsets.batchLength);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    throw invalid(`record batch length ${batchLength} below the minimum of ${RECORD_BATCH_OVERHEAD - LOG_OVERHEAD}`);
  }
  const size = batchLength + LOG_OVERHEAD;
  if (size > left) throw truncated('record batch', size, left);
  const end = offset + size;

  const crc = buf.readUInt32BE(offset + BatchOffsets.crc);
  if (options.verifyCrc !== false) {
    const actual = crc32c(buf.subarray(offset + BatchOffsets.attributes, end));
    if (actual !== crc) {
      throw new ProtocolError(
        'ERR_TANDEM_PROTOCOL_CORRUPT',
        `record batch at ${offset} is corrupt: stored CRC ${hex(crc)}, computed ${hex(actual)}`,
      );
    }
  }

  const attributes = buf.readInt16BE(offset + BatchOffsets.attributes);
  const compression = attributes & BatchAttributes.compressionMask;
  if (compression > 4) {
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED', `unknown compression id ${compression} in batch attributes`);
  }
  const logAppend = (attributes & BatchAttributes.timestampType) !== 0;
  const lastOffsetDelta = buf.readInt32BE(offset + BatchOffsets.lastOffsetDelta);
  const baseTimestamp = readInt64Number(buf, offset + BatchOffsets.baseTimestamp, 'baseTimestamp');
  const maxTimestamp = readInt64Number(buf, offset + BatchOffsets.maxTimestamp, 'maxTimestamp');
  const baseSequence = buf.readInt32BE(offset + BatchOffsets.baseSequence);
  const recordCount = buf.readInt32BE(offset + BatchOffsets.recordsCount);
  if (recordCount < 0) throw invalid(`invalid record count ${recordCount}`);
  const baseOffset = buf.readBigInt64BE(offset + BatchOffsets.baseOffset);

  let section: Buffer = buf.subarray(offset + RECORD_BATCH_OVERHEAD, end);
  if (compression !== 0) {
    const codec = codecFor(compression);
    const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`maxDecompressedBytes ${max} is not a byte count`);
    section = decompressBounded(codec, section, max);
  }
  const records = decodeRecords(section, recordCount, {
    baseOffset,
    baseTimestamp,
    baseSequence,
    logAppendTime: logAppend ? maxTimestamp : null,
  });

  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(offset + BatchOffsets.partitionLeaderEpoch),
    magic,
    crc,
    attributes,
    compression: compression as CompressionId,
    timestampType: logAppend ? 'LogAppendTime' : 'CreateTime',
    isTransactional: (attributes & BatchAttributes.transactional) !== 0,
    isControl: (attributes & BatchAttributes.control) !== 0,
    hasDeleteHorizon: (attributes & BatchAttributes.deleteHorizon) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: buf.readBigInt64BE(offset + BatchOffsets.producerId),
    producerEpoch: buf.readInt16BE(offset + BatchOffsets.producerEpoch),
    baseSequence,
    recordCount,
    sizeInBytes: size,
    records,
  };
}

/**
 * Reads every RecordBatch v2 in `input` (one batch, or several back to back as in a
 * log segment or a Fetch response), verifying each CRC-32C and decompressing through the codec
 * module. Keys, values and header values are views of `input` (or of the decompressed bytes).
 *
 * Throws only {@link ProtocolError}; see this module's comment for the guarantees on hostile
 * input. A trailing partial batch is TRUNCATED (a Fetch reader that expects one should cut the
 * input first).
 *
 * @example
 * ```ts
 * const [batch] = decodeRecordBatches(buildRecordBatch([{ value: 'hello', timestamp: 0 }]));
 * batch.records[0].value?.toString(); // 'hello'
 * ```
 */
export function decodeRecordBatches(input: Uint8Array, options: DecodeRecordBatchesOptions = {}): DecodedRecordBatch[] {
  const out: DecodedRecordBatch[] = [];
  let offset = 0;
  while (offset < input.length) {
    const batch = decodeRecordBatch(input, offset, options);
    out.push(batch);
    offset += batch.sizeInBytes; // ≥ 61: the loop ends within input.length / 61 steps
  }
  return out;
}

function readInt64Number(buf: Buffer, at: number, what: string): number {
  const hi = buf.readInt32BE(at);
  const lo = buf.readUInt32BE(at + 4);
  const v = hi * 0x100000000 + lo;
  if (!Number.isSafeInteger(v)) throw invalid(`${what} ${buf.readBigInt64BE(at)} is not a safe integer`);
  return v;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
