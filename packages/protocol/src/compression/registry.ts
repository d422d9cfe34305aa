/**
 * Finding a codec by the id in RecordBatch attributes bits 0-2, or by its `compression.type`
 * name. Java's `CompressionType.forId` / `forName` are the model.
 */
import { ProtocolError } from '../errors.js';
import { gzip } from './gzip.js';
import { lz4 } from './lz4.js';
import { none } from './none.js';
import { snappy } from './snappy.js';
import type { Codec, CompressionName } from './types.js';
import { zstd } from './zstd.js';

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
