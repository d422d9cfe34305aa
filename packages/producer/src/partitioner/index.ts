/**
 * Partitioning: which partition each record goes to. See `record-partitioner.ts` for the
 * decision order, `built-in.ts` for the default sticky partitioner, `murmur2.ts` for Java's key
 * hash.
 */
export { murmur2, murmur2View, toPositive, partitionForKey, MURMUR2_SEED } from './murmur2.js';
export { UNKNOWN_PARTITION } from './types.js';
export type { TopicPartitions, Partitioner, PartitionerRecord, PartitionFunction } from './types.js';
export { BuiltInPartitioner } from './built-in.js';
export type { BuiltInPartitionerOptions } from './built-in.js';
export { RoundRobinPartitioner } from './round-robin.js';
export { KeyHashPartitioner, KEY_HASH_PARTITIONER_NAMES, crc32, fnv1a } from './key-hash.js';
export type { KeyHashPartitionerName } from './key-hash.js';
export { RecordPartitioner } from './record-partitioner.js';
export type { RecordPartitionerOptions } from './record-partitioner.js';
export { randomInt31 } from './random.js';
export type { RandomInt31 } from './random.js';
