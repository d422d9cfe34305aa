/**
 * Presets: named sets of settings for a goal, to start from and override.
 *
 * A preset only sets what it needs; everything else keeps Java's default. Presets compose:
 * `preset: ['lowMemory', 'durable']` applies them in order (later wins), and keys given next to
 * `preset` win over both. A preset's values count as set explicitly, so a durable producer whose
 * overrides contradict it (say `acks: 1`) gets a ConfigError instead of silently losing
 * idempotence.
 *
 * None of the presets lowers `acks` below `all`. `acks: 1` does cut latency (no wait for
 * replication), but it can lose acknowledged records when a leader fails and turns idempotence
 * off, so retries can duplicate and reorder records. That is a trade a user should make by name,
 * not one a preset should hide: add `acks: 1` yourself if you accept it.
 *
 * Every preset passes `resolveProducerConfig` on its own (tested).
 *
 * @example
 * ```ts
 * new KafkaProducer({ 'bootstrap.servers': 'localhost:9092', preset: 'throughput', 'linger.ms': 50 });
 * new KafkaProducer(withPreset('durable', { 'bootstrap.servers': 'localhost:9092' }));
 * ```
 */
import type { PresetName, ProducerConfigInput } from './types.js';

/** The settings a preset may carry: anything but the servers and presets themselves. */
export type PresetConfig = Readonly<Omit<Partial<ProducerConfigInput>, 'bootstrap.servers' | 'preset'>>;

/**
 * High throughput: bigger batches, a longer linger, lz4.
 *
 * - `batch.size` 131072 (128 KiB, 8x the default): fewer, larger requests; less per-batch work
 *   on client and broker; compression works on more data at once. The sticky partitioner fills
 *   one partition's batch at a time, so unkeyed traffic reaches this size.
 * - `linger.ms` 20: gives batches time to fill under moderate load; the added latency is bounded
 *   by 20 ms and vanishes under heavy load, where batches fill first.
 * - `compression.type` lz4: the fastest codec with a useful ratio (on text-like data often 2-4x);
 *   less network and broker disk for little CPU. Use zstd for a better ratio at more CPU.
 * - `buffer.memory` 67108864 (64 MiB, twice the default): slabs are `batch.size` each, so this
 *   keeps 512 of them (the default has 2048 of 16 KiB): enough for dozens of partitions being
 *   filled while others are in flight, before send() has to wait for memory.
 */
const throughput: PresetConfig = Object.freeze({
  'batch.size': 131072,
  'linger.ms': 20,
  'compression.type': 'lz4',
  'buffer.memory': 67108864,
});

/**
 * Low latency: send as soon as the Sender can.
 *
 * - `linger.ms` 0: no artificial wait for more records (Java's default before 4.0). Batches still
 *   form by themselves while a request is in flight.
 * - `compression.type` none: no compression time on either side of each batch.
 * - `batch.size` stays 16384: with no linger, a batch is sent when the Sender is free, so its size
 *   only caps what accumulated meanwhile; a smaller one would only split bursts.
 */
const latency: PresetConfig = Object.freeze({
  'linger.ms': 0,
  'compression.type': 'none',
});

/**
 * Durable: no acknowledged record lost, no duplicates, order kept; and settings that contradict
 * that are refused rather than quietly weakening it.
 *
 * - `acks` all: a record counts as sent once every in-sync replica has it (with the topic's
 *   `min.insync.replicas` >= 2, one broker's loss loses nothing acknowledged).
 * - `enable.idempotence` true, set explicitly: retries cannot duplicate or reorder records; and
 *   an override of `acks`, `retries` or `max.in.flight.requests.per.connection` that would turn it
 *   off becomes a ConfigError.
 * - `max.in.flight.requests.per.connection` 5: the most idempotence allows; order is still kept
 *   (the broker checks sequence numbers), so 1 would only cost throughput.
 * - `retries` 2147483647: retry until `delivery.timeout.ms`, never give up by count.
 * - `delivery.timeout.ms` 300000 (5 min, default 2): rides out a rolling restart or a slow leader
 *   election before failing records.
 */
const durable: PresetConfig = Object.freeze({
  acks: 'all',
  'enable.idempotence': true,
  'max.in.flight.requests.per.connection': 5,
  retries: 2147483647,
  'delivery.timeout.ms': 300000,
});

/**
 * Low memory: a small buffer and small batches, for small containers or many producers in one
 * process.
 *
 * - `buffer.memory` 4194304 (4 MiB, default 32): the SharedArrayBuffer the records wait in. When
 *   it is full, sends wait (up to `max.block.ms`) instead of using more memory.
 * - `batch.size` 8192: slabs are cut from `buffer.memory` at this size, so 512 of them: enough
 *   partitions can have a batch open at once even in 4 MiB.
 * - `compression.type` none: compressing needs buffers of its own in the Sender, outside
 *   `buffer.memory`.
 * - `max.request.size` stays 1 MiB: a record up to 1 MiB still fits (it uses its own buffer,
 *   counted against `buffer.memory`).
 */
const lowMemory: PresetConfig = Object.freeze({
  'buffer.memory': 4194304,
  'batch.size': 8192,
  'compression.type': 'none',
});

/**
 * Exactly once: a transactional producer, for consume-transform-produce and for writes to
 * several partitions that must land together or not at all (with `initTransactions()`,
 * `beginTransaction()`, `sendOffsetsToTransaction()`, `commitTransaction()`). It needs a
 * `transactional.id` of your own (a ConfigError without one): stable across restarts of the
 * same instance, so that a restarted instance fences its predecessor, and unique among
 * instances running at once, or they fence each other.
 *
 * - `acks` all, `enable.idempotence` true (explicitly, so an override that would turn it off is
 *   a ConfigError), `max.in.flight.requests.per.connection` 5 and `retries` 2147483647: what
 *   transactions are built on. Every record of a committed transaction is on every in-sync
 *   replica, once, in order.
 * - `transaction.timeout.ms` 10000 (Java's default 60000; Kafka Streams uses 10000 for
 *   exactly-once too): a transaction left open by a producer that died blocks every
 *   read_committed consumer of its partitions at that point (the last stable offset) until
 *   the coordinator aborts it. Ten seconds bounds that stall; commit more often than that.
 * - `delivery.timeout.ms` stays 120000: a record that cannot be delivered makes the transaction
 *   abortable (commit fails, abort and redo it), which is safe; nothing is lost or doubled.
 */
const exactlyOnce: PresetConfig = Object.freeze({
  acks: 'all',
  'enable.idempotence': true,
  'max.in.flight.requests.per.connection': 5,
  retries: 2147483647,
  'transaction.timeout.ms': 10000,
});

/** The built-in presets by name. */
export const presets: Readonly<Record<PresetName, PresetConfig>> = Object.freeze({
  throughput,
  latency,
  durable,
  lowMemory,
  exactlyOnce,
});

/** Every preset name. */
export const PRESET_NAMES = Object.keys(presets) as PresetName[];

/**
 * A config that starts from preset(s) and overrides them: the same as writing
 * `{ ...overrides, preset: names }` (presets in `overrides.preset` come after `names`).
 *
 * @param names - one preset or several, applied in order.
 * @param overrides - the rest of the config, including `bootstrap.servers`; its keys win.
 *
 * @example
 * ```ts
 * const config = withPreset(['lowMemory', 'durable'], { 'bootstrap.servers': 'localhost:9092', 'linger.ms': 10 });
 * ```
 */
export function withPreset<K = unknown, V = unknown>(
  names: PresetName | readonly PresetName[],
  overrides: ProducerConfigInput<K, V>,
): ProducerConfigInput<K, V> {
  const first = typeof names === 'string' ? [names] : [...names];
  const more = overrides.preset === undefined ? [] : typeof overrides.preset === 'string' ? [overrides.preset] : [...overrides.preset];
  return { ...overrides, preset: [...first, ...more] };
}
