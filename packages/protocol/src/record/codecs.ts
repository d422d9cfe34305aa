/**
 * What the batch builder and reader add to the compression module: codec names or ids as the
 * builder takes them, and decompression that keeps the reader's promises (only ProtocolError,
 * bounded output) even if a native library throws an Error of its own.
 */
import { ProtocolError } from '../errors.js';
import type { Codec, CompressionId, CompressionName } from '../compression/types.js';
import { CompressionType } from '../compression/types.js';

/** The codec id for a name or id; throws a RangeError for anything else. */
export function compressionId(c: CompressionId | CompressionName | undefined): CompressionId {
  if (c === undefined) return CompressionType.none;
  if (typeof c === 'string') {
    const id = (CompressionType as Record<string, CompressionId | undefined>)[c];
    if (id === undefined) throw new RangeError(`unknown compression type '${c}'`);
    return id;
  }
  if (!Number.isInteger(c) || c < 0 || c > 4) throw new RangeError(`unknown compression id ${c}`);
  return c;
}

/**
 * Decompresses `input` with at most `maxOutputBytes` of output, promising the reader's caller
 * what the reader promises: a ProtocolError and nothing else on bad input (any other Error from
 * a codec, e.g. a native library's, becomes ERR_TANDEM_PROTOCOL_CORRUPT), and a length check
 * of the output even if a codec ignored the limit.
 */
export function decompressBounded(codec: Codec, input: Uint8Array, maxOutputBytes: number): Buffer {
  let out: Buffer;
  try {
    out = codec.decompress(input, maxOutputBytes);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw withCause(
      new ProtocolError('ERR_TANDEM_PROTOCOL_CORRUPT', `${codec.name} records section does not decompress: ${String(err)}`),
      err,
    );
  }
  if (out.length > maxOutputBytes) {
    throw new ProtocolError(
      'ERR_TANDEM_PROTOCOL_INVALID',
      `${codec.name} records section decompresses to ${out.length} bytes, above the limit of ${maxOutputBytes}`,
    );
  }
  return out;
}

function withCause(err: ProtocolError, cause: unknown): ProtocolError {
  Object.defineProperty(err, 'cause', { value: cause, configurable: true, writable: true });
  return err;
}
