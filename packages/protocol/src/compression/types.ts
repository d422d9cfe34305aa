/**
 * The codec ids of RecordBatch attributes bits 0-2, and the shape every codec module exports.
 *
 * A codec compresses the records section of a RecordBatch v2 (everything after `recordsCount`)
 * as one stream, with the framing the Java client writes: the broker decompresses every batch to
 * validate it, so a framing detail Java's reader rejects fails the whole produce.
 */

/** RecordBatch attributes bits 0-2 (Java's `CompressionType` ids). */
export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

/** The `compression.type` names Kafka uses: `none`, `gzip`, `snappy`, `lz4`, `zstd`. */
export type CompressionName = keyof typeof CompressionType;
/** The codec id written in RecordBatch attributes bits 0-2. */
export type CompressionId = (typeof CompressionType)[CompressionName];

/**
 * The compression levels a codec accepts, as KIP-390 defines them for the producer configs
 * `compression.<codec>.level` (Java's `CompressionType.<CODEC>.minLevel/maxLevel/defaultLevel`).
 */
export interface CompressionLevelRange {
  /** The producer config that sets this level, e.g. `compression.gzip.level`. */
  readonly configKey: string;
  /** Smallest level of the contiguous range. */
  readonly min: number;
  /** Largest level of the contiguous range. */
  readonly max: number;
  /** The level used when none is given (Java's default). */
  readonly default: number;
  /** Values accepted outside `[min, max]`: gzip's -1 (zlib's own default). */
  readonly extra: readonly number[];
}

/** Options of {@link Codec.compress}. */
export interface CompressOptions {
  /**
   * Bytes to leave uninitialised at the front of the returned buffer, before the compressed
   * stream. A RecordBatch writer passes its 61-byte header size here and fills the header in
   * place, so the compressed records are never copied a second time. Default 0.
   */
  readonly headroom?: number;
}

/**
 * Default `maxOutputBytes` of {@link Codec.decompress}, 64 MiB: the cap on one decompressed
 * stream. A batch is at most `message.max.bytes` compressed (1 MiB by default on the broker), so
 * this leaves room for ratios up to 64:1 while keeping a hostile "zip bomb" from taking the
 * process's memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * One compression codec, with the framing the Java client writes and brokers accept.
 *
 * @example
 * ```ts
 * const lz4 = codecFor(CompressionType.lz4);
 * const framed = lz4.compress(records);          // Java's default level
 * const back = lz4.decompress(framed, 8 << 20); // at most 8 MiB out
 * ```
 */
export interface Codec {
  /** The `compression.type` name. */
  readonly name: CompressionName;
  /** The id in RecordBatch attributes bits 0-2. */
  readonly id: CompressionId;
  /** The levels `compress` accepts, or `null` when the codec has none (none, snappy). */
  readonly levels: CompressionLevelRange | null;
  /**
   * Compresses `input` into one stream framed as the Java client frames it.
   *
   * @param level - a KIP-390 level; `undefined` means the codec's Kafka default. Throws a
   *   RangeError naming the config key when out of range. Codecs without levels ignore it.
   */
  compress(input: Uint8Array, level?: number, options?: CompressOptions): Buffer;
  /**
   * Decompresses one stream. Throws a ProtocolError on malformed, truncated or oversized input.
   *
   * @param maxOutputBytes - most bytes the output may have (default
   *   {@link DEFAULT_MAX_DECOMPRESSED_BYTES}); a stream that would produce more throws a
   *   ProtocolError (`ERR_TANDEM_PROTOCOL_INVALID`) before the excess is allocated. Sizes a
   *   stream declares (a snappy block's length preamble, an lz4 content size, a zstd frame
   *   content size) are checked against it before anything is allocated. A RangeError if it is
   *   not a non-negative integer.
   */
  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer;
}
