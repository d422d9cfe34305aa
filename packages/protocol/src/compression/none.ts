/**
 * The identity codec (`compression.type=none`, id 0), so that callers can treat every
 * attributes value alike. It copies, like every other codec returns fresh memory: a caller that
 * wants zero copies for uncompressed batches skips the codec instead.
 */
import { asBuffer, headroomOf, maxOutputOf, outputTooLarge } from './options.js';
import { CompressionType, type Codec, type CompressOptions } from './types.js';

/** The identity codec: `compress` and `decompress` return a copy of their input. */
export const none: Codec = {
  name: 'none',
  id: CompressionType.none,
  levels: null,

  compress(input: Uint8Array, _level?: number, options?: CompressOptions): Buffer {
    const headroom = headroomOf(options);
    const out = Buffer.allocUnsafe(headroom + input.byteLength);
    out.set(input, headroom);
    return out;
  },

  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer {
    const max = maxOutputOf(maxOutputBytes);
    if (input.byteLength > max) throw outputTooLarge('none', input.byteLength, max);
    return Buffer.from(asBuffer(input));
  },
};
