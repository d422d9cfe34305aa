/**
 * The codec ids of RecordBatch attributes bits 0-2, and the shape every codec module exports.
 */

/** RecordBatch attributes bits 0-2. */
export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

export type CompressionName = keyof typeof CompressionType;
export type CompressionId = (typeof CompressionType)[CompressionName];

/**
 * One compression codec, with the framing the Java client writes and brokers accept.
 * `compress` takes a KIP-390 level (undefined = the codec's Kafka default).
 */
export interface Codec {
  readonly name: CompressionName;
  readonly id: CompressionId;
  compress(input: Uint8Array, level?: number): Buffer;
  /** Throws a ProtocolError on malformed input; never allocates without bound. */
  decompress(input: Uint8Array): Buffer;
}
