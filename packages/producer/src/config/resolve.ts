/**
 * `resolveProducerConfig`: validates the application's configuration once, at construction, and
 * turns it into the normalized, frozen {@link ResolvedProducerConfig} the runtime reads.
 *
 * What is checked, and the source of each rule:
 * - Unknown keys are refused, with the nearest known key suggested. (Java only logs a warning:
 *   a typo like `linger.msec` then silently keeps the default. Refusing is kinder.)
 * - Java keys Tandem does not implement (TLS, SASL, metric reporters...) are refused with the
 *   reason, rather than ignored.
 * - Each value's type and range, as Java's `ConfigDef` (`keys.ts`).
 * - Java's combination rules, in Java's order (`ProducerConfig.postProcessParsedConfig`,
 *   `postProcessAndValidateIdempotenceConfigs`; `KafkaProducer.configureDeliveryTimeout`;
 *   `CommonClientConfigs.postProcessReconnectBackoffConfigs`), verified against kafka-clients
 *   4.4.0:
 *   - with idempotence on (the default): `retries` = 0 or `acks` other than all turn it off
 *     silently, or are a ConfigError if `enable.idempotence` was set to true explicitly;
 *     `max.in.flight.requests.per.connection` > 5 is a ConfigError either way (4.0, KAFKA-17927);
 *   - `transactional.id` without idempotence is a ConfigError;
 *   - `delivery.timeout.ms` < `linger.ms` + `request.timeout.ms` is a ConfigError when set, else
 *     it is raised to that sum;
 *   - `reconnect.backoff.ms` set without `reconnect.backoff.max.ms` fixes the backoff at it.
 * - Tandem's own: `buffer.memory` must hold at least one slab of `batch.size`.
 *
 * Every ConfigError names the key, the value given and what is allowed.
 */
import { ConfigError, describeValue } from '../errors.js';
import { KeyHashPartitioner, KEY_HASH_PARTITIONER_NAMES, type KeyHashPartitionerName } from '../partitioner/key-hash.js';
import { RoundRobinPartitioner } from '../partitioner/round-robin.js';
import type { Partitioner } from '../partitioner/types.js';
import { serializers, type Serializer } from '../serializers.js';
import {
  INT_MAX,
  PRODUCER_CONFIG_KEYS,
  suggestKey,
  unsupportedKeyReason,
  type BooleanKeyDef,
  type EnumKeyDef,
  type IntegerKeyDef,
  type ProducerConfigKey,
} from './keys.js';
import { PRESET_NAMES, presets } from './presets.js';
import { SECRET_KEYS, resolveSecurity } from './security.js';
import type {
  Acks,
  BrokerAddress,
  PresetName,
  ProducerConfigInput,
  ProducerInterceptor,
  ResolvedProducerConfig,
  SecurityProtocol,
} from './types.js';

/** Java's `PRODUCER_CLIENT_ID_SEQUENCE`: `producer-1`, `producer-2`, ... per process. */
let clientIdSequence = 1;

/** Java's producer idempotence limit: the broker caches 5 batches per producer and partition. */
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

const JAVA_ROUND_ROBIN = 'org.apache.kafka.clients.producer.RoundRobinPartitioner';
const JAVA_REMOVED_PARTITIONERS = new Set([
  'org.apache.kafka.clients.producer.internals.DefaultPartitioner',
  'org.apache.kafka.clients.producer.UniformStickyPartitioner',
]);
const JAVA_SERIALIZERS: Readonly<Record<string, keyof typeof serializers>> = {
  'org.apache.kafka.common.serialization.StringSerializer': 'string',
  'org.apache.kafka.common.serialization.ByteArraySerializer': 'bytes',
};

/**
 * Validates and normalizes a producer configuration. Call it once, in the producer's
 * constructor; it throws on the first problem found.
 *
 * @param input - the configuration as the application wrote it.
 * @returns the resolved configuration: every key present, normalized, frozen.
 * @throws ConfigError naming the key, the value given and what is allowed.
 *
 * @example
 * ```ts
 * const config = resolveProducerConfig({ 'bootstrap.servers': 'localhost:9092', acks: '1' });
 * config.acks;                    // 1
 * config['enable.idempotence'];   // false: acks=1 turned the default idempotence off, as in Java
 * ```
 */
export function resolveProducerConfig<K = unknown, V = unknown>(
  input: ProducerConfigInput<K, V>,
): ResolvedProducerConfig<K, V> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('(config)', input, "an object of config keys, with at least 'bootstrap.servers'");
  }
  const { values, origin, presetNames } = mergePresets(input as unknown as Record<string, unknown>);
  const r = new Resolver(values, origin);

  // Every key given must be one Tandem accepts.
  for (const key of Object.keys(values)) {
    if (values[key] === undefined) continue;
    if (!Object.hasOwn(PRODUCER_CONFIG_KEYS, key)) {
      const reason = unsupportedKeyReason(key);
      if (reason !== undefined) {
        throw new ConfigError(key, values[key], 'a key Tandem supports', undefined,
          `The configuration '${key}' is not supported: ${reason}`);
      }
      const suggestion = suggestKey(key);
      throw new ConfigError(key, values[key], 'a producer config key', undefined,
        `Unknown configuration '${key}'.` +
          (suggestion ? ` Did you mean '${suggestion}'?` : '') +
          ' Keys are the Java producer\'s dotted names, e.g. \'linger.ms\'.');
    }
  }

  const securityProtocol = r.enumeration('security.protocol') as SecurityProtocol;
  const { oauthBearer, ...security } = resolveSecurity(securityProtocol, {
    value: (key) => values[key],
    error: (key, allowed, detail) => (SECRET_KEYS.has(key) ? new ConfigError(key, '[hidden]', allowed, detail) : r.error(key, allowed, detail)),
  });

  // Keys Tandem takes under their Java names but cannot honour: a value it would ignore is
  // refused with the reason, never accepted and silently dropped.
  const lz4Level = r.integer('compression.lz4.level');
  if (lz4Level !== 9) {
    throw r.error('compression.lz4.level', '9 (the default)',
      'lz4-napi has only LZ4\'s fast compressor (what Java uses at level 9), no high-compression mode for other levels. Use zstd or gzip to trade speed for ratio.');
  }
  for (const key of ['send.buffer.bytes', 'receive.buffer.bytes'] as const) {
    if (r.isSet(key) && r.integer(key) !== -1) {
      throw r.error(key, '-1 (the operating system decides)',
        'Node.js cannot size a TCP socket\'s kernel buffers, so the operating system\'s default is used: leave it unset or -1.');
    }
  }

  const bootstrapServers = r.bootstrapServers();
  const acks = r.acks();
  const lingerMs = r.integer('linger.ms');
  const batchSize = r.integer('batch.size');
  const bufferMemory = r.integer('buffer.memory');
  const requestTimeoutMs = r.integer('request.timeout.ms');
  let deliveryTimeoutMs = r.integer('delivery.timeout.ms');
  const retries = r.integer('retries');
  const maxInFlight = r.integer('max.in.flight.requests.per.connection');
  const reconnectBackoffMs = r.integer('reconnect.backoff.ms');
  let reconnectBackoffMaxMs = r.integer('reconnect.backoff.max.ms');
  const transactionalId = r.transactionalId();

  // CommonClientConfigs.postProcessReconnectBackoffConfigs: a fixed backoff was asked for.
  if (r.isSet('reconnect.backoff.ms') && !r.isSet('reconnect.backoff.max.ms')) {
    reconnectBackoffMaxMs = reconnectBackoffMs;
  }

  // ProducerConfig.postProcessAndValidateIdempotenceConfigs (4.x order: retries, acks, in-flight).
  let idempotence = r.boolean('enable.idempotence');
  const idempotenceSet = r.isSet('enable.idempotence');
  let idempotenceOffBecause: string | undefined;
  if (idempotence) {
    if (retries === 0) {
      if (idempotenceSet) {
        throw r.error('retries', `at least 1 while 'enable.idempotence' is true${r.from('enable.idempotence')}`,
          "The idempotent producer needs retries (it is what makes them safe); set 'enable.idempotence' to false to disable retries.");
      }
      idempotenceOffBecause ??= `'retries' is 0${r.from('retries')}`;
    }
    if (acks !== -1) {
      if (idempotenceSet) {
        throw r.error('acks', `'all' (or -1) while 'enable.idempotence' is true${r.from('enable.idempotence')}`,
          "Idempotence needs every in-sync replica to acknowledge; set 'enable.idempotence' to false to use acks=" + acks + '.');
      }
      idempotenceOffBecause ??= `'acks' is ${acks}${r.from('acks')}`;
    }
    if (maxInFlight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      throw r.error('max.in.flight.requests.per.connection', 'at most 5 while idempotence is enabled',
        (idempotenceSet
          ? `'enable.idempotence' is true${r.from('enable.idempotence')}`
          : "Idempotence is on by default (Kafka 3.0+), and Kafka 4.0 refuses this rather than turning it off")
          + ": the broker remembers only the last 5 batches per producer and partition. Set 'enable.idempotence' to false to allow more, at the cost of ordering and duplicate protection on retries.");
    }
    if (idempotenceOffBecause !== undefined) idempotence = false;
  }

  if (transactionalId === null && presetNames.includes('exactlyOnce')) {
    throw r.error('transactional.id', "a transactional.id with preset 'exactlyOnce'",
      'The exactlyOnce preset is for transactions, which need an id of your own: stable across restarts of an instance, unique among instances running at once.');
  }

  if (transactionalId !== null && !idempotence) {
    throw r.error('transactional.id', "no transactional.id unless idempotence is enabled",
      idempotenceOffBecause !== undefined
        ? `Transactions need the idempotent producer, which is off because ${idempotenceOffBecause}.`
        : "Transactions need the idempotent producer: remove 'enable.idempotence': false.");
  }

  // KafkaProducer.configureDeliveryTimeout (linger capped at an int first, as Java does).
  const lingerAndRequestTimeoutMs = Math.min(Math.min(lingerMs, INT_MAX) + requestTimeoutMs, INT_MAX);
  if (deliveryTimeoutMs < lingerAndRequestTimeoutMs) {
    if (r.isSet('delivery.timeout.ms')) {
      throw r.error('delivery.timeout.ms',
        `at least 'linger.ms' + 'request.timeout.ms' (${lingerMs} + ${requestTimeoutMs} = ${lingerAndRequestTimeoutMs})`,
        'A record must be allowed to wait for its batch and then for one request before it can expire.');
    }
    deliveryTimeoutMs = lingerAndRequestTimeoutMs;
  }

  // Tandem: buffer.memory is cut into slabs of batch.size bytes; it must hold at least one.
  if (bufferMemory < batchSize) {
    throw r.error('buffer.memory', `at least 'batch.size' (${batchSize})`,
      "Tandem cuts 'buffer.memory' into slabs of 'batch.size' bytes, one per batch in progress; lower 'batch.size' or raise 'buffer.memory'.");
  }

  const clientId = r.isSet('client.id')
    ? r.string('client.id')
    : `producer-${transactionalId ?? clientIdSequence++}`;

  const resolved: ResolvedProducerConfig<K, V> = {
    'bootstrap.servers': bootstrapServers,
    'client.id': clientId,
    acks,
    'linger.ms': lingerMs,
    'batch.size': batchSize,
    'buffer.memory': bufferMemory,
    'compression.type': r.enumeration('compression.type') as ResolvedProducerConfig['compression.type'],
    'compression.gzip.level': r.integer('compression.gzip.level'),
    'compression.lz4.level': r.integer('compression.lz4.level'),
    'compression.zstd.level': r.integer('compression.zstd.level'),
    'max.block.ms': r.integer('max.block.ms'),
    'max.request.size': r.integer('max.request.size'),
    'request.timeout.ms': requestTimeoutMs,
    'delivery.timeout.ms': deliveryTimeoutMs,
    retries,
    'retry.backoff.ms': r.integer('retry.backoff.ms'),
    'retry.backoff.max.ms': r.integer('retry.backoff.max.ms'),
    'max.in.flight.requests.per.connection': maxInFlight,
    'enable.idempotence': idempotence,
    'transactional.id': transactionalId,
    'transaction.timeout.ms': r.integer('transaction.timeout.ms'),
    'metadata.max.age.ms': r.integer('metadata.max.age.ms'),
    'metadata.max.idle.ms': r.integer('metadata.max.idle.ms'),
    'partitioner.class': r.partitioner() as Partitioner<K, V> | null,
    'partitioner.adaptive.partitioning.enable': r.boolean('partitioner.adaptive.partitioning.enable'),
    'partitioner.availability.timeout.ms': r.integer('partitioner.availability.timeout.ms'),
    'partitioner.ignore.keys': r.boolean('partitioner.ignore.keys'),
    'key.serializer': r.serializer('key.serializer') as Serializer<K>,
    'value.serializer': r.serializer('value.serializer') as Serializer<V>,
    interceptors: r.interceptors() as readonly ProducerInterceptor<K, V>[],
    'send.buffer.bytes': r.integer('send.buffer.bytes'),
    'receive.buffer.bytes': r.integer('receive.buffer.bytes'),
    'connections.max.idle.ms': r.integer('connections.max.idle.ms'),
    'reconnect.backoff.ms': reconnectBackoffMs,
    'reconnect.backoff.max.ms': reconnectBackoffMaxMs,
    'socket.connection.setup.timeout.ms': r.integer('socket.connection.setup.timeout.ms'),
    'socket.connection.setup.timeout.max.ms': r.integer('socket.connection.setup.timeout.max.ms'),
    'security.protocol': securityProtocol,
    security,
    oauthBearer,
    presets: Object.freeze(presetNames),
    explicitKeys: r.explicitKeys(),
  };
  return Object.freeze(resolved);
}

/** Applies the presets named in `preset` under the input's own keys, remembering who set what. */
function mergePresets(input: Record<string, unknown>): {
  values: Record<string, unknown>;
  origin: Map<string, PresetName>;
  presetNames: PresetName[];
} {
  const given = input.preset;
  const names: unknown[] = given === undefined || given === null ? [] : Array.isArray(given) ? given : [given];
  const allowed = `one of ${PRESET_NAMES.map((n) => `'${n}'`).join(', ')}, or a list of them`;
  const values: Record<string, unknown> = {};
  const origin = new Map<string, PresetName>();
  const presetNames: PresetName[] = [];
  for (const name of names) {
    if (typeof name !== 'string' || !Object.hasOwn(presets, name)) {
      throw new ConfigError('preset', given, allowed);
    }
    const preset = presets[name as PresetName] as Record<string, unknown>;
    for (const key of Object.keys(preset)) {
      values[key] = preset[key];
      origin.set(key, name as PresetName);
    }
    presetNames.push(name as PresetName);
  }
  for (const key of Object.keys(input)) {
    if (key === 'preset' || input[key] === undefined) continue;
    values[key] = input[key];
    origin.delete(key);
  }
  return { values, origin, presetNames };
}

/** Reads and checks values key by key; knows which were set and by whom, for messages. */
class Resolver {
  private readonly values: Record<string, unknown>;
  private readonly origin: Map<string, PresetName>;

  constructor(values: Record<string, unknown>, origin: Map<string, PresetName>) {
    this.values = values;
    this.origin = origin;
  }

  /** Whether the key was set (by the application or a preset): Java's `originals().containsKey`. */
  isSet(key: ProducerConfigKey): boolean {
    const value = this.values[key];
    return value !== undefined && !(value === null && nullMeansUnset(key));
  }

  explicitKeys(): ReadonlySet<string> {
    const keys = new Set<string>();
    for (const key of Object.keys(this.values)) if (this.isSet(key as ProducerConfigKey)) keys.add(key);
    return keys;
  }

  /** ` (from preset 'x')` when a preset set the key, else ''. */
  from(key: string): string {
    const preset = this.origin.get(key);
    return preset === undefined ? '' : ` (from preset '${preset}')`;
  }

  /** A ConfigError for the key's current value. */
  error(key: ProducerConfigKey, allowed: string, detail?: string): ConfigError {
    const value = this.values[key];
    const source = this.from(key);
    return new ConfigError(key, value, allowed, source ? `The value came from preset '${this.origin.get(key)}'. ${detail ?? ''}`.trim() : detail);
  }

  integer(key: ProducerConfigKey): number {
    const def = PRODUCER_CONFIG_KEYS[key] as IntegerKeyDef;
    const value = this.values[key];
    if (value === undefined) return def.default;
    const allowed =
      (def.max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${def.min}` : `an integer from ${def.min} to ${def.max}`) +
      (def.also ? ` or ${def.also.join(', ')}` : '');
    let n: number;
    if (typeof value === 'number') {
      n = value;
    } else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) {
      n = Number(value.trim());
    } else {
      throw this.error(key, allowed, typeof value === 'string' ? 'Strings must be decimal digits only, as in a properties file.' : undefined);
    }
    if (!Number.isSafeInteger(n)) throw this.error(key, allowed);
    if ((n < def.min || n > def.max) && !def.also?.includes(n)) throw this.error(key, allowed);
    return n;
  }

  boolean(key: ProducerConfigKey): boolean {
    const def = PRODUCER_CONFIG_KEYS[key] as BooleanKeyDef;
    const value = this.values[key];
    if (value === undefined) return def.default;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const text = value.trim().toLowerCase();
      if (text === 'true') return true;
      if (text === 'false') return false;
    }
    throw this.error(key, "true or false (or the strings 'true' / 'false')");
  }

  enumeration(key: ProducerConfigKey): string {
    const def = PRODUCER_CONFIG_KEYS[key] as EnumKeyDef;
    const value = this.values[key];
    if (value === undefined) return def.default;
    if (typeof value === 'string') {
      const text = value.trim();
      for (const allowed of def.values) {
        if (allowed === text || (def.ignoreCase && allowed.toLowerCase() === text.toLowerCase())) return allowed;
      }
    }
    throw this.error(key, `one of ${def.values.map((v) => `'${v}'`).join(', ')}`);
  }

  string(key: ProducerConfigKey): string {
    const value = this.values[key];
    if (typeof value !== 'string') throw this.error(key, 'a string');
    return value;
  }

  /** `acks`: 'all', -1, 0, 1 or their strings (Java trims, and compares 'all' exactly). */
  acks(): Acks {
    const value = this.values.acks;
    if (value === undefined) return -1;
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
    switch (text) {
      case 'all':
      case '-1':
        return -1;
      case '0':
        return 0;
      case '1':
        return 1;
    }
    throw this.error('acks', "'all', -1, 0 or 1 (numbers or strings)");
  }

  /**
   * `bootstrap.servers`: `host:port` entries, as one comma-separated string or a list. Java's
   * `ClientUtils.parseAndValidateAddresses`: no empty entry, a port on every entry. IPv6 hosts in
   * brackets (`[::1]:9092`).
   */
  bootstrapServers(): readonly BrokerAddress[] {
    const value = this.values['bootstrap.servers'];
    const allowed = "a list of 'host:port' (a comma-separated string, or an array of strings)";
    if (value === undefined || value === null) {
      throw new ConfigError('bootstrap.servers', value, allowed,
        'It is required: the brokers to contact first, for example "localhost:9092".');
    }
    let entries: unknown[];
    if (typeof value === 'string') entries = value.split(',');
    else if (Array.isArray(value)) entries = value;
    else throw this.error('bootstrap.servers', allowed);
    if (entries.length === 0 || (entries.length === 1 && typeof entries[0] === 'string' && entries[0].trim() === '')) {
      throw this.error('bootstrap.servers', allowed, 'It must not be empty.');
    }
    const addresses: BrokerAddress[] = [];
    for (const entry of entries) {
      if (typeof entry !== 'string') throw this.error('bootstrap.servers', allowed);
      const address = parseAddress(entry.trim());
      if (typeof address === 'string') {
        throw this.error('bootstrap.servers', allowed, `${JSON.stringify(entry.trim())}: ${address}`);
      }
      addresses.push(address);
    }
    return Object.freeze(addresses);
  }

  transactionalId(): string | null {
    const value = this.values['transactional.id'];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.length === 0) {
      throw this.error('transactional.id', 'a non-empty string, or null for no transactions');
    }
    return value;
  }

  partitioner(): Partitioner | null {
    const value = this.values['partitioner.class'];
    const allowed =
      `'default', 'round-robin', a librdkafka partitioner name (${KEY_HASH_PARTITIONER_NAMES.map((n) => `'${n}'`).join(', ')}), ` +
      'a Partitioner object (with a partition(topic, keyBytes, partitions, record) method), or a partition function';
    if (value === undefined || value === null || value === 'default') return null;
    if (typeof value === 'string') {
      if (value === 'round-robin' || value === JAVA_ROUND_ROBIN) return new RoundRobinPartitioner();
      if ((KEY_HASH_PARTITIONER_NAMES as readonly string[]).includes(value)) {
        return new KeyHashPartitioner(value as KeyHashPartitionerName);
      }
      if (JAVA_REMOVED_PARTITIONERS.has(value)) {
        throw this.error('partitioner.class', allowed,
          'That Java class was removed in Kafka 4.0; leave partitioner.class unset for the built-in partitioner that replaced it (KIP-794).');
      }
      throw this.error('partitioner.class', allowed);
    }
    if (typeof value === 'function') return { partition: value as Partitioner['partition'] };
    if (typeof value === 'object' && typeof (value as Partitioner).partition === 'function') {
      const p = value as Partitioner;
      if (p.onNewBatch !== undefined && typeof p.onNewBatch !== 'function') {
        throw this.error('partitioner.class', allowed, 'Its onNewBatch must be a function if present.');
      }
      if (p.close !== undefined && typeof p.close !== 'function') {
        throw this.error('partitioner.class', allowed, 'Its close must be a function if present.');
      }
      return p;
    }
    throw this.error('partitioner.class', allowed);
  }

  serializer(key: 'key.serializer' | 'value.serializer'): Serializer {
    const value = this.values[key];
    const names = Object.keys(serializers).map((n) => `'${n}'`).join(', ');
    const allowed = `${names}, a Serializer object (with a serialize(topic, data, headers) method), or a serialize function`;
    if (value === undefined || value === null) return serializers.auto as Serializer;
    if (typeof value === 'string') {
      const name = Object.hasOwn(serializers, value) ? value : JAVA_SERIALIZERS[value];
      if (name !== undefined) return serializers[name as keyof typeof serializers] as Serializer;
      throw this.error(key, allowed);
    }
    if (typeof value === 'function') return { serialize: value as Serializer['serialize'] };
    if (typeof value === 'object' && typeof (value as Serializer).serialize === 'function') {
      const s = value as Serializer;
      if (s.serializeToString !== undefined && typeof s.serializeToString !== 'function') {
        throw this.error(key, allowed, 'Its serializeToString must be a function if present.');
      }
      return s;
    }
    throw this.error(key, allowed);
  }

  interceptors(): readonly ProducerInterceptor[] {
    const value = this.values.interceptors;
    const allowed = 'an array of objects with onSend, onAcknowledgement and/or close methods';
    if (value === undefined || value === null) return Object.freeze([]);
    if (!Array.isArray(value)) throw this.error('interceptors', allowed);
    for (const [i, interceptor] of value.entries()) {
      const ok =
        interceptor !== null &&
        typeof interceptor === 'object' &&
        ['onSend', 'onAcknowledgement', 'close'].every(
          (m) => (interceptor as Record<string, unknown>)[m] === undefined || typeof (interceptor as Record<string, unknown>)[m] === 'function',
        ) &&
        ['onSend', 'onAcknowledgement', 'close'].some((m) => typeof (interceptor as Record<string, unknown>)[m] === 'function');
      if (!ok) {
        throw this.error('interceptors', allowed, `Entry ${i} is ${describeValue(interceptor)}.`);
      }
    }
    return Object.freeze([...(value as ProducerInterceptor[])]);
  }
}

/** Keys for which null means "not set" (their Java default is null). */
function nullMeansUnset(key: ProducerConfigKey): boolean {
  return (
    key === 'transactional.id' ||
    key === 'partitioner.class' ||
    key === 'key.serializer' ||
    key === 'value.serializer' ||
    key === 'interceptors' ||
    key === 'preset'
  );
}

/** Parses `host:port` / `[ipv6]:port`; returns the address or what is wrong with it. */
function parseAddress(entry: string): BrokerAddress | string {
  if (entry === '') return 'empty entry';
  let host: string;
  let portText: string;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0 || entry[close + 1] !== ':') return 'expected [ipv6-address]:port';
    host = entry.slice(1, close);
    portText = entry.slice(close + 2);
  } else {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) return 'no port (expected host:port)';
    host = entry.slice(0, colon);
    portText = entry.slice(colon + 1);
  }
  if (!/^[0-9a-zA-Z\-%._:]+$/.test(host)) return 'invalid host';
  if (!/^\d{1,5}$/.test(portText)) return 'invalid port';
  const port = Number(portText);
  if (port < 1 || port > 65535) return 'port out of range (1-65535)';
  return Object.freeze({ host, port });
}
