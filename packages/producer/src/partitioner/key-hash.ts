/**
 * Key-hash partitioners by name: Java's murmur2 and librdkafka's `consistent` (CRC-32) and
 * `fnv1a` families, so that a Tandem producer can share a topic with librdkafka-based producers
 * (confluent-kafka-go/python/dotnet, node-rdkafka) and keep each key in the partition they use.
 *
 * Source of truth: librdkafka `src/rdkafka_msg.c` (`rd_kafka_msg_partitioner_*` and
 * `rd_kafka_msg_partitioner`), `src/rdcrc32.h` (zlib's CRC-32), `src/rdfnv1a.c` (FNV-1a 32-bit,
 * then the absolute value of the int32, to match Sarama's `NewHashPartitioner`).
 *
 * Records without a key never reach the hash: librdkafka sends them to its sticky partitioner
 * (`rd_kafka_msg_partitioner`, since 1.5), and these partitioners return
 * {@link UNKNOWN_PARTITION} so Tandem's built-in sticky partitioner takes them. The `_random`
 * variants differ only for an EMPTY (non-null) key: `consistent_random` sends it to the sticky
 * partitioner where `consistent` hashes it (CRC-32 of nothing is 0: partition 0). For murmur2
 * and fnv1a, librdkafka tests the key pointer, so an empty key is hashed by both variants.
 *
 * librdkafka's own default, `consistent_random`, does NOT match Java's partitions; `murmur2_random`
 * does, and is what Tandem's default does for keyed records.
 */
import { murmur2 } from './murmur2.js';
import { UNKNOWN_PARTITION, type Partitioner, type TopicPartitions } from './types.js';

/** Names of the key-hash partitioners, as librdkafka's `partitioner` setting spells them. */
export type KeyHashPartitionerName =
  | 'murmur2'
  | 'murmur2_random'
  | 'consistent'
  | 'consistent_random'
  | 'fnv1a'
  | 'fnv1a_random';

/** Every {@link KeyHashPartitionerName}. */
export const KEY_HASH_PARTITIONER_NAMES: readonly KeyHashPartitionerName[] = [
  'murmur2',
  'murmur2_random',
  'consistent',
  'consistent_random',
  'fnv1a',
  'fnv1a_random',
];

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib), one table lookup per byte.
const CRC32_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * CRC-32 (zlib's, the one librdkafka's `consistent` partitioner uses) of `length` bytes of
 * `bytes` from `offset`.
 *
 * @returns the CRC as an unsigned 32-bit integer. `crc32(ascii('123456789'))` is 0xCBF43926.
 */
export function crc32(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  let crc = -1;
  const end = offset + length;
  for (let i = offset; i < end; i++) crc = CRC32_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * librdkafka's `rd_fnv1a`: 32-bit FNV-1a (offset basis 0x811C9DC5, prime 0x01000193), then
 * the absolute value of the result read as an int32 (Sarama's `NewHashPartitioner` does the
 * same), as an unsigned number.
 *
 * @returns a value in [0, 2^31]. `fnv1a(ascii('kafka'))` is 0x0d33c4e1.
 */
export function fnv1a(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  let h = 0x811c9dc5 | 0;
  const end = offset + length;
  for (let i = offset; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  // Absolute value of the int32; -2^31 stays 2^31 once read unsigned, as in C.
  return h < 0 ? -h : h;
}

/**
 * A partitioner that hashes the serialized key. Keyless records (and, for the `_random`
 * variants where librdkafka does so, empty keys) go to the built-in sticky partitioner.
 *
 * The runtime may call {@link partitionKey} directly with a key still in its scratch buffer,
 * to skip the `Uint8Array` view that {@link partition} takes.
 */
export class KeyHashPartitioner implements Partitioner {
  /** The partitioner's name. */
  readonly name: KeyHashPartitionerName;
  private readonly hash: (bytes: Uint8Array, offset: number, length: number) => number;
  private readonly emptyKeyIsUnkeyed: boolean;

  /** @param name - which hash and which treatment of empty keys. */
  constructor(name: KeyHashPartitionerName) {
    this.name = name;
    switch (name) {
      case 'murmur2':
      case 'murmur2_random':
        // Java: toPositive(murmur2(key)) % n.
        this.hash = (bytes, offset, length) => murmur2(bytes, offset, length) & 0x7fffffff;
        break;
      case 'consistent':
      case 'consistent_random':
        this.hash = crc32;
        break;
      case 'fnv1a':
      case 'fnv1a_random':
        this.hash = fnv1a;
        break;
    }
    this.emptyKeyIsUnkeyed = name === 'consistent_random';
  }

  /**
   * PER-RECORD PATH. The partition for a key held in `bytes[offset, offset + length)`.
   *
   * @param partitionCount - the topic's partition count (all partitions).
   * @returns the partition, or {@link UNKNOWN_PARTITION} for an empty key under
   *   `consistent_random`.
   */
  partitionKey(bytes: Uint8Array, offset: number, length: number, partitionCount: number): number {
    if (length === 0 && this.emptyKeyIsUnkeyed) return UNKNOWN_PARTITION;
    return this.hash(bytes, offset, length) % partitionCount;
  }

  /** {@inheritDoc Partitioner.partition} */
  partition(_topic: string, keyBytes: Uint8Array | null, partitions: TopicPartitions): number {
    if (keyBytes === null) return UNKNOWN_PARTITION;
    return this.partitionKey(keyBytes, 0, keyBytes.length, partitions.partitionCount);
  }
}
