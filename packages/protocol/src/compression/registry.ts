/**
 * Finding a codec by the id in RecordBatch attributes bits 0-2, or by its `compression.type`
 * name. Java's `CompressionType.forId` / `forName` are the model.
 */
import { ProtocolError } from '../errors.js';
import { gzip } from './gzip.js';
import { loadLz4Native, lz4 } from './lz4.js';
import { none } from './none.js';
import { loadSnappyNative, snappy } from './snappy.js';
import type { Codec, CompressionName } from './types.js';
import { loadZstdNative, zstd } from './zstd.js';

/** Every codec, indexed by id: `codecs[id].id === id`. */
export const codecs: readonly Codec[] = Object.freeze([none, gzip, snappy, lz4, zstd]);

const byName: ReadonlyMap<string, Codec> = new Map(codecs.map((c) => [c.name, c]));

/**
 * The codec of a RecordBatch attributes codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
 *
 * @throws ProtocolError `ERR_TANDEM_PROTOCOL_UNSUPPORTED` for any other id (5-7 are unassigned).
 * @example
 * ```ts
 * const codec = codecFor(attributes & 0x07);
 * const records = codec.decompress(batch.subarray(61));
 * ```
 */
export function codecFor(id: number): Codec {
  const codec = Number.isInteger(id) ? codecs[id] : undefined;
  if (codec === undefined) {
    throw new ProtocolError(
      'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
      `unknown compression codec id ${String(id)}: Kafka defines 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd`,
    );
  }
  return codec;
}

/**
 * The codec of a `compression.type` name: `none`, `gzip`, `snappy`, `lz4` or `zstd`
 * (lower case, as Kafka spells them).
 *
 * @throws ProtocolError `ERR_TANDEM_PROTOCOL_UNSUPPORTED` for any other name.
 */
export function codecByName(name: CompressionName | string): Codec {
  const codec = byName.get(name);
  if (codec === undefined) {
    throw new ProtocolError(
      'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
      `unknown compression.type ${JSON.stringify(name)}: expected one of ${[...byName.keys()].join(', ')}`,
    );
  }
  return codec;
}

/** The native library under each codec that has one (gzip is Node's own zlib). */
const nativeLoaders: Partial<Record<CompressionName, () => unknown>> = {
  snappy: loadSnappyNative,
  lz4: loadLz4Native,
  zstd: loadZstdNative,
};

/**
 * The codec for an id or `compression.type` name, with its native library loaded now rather
 * than on first use. Call it where a configuration is accepted (producer construction, Sender
 * start-up) so that a platform without the addon fails there, not at the first batch.
 *
 * @throws ProtocolError `ERR_TANDEM_PROTOCOL_UNSUPPORTED` for an unknown codec, or when the
 *   native package fails to load (its error is the `cause`).
 * @example
 * ```ts
 * const codec = preloadCodec(config['compression.type']); // e.g. 'zstd'
 * ```
 */
export function preloadCodec(idOrName: number | string): Codec {
  const codec = typeof idOrName === 'number' ? codecFor(idOrName) : codecByName(idOrName);
  nativeLoaders[codec.name]?.();
  return codec;
}
