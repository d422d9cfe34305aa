/**
 * snappy (id 2) in the xerial framing that Java's `SnappyCompression` writes through
 * `org.xerial.snappy.SnappyOutputStream` (not Google's snappy framing format, which no Kafka
 * client reads):
 *
 * ```
 * header  82 53 4E 41 50 50 59 00   magic (SnappyCodec.MAGIC_HEADER)
 *         00 00 00 01               int32 BE version (SnappyCodec.DEFAULT_VERSION)
 *         00 00 00 01               int32 BE minimum compatible version
 * chunk*  int32 BE length, then one raw snappy block of that many bytes,
 *         compressing up to 32 KiB of input (SnappyOutputStream.DEFAULT_BLOCK_SIZE)
 * ```
 *
 * Empty input is the bare 16-byte header, as Java writes it. The raw blocks come from
 * `@napi-rs/snappy` (the Rust `snap` crate); the framing is ours.
 *
 * Decompression follows `SnappyInputStream`: input shorter than the header, or not starting
 * with the magic, is one raw (unframed) snappy block; a magic appearing where a chunk length is
 * expected starts a concatenated stream. It is stricter than Java in two places, both of which
 * only truncated or corrupt input reaches: 1-3 stray bytes after the last chunk, and a bad
 * concatenated header, throw instead of ending the stream early.
 */
import { ProtocolError } from '../errors.js';
import { lazyNative } from './native.js';
import { asBuffer, corruptStream, headroomOf, maxOutputOf, outputTooLarge, truncatedStream } from './options.js';
import { CompressionType, type Codec, type CompressOptions } from './types.js';

type SnappyBinding = typeof import('@napi-rs/snappy');
const native = lazyNative<SnappyBinding>('snappy', '@napi-rs/snappy');
/** Loads `@napi-rs/snappy` now (see `preloadCodec`). */
export const loadSnappyNative: () => unknown = native;

/** xerial's magic, `SnappyCodec.MAGIC_HEADER`. */
const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** The magic's first 4 bytes as an int32, which marks a concatenated stream's header. */
const MAGIC_HEAD = MAGIC.readInt32BE(0);
/** The full 16-byte stream header Java writes: magic, version 1, compatible version 1. */
const HEADER = Buffer.concat([MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
/** Input bytes per block: `SnappyOutputStream.DEFAULT_BLOCK_SIZE`, the size Kafka uses. */
export const SNAPPY_BLOCK_SIZE = 32 * 1024;

/** The snappy codec (xerial framing). It has no levels: a `level` argument is ignored. */
export const snappy: Codec = {
  name: 'snappy',
  id: CompressionType.snappy,
  levels: null,

  compress(input: Uint8Array, _level?: number, options?: CompressOptions): Buffer {
    const headroom = headroomOf(options);
    const src = asBuffer(input);
    const { compressSync } = native();
    const blocks: Buffer[] = [];
    let size = headroom + HEADER.length;
    for (let off = 0; off < src.length; off += SNAPPY_BLOCK_SIZE) {
      const block = compressSync(src.subarray(off, Math.min(off + SNAPPY_BLOCK_SIZE, src.length)));
      blocks.push(block);
      size += 4 + block.length;
    }
    const out = Buffer.allocUnsafe(size);
    HEADER.copy(out, headroom);
    let pos = headroom + HEADER.length;
    for (const block of blocks) {
      out.writeInt32BE(block.length, pos);
      block.copy(out, pos + 4);
      pos += 4 + block.length;
    }
    return out;
  },

  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer {
    const max = maxOutputOf(maxOutputBytes);
    const src = asBuffer(input);
    // SnappyInputStream: "Cannot decompress empty stream" (a raw block is at least 1 byte).
    if (src.length === 0) throw truncatedStream('snappy', 'empty input');
    if (src.length < HEADER.length || !startsWithMagic(src, 0)) return rawBlock(src, 0, max);

    const parts: Buffer[] = [];
    let total = 0;
    let pos = HEADER.length;
    while (pos < src.length) {
      if (src.length - pos < 4) throw truncatedStream('snappy', `${src.length - pos} byte(s) where a chunk length belongs`);
      const chunk = src.readInt32BE(pos);
      if (chunk === MAGIC_HEAD) {
        pos = concatenatedHeader(src, pos);
        continue;
      }
      if (chunk <= 0) throw corruptStream('snappy', `chunk length ${chunk} at offset ${pos}`);
      pos += 4;
      if (chunk > src.length - pos) {
        throw truncatedStream('snappy', `chunk of ${chunk} bytes at offset ${pos - 4}, ${src.length - pos} left`);
      }
      const out = rawBlock(src.subarray(pos, pos + chunk), total, max);
      parts.push(out);
      total += out.length;
      pos += chunk;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  },
};

function startsWithMagic(src: Buffer, at: number): boolean {
  return src.length - at >= MAGIC.length && src.compare(MAGIC, 0, MAGIC.length, at, at + MAGIC.length) === 0;
}

/** Skips the 16-byte header of a concatenated stream (SnappyInputStream.hasNextChunk). */
function concatenatedHeader(src: Buffer, pos: number): number {
  if (src.length - pos < HEADER.length) throw truncatedStream('snappy', 'concatenated stream header');
  if (!startsWithMagic(src, pos)) throw corruptStream('snappy', `bad concatenated stream header at offset ${pos}`);
  const version = src.readInt32BE(pos + 8);
  if (version < 1) {
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED', `snappy stream version ${version} at offset ${pos}`);
  }
  return pos + HEADER.length;
}

/**
 * Decompresses one raw snappy block, whose varint preamble declares its uncompressed length.
 * The declared length is checked before the native decoder allocates it: against the room left
 * under the cap, and against what the block could possibly hold. Snappy's densest element is a
 * 3-byte copy of 64 bytes, so a block expands at most 64/3 times. `before` is the output so far.
 */
function rawBlock(block: Buffer, before: number, max: number): Buffer {
  let declared = 0;
  let i = 0;
  for (let shift = 0; ; shift += 7) {
    if (i === block.length) throw truncatedStream('snappy', 'block length preamble');
    if (i === 5) throw corruptStream('snappy', 'block length preamble longer than 5 bytes');
    const b = block[i++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > 0xffffffff) throw corruptStream('snappy', `block declares ${declared} bytes`);
  if (declared > max - before) throw outputTooLarge('snappy', `at least ${before + declared}`, max);
  const bound = Math.ceil(((block.length - i) * 64) / 3);
  if (declared > bound) {
    throw corruptStream('snappy', `block declares ${declared} bytes, more than ${block.length} compressed bytes can hold`);
  }
  let out: Buffer;
  try {
    out = native().uncompressSync(block);
  } catch (err) {
    throw corruptStream('snappy', 'bad block', err);
  }
  if (out.length !== declared) throw corruptStream('snappy', `block gave ${out.length} bytes, declared ${declared}`);
  return out;
}
