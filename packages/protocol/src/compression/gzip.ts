/**
 * gzip (id 1): one RFC 1952 stream, through Node's own zlib.
 *
 * Java's `GzipCompression` wraps `java.util.zip.GZIPOutputStream`/`GZIPInputStream`, which are
 * zlib too, so levels mean the same on both sides (-1 is zlib's default, level 6). The header
 * bytes differ harmlessly (Java writes OS=255 and XFL=0, zlib OS=3 and an XFL hint); every gzip
 * reader ignores both. Decompression accepts concatenated members, as GZIPInputStream does;
 * unlike GZIPInputStream it refuses non-gzip bytes after the last member (zlib's choice), which
 * no producer writes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ProtocolError } from '../errors.js';
import { asBuffer, corruptStream, headroomOf, maxOutputOf, outputTooLarge, resolveLevel, truncatedStream } from './options.js';
import {
  CompressionType,
  type Codec,
  type CompressOptions,
  type CompressionLevelRange,
} from './types.js';

/** `compression.gzip.level`: 1 (fastest) to 9 (smallest), or -1 for zlib's default. */
export const GZIP_LEVELS: CompressionLevelRange = {
  configKey: 'compression.gzip.level',
  min: 1,
  max: 9,
  default: -1,
  extra: [-1],
};

/** The gzip codec. */
export const gzip: Codec = {
  name: 'gzip',
  id: CompressionType.gzip,
  levels: GZIP_LEVELS,

  compress(input: Uint8Array, level?: number, options?: CompressOptions): Buffer {
    const resolved = resolveLevel(GZIP_LEVELS, level);
    const headroom = headroomOf(options);
    const stream = gzipSync(input, { level: resolved });
    if (headroom === 0) return stream;
    // zlib owns its output buffer, so headroom costs one copy here (and only here).
    const out = Buffer.allocUnsafe(headroom + stream.length);
    stream.copy(out, headroom);
    return out;
  },

  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer {
    const max = maxOutputOf(maxOutputBytes);
    // zlib would return an empty buffer for empty input; GZIPInputStream throws EOFException.
    if (input.byteLength === 0) throw truncatedStream('gzip', 'empty input');
    let out: Buffer;
    try {
      // maxOutputLength makes zlib stop (and throw) as soon as the output would pass the cap,
      // so a bomb never gets more than `max` bytes allocated. zlib wants at least 1.
      out = gunzipSync(asBuffer(input), { maxOutputLength: Math.max(1, max) });
    } catch (err) {
      throw zlibError(err, max);
    }
    if (out.length > max) throw outputTooLarge('gzip', out.length, max);
    return out;
  },
};

/** Maps zlib's errors to ProtocolErrors by their stable codes. */
function zlibError(err: unknown, max: number): ProtocolError {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return outputTooLarge('gzip', `more than ${max}`, max);
  if (code === 'Z_BUF_ERROR') return truncatedStream('gzip', 'unexpected end of input');
  return corruptStream('gzip', 'zlib rejected it', err);
}
