/**
 * Serializers: how a record's key and value become bytes. Java's
 * `org.apache.kafka.common.serialization.Serializer`, as an interface with one required method,
 * plus the built-ins: UTF-8 strings, bytes passed through, JSON, and the default that takes a
 * string or bytes.
 *
 * The runtime's fast paths: a serializer says what it is with {@link Serializer.kind}, and a
 * serializer that produces text can offer {@link Serializer.serializeToString}. For those the
 * runtime writes the UTF-8 straight into the shared-memory slab with `TextEncoder.encodeInto`
 * (or copies the bytes in), instead of allocating a Uint8Array per record and copying it again.
 * A user serializer without these is called through {@link Serializer.serialize}, as in Java.
 *
 * Any serializer failure reaches the caller of send() as a {@link SerializationError} naming
 * the topic and whether the key or the value failed: see {@link runSerializer}.
 */
import { SerializationError, type SerializedPart } from './errors.js';
import type { RecordHeaders } from './record.js';

/**
 * What a serializer is, for the runtime's fast paths.
 * - `'string'`: data is a string (or null/undefined, which give null); the UTF-8 encoding is the
 *   result. The runtime may encode it straight into the slab without calling the serializer.
 * - `'bytes'`: data is a Uint8Array (a Buffer is one) passed through; the runtime may copy it
 *   into the slab directly.
 * - `'auto'`: a string is treated as `'string'`, a Uint8Array as `'bytes'`; anything else goes
 *   through `serialize`, which rejects it.
 * - `'json'`: `serializeToString` gives the JSON text, which the runtime encodes into the slab.
 * - `'custom'` (or absent): call `serialize`.
 */
export type SerializerKind = 'string' | 'bytes' | 'auto' | 'json' | 'custom';

/**
 * Turns a key or a value into bytes: Java's `Serializer<T>`.
 *
 * Contract:
 * - Return a Uint8Array (a Buffer is fine) or null. Null is a null key, or a null value (a
 *   tombstone on a compacted topic). Returning anything else (undefined included) fails the send.
 * - It runs on the application's thread inside send(): keep it quick. If it throws, send()
 *   fails with a SerializationError whose `cause` is what was thrown.
 * - The runtime calls it for null data too, as Java does, so that a serializer may map null to
 *   something; the built-ins return null. (The runtime skips the call for the built-ins.)
 * - The bytes are copied before send() returns: the serializer may reuse its buffer.
 *
 * @example
 * ```ts
 * const avro: Serializer<Order> = { serialize: (topic, order) => orderType.toBuffer(order) };
 * new KafkaProducer({ 'bootstrap.servers': 'localhost:9092', 'value.serializer': avro });
 * ```
 */
export interface Serializer<T = unknown> {
  /**
   * @param topic - the record's topic.
   * @param data - the key or value given to send().
   * @param headers - the record's headers, if any (a serializer may read them, e.g. for a schema id).
   * @returns the bytes, or null.
   */
  serialize(topic: string, data: T, headers?: RecordHeaders): Uint8Array | null;

  /**
   * Optional fast path: the same result as `serialize`, as a string whose UTF-8 encoding
   * `serialize` would return (or null). When present, the runtime may call this instead and
   * write the UTF-8 itself into shared memory, saving an allocation and a copy per record.
   * Both methods must agree.
   */
  serializeToString?(topic: string, data: T, headers?: RecordHeaders): string | null;

  /** Optional: what the serializer is, for the runtime's fast paths (default `'custom'`). */
  readonly kind?: SerializerKind;

  /** Optional: called once when the producer closes. */
  close?(): void | Promise<void>;
}

/** A serializer given as a bare function: the `serialize` method of {@link Serializer}. */
export type SerializeFunction<T = unknown> = Serializer<T>['serialize'];

const utf8 = new TextEncoder();

function typeOf(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'an array';
  if (typeof data === 'object') return `an object (${(data as object).constructor?.name ?? 'Object'})`;
  return `a ${typeof data}`;
}

/**
 * UTF-8 strings: Java's `StringSerializer` (whose default encoding is UTF-8). Null or undefined
 * give null; anything but a string is rejected (use {@link jsonSerializer} for objects, or
 * `String(x)` yourself), rather than guessing a text form.
 */
export const stringSerializer: Serializer<string | null | undefined> & { readonly kind: 'string' } = {
  kind: 'string',
  serialize(_topic, data) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string') throw new TypeError(`expected a string, got ${typeOf(data)}`);
    return utf8.encode(data);
  },
  serializeToString(_topic, data) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string') throw new TypeError(`expected a string, got ${typeOf(data)}`);
    return data;
  },
};

/**
 * Bytes passed through: Java's `ByteArraySerializer`. Takes a Uint8Array (a Buffer is one) and
 * returns it as is; an ArrayBuffer is wrapped without copying. Null or undefined give null.
 */
export const bytesSerializer: Serializer<Uint8Array | ArrayBuffer | null | undefined> & { readonly kind: 'bytes' } = {
  kind: 'bytes',
  serialize(_topic, data) {
    if (data === null || data === undefined) return null;
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw new TypeError(`expected a Uint8Array, Buffer or ArrayBuffer, got ${typeOf(data)}`);
  },
};

/**
 * JSON as UTF-8: `JSON.stringify(data)`. Null or undefined give null (a tombstone, not the text
 * `null`), as the JSON serializers of the Java ecosystem do. Values JSON cannot represent
 * (a function, a symbol, a BigInt, a cycle) are rejected.
 */
export const jsonSerializer: Serializer<unknown> & { readonly kind: 'json' } = {
  kind: 'json',
  serialize(topic, data, headers) {
    const text = jsonSerializer.serializeToString!(topic, data, headers);
    return text === null ? null : utf8.encode(text);
  },
  serializeToString(_topic, data) {
    if (data === null || data === undefined) return null;
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError(`${typeOf(data)} has no JSON representation`);
    return text;
  },
};

/**
 * The default for `key.serializer` and `value.serializer`: a string as UTF-8, a Uint8Array or
 * Buffer as is, null or undefined as null. Anything else is rejected with a hint to choose a
 * serializer, rather than silently stringified.
 */
export const defaultSerializer: Serializer<string | Uint8Array | null | undefined> & { readonly kind: 'auto' } = {
  kind: 'auto',
  serialize(_topic, data) {
    if (data === null || data === undefined) return null;
    if (typeof data === 'string') return utf8.encode(data);
    if (data instanceof Uint8Array) return data;
    throw new TypeError(
      `expected a string, Buffer or Uint8Array, got ${typeOf(data)}; set a serializer (e.g. 'json') for other types`,
    );
  },
};

/** The built-in serializers by the names `key.serializer` / `value.serializer` accept. */
export const serializers = {
  string: stringSerializer,
  bytes: bytesSerializer,
  json: jsonSerializer,
  auto: defaultSerializer,
} as const;

/** Names of the built-in serializers. */
export type SerializerName = keyof typeof serializers;

/**
 * Runs a serializer the way send() must: any throw becomes a {@link SerializationError} naming
 * the topic and the part, and a result other than a Uint8Array or null is rejected the same way.
 *
 * @param serializer - the key or value serializer.
 * @param topic - the record's topic.
 * @param data - the key or value.
 * @param headers - the record's headers.
 * @param part - `'key'` or `'value'`, for the error.
 * @returns the bytes, or null.
 * @throws SerializationError
 */
export function runSerializer<T>(
  serializer: Serializer<T>,
  topic: string,
  data: T,
  headers: RecordHeaders | undefined,
  part: SerializedPart,
): Uint8Array | null {
  let bytes: unknown;
  try {
    bytes = serializer.serialize(topic, data, headers);
  } catch (err) {
    throw new SerializationError(topic, part, reasonOf(err), err);
  }
  if (bytes === null || bytes instanceof Uint8Array) return bytes;
  throw new SerializationError(topic, part, `the serializer returned ${typeOf(bytes)} instead of a Uint8Array or null`);
}

/**
 * Like {@link runSerializer}, through `serializeToString`, for the runtime's encode-into-the-slab
 * path. Only for serializers that have `serializeToString`.
 *
 * @returns the text whose UTF-8 encoding is the serialized form, or null.
 * @throws SerializationError
 */
export function runSerializerToString<T>(
  serializer: Serializer<T> & Required<Pick<Serializer<T>, 'serializeToString'>>,
  topic: string,
  data: T,
  headers: RecordHeaders | undefined,
  part: SerializedPart,
): string | null {
  let text: unknown;
  try {
    text = serializer.serializeToString(topic, data, headers);
  } catch (err) {
    throw new SerializationError(topic, part, reasonOf(err), err);
  }
  if (text === null || typeof text === 'string') return text;
  throw new SerializationError(topic, part, `the serializer returned ${typeOf(text)} instead of a string or null`);
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return `it threw ${typeOf(err)}`;
}
