/**
 * Variable-length integers as Kafka writes them: unsigned varints (flexible-version lengths and
 * tags), and zig-zag varints/varlongs (the v2 record format).
 *
 * These functions write into a caller's `Uint8Array` (a Buffer, or a view of a SharedArrayBuffer
 * slab) at a position and return the next position. They sit on the per-record path of send(),
 * so they allocate nothing, take numbers (not BigInt) and do no bounds checks of their own: the
 * caller sizes the record first with the matching `*Size` function.
 *
 * Zig-zag: varint(n) = uvarint((n << 1) ^ (n >> 31)); e.g. 0→00, -1→01, 1→02, 63→7e, -64→7f,
 * 64→8001, 300→d804 (ByteUtils.java in the Java client).
 */

/** Bytes taken by `value` (0 ≤ value < 2^32) as an unsigned varint. */
export function uvarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes `value` (0 ≤ value < 2^32) as an unsigned varint at `pos`; returns the next position. */
export function writeUVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Zig-zag encoding of a signed 32-bit integer, as an unsigned 32-bit number. */
export function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Bytes taken by the signed 32-bit `value` as a zig-zag varint. */
export function varintSize(value: number): number {
  return uvarintSize(((value << 1) ^ (value >> 31)) >>> 0);
}

/** Writes the signed 32-bit `value` as a zig-zag varint at `pos`; returns the next position. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Largest magnitude {@link writeVarlong} takes as a number: its zig-zag form must stay an exact
 * double. Timestamp deltas (the only varlong in a record) are far inside it.
 */
export const MAX_SAFE_VARLONG = 2 ** 52 - 1;

/** Bytes taken by `value` (|value| ≤ {@link MAX_SAFE_VARLONG}) as a zig-zag varlong. */
export function varlongSize(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return varintSize(value);
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    size++;
  }
  return size;
}

/**
 * Writes `value` (|value| ≤ {@link MAX_SAFE_VARLONG}) as a zig-zag varlong at `pos`; returns the
 * next position. Values in int32 range take the varint path: same bytes, no float division.
 */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, pos, value);
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  while (z >= 0x80) {
    buf[pos++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[pos++] = z;
  return pos;
}

/** Bytes taken by a signed 64-bit BigInt as a zig-zag varlong (any int64). */
export function varlongSizeBig(value: bigint): number {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  let size = 1;
  while (z >= 0x80n) {
    z >>= 7n;
    size++;
  }
  return size;
}

/** Writes any signed 64-bit BigInt as a zig-zag varlong at `pos`; returns the next position. */
export function writeVarlongBig(buf: Uint8Array, pos: number, value: bigint): number {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  while (z >= 0x80n) {
    buf[pos++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  buf[pos++] = Number(z);
  return pos;
}
