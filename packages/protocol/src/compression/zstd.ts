/**
 * zstd (id 4): standard Zstandard frames (RFC 8878), through `zstd-napi`'s thin binding of the
 * reference C library.
 *
 * Java's `ZstdCompression` streams through zstd-jni's `ZstdOutputStream`, so its frames carry
 * no content size; ours come from one-shot `ZSTD_compressCCtx`, which records the content size
 * and sizes the window to the input. Both are plain zstd frames: the broker, Java's
 * `ZstdInputStream` and librdkafka read either. zstd needs Produce v7+ on the wire; that check
 * belongs to the request encoder, not here.
 *
 * One compression context and one decompression context per thread (module instance) are reused,
 * since creating them costs more than compressing a small batch.
 */
import type * as ZstdBinding from 'zstd-napi/binding.js';
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

const native = lazyNative<typeof ZstdBinding>('zstd', 'zstd-napi/binding.js');
/** Loads `zstd-napi` now (see `preloadCodec`). */
export const loadZstdNative: () => unknown = native;

/**
 * `compression.zstd.level`: -131072 (`ZSTD_minCLevel`, fastest) to 22 (`ZSTD_MAX_CLEVEL`),
 * default 3 (`ZSTD_CLEVEL_DEFAULT`). 0 also means zstd's default.
 */
export const ZSTD_LEVELS: CompressionLevelRange = {
  configKey: 'compression.zstd.level',
  min: -131072,
  max: 22,
  default: 3,
  extra: [],
};

/** Largest scratch output buffer kept between calls (covers a 4 MiB batch). */
const SCRATCH_KEEP = 4 * 1024 * 1024 + 64 * 1024;

let cctx: ZstdBinding.CCtx | undefined;
let dctx: ZstdBinding.DCtx | undefined;
let scratch: Buffer | undefined;

/** The zstd codec. */
export const zstd: Codec = {
  name: 'zstd',
  id: CompressionType.zstd,
  levels: ZSTD_LEVELS,

  compress(input: Uint8Array, level?: number, options?: CompressOptions): Buffer {
    const resolved = resolveLevel(ZSTD_LEVELS, level);
    const headroom = headroomOf(options);
    const b = native();
    cctx ??= new b.CCtx();
    const bound = b.compressBound(input.byteLength);
    let dst = scratch;
    if (dst === undefined || dst.length < bound) {
      dst = Buffer.allocUnsafe(bound);
      if (bound <= SCRATCH_KEEP) scratch = dst;
    }
    // Compressing into a worst-case scratch buffer and copying out the exact size costs one
    // copy of the (small) compressed bytes, instead of keeping a worst-case buffer alive.
    const n = cctx.compress(dst, input, resolved);
    const out = Buffer.allocUnsafe(headroom + n);
    dst.copy(out, headroom, 0, n);
    return out;
  },

  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer {
    const max = maxOutputOf(maxOutputBytes);
    const src = asBuffer(input);
    if (src.length === 0) throw truncatedStream('zstd', 'empty input');
    const b = native();
    dctx ??= new b.DCtx();
    return decompressOneShot(b, dctx, src, max) ?? decompressStreaming(dctx, src, max);
  },
};

/**
 * The fast path, for the common single frame that declares its content size (ours, and
 * librdkafka's): one exact allocation, checked against the cap first, and one native call.
 * Returns undefined when the input is anything else, for the streaming path to handle.
 */
function decompressOneShot(b: typeof ZstdBinding, ctx: ZstdBinding.DCtx, src: Buffer, max: number): Buffer | undefined {
  let size: number | null;
  let frameLength: number;
  try {
    size = b.getFrameContentSize(src);
    if (size === null) return undefined;
    frameLength = b.findFrameCompressedSize(src);
  } catch {
    return undefined;
  }
  if (size > max) throw outputTooLarge('zstd', size, max);
  if (frameLength !== src.length) return undefined;
  const out = Buffer.allocUnsafe(size);
  let n: number;
  try {
    n = ctx.decompress(out, src);
  } catch (err) {
    throw corruptStream('zstd', 'bad frame', err);
  }
  if (n !== size) throw corruptStream('zstd', `frame gave ${n} bytes, declared ${size}`);
  return out;
}

/**
 * The general path: frames without a content size (Java's), several concatenated frames, and
 * every malformed input, decoded in chunks so that output never passes `max + 1` bytes. The
 * decoder's window is bounded by zstd's default `windowLogMax` (27: 128 MiB, as Java's
 * zstd-jni), and its pages are touched only as output is produced.
 */
function decompressStreaming(ctx: ZstdBinding.DCtx, src: Buffer, max: number): Buffer {
  const { ResetDirective } = native();
  // A previous call may have thrown mid-frame: start clean, keeping the parameters.
  ctx.reset(ResetDirective.sessionOnly);
  const chunkSize = Math.max(128 * 1024, Math.min(src.length * 4, 4 * 1024 * 1024));
  const parts: Buffer[] = [];
  let total = 0;
  let pos = 0;
  for (;;) {
    // One byte more than the room left: producing it proves the output is over the cap.
    const dst = Buffer.allocUnsafe(Math.min(chunkSize, max - total + 1));
    let hint: number;
    let produced: number;
    let consumed: number;
    try {
      [hint, produced, consumed] = ctx.decompressStream(dst, src.subarray(pos));
    } catch (err) {
      ctx.reset(ResetDirective.sessionOnly);
      throw corruptStream('zstd', `bad frame data near offset ${pos}`, err);
    }
    pos += consumed;
    if (produced > max - total) throw outputTooLarge('zstd', `more than ${max}`, max);
    if (produced > 0) {
      parts.push(dst.subarray(0, produced));
      total += produced;
    }
    const inputDone = pos >= src.length;
    // hint 0: a frame is complete and fully flushed. More input means another frame follows.
    if (hint === 0 && inputDone) break;
    // The decoder wants more input than there is, and has nothing left to flush.
    if (inputDone && produced < dst.length) throw truncatedStream('zstd', 'frame ends early');
    // Neither side moved: never loop on it.
    if (produced === 0 && consumed === 0) throw corruptStream('zstd', `no progress at offset ${pos}`);
  }
  return Buffer.concat(parts, total);
}
