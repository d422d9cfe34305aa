/**
 * Java's key hash: 32-bit MurmurHash2 with Kafka's seed, and the partition it gives a key.
 *
 * PER-RECORD PATH: every keyed record is hashed here. Written for speed: no allocation, no
 * closures, integer arithmetic only (`Math.imul` for the 32-bit multiplies, `>>>` for the
 * shifts, `| 0` to stay in int32), and the key is read in place from a `Uint8Array` at an
 * offset, so the runtime can hash a key it has already serialized into a scratch buffer or a
 * slab without copying it out.
 *
 * Source of truth: `org.apache.kafka.common.utils.Utils#murmur2` and `Utils#toPositive`, which
 * follow Austin Appleby's MurmurHash2 (smhasher `MurmurHash2.cpp`, `MurmurHash2`) with seed
 * 0x9747b28c; vectors from Kafka's `UtilsTest#testMurmur2`. Tandem must put a key in the same
 * partition as the Java client, so this is checked bit for bit against Java in
 * `test/integration/partitioner-java.test.ts`.
 */

/** Kafka's seed for murmur2 (`Utils.murmur2`). */
export const MURMUR2_SEED = 0x9747b28c;
/** MurmurHash2's mixing constant. */
const M = 0x5bd1e995;

/**
 * Java's `Utils.murmur2`: MurmurHash2 (32-bit) of `length` bytes of `bytes` from `offset`, with
 * seed 0x9747b28c. Returns the hash as a signed 32-bit integer, exactly as Java's `int`.
 *
 * @param bytes - the serialized key (or a buffer holding it).
 * @param offset - where the key starts in `bytes`; defaults to 0.
 * @param length - the key's length in bytes; defaults to the rest of `bytes`.
 * @returns the hash, in [-2^31, 2^31).
 *
 * @example
 * ```ts
 * murmur2(new TextEncoder().encode('foobar')); // -790332482, as Java
 * ```
 */
export function murmur2(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  // h = seed ^ length; the seed does not fit an int32 literal, `| 0` makes it one.
  let h = (MURMUR2_SEED ^ length) | 0;
  const end4 = offset + (length & ~3);
  let i = offset;

  // Body: 4 bytes at a time, little-endian, from unsigned bytes (Java masks each byte with 0xff;
  // a Uint8Array is unsigned already).
  while (i < end4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
    i += 4;
  }

  // Tail: the last 1-3 bytes. Java's switch falls through (3 -> 2 -> 1) and multiplies once,
  // only when there is a tail; written as ifs because this project forbids fallthrough.
  const rem = length & 3;
  if (rem !== 0) {
    if (rem === 3) h ^= bytes[i + 2] << 16;
    if (rem >= 2) h ^= bytes[i + 1] << 8;
    h ^= bytes[i];
    h = Math.imul(h, M);
  }

  // Finalization: a few more mixes so the last bytes affect every bit.
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * {@link murmur2} reading through a `DataView`: the same hash, about a third faster on long keys
 * (one little-endian 32-bit load per 4 bytes instead of four byte loads). For the runtime, which
 * can keep one DataView over its scratch buffer or slab memory; `offset` is relative to the
 * view.
 *
 * @param view - a view over the memory holding the key.
 * @param offset - where the key starts in the view.
 * @param length - the key's length in bytes.
 * @returns the hash, in [-2^31, 2^31), equal to `murmur2` of the same bytes.
 */
export function murmur2View(view: DataView, offset: number, length: number): number {
  let h = (MURMUR2_SEED ^ length) | 0;
  const end4 = offset + (length & ~3);
  let i = offset;
  while (i < end4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
    i += 4;
  }
  const rem = length & 3;
  if (rem !== 0) {
    if (rem === 3) h ^= view.getUint8(i + 2) << 16;
    if (rem >= 2) h ^= view.getUint8(i + 1) << 8;
    h ^= view.getUint8(i);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * Java's `Utils.toPositive`: clears the sign bit (`x & 0x7fffffff`). Not `Math.abs`: that would
 * map -2^31 to itself and give different partitions from Java for half the keys.
 *
 * @param n - a signed 32-bit integer.
 * @returns a value in [0, 2^31).
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Java gives a keyed record: `toPositive(murmur2(key)) % numPartitions`, over the
 * number of ALL partitions of the topic, whether or not they have a leader (so that a key keeps
 * its partition while a broker is down). Java's `BuiltInPartitioner.partitionForKey`.
 *
 * @param key - the serialized key (or a buffer holding it).
 * @param numPartitions - the topic's partition count (at least 1).
 * @param offset - where the key starts in `key`; defaults to 0.
 * @param length - the key's length in bytes; defaults to the rest of `key`.
 * @returns the partition, in [0, numPartitions).
 *
 * @example
 * ```ts
 * partitionForKey(Buffer.from('foobar'), 10); // 6, as Java
 * ```
 */
export function partitionForKey(
  key: Uint8Array,
  numPartitions: number,
  offset = 0,
  length = key.length - offset,
): number {
  return (murmur2(key, offset, length) & 0x7fffffff) % numPartitions;
}
