/**
 * THE HOT PATH. One record in the RecordBatch v2 record format, written straight into the
 * caller's memory (a Buffer, or a Uint8Array view of a SharedArrayBuffer slab).
 *
 * `send()` calls this once per record on the application's thread, and Tandem's whole point is
 * that this costs on the order of 100-250 ns (DESIGN.md). So, on purpose and unlike the rest of
 * the package:
 * - no allocation: positional arguments (no options object), no closures, no `subarray`, no
 *   temporary buffers, no BigInt; every function returns the next position as a number;
 * - no polymorphic helpers: key and value are `Uint8Array | null`, or a `string` value through
 *   its own function;
 * - strings are encoded once, straight into the target, by the native `utf8Write` that every
 *   Buffer has (TextEncoder.encodeInto needs a `subarray` per call and measured 2x slower).
 *
 * The format (Java: `DefaultRecord.writeTo`, `DefaultRecord.sizeInBytes`; KIP-98), zig-zag
 * varints unless noted:
 *
 * ```
 * Record =>
 *   length          varint   bytes that follow (everything below)
 *   attributes      int8     0 (unused)
 *   timestampDelta  varlong  record timestamp - batch baseTimestamp (may be negative)
 *   offsetDelta     varint   index of the record in its batch
 *   keyLength       varint   -1 = null
 *   key             bytes
 *   valueLength     varint   -1 = null
 *   value           bytes
 *   headerCount     varint
 *   Header => headerKeyLength varint (never null), headerKey UTF-8,
 *             headerValueLength varint (-1 = null), headerValue bytes
 * ```
 */
import { varintSize, varlongSize, writeVarint, writeVarlong } from '../primitives/varint.js';

/**
 * One record header. Kafka's header key is a string (`org.apache.kafka.common.header.Header`);
 * it may be given already encoded as UTF-8 bytes, which saves measuring and encoding it on every
 * send when the same keys are used again and again. The value is bytes, a string (written as
 * UTF-8) or null.
 */
export interface RecordHeader {
  readonly key: string | Uint8Array;
  readonly value: Uint8Array | string | null;
}

/** `Buffer.prototype.utf8Write`: Node's native UTF-8 writer; not in @types/node. */
type Utf8Write = (this: Uint8Array, value: string, offset: number, maxLength: number) => number;

/**
 * Node's `utf8Write` works on any ArrayBufferView (it checks for one, not for a Buffer), so a
 * plain Uint8Array over a SharedArrayBuffer slab needs no Buffer wrapper. Measured on a 100
 * character ASCII string: 77 ns on Node 20 and 48 ns on Node 24, against 100 and 137 ns for
 * `encodeInto(s, target.subarray(pos))`. The fallback keeps the code correct on a runtime
 * without it.
 */
const nativeUtf8Write: Utf8Write | undefined = (
  Buffer.prototype as unknown as { utf8Write?: Utf8Write }
).utf8Write;
const textEncoder = new TextEncoder();

function writeUtf8(target: Uint8Array, pos: number, value: string, maxLength: number): number {
  if (nativeUtf8Write !== undefined) return nativeUtf8Write.call(target, value, pos, maxLength);
  return textEncoder.encodeInto(value, target.subarray(pos, pos + maxLength)).written;
}

/**
 * Byte length of `value` encoded as UTF-8 (lone surrogates count as U+FFFD, 3 bytes, as every
 * encoder here writes them). Native: Buffer.byteLength measured faster than a JS loop
 * (32 ns against 290 ns for 100 characters on Node 20).
 */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * Copies `src` into `target` at `pos`. Short arrays go by a loop, which beats the fixed cost of
 * `set` (16 bytes into a SharedArrayBuffer: 18 ns by loop, 29 ns by `set`; they cross near
 * 24-32 bytes). Note that `set` into a SharedArrayBuffer is about 3x slower than into an
 * ordinary ArrayBuffer (100 bytes: 58-74 ns against 18-26 ns on Node 20/24 here), V8 copying
 * shared memory with relaxed atomics: that copy, not the record format, is the floor of a
 * record with a Buffer value.
 */
function copyBytes(target: Uint8Array, pos: number, src: Uint8Array): number {
  const n = src.length;
  if (n < 24) {
    for (let i = 0; i < n; i++) target[pos + i] = src[i]!;
  } else {
    target.set(src, pos);
  }
  return pos + n;
}

/** Bytes of a nullable bytes field: the varint length (-1 = null) and the bytes. */
function bytesFieldSize(bytes: Uint8Array | null): number {
  if (bytes === null) return 1;
  return varintSize(bytes.length) + bytes.length;
}

function writeBytesField(target: Uint8Array, pos: number, bytes: Uint8Array | null): number {
  if (bytes === null) {
    target[pos] = 0x01; // zig-zag varint -1
    return pos + 1;
  }
  pos = writeVarint(target, pos, bytes.length);
  return copyBytes(target, pos, bytes);
}

/**
 * Longest string that header fields measure and write in JS rather than natively. Header keys
 * and many header values are short ASCII ("traceparent", "content-type"), where the fixed cost
 * of a native call exceeds a loop over the characters: with string header keys and a string
 * value, this cut the per-record cost by 20-35% in an A/B run (Node 20 and 24).
 */
const SHORT_STRING = 32;

/** The length of `v` if it is short and all ASCII (then UTF-8 length = length), else -1. */
function shortAsciiLength(v: string): number {
  const n = v.length;
  if (n > SHORT_STRING) return -1;
  for (let i = 0; i < n; i++) if (v.charCodeAt(i) >= 0x80) return -1;
  return n;
}

/** Bytes of a length-prefixed string or bytes field; strings measured as UTF-8. */
function textOrBytesFieldSize(v: string | Uint8Array): number {
  if (typeof v !== 'string') return varintSize(v.length) + v.length;
  const ascii = shortAsciiLength(v);
  const n = ascii >= 0 ? ascii : utf8Length(v);
  return varintSize(n) + n;
}

function writeTextOrBytesField(target: Uint8Array, pos: number, v: string | Uint8Array): number {
  if (typeof v !== 'string') {
    pos = writeVarint(target, pos, v.length);
    return copyBytes(target, pos, v);
  }
  const units = v.length;
  if (units <= SHORT_STRING) {
    // Optimistic: write as ASCII after a one-byte length (2 * 32 < 128). On the first non-ASCII
    // character fall through; the general path then overwrites these bytes, since its output
    // is at least as long as the ASCII prefix written here.
    let i = 0;
    for (; i < units; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      target[pos + 1 + i] = c;
    }
    if (i === units) {
      target[pos] = units << 1; // zig-zag varint of a small non-negative length
      return pos + 1 + units;
    }
  }
  const n = utf8Length(v);
  pos = writeVarint(target, pos, n);
  return pos + writeUtf8(target, pos, v, n);
}

/**
 * Bytes taken by the header section of a record: the header count and every header. `null` and
 * `[]` both take one byte (a count of 0).
 */
export function headersSize(headers: readonly RecordHeader[] | null): number {
  if (headers === null || headers.length === 0) return 1;
  let size = varintSize(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    size += textOrBytesFieldSize(h.key);
    size += h.value === null ? 1 : textOrBytesFieldSize(h.value);
  }
  return size;
}

function writeHeaders(target: Uint8Array, pos: number, headers: readonly RecordHeader[] | null): number {
  if (headers === null || headers.length === 0) {
    target[pos] = 0;
    return pos + 1;
  }
  pos = writeVarint(target, pos, headers.length);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    pos = writeTextOrBytesField(target, pos, h.key);
    if (h.value === null) {
      target[pos++] = 0x01;
    } else {
      pos = writeTextOrBytesField(target, pos, h.value);
    }
  }
  return pos;
}

/**
 * Bytes of a record's body: everything after its `length` varint.
 * (Java: `DefaultRecord.sizeOfBodyInBytes`.)
 */
export function recordBodySize(
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null,
): number {
  return (
    1 + // attributes
    varlongSize(timestampDelta) +
    varintSize(offsetDelta) +
    bytesFieldSize(key) +
    bytesFieldSize(value) +
    headersSize(headers)
  );
}

/**
 * Exact bytes {@link writeRecord} will write for this record, its `length` varint included.
 * Call it first to check that the record fits.
 * (Java: `DefaultRecord.sizeInBytes`.)
 *
 * @param timestampDelta record timestamp - batch baseTimestamp, in ms; |value| < 2^52.
 * @param offsetDelta the record's index in its batch (0, 1, 2, ...).
 */
export function recordSize(
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null,
): number {
  const body = recordBodySize(timestampDelta, offsetDelta, key, value, headers);
  return varintSize(body) + body;
}

/**
 * Writes one record at `target[pos]` and returns the position after it. Hot path: allocates
 * nothing.
 *
 * Throws a RangeError if the record would not fit in `target` (a typed array silently drops
 * writes past its end, so an unchecked overrun would corrupt the batch, not fail); callers
 * check first with {@link recordSize}.
 *
 * @example
 * ```ts
 * const need = recordSize(ts - baseTs, n, key, value, null);
 * if (pos + need <= slab.length) pos = writeRecord(slab, pos, ts - baseTs, n, key, value, null);
 * ```
 */
export function writeRecord(
  target: Uint8Array,
  pos: number,
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null,
): number {
  const next = writeRecordWithin(target, pos, target.length, timestampDelta, offsetDelta, key, value, headers);
  if (next < 0) {
    const size = recordSize(timestampDelta, offsetDelta, key, value, headers);
    throw new RangeError(`record of ${size} bytes does not fit at ${pos} of ${target.length}`);
  }
  return next;
}

/**
 * Writes one record in the bytes `[pos, end)` if it fits there, and returns the position after
 * it; returns -1 (having written nothing) if it does not fit. The per-record path's form of
 * {@link recordSize} followed by {@link writeRecord}: the record's size is computed once.
 */
export function writeRecordWithin(
  target: Uint8Array,
  pos: number,
  end: number,
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null,
): number {
  const body = recordBodySize(timestampDelta, offsetDelta, key, value, headers);
  if (pos + varintSize(body) + body > end) return -1;
  pos = writeVarint(target, pos, body);
  target[pos++] = 0; // attributes: unused in v2
  pos = writeVarlong(target, pos, timestampDelta);
  pos = writeVarint(target, pos, offsetDelta);
  pos = writeBytesField(target, pos, key);
  pos = writeBytesField(target, pos, value);
  return writeHeaders(target, pos, headers);
}

/**
 * Exact bytes {@link writeRecordUtf8} writes for a record whose value is `value` as UTF-8.
 * Measures the string (one native pass), so the per-record path avoids it: use this for the
 * rare questions, such as whether a record is larger than a slab.
 */
export function recordSizeUtf8(
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: string,
  headers: readonly RecordHeader[] | null,
): number {
  const n = utf8Length(value);
  const body =
    1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesFieldSize(key) + varintSize(n) + n + headersSize(headers);
  return varintSize(body) + body;
}

/**
 * Writes one record whose value is a string, encoded as UTF-8 straight into `target`, in the
 * bytes `[pos, end)`. Returns the position after the record, or -1 if it does not fit (then
 * nothing meaningful was written; the caller opens a new slab, or asks
 * {@link recordSizeUtf8} whether the record needs a path of its own). Hot path: allocates
 * nothing and encodes the string once.
 *
 * Why this shape: the record's length and the value's length are varints in front of the
 * value, so their widths depend on the UTF-8 length, which is not known until the string is
 * encoded, and measuring first costs as much as a second encoding. A string of n UTF-16 code
 * units takes between n and 3n bytes. When the worst case fits in `[pos, end)`, the value is
 * written once at the position that assumes n bytes (any ASCII string), and in the rare case
 * that its real length needs a wider varint, the value is moved right by a byte or two
 * (`copyWithin`, cheaper than a second encoding). Only when the worst case does not fit is
 * the string measured first.
 */
export function writeRecordUtf8(
  target: Uint8Array,
  pos: number,
  end: number,
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: string,
  headers: readonly RecordHeader[] | null,
): number {
  if (end > target.length) throw new RangeError(`end ${end} is past the target's ${target.length} bytes`);
  const prefix = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesFieldSize(key);
  const tail = headersSize(headers);
  const units = value.length;
  const worst = 3 * units;
  const worstBody = prefix + varintSize(worst) + worst + tail;

  let valueLength: number;
  let body: number;
  let valueAt: number;
  if (pos + varintSize(worstBody) + worstBody <= end) {
    // Guess n bytes (ASCII), write the value there, then correct the guess if needed.
    const guessBody = prefix + varintSize(units) + units + tail;
    const guessAt = pos + varintSize(guessBody) + prefix + varintSize(units);
    valueLength = writeUtf8(target, guessAt, value, worst);
    body = prefix + varintSize(valueLength) + valueLength + tail;
    valueAt = pos + varintSize(body) + prefix + varintSize(valueLength);
    if (valueAt !== guessAt) target.copyWithin(valueAt, guessAt, guessAt + valueLength);
  } else {
    // Near the end of the slab: measure, then write at the exact place, or give up.
    valueLength = utf8Length(value);
    body = prefix + varintSize(valueLength) + valueLength + tail;
    if (pos + varintSize(body) + body > end) return -1;
    valueAt = pos + varintSize(body) + prefix + varintSize(valueLength);
    writeUtf8(target, valueAt, value, valueLength);
  }

  pos = writeVarint(target, pos, body);
  target[pos++] = 0; // attributes
  pos = writeVarlong(target, pos, timestampDelta);
  pos = writeVarint(target, pos, offsetDelta);
  pos = writeBytesField(target, pos, key);
  pos = writeVarint(target, pos, valueLength);
  // pos === valueAt here by construction.
  return writeHeaders(target, pos + valueLength, headers);
}
