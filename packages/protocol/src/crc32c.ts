/**
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of a
 * RecordBatch v2, computed over bytes 21..end of the batch (attributes through the last record).
 * Java computes it in `DefaultRecordBatch.writeHeader` with `Crc32C.compute` and checks it in
 * `DefaultRecordBatch.isValid`/`ensureValid`.
 *
 * Why a native module and not a table-driven loop in JavaScript: the Sender checksums every
 * batch it sends, at up to the whole produce throughput. @node-rs/crc32 uses the CPU's CRC32
 * instruction (SSE 4.2 / ARMv8 CRC) and runs at several GB/s; a byte-wise JS loop runs at about
 * 0.5 GB/s (figures in docs/architecture.md and DESIGN.md).
 *
 * The binding reads a `Uint8Array` in place: a `subarray` of a SharedArrayBuffer slab is
 * checksummed without a copy (checked: 256 MiB of a SharedArrayBuffer view grew the RSS by 0).
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C of `bytes`, as an unsigned 32-bit number.
 *
 * Pass the result of an earlier call as `previous` to continue a checksum over a second piece:
 * `crc32c(b, crc32c(a))` equals `crc32c(a ++ b)`. The Sender uses this to checksum a batch header
 * and a compressed records section that live in different buffers, without joining them.
 *
 * @example
 * ```ts
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 * ```
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  // The binding returns the value as a uint32 already; `>>> 0` keeps that a promise of this
  // function rather than of the binding's version.
  return nativeCrc32c(bytes, previous) >>> 0;
}
