/**
 * A whole RecordBatch v2 from a list of records, in one call: for tests, for tools, and for
 * the Sender's rare paths (splitting a batch the broker found too large, re-encoding). The
 * per-record path of send() does not come here; it calls `writeRecord` into a slab.
 * Mirrors what Java's `MemoryRecordsBuilder` produces: offset deltas 0..n-1, baseTimestamp the
 * first record's timestamp, maxTimestamp the largest, CreateTime.
 */
import { codecFor } from '../compression/index.js';
import type { CompressionId, CompressionName } from '../compression/types.js';
import { RECORD_BATCH_OVERHEAD, writeBatchHeader, type BatchHeader } from './batch-header.js';
import { compressionId } from './codecs.js';
import { recordSize, recordSizeUtf8, writeRecord, writeRecordUtf8, type RecordHeader } from './record.js';

/** One record for {@link buildRecordBatch}. Strings are written as UTF-8. */
export interface RecordInput {
  readonly key?: Uint8Array | string | null;
  readonly value?: Uint8Array | string | null;
  readonly headers?: readonly RecordHeader[] | null;
  /** ms since the epoch, ≥ 0; default {@link BuildRecordBatchOptions.timestamp}. */
  readonly timestamp?: number;
}

/** Batch-level settings of {@link buildRecordBatch}; all optional. */
export interface BuildRecordBatchOptions {
  /** Codec by name or id; default none. */
  readonly compression?: CompressionId | CompressionName;
  /** KIP-390 level for the codec; default the codec's Kafka default. */
  readonly compressionLevel?: number;
  /** Timestamp of records that have none; default `Date.now()` once for the batch. */
  readonly timestamp?: number;
  readonly producerId?: bigint | number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
  /** For tests and tools; a producer writes 0. */
  readonly baseOffset?: bigint | number;
  /** For tests and tools; a producer writes -1. */
  readonly partitionLeaderEpoch?: number;
}

function toBytes(v: Uint8Array | string | null | undefined): Uint8Array | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/**
 * Encodes `records` as one RecordBatch v2 and returns it as a Buffer of exactly its size.
 * With a codec, the records section is compressed as one stream and the header stays plain.
 *
 * Throws a RangeError for an empty list (no broker accepts an empty batch from a producer),
 * a negative timestamp, or header fields out of range; a ProtocolError
 * ERR_TANDEM_PROTOCOL_UNSUPPORTED if the codec is not available.
 *
 * @example
 * ```ts
 * const batch = buildRecordBatch(
 *   [{ key: 'k', value: 'hello', headers: [{ key: 'trace', value: 'abc' }], timestamp: 1700000000000 }],
 *   { compression: 'zstd', producerId: 4000n, producerEpoch: 0, baseSequence: 0 },
 * );
 * ```
 */
export function buildRecordBatch(records: readonly RecordInput[], options: BuildRecordBatchOptions = {}): Buffer {
  const n = records.length;
  if (n === 0) throw new RangeError('a record batch needs at least one record');
  const compression = compressionId(options.compression);
  // Resolve the codec before encoding anything, so that a missing one fails fast.
  const codec = compression === 0 ? undefined : codecFor(compression);
  const defaultTimestamp = options.timestamp ?? Date.now();

  const keys = new Array<Uint8Array | null>(n);
  const timestamps = new Array<number>(n);
  let baseTimestamp = 0;
  let maxTimestamp = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? defaultTimestamp;
    // Java's ProducerRecord rejects negative timestamps; a delta from a negative base is meaningless.
    if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`record ${i}: invalid timestamp ${ts}`);
    timestamps[i] = ts;
    if (i === 0) baseTimestamp = maxTimestamp = ts;
    else if (ts > maxTimestamp) maxTimestamp = ts;
    keys[i] = toBytes(r.key);
  }

  let size = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const delta = timestamps[i]! - baseTimestamp;
    const headers = r.headers ?? null;
    size +=
      typeof r.value === 'string'
        ? recordSizeUtf8(delta, i, keys[i]!, r.value, headers)
        : recordSize(delta, i, keys[i]!, r.value ?? null, headers);
  }

  const buf = Buffer.alloc(size);
  let pos = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const delta = timestamps[i]! - baseTimestamp;
    const headers = r.headers ?? null;
    pos =
      typeof r.value === 'string'
        ? writeRecordUtf8(buf, pos, size, delta, i, keys[i]!, r.value, headers)
        : writeRecord(buf, pos, delta, i, keys[i]!, r.value ?? null, headers);
    if (pos < 0) throw new Error('record sizes disagree with the bytes written'); // a bug here, not bad input
  }

  const header: BatchHeader = {
    compression,
    lastOffsetDelta: n - 1,
    baseTimestamp,
    maxTimestamp,
    recordCount: n,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: options.baseSequence,
    isTransactional: options.isTransactional,
    isControl: options.isControl,
    baseOffset: options.baseOffset,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
  };

  if (codec === undefined) {
    writeBatchHeader(buf, 0, size, header);
    return buf;
  }
  // The codec leaves 61 bytes of headroom in front of its output: the header goes there, and
  // the compressed records are never copied.
  const out = codec.compress(buf.subarray(RECORD_BATCH_OVERHEAD), options.compressionLevel, {
    headroom: RECORD_BATCH_OVERHEAD,
  });
  writeBatchHeader(out, 0, out.length, header);
  return out;
}
