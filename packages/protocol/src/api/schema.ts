/**
 * A small table-driven codec for Kafka's request and response bodies.
 *
 * Kafka defines every message once, in `clients/src/main/resources/common/message/*.json`: a
 * tree of fields, each present in a range of versions, nullable in some, tagged in some, with a
 * single `flexibleVersions` switch that turns on compact lengths and tag buffers. Java generates
 * a class per message from those files; we interpret a transcription of them instead. Each API
 * module declares its schema as a {@link MessageDef} whose fields read like the JSON (same
 * names in camelCase, same version strings), and this module encodes and decodes any version of
 * it. Adding a version is therefore one obvious change: widen `validVersions` and add or retire
 * the fields that changed, exactly as the JSON diff does.
 *
 * Why interpret rather than hand-write a function per API and direction: the four directions
 * (request encode/decode, response encode/decode) come from one definition and cannot drift
 * apart, and the rules that are easy to get wrong by hand (null vs empty, which types turn
 * compact in flexible versions, tag buffers at the end of every nested struct, defaults for
 * fields a version lacks) live in one place that the fuzz tests hammer.
 *
 * Decoded values:
 * - `int64` fields are `bigint` (producer ids, offsets); `int64n` fields are `number`, for
 *   millisecond timestamps and durations that are exact below 2^53.
 * - `uuid` fields are 16-byte Buffers (copies); `bytes` and `records` are views of the input.
 * - Every field of the schema is present in a decoded object: fields the version lacks hold
 *   their default (e.g. `leaderEpoch: -1` before Metadata v7).
 *
 * Encoding checks what Java's generated code checks: a field the version lacks must be left
 * undefined or at its default unless it is `ignorable` (otherwise the request would silently
 * mean something else), and null goes only where the version allows it.
 */
import { ProtocolError, invalid } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';

/**
 * Field types, named as in Kafka's JSON. `[]` is an array of structs (with `fields`), `struct`
 * a single nested struct (Kafka uses these for tagged fields such as Produce's CurrentLeader).
 * `int64n` is Kafka's int64 read into a JS number (timestamps and durations in ms).
 */
export type FieldType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'int64n'
  | 'bool'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records'
  | '[]int32'
  | '[]string'
  | '[]'
  | 'struct';

/**
 * One field of a message, transcribed from Kafka's JSON definition. Version strings use the
 * JSON's syntax: `"3+"`, `"0-12"`, `"5"` or `"none"`.
 */
export interface FieldDef {
  /** Property name in the TS object: Kafka's field name in camelCase. */
  readonly name: string;
  readonly type: FieldType;
  /** Versions in which the field is present. */
  readonly versions: string;
  /** Versions in which it may be null (strings, bytes, records, arrays). Default `"none"`. */
  readonly nullableVersions?: string;
  /** Tag number, for a tagged field. */
  readonly tag?: number;
  /** Versions in which the field is sent as tag `tag` (a subset of the flexible versions). */
  readonly taggedVersions?: string;
  /**
   * Value used when the version lacks the field (decoding) or the caller leaves it undefined
   * (encoding). Defaults to 0, 0n, false, '' , an empty array, empty bytes, a zero UUID or a
   * struct of defaults; `null` must be given explicitly, as in Kafka's JSON.
   */
  readonly default?: string | number | bigint | boolean | null;
  /**
   * True if a non-default value may be dropped silently where the version lacks the field (as in
   * Kafka's JSON; tagged fields too follow it). Otherwise encoding such a value throws.
   */
  readonly ignorable?: boolean;
  /** Fields of each element (`[]`) or of the struct (`struct`). */
  readonly fields?: readonly FieldDef[];
}

/** A whole request or response body, transcribed from Kafka's JSON definition. */
export interface MessageDef {
  /** Kafka's message name, e.g. `ProduceRequest`. */
  readonly name: string;
  /** The versions this codec speaks, e.g. `"3-12"`. */
  readonly validVersions: string;
  /** Versions using compact lengths and tag buffers, e.g. `"9+"`, or `"none"`. */
  readonly flexibleVersions: string;
  readonly fields: readonly FieldDef[];
}

/**
 * Where a `records` field's bytes go when a request is encoded as chunks: the encoder writes the
 * length prefix, then records the batch here (by position in the writer) instead of copying it.
 */
export interface ExternalChunk {
  /** Writer position at which the bytes belong. */
  readonly at: number;
  readonly data: Uint8Array;
}

const K_INT8 = 0;
const K_INT16 = 1;
const K_INT32 = 2;
const K_INT64 = 3;
const K_INT64N = 4;
const K_BOOL = 5;
const K_UUID = 6;
const K_STRING = 7;
const K_BYTES = 8;
const K_RECORDS = 9;
const K_ARRAY_INT32 = 10;
const K_ARRAY_STRING = 11;
const K_ARRAY_STRUCT = 12;
const K_STRUCT = 13;

const KINDS: Record<FieldType, number> = {
  int8: K_INT8,
  int16: K_INT16,
  int32: K_INT32,
  int64: K_INT64,
  int64n: K_INT64N,
  bool: K_BOOL,
  uuid: K_UUID,
  string: K_STRING,
  bytes: K_BYTES,
  records: K_RECORDS,
  '[]int32': K_ARRAY_INT32,
  '[]string': K_ARRAY_STRING,
  '[]': K_ARRAY_STRUCT,
  struct: K_STRUCT,
};

/** An inclusive version range; `[1, 0]` is empty. */
type Range = readonly [lo: number, hi: number];
const NONE: Range = [1, 0];
const MAX_VERSION = 0x7fff;

/** Parses Kafka's version-range syntax: `"3+"`, `"0-12"`, `"5"`, `"none"`. */
export function parseVersionRange(spec: string): readonly [lo: number, hi: number] {
  if (spec === 'none') return NONE;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return [Number(plus[1]), MAX_VERSION];
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return [Number(range[1]), Number(range[2])];
  if (/^\d+$/.test(spec)) return [Number(spec), Number(spec)];
  throw new Error(`bad version range "${spec}"`);
}

interface Field {
  readonly name: string;
  readonly kind: number;
  readonly lo: number;
  readonly hi: number;
  readonly nullLo: number;
  readonly nullHi: number;
  /** -1 when the field is never tagged. */
  readonly tag: number;
  readonly tagLo: number;
  readonly tagHi: number;
  readonly ignorable: boolean;
  readonly def: unknown;
  readonly struct: Struct | null;
}

interface Struct {
  readonly name: string;
  readonly fields: readonly Field[];
  /** Tagged fields in ascending tag order. */
  readonly tagged: readonly Field[];
  /** A frozen struct of the fields' defaults. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Builds the decoded object from its field values, in field order (see {@link shapeMaker}). */
  readonly make: (values: readonly unknown[]) => Record<string, unknown>;
  /** Field values of the struct being decoded (a struct never contains itself, so one suffices). */
  readonly scratch: unknown[];
}

/**
 * A function returning an object literal with this struct's keys, in order. Decoded objects then
 * all share one hidden class per struct, built in one step; assigning `out[name]` key by key
 * went through V8's megamorphic keyed stores and cost more than the decoding itself. The keys
 * come from our own schema definitions, never from input.
 */
function shapeMaker(fields: readonly Field[]): (values: readonly unknown[]) => Record<string, unknown> {
  const body = fields.map((f, i) => `${JSON.stringify(f.name)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${body} };`) as (values: readonly unknown[]) => Record<string, unknown>;
}

function compileStruct(name: string, defs: readonly FieldDef[]): Struct {
  const fields = defs.map((d) => compileField(name, d));
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new Error(`${name}: duplicate field ${f.name}`);
    seen.add(f.name);
  }
  const tagged = fields.filter((f) => f.tag >= 0).sort((a, b) => a.tag - b.tag);
  return { name, fields, tagged, defaults: structDefaults(fields), make: shapeMaker(fields), scratch: new Array<unknown>(fields.length) };
}

function compileField(parent: string, d: FieldDef): Field {
  const kind = KINDS[d.type];
  if (kind === undefined) throw new Error(`${parent}.${d.name}: unknown type ${d.type}`);
  const [lo, hi] = parseVersionRange(d.versions);
  const [nullLo, nullHi] = parseVersionRange(d.nullableVersions ?? 'none');
  const tagged = d.tag !== undefined;
  const [tagLo, tagHi] = tagged ? parseVersionRange(d.taggedVersions ?? d.versions) : NONE;
  const isStruct = kind === K_ARRAY_STRUCT || kind === K_STRUCT;
  if (isStruct !== (d.fields !== undefined)) throw new Error(`${parent}.${d.name}: fields go with [] and struct only`);
  const struct = isStruct ? compileStruct(`${parent}.${d.name}`, d.fields!) : null;
  let def: unknown = d.default;
  if (def === undefined) def = kind === K_RECORDS ? null : undefined;
  if (kind === K_INT64 && typeof def === 'number') def = BigInt(def);
  if (kind === K_INT64 && typeof def === 'string') def = BigInt(def);
  return {
    name: d.name,
    kind,
    lo,
    hi,
    nullLo,
    nullHi,
    tag: tagged ? d.tag! : -1,
    tagLo,
    tagHi,
    ignorable: d.ignorable === true,
    def,
    struct,
  };
}

const EMPTY_ARRAY: readonly never[] = Object.freeze([]);

/**
 * The default value of `f`. Arrays and structs are shared frozen values (decoded messages are
 * read-only, and a Produce response decodes a default CurrentLeader per partition: allocating
 * one each time showed up in profiles). UUIDs and bytes are fresh: a Buffer cannot be frozen.
 */
function defaultOf(f: Field): unknown {
  if (f.def !== undefined) return f.def;
  switch (f.kind) {
    case K_INT64:
      return 0n;
    case K_BOOL:
      return false;
    case K_UUID:
      return Buffer.alloc(16);
    case K_STRING:
      return '';
    case K_BYTES:
      return Buffer.alloc(0);
    case K_ARRAY_INT32:
    case K_ARRAY_STRING:
    case K_ARRAY_STRUCT:
      return EMPTY_ARRAY;
    case K_STRUCT:
      return f.struct!.defaults;
    default:
      return 0;
  }
}

function structDefaults(fields: readonly Field[]): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = defaultOf(f);
  return Object.freeze(out);
}

function isDefault(f: Field, v: unknown): boolean {
  if (v === undefined) return true;
  const def = f.def;
  if (def !== undefined) {
    if (f.kind === K_INT64 && typeof v === 'number') return BigInt(v) === def;
    return v === def;
  }
  switch (f.kind) {
    case K_INT64:
      return v === 0n || v === 0;
    case K_BOOL:
      return v === false;
    case K_UUID:
      return v instanceof Uint8Array && v.length === 16 && v.every((b) => b === 0);
    case K_STRING:
      return v === '';
    case K_BYTES:
      return v instanceof Uint8Array && v.length === 0;
    case K_ARRAY_INT32:
    case K_ARRAY_STRING:
    case K_ARRAY_STRUCT:
      return Array.isArray(v) && v.length === 0;
    case K_STRUCT: {
      if (typeof v !== 'object' || v === null) return false;
      const o = v as Record<string, unknown>;
      return f.struct!.fields.every((g) => isDefault(g, o[g.name]));
    }
    default:
      return v === 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

function decodeStruct(r: Reader, s: Struct, v: number, flex: boolean): Record<string, unknown> {
  const fields = s.fields;
  const values = s.scratch;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    values[i] = f.tag >= 0 || v < f.lo || v > f.hi ? defaultOf(f) : readValue(r, f, v, flex);
  }
  const out = s.make(values);
  values.fill(undefined); // hold no reference to the input or the result
  if (flex) {
    // Nearly every tag buffer is empty (one 00 byte): skip it without building the callback.
    if (r.remaining > 0 && r.buf[r.pos] === 0) {
      r.pos++;
      return out;
    }
    const tagged = s.tagged;
    r.taggedFields((tag, field) => {
      for (const f of tagged) {
        // Unknown tags (and known tags outside their versions) are skipped, as the protocol says.
        if (f.tag === tag && v >= f.tagLo && v <= f.tagHi) out[f.name] = readValue(field, f, v, flex);
      }
    });
  }
  return out;
}

function readValue(r: Reader, f: Field, v: number, flex: boolean): unknown {
  const nullable = v >= f.nullLo && v <= f.nullHi;
  switch (f.kind) {
    case K_INT8:
      return r.int8();
    case K_INT16:
      return r.int16();
    case K_INT32:
      return r.int32();
    case K_INT64:
      return r.int64();
    case K_INT64N:
      return r.int64n();
    case K_BOOL:
      return r.boolean();
    case K_UUID:
      return Buffer.from(r.uuid());
    case K_STRING:
      if (flex) return nullable ? r.compactNullableString() : r.compactString();
      return nullable ? r.nullableString() : r.string();
    case K_BYTES:
    case K_RECORDS:
      if (flex) return nullable ? r.compactNullableBytes() : r.compactBytes();
      return nullable ? r.nullableBytes() : r.bytes();
    case K_ARRAY_INT32:
      return readArray(r, f, flex, nullable, readInt32);
    case K_ARRAY_STRING:
      return readArray(r, f, flex, nullable, flex ? readCompactString : readString);
    case K_ARRAY_STRUCT: {
      const s = f.struct!;
      return readArray(r, f, flex, nullable, (ir) => decodeStruct(ir, s, v, flex));
    }
    case K_STRUCT:
      return decodeStruct(r, f.struct!, v, flex);
    default:
      throw new Error(`unreachable kind ${f.kind}`);
  }
}

const readInt32 = (r: Reader): number => r.int32();
const readString = (r: Reader): string => r.string();
const readCompactString = (r: Reader): string => r.compactString();

function readArray<T>(r: Reader, f: Field, flex: boolean, nullable: boolean, item: (r: Reader) => T): T[] | null {
  const a = flex ? r.compactNullableArray(item) : r.nullableArray(item);
  if (a === null && !nullable) throw invalid(`null array for non-nullable field ${f.name}`);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Encoding

function encodeStruct(
  w: Writer,
  s: Struct,
  v: number,
  flex: boolean,
  value: Record<string, unknown>,
  externals: ExternalChunk[] | null,
): void {
  for (const f of s.fields) {
    const x = value[f.name];
    const absent = f.tag >= 0 ? v < f.tagLo || v > f.tagHi : v < f.lo || v > f.hi;
    if (absent) {
      if (!f.ignorable && !isDefault(f, x)) throw notInVersion(s, f, v);
      continue;
    }
    if (f.tag >= 0) continue; // written in the tag buffer below
    writeValue(w, s, f, v, flex, x === undefined ? defaultOf(f) : x, externals);
  }
  if (!flex) return;
  let tags: Array<readonly [number, Uint8Array]> | undefined;
  for (const f of s.tagged) {
    const x = value[f.name];
    // Tagged fields are written only when they differ from their default, as in Java.
    if (v < f.tagLo || v > f.tagHi || isDefault(f, x)) continue;
    const tw = new Writer(64);
    writeValue(tw, s, f, v, flex, x, null);
    (tags ??= []).push([f.tag, tw.finish()]);
  }
  w.taggedFields(tags);
}

function notInVersion(s: Struct, f: Field, v: number): ProtocolError {
  const lo = f.tag >= 0 ? f.tagLo : f.lo;
  const hi = f.tag >= 0 ? f.tagHi : f.hi;
  return new ProtocolError(
    'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
    `${s.name}.${f.name} has a non-default value and cannot be sent at version ${v} (versions ${lo}${hi === MAX_VERSION ? '+' : `-${hi}`})`,
  );
}

function badValue(s: Struct, f: Field, x: unknown, what: string): ProtocolError {
  const shown = typeof x === 'bigint' ? `${x}n` : typeof x === 'string' ? JSON.stringify(x) : String(x);
  return invalid(`${s.name}.${f.name}: ${shown} is not ${what}`);
}

function checkInt(s: Struct, f: Field, x: unknown, min: number, max: number, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw badValue(s, f, x, what);
  return x;
}

function writeValue(
  w: Writer,
  s: Struct,
  f: Field,
  v: number,
  flex: boolean,
  x: unknown,
  externals: ExternalChunk[] | null,
): void {
  if (x === null) {
    if (v < f.nullLo || v > f.nullHi) throw invalid(`${s.name}.${f.name} is not nullable at version ${v}`);
    if (flex) w.uvarint(0);
    else if (f.kind === K_STRING) w.int16(-1);
    else w.int32(-1);
    return;
  }
  switch (f.kind) {
    case K_INT8:
      w.int8(checkInt(s, f, x, -0x80, 0x7f, 'an int8'));
      return;
    case K_INT16:
      w.int16(checkInt(s, f, x, -0x8000, 0x7fff, 'an int16'));
      return;
    case K_INT32:
      w.int32(checkInt(s, f, x, -0x80000000, 0x7fffffff, 'an int32'));
      return;
    case K_INT64: {
      const b = typeof x === 'number' && Number.isSafeInteger(x) ? BigInt(x) : x;
      if (typeof b !== 'bigint' || BigInt.asIntN(64, b) !== b) throw badValue(s, f, x, 'an int64');
      w.int64(b);
      return;
    }
    case K_INT64N:
      w.int64n(checkInt(s, f, x, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a safe integer'));
      return;
    case K_BOOL:
      if (typeof x !== 'boolean') throw badValue(s, f, x, 'a boolean');
      w.boolean(x);
      return;
    case K_UUID:
      if (!(x instanceof Uint8Array) || x.length !== 16) throw badValue(s, f, x, 'a 16-byte UUID');
      w.raw(x);
      return;
    case K_STRING:
      if (typeof x !== 'string') throw badValue(s, f, x, 'a string');
      if (flex) w.compactString(x);
      else {
        if (Buffer.byteLength(x) > 0x7fff) throw invalid(`${s.name}.${f.name}: string longer than 32767 bytes`);
        w.string(x);
      }
      return;
    case K_BYTES:
    case K_RECORDS:
      if (!(x instanceof Uint8Array)) throw badValue(s, f, x, 'a Uint8Array');
      if (flex) w.uvarint(x.length + 1);
      else w.int32(x.length);
      if (externals !== null && f.kind === K_RECORDS) externals.push({ at: w.pos, data: x });
      else w.raw(x);
      return;
    case K_ARRAY_INT32:
    case K_ARRAY_STRING:
    case K_ARRAY_STRUCT: {
      if (!Array.isArray(x)) throw badValue(s, f, x, 'an array');
      if (flex) w.uvarint(x.length + 1);
      else w.int32(x.length);
      if (f.kind === K_ARRAY_INT32) {
        for (const item of x) w.int32(checkInt(s, f, item, -0x80000000, 0x7fffffff, 'an int32'));
      } else if (f.kind === K_ARRAY_STRING) {
        for (const item of x) {
          if (typeof item !== 'string') throw badValue(s, f, item, 'a string');
          if (flex) w.compactString(item);
          else w.string(item);
        }
      } else {
        const st = f.struct!;
        for (const item of x) {
          if (typeof item !== 'object' || item === null) throw badValue(s, f, item, 'an object');
          encodeStruct(w, st, v, flex, item as Record<string, unknown>, externals);
        }
      }
      return;
    }
    case K_STRUCT:
      if (typeof x !== 'object') throw badValue(s, f, x, 'an object');
      encodeStruct(w, f.struct!, v, flex, x as Record<string, unknown>, externals);
      return;
    default:
      throw new Error(`unreachable kind ${f.kind}`);
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * A compiled {@link MessageDef}: encodes and decodes any of its versions.
 *
 * @typeParam T - the TS shape of a decoded message (every field present).
 * @typeParam In - what the encoder accepts: usually `T` with defaulted fields optional.
 */
export class MessageSchema<T, In = T> {
  /** Kafka's message name, e.g. `ProduceRequest`. */
  readonly name: string;
  /** Lowest version this codec speaks. */
  readonly minVersion: number;
  /** Highest version this codec speaks. */
  readonly maxVersion: number;
  /** First flexible version, or `Infinity` if the message never is. */
  readonly firstFlexibleVersion: number;
  private readonly root: Struct;
  private readonly flexLo: number;
  private readonly flexHi: number;

  constructor(def: MessageDef) {
    this.name = def.name;
    [this.minVersion, this.maxVersion] = parseVersionRange(def.validVersions);
    [this.flexLo, this.flexHi] = parseVersionRange(def.flexibleVersions);
    this.firstFlexibleVersion = this.flexLo <= this.flexHi ? this.flexLo : Infinity;
    this.root = compileStruct(def.name, def.fields);
  }

  /** True if `version` uses compact lengths and tag buffers. */
  isFlexible(version: number): boolean {
    return version >= this.flexLo && version <= this.flexHi;
  }

  /** Throws an `ERR_TANDEM_PROTOCOL_UNSUPPORTED` ProtocolError unless this codec speaks `version`. */
  checkVersion(version: number): void {
    if (!Number.isInteger(version) || version < this.minVersion || version > this.maxVersion) {
      throw new ProtocolError(
        'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
        `${this.name} version ${version} is not supported (we speak ${this.minVersion}-${this.maxVersion})`,
      );
    }
  }

  /**
   * Writes `value` as `version` of this message at the writer's position.
   *
   * @param externals - when given, `records` fields are not copied: their length prefix is
   *   written and the bytes are listed here with their position, for a chunked frame.
   */
  encode(w: Writer, version: number, value: In, externals: ExternalChunk[] | null = null): void {
    this.checkVersion(version);
    encodeStruct(w, this.root, version, this.isFlexible(version), value as Record<string, unknown>, externals);
  }

  /**
   * Reads `version` of this message. From a Reader: reads exactly the message and leaves `pos`
   * after it. From a Buffer: the message must fill it (trailing bytes are an error, as they mean
   * the version or the framing is wrong). Throws only {@link ProtocolError}.
   */
  decode(input: Reader | Buffer, version: number): T {
    this.checkVersion(version);
    const r = input instanceof Reader ? input : new Reader(input);
    const out = decodeStruct(r, this.root, version, this.isFlexible(version)) as T;
    if (!(input instanceof Reader) && r.remaining !== 0) {
      throw invalid(`${r.remaining} byte(s) left after ${this.name} v${version}`);
    }
    return out;
  }
}

/** Compiles a message definition. Throws at load time if the definition itself is malformed. */
export function defineMessage<T, In = T>(def: MessageDef): MessageSchema<T, In> {
  return new MessageSchema<T, In>(def);
}
