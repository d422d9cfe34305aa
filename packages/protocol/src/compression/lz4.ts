/**
 * lz4 (id 3): one LZ4 frame, as Java's `Lz4BlockOutputStream` writes it for magic v2 batches:
 *
 * ```
 * 04 22 4D 18   magic 0x184D2204, little-endian
 * 60            FLG: version 01, block independence, no checksums, no content size
 * 40            BD: 64 KiB maximum block size
 * 82            HC: (xxHash32(FLG BD, seed 0) >> 8) & 0xFF
 * block*        uint32 LE size, then the block; the high bit set means stored uncompressed,
 *               which Java does when compression does not shrink the block
 * 00 00 00 00   end mark, no content checksum
 * ```
 *
 * We write the frame ourselves around raw LZ4 blocks from `lz4-napi` (the Rust `lz4_flex`
 * crate) rather than use that library's frame encoder: it picks its own block size (4 MiB for
 * large input) and its defaults are not pinned to what Java's reader accepts, which rejects
 * linked blocks outright. Writing the 7 header bytes pins them.
 *
 * Levels: `compression.lz4.level` is validated (1-17, default 9) but cannot be honoured.
 * lz4_flex has a single fast compressor and no high-compression (HC) mode. Java's level 9, its
 * default, also uses lz4-java's fast compressor, so the default matches Java. Any other level
 * makes Java use the HC compressor; here it compresses like level 9. The frame is valid either
 * way: the level changes only how hard the compressor searches for matches.
 *
 * Decompression follows `Lz4BlockInputStream`: version 01 only, reserved bits zero, block
 * independence required (dependent-block frames are refused with a clear error), block sizes
 * 64 KiB to 4 MiB, an optional content size (checked against the output cap before anything is
 * decoded), block checksums verified when flagged, a content checksum skipped (Java does not
 * verify it either; the batch's CRC-32C already covers these bytes). One frame is read and
 * anything after its end mark is ignored, as Java does.
 */
import { ProtocolError } from '../errors.js';
import { lazyNative } from './native.js';
import {
  asBuffer,
  corruptStream,
  headroomOf,
  maxOutputOf,
  outputTooLarge,
  resolveLevel,
  truncatedStream,
} from './options.js';
import {
  CompressionType,
  type Codec,
  type CompressOptions,
  type CompressionLevelRange,
} from './types.js';
import { xxhash32 } from './xxhash32.js';

type Lz4Binding = typeof import('lz4-napi');
const native = lazyNative<Lz4Binding>('lz4', 'lz4-napi');
/** Loads `lz4-napi` now (see `preloadCodec`). */
export const loadLz4Native: () => unknown = native;

/** `compression.lz4.level`: 1-17, default 9 (see the note on levels above: validated, not honoured). */
export const LZ4_LEVELS: CompressionLevelRange = {
  configKey: 'compression.lz4.level',
  min: 1,
  max: 17,
  default: 9,
  extra: [],
};

/** The frame magic number, `Lz4BlockOutputStream.MAGIC`. */
const MAGIC = 0x184d2204;
/** FLG bits (LZ4 frame format): version in bits 7-6, then the feature flags. */
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
// Bit 2 (0x04) flags a content checksum after the end mark; like Java we never read it.
/** Bits 1-0: reserved and (in later spec versions) dictionary id; Java requires both zero. */
const FLG_RESERVED = 0x03;
/** BD: block size id in bits 6-4; every other bit reserved. */
const BD_RESERVED = 0x8f;
/** `Lz4BlockOutputStream.LZ4_FRAME_INCOMPRESSIBLE_MASK`: block stored uncompressed. */
const STORED = 0x80000000;

/** The block size Java writes (`BLOCKSIZE_64KB`, BD id 4). */
export const LZ4_BLOCK_SIZE = 64 * 1024;

/** Java's frame header: magic, FLG 0x60, BD 0x40 and the header checksum of those two bytes. */
const HEADER = (() => {
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
  header[5] = 4 << 4;
  header[6] = (xxhash32(header, 0, 4, 6) >>> 8) & 0xff;
  return header;
})();

/** The lz4 codec (LZ4 frame, independent 64 KiB blocks). */
export const lz4: Codec = {
  name: 'lz4',
  id: CompressionType.lz4,
  levels: LZ4_LEVELS,

  compress(input: Uint8Array, level?: number, options?: CompressOptions): Buffer {
    resolveLevel(LZ4_LEVELS, level); // validated only: lz4_flex has no HC compressor (see above)
    const headroom = headroomOf(options);
    const src = asBuffer(input);
    const { compressSync } = native();
    // lz4-napi prefixes each block with its uncompressed size (4 bytes LE); we skip those.
    const blocks: (Buffer | null)[] = [];
    let size = headroom + HEADER.length + 4;
    for (let off = 0; off < src.length; off += LZ4_BLOCK_SIZE) {
      const raw = Math.min(LZ4_BLOCK_SIZE, src.length - off);
      const packed = compressSync(src.subarray(off, off + raw));
      // Java stores a block raw when compressing does not make it smaller (>=, not >).
      const stored = packed.length - 4 >= raw;
      blocks.push(stored ? null : packed);
      size += 4 + (stored ? raw : packed.length - 4);
    }
    const out = Buffer.allocUnsafe(size);
    HEADER.copy(out, headroom);
    let pos = headroom + HEADER.length;
    for (let i = 0; i < blocks.length; i++) {
      const packed = blocks[i];
      if (packed) {
        out.writeUInt32LE(packed.length - 4, pos);
        packed.copy(out, pos + 4, 4);
        pos += packed.length;
      } else {
        const off = i * LZ4_BLOCK_SIZE;
        const raw = Math.min(LZ4_BLOCK_SIZE, src.length - off);
        out.writeUInt32LE((raw | STORED) >>> 0, pos);
        src.copy(out, pos + 4, off, off + raw);
        pos += 4 + raw;
      }
    }
    out.writeUInt32LE(0, pos);
    return out;
  },

  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer {
    const max = maxOutputOf(maxOutputBytes);
    const src = asBuffer(input);
    const { blockChecksum, maxBlockSize, dataStart } = readHeader(src, max);

    const parts: Buffer[] = [];
    let total = 0;
    let pos = dataStart;
    for (;;) {
      if (src.length - pos < 4) throw truncatedStream('lz4', 'block size or end mark missing');
      const word = src.readUInt32LE(pos);
      pos += 4;
      const size = word & ~STORED;
      // A zero size is the end mark, with or without the stored bit, as in Lz4BlockInputStream.
      if (size === 0) break;
      if (size > maxBlockSize) {
        throw new ProtocolError(
          'ERR_TANDEM_PROTOCOL_INVALID',
          `lz4 block of ${size} bytes exceeds the frame's maximum block size ${maxBlockSize}`,
        );
      }
      if (size + (blockChecksum ? 4 : 0) > src.length - pos) {
        throw truncatedStream('lz4', `block of ${size} bytes at offset ${pos - 4}, ${src.length - pos} left`);
      }
      const block = src.subarray(pos, pos + size);
      pos += size;
      if (blockChecksum) {
        if (xxhash32(block) !== src.readUInt32LE(pos)) throw corruptStream('lz4', `block checksum mismatch at offset ${pos - size - 4}`);
        pos += 4;
      }
      const out = (word & STORED) !== 0 ? block : decodeBlock(block, maxBlockSize);
      if (out.length > max - total) throw outputTooLarge('lz4', `at least ${total + out.length}`, max);
      parts.push(out);
      total += out.length;
    }
    // Content checksum (flagged or not) and anything after the frame are left unread, as in Java.
    return Buffer.concat(parts, total);
  },
};

interface FrameHeader {
  readonly blockChecksum: boolean;
  readonly maxBlockSize: number;
  /** Offset of the first block. */
  readonly dataStart: number;
}

/** Reads and checks the frame descriptor, as `Lz4BlockInputStream.readHeader` does. */
function readHeader(src: Buffer, max: number): FrameHeader {
  if (src.length < 7) throw truncatedStream('lz4', `frame header needs 7 bytes, got ${src.length}`);
  const magic = src.readUInt32LE(0);
  if (magic !== MAGIC) {
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_INVALID', `not an lz4 frame: magic 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const flg = src[4]!;
  const bd = src[5]!;
  const version = flg >>> 6;
  if (version !== 1) {
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED', `lz4 frame version ${version}: Kafka reads version 1 only`);
  }
  if ((flg & FLG_RESERVED) !== 0) {
    throw new ProtocolError(
      'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
      `lz4 frame FLG 0x${flg.toString(16)} sets a reserved or dictionary-id bit, which Kafka rejects`,
    );
  }
  if ((flg & FLG_BLOCK_INDEPENDENCE) === 0) {
    throw new ProtocolError(
      'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
      'lz4 frame uses dependent (linked) blocks, which Kafka rejects ("Dependent block stream is unsupported"); ' +
        'the writer must set block independence (FLG bit 5)',
    );
  }
  const sizeId = (bd >>> 4) & 7;
  if ((bd & BD_RESERVED) !== 0 || sizeId < 4) {
    throw new ProtocolError('ERR_TANDEM_PROTOCOL_INVALID', `lz4 frame BD 0x${bd.toString(16)}: Kafka reads block sizes 64 KiB to 4 MiB`);
  }
  let pos = 6;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    if (src.length - pos < 9) throw truncatedStream('lz4', 'content size');
    const declared = src.readBigUInt64LE(pos);
    if (declared > BigInt(max)) throw outputTooLarge('lz4', declared.toString(), max);
    pos += 8;
  }
  const expected = (xxhash32(src, 0, 4, pos) >>> 8) & 0xff;
  if (src[pos] !== expected) {
    throw corruptStream('lz4', `frame descriptor checksum 0x${src[pos]!.toString(16)}, expected 0x${expected.toString(16)}`);
  }
  return {
    blockChecksum: (flg & FLG_BLOCK_CHECKSUM) !== 0,
    maxBlockSize: 1 << (2 * sizeId + 8),
    dataStart: pos + 1,
  };
}

/**
 * Decodes one compressed block, allowing at most `maxBlockSize` bytes out (Java's
 * `safeDecompressor` bound). lz4-napi reads the output size from a 4-byte prefix, so the block
 * is copied behind one: lz4_flex then refuses to write past it.
 */
function decodeBlock(block: Buffer, maxBlockSize: number): Buffer {
  const prefixed = Buffer.allocUnsafe(4 + block.length);
  prefixed.writeUInt32LE(maxBlockSize, 0);
  block.copy(prefixed, 4);
  try {
    return native().uncompressSync(prefixed);
  } catch (err) {
    throw corruptStream('lz4', 'bad block', err);
  }
}
