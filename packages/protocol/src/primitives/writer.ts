import { uvarintSize, writeUVarint, writeVarint, writeVarlongBig } from './varint.js';

/**
 * A growable big-endian writer for request bodies and headers.
 *
 * Requests are written once per batch or per control call, not per record, so this favours
 * clarity over the last nanosecond; the per-record encoder works on raw arrays instead
 * (`record/`). Grows by doubling, so a request is copied O(log n) times at most, and
 * {@link Writer.finish} hands back a view, not a copy.
 *
 * Naming follows the protocol's type names: `string` is STRING (int16 length), `compactString`
 * is COMPACT_STRING (uvarint length + 1), `bytes` is BYTES (int32 length), and so on.
 */
export class Writer {
  private buf: Buffer;
  /** Next byte to write. */
  pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    // max(…, 64): a writer created with capacity 0 would otherwise double 0 forever.
    let size = Math.max(this.buf.length * 2, 64);
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  /** INT64 from a BigInt (producer ids, offsets). */
  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** INT64 from a safe-integer number (timestamps, timeouts). */
  int64n(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / 0x100000000);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * 0x100000000, this.pos + 4);
    this.pos += 8;
  }

  boolean(v: boolean): void {
    this.int8(v ? 1 : 0);
  }

  uuid(v: Uint8Array): void {
    if (v.length !== 16) throw new RangeError(`a UUID is 16 bytes, got ${v.length}`);
    this.raw(v);
  }

  uvarint(v: number): void {
    this.ensure(5);
    this.pos = writeUVarint(this.buf, this.pos, v);
  }

  varint(v: number): void {
    this.ensure(5);
    this.pos = writeVarint(this.buf, this.pos, v);
  }

  varlong(v: bigint): void {
    this.ensure(10);
    this.pos = writeVarlongBig(this.buf, this.pos, v);
  }

  /** Raw bytes, no length prefix. */
  raw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** STRING / NULLABLE_STRING: int16 byte length (-1 = null), then UTF-8. */
  string(v: string | null): void {
    if (v === null) {
      this.int16(-1);
      return;
    }
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new RangeError(`string of ${n} bytes exceeds int16 length`);
    this.int16(n);
    this.utf8(v, n);
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint (length + 1, 0 = null), then UTF-8. */
  compactString(v: string | null): void {
    if (v === null) {
      this.uvarint(0);
      return;
    }
    const n = Buffer.byteLength(v, 'utf8');
    this.uvarint(n + 1);
    this.utf8(v, n);
  }

  /** `v` as UTF-8, `n` bytes (its byte length), straight into the buffer: no intermediate array. */
  private utf8(v: string, n: number): void {
    this.ensure(n);
    this.buf.write(v, this.pos, n, 'utf8');
    this.pos += n;
  }

  /** BYTES / NULLABLE_BYTES (and RECORDS before v9): int32 length (-1 = null), then the bytes. */
  bytes(v: Uint8Array | null): void {
    if (v === null) {
      this.int32(-1);
      return;
    }
    this.int32(v.length);
    this.raw(v);
  }

  /** COMPACT_BYTES / COMPACT_NULLABLE_BYTES (and RECORDS from v9): uvarint (length + 1, 0 = null). */
  compactBytes(v: Uint8Array | null): void {
    if (v === null) {
      this.uvarint(0);
      return;
    }
    this.uvarint(v.length + 1);
    this.raw(v);
  }

  /** ARRAY: int32 count (-1 = null), then each item. */
  array<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): void {
    if (items === null) {
      this.int32(-1);
      return;
    }
    this.int32(items.length);
    for (const v of items) item(this, v);
  }

  /** COMPACT_ARRAY: uvarint (count + 1, 0 = null), then each item. */
  compactArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): void {
    if (items === null) {
      this.uvarint(0);
      return;
    }
    this.uvarint(items.length + 1);
    for (const v of items) item(this, v);
  }

  /**
   * A tagged-field buffer. `fields` are (tag, encoded bytes) in any order; they are written in
   * ascending tag order as the protocol requires. No fields writes the single byte 00.
   */
  taggedFields(fields?: ReadonlyArray<readonly [tag: number, data: Uint8Array]>): void {
    if (fields === undefined || fields.length === 0) {
      this.uvarint(0);
      return;
    }
    const sorted = [...fields].sort((a, b) => a[0] - b[0]);
    this.uvarint(sorted.length);
    for (const [tag, data] of sorted) {
      this.uvarint(tag);
      this.uvarint(data.length);
      this.raw(data);
    }
  }

  /** Overwrites an int32 at an earlier position (frame sizes written last). */
  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at);
  }

  /** Overwrites a uint32 at an earlier position (CRCs written last). */
  patchUInt32(at: number, v: number): void {
    this.buf.writeUInt32BE(v, at);
  }

  /** The bytes written so far, as a view (no copy). The writer must not be reused after this. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Size in bytes of a COMPACT_* length prefix for `length` items or bytes. */
export function compactLengthSize(length: number): number {
  return uvarintSize(length + 1);
}
