/**
 * Walks the records of a sealed slab once, to learn what the batch header needs and the
 * application thread did not publish: how many records there are and the largest timestamp
 * delta. (Keeping the commit word one compare-and-swap wide is worth this walk: it reads two
 * varints per record, a few nanoseconds, on the Sender's thread instead of the application's.)
 */

/** Result of {@link scanRecords}; reused between calls to avoid an allocation per batch. */
export interface RecordScan {
  count: number;
  maxTimestampDelta: number;
  /** Byte offset (absolute) where each record starts; filled only when asked (splitting). */
  offsets: number[] | null;
}

/**
 * Scans records in `bytes[start, end)`. Throws if the bytes are not a whole number of records
 * (that would be a bug in the appender: the slab is written by our own code).
 */
export function scanRecords(bytes: Uint8Array, start: number, end: number, out: RecordScan): RecordScan {
  let p = start;
  let count = 0;
  let maxDelta = -Infinity;
  const offsets = out.offsets;
  if (offsets !== null) offsets.length = 0;
  while (p < end) {
    if (offsets !== null) offsets.push(p);
    // Record length (zig-zag varint).
    let z = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++]!;
      z |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    const length = (z >>> 1) ^ -(z & 1);
    const bodyStart = p;
    p++; // attributes
    // timestampDelta (zig-zag varlong); deltas beyond 2^31 are read in floating point.
    let lo = 0;
    let mul = 1;
    do {
      b = bytes[p++]!;
      lo += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    const delta = lo % 2 === 0 ? lo / 2 : -(lo + 1) / 2;
    if (delta > maxDelta) maxDelta = delta;
    p = bodyStart + length;
    count++;
  }
  if (p !== end) throw new Error(`tandem: slab records overrun their committed length (${p} != ${end})`);
  out.count = count;
  out.maxTimestampDelta = count === 0 ? 0 : maxDelta;
  return out;
}
