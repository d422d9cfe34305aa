import { invalid, truncated } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A bounds-checked big-endian reader over a Buffer.
 *
 * Every read checks the bytes left first and throws a {@link ProtocolError} (never a RangeError)
 * when the input is short. Lengths and counts are checked against the bytes left before anything
 * is allocated, so random input cannot make a decoder allocate without bound or loop for long:
 * an array of N items needs at least N bytes, a string of N bytes needs N bytes.
 *
 * Decoders that take a Reader read exactly their structure and leave `pos` after it.
 */
export class Reader {
  /** Next byte to read. */
  pos: number;
  /** One past the last readable byte. */
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new RangeError(`reader window [${offset}, ${end}) outside buffer of ${buf.length}`);
    }
    this.pos = offset;
    this.end = end;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw truncated(what, n, this.end - this.pos);
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    this.need(1, 'uint8');
    return this.buf[this.pos++]!;
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** INT64 as a BigInt (producer ids, offsets). */
  int64(): bigint {
    this.need(8, 'int64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** INT64 as a number; exact for |v| < 2^53 (timestamps, offsets in practice). */
  int64n(): number {
    this.need(8, 'int64');
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 0x100000000 + lo;
  }

  uuid(): Buffer {
    return this.raw(16);
  }

  /** Unsigned varint, at most 5 bytes (a uint32). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1, 'uvarint');
      const b = this.buf[this.pos++]!;
      if (i === 4 && b > 0x0f) throw invalid('unsigned varint overflows 32 bits');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw invalid('unsigned varint longer than 5 bytes');
  }

  /** Zig-zag varint (a signed int32). */
  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }

  /** Zig-zag varlong as a BigInt (any int64), at most 10 bytes. */
  varlong(): bigint {
    let z = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1, 'varlong');
      const b = this.buf[this.pos++]!;
      if (i === 9 && b > 0x01) throw invalid('varlong overflows 64 bits');
      z |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (z >> 1n) ^ -(z & 1n);
      shift += 7n;
    }
    throw invalid('varlong longer than 10 bytes');
  }

  /**
   * Zig-zag varlong as a number. Fast path for the common small values; throws if the value is
   * outside ±2^53 rather than silently losing precision.
   */
  varlongn(): number {
    const start = this.pos;
    let z = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1, 'varlong');
      const b = this.buf[this.pos++]!;
      z += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        // z < 2^56 here: fine as long as it stays below 2^53.
        if (z > Number.MAX_SAFE_INTEGER) break;
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      mul *= 0x80;
    }
    this.pos = start;
    const big = this.varlong();
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw invalid(`varlong ${big} does not fit a safe integer`);
    }
    return Number(big);
  }

  /** `n` raw bytes, as a view of the input (no copy). */
  raw(n: number): Buffer {
    if (n < 0) throw invalid(`negative length ${n}`);
    this.need(n, `${n} raw bytes`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.need(n, `${n} skipped bytes`);
    this.pos += n;
  }

  private utf8(n: number): string {
    this.need(n, 'string');
    const s = n === 0 ? '' : utf8.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** STRING: int16 length; null is an error. */
  string(): string {
    const s = this.nullableString();
    if (s === null) throw invalid('null where a non-nullable STRING was expected');
    return s;
  }

  /** NULLABLE_STRING: int16 length, -1 = null. */
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw invalid(`string length ${n}`);
    return this.utf8(n);
  }

  /** COMPACT_STRING: uvarint length + 1; null is an error. */
  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw invalid('null where a non-nullable COMPACT_STRING was expected');
    return s;
  }

  /** COMPACT_NULLABLE_STRING: uvarint length + 1, 0 = null. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.utf8(n - 1);
  }

  /** NULLABLE_BYTES: int32 length, -1 = null. A view of the input. */
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw invalid(`bytes length ${n}`);
    return this.raw(n);
  }

  /** BYTES: int32 length; null is an error. */
  bytes(): Buffer {
    const b = this.nullableBytes();
    if (b === null) throw invalid('null where non-nullable BYTES were expected');
    return b;
  }

  /** COMPACT_NULLABLE_BYTES: uvarint length + 1, 0 = null. A view of the input. */
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.raw(n - 1);
  }

  /** COMPACT_BYTES: null is an error. */
  compactBytes(): Buffer {
    const b = this.compactNullableBytes();
    if (b === null) throw invalid('null where non-nullable COMPACT_BYTES were expected');
    return b;
  }

  private checkCount(n: number, what: string): void {
    // Every item takes at least one byte: a count above the bytes left is a lie, and believing
    // it would let 5 bytes of garbage ask for a 2^31-element array.
    if (n > this.end - this.pos) throw invalid(`${what} count ${n} exceeds the ${this.end - this.pos} byte(s) left`);
  }

  /** ARRAY: int32 count, -1 = null. */
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw invalid(`array count ${n}`);
    this.checkCount(n, 'array');
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  /** ARRAY, null read as empty. */
  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  /** COMPACT_ARRAY: uvarint count + 1, 0 = null. */
  compactNullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.checkCount(n - 1, 'compact array');
    const out = new Array<T>(n - 1);
    for (let i = 0; i < n - 1; i++) out[i] = item(this);
    return out;
  }

  /** COMPACT_ARRAY, null read as empty. */
  compactArray<T>(item: (r: Reader) => T): T[] {
    return this.compactNullableArray(item) ?? [];
  }

  /**
   * A tagged-field buffer. `onTag` is called for each field with a Reader limited to that
   * field's bytes; fields it does not know it simply ignores (the protocol says: skip unknown
   * tags). Tags must be strictly ascending.
   */
  taggedFields(onTag?: (tag: number, field: Reader) => void): void {
    const count = this.uvarint();
    this.checkCount(count, 'tagged field');
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw invalid(`tagged fields out of order: ${tag} after ${last}`);
      last = tag;
      const size = this.uvarint();
      this.need(size, `tagged field ${tag}`);
      if (onTag !== undefined) onTag(tag, new Reader(this.buf, this.pos, this.pos + size));
      this.pos += size;
    }
  }
}
