/**
 * The producer's configuration types: what the application writes ({@link ProducerConfigInput})
 * and what the runtime reads once it is validated ({@link ResolvedProducerConfig}).
 *
 * Keys are Kafka's own dotted names (`linger.ms`, `enable.idempotence`), so that Kafka's
 * documentation, a Java `producer.properties` file and every tuning guide apply as written.
 * Defaults are the Java client's (kafka-clients 4.x `ProducerConfig`).
 *
 * Numbers may also be given as strings of decimal digits (`'linger.ms': '20'`), and booleans as
 * `'true'` / `'false'`, because configuration often comes from environment variables or a
 * properties file, and Java accepts the same. Anything else (`'20ms'`, `'1.5'`, `'1e3'`) is a
 * ConfigError.
 */
import type { Partitioner, PartitionFunction } from '../partitioner/types.js';
import type { KeyHashPartitionerName } from '../partitioner/key-hash.js';
import type { ProducerRecord, RecordMetadata } from '../record.js';
import type { Serializer, SerializeFunction, SerializerName } from '../serializers.js';
import type { SecuritySettings } from '@tandem/shared-memory';
import type { OAuthBearerSource, OAuthBearerTokenProvider } from './security.js';

/** An integer, or a string of decimal digits as Java's properties give it (`'16384'`). */
export type IntegerLike = number | `${number}`;
/** A boolean, or `'true'` / `'false'` (any case) as Java's properties give it. */
export type BooleanLike = boolean | 'true' | 'false';

/**
 * `acks` as it may be written: `'all'` (= -1), -1, 0, 1, or their strings.
 * - 0: do not wait for the broker (no acknowledgement, no offsets, no retries that mean anything).
 * - 1: the leader wrote it to its log (lost if the leader dies before followers copy it).
 * - all / -1: every in-sync replica has it (the default since Kafka 3.0, KIP-679).
 */
export type AcksInput = 'all' | -1 | 0 | 1 | '-1' | '0' | '1';
/** `acks` normalized: -1 (all), 0 or 1. */
export type Acks = -1 | 0 | 1;

/** `compression.type` values (Java 4.x). */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** `security.protocol` values: TLS for SSL and SASL_SSL, SASL authentication for the SASL ones. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** Names of the built-in presets (see `presets.ts`). */
export type PresetName = 'throughput' | 'latency' | 'durable' | 'lowMemory' | 'exactlyOnce';

/**
 * How `partitioner.class` may be given:
 * - omitted, null or `'default'`: the built-in behaviour (murmur2 for keys, KIP-794 sticky for
 *   records without a key), as Java with no `partitioner.class`;
 * - `'round-robin'`, or Java's class name `'org.apache.kafka.clients.producer.RoundRobinPartitioner'`;
 * - a librdkafka partitioner name (`'murmur2_random'`, `'consistent_random'`, `'fnv1a'`, ...), to
 *   share keyed topics with librdkafka-based producers;
 * - your own {@link Partitioner} object, or a bare partition function.
 */
export type PartitionerInput<K = unknown, V = unknown> =
  | 'default'
  | 'round-robin'
  | 'org.apache.kafka.clients.producer.RoundRobinPartitioner'
  | KeyHashPartitionerName
  | Partitioner<K, V>
  | PartitionFunction<K, V>
  | null;

/**
 * How `key.serializer` / `value.serializer` may be given: a built-in name (`'string'`, `'bytes'`,
 * `'json'`, `'auto'`), one of Java's serializer class names that has a built-in equivalent
 * (`'org.apache.kafka.common.serialization.StringSerializer'`, `...ByteArraySerializer`), your own
 * {@link Serializer}, or a bare serialize function.
 */
export type SerializerInput<T = unknown> =
  | SerializerName
  | 'org.apache.kafka.common.serialization.StringSerializer'
  | 'org.apache.kafka.common.serialization.ByteArraySerializer'
  | Serializer<T>
  | SerializeFunction<T>;

/**
 * A producer interceptor: Java's `ProducerInterceptor` (`interceptor.classes`), given as objects
 * in `interceptors`. Every method is optional.
 *
 * As in Java: `onSend` runs in send() before serialization and partitioning and may return a
 * changed record; `onAcknowledgement` runs when a record completes, successfully or not, on the
 * application thread, and must be quick. An exception from either is caught and reported (not
 * thrown to the caller), so that one bad interceptor cannot break sends.
 */
export interface ProducerInterceptor<K = unknown, V = unknown> {
  /** Sees each record before it is serialized and partitioned; returns it, or a changed copy. */
  onSend?(record: ProducerRecord<K, V>): ProducerRecord<K, V>;
  /**
   * Told each record's outcome: `metadata` (null if the record failed before it had a
   * partition) and `error` (null on success).
   */
  onAcknowledgement?(metadata: RecordMetadata | null, error: Error | null): void;
  close?(): void | Promise<void>;
}

/**
 * The configuration an application gives the producer. Only `bootstrap.servers` is required;
 * every other key has Java's default. Validated once, at construction: an unknown key, a value of
 * the wrong type or out of range, or a combination Java refuses, is a ConfigError naming the key.
 *
 * @example
 * ```ts
 * const config: ProducerConfigInput = {
 *   'bootstrap.servers': 'broker1:9092,broker2:9092',
 *   preset: 'throughput',
 *   'linger.ms': 20,
 *   'value.serializer': 'json',
 * };
 * ```
 */
export interface ProducerConfigInput<K = unknown, V = unknown> {
  /**
   * Brokers to contact first, `host:port`, as a comma-separated string or a list. Used only to
   * discover the cluster; they need not be all the brokers. Required.
   */
  'bootstrap.servers': string | readonly string[];

  /**
   * Presets to start from (later ones win), under the keys given here. Their values count as set
   * explicitly. See `presets`.
   */
  preset?: PresetName | readonly PresetName[];

  /**
   * A name for this producer in broker logs, quotas and metrics. Default `producer-N` (N counts
   * producers in this process from 1), or `producer-<transactional.id>`.
   */
  'client.id'?: string;

  /** Acknowledgements to wait for before a send counts as done. Default `'all'`. See {@link AcksInput}. */
  acks?: AcksInput;

  /**
   * How long a batch waits for more records before it is sent, in ms. Default 5 (Kafka 4.0,
   * KIP-1030; 0 before). A little wait fills batches under load at almost no latency cost.
   * With 1 or more, while records keep coming the Sender looks for full batches every 1 ms
   * rather than being woken for each (a wake-up costs the application thread microseconds), so
   * a full batch may wait up to 1 ms; with 0 every new batch wakes the Sender at once.
   */
  'linger.ms'?: IntegerLike;

  /**
   * Upper bound of a batch (per partition) in bytes, and the sticky partitioner's switch
   * threshold. Default 16384. In Tandem it is also the size of a shared-memory slab. 0 means no
   * batching (one record per batch).
   */
  'batch.size'?: IntegerLike;

  /**
   * Bytes of memory for records waiting to be sent; send() waits for room (up to
   * `max.block.ms`) when it is full. Default 33554432 (32 MiB). In Tandem, the size of the
   * SharedArrayBuffer the slabs are cut from: must be at least `batch.size`.
   */
  'buffer.memory'?: IntegerLike;

  /** Codec for whole batches. Default `'none'`. */
  'compression.type'?: CompressionType;
  /** gzip level, 1-9, or -1 for zlib's default. Default -1. (KIP-390) */
  'compression.gzip.level'?: IntegerLike;
  /**
   * lz4 level (KIP-390). Only 9, the default, is accepted: Java's level 9 is LZ4's fast
   * compressor, the one lz4-napi has; Java's other levels use LZ4 HC, which it has not.
   */
  'compression.lz4.level'?: IntegerLike;
  /** zstd level, -131072 to 22. Default 3. (KIP-390) */
  'compression.zstd.level'?: IntegerLike;

  /**
   * How long send() may wait for topic metadata or buffer memory, and the transactional calls for
   * the coordinator, in ms. Default 60000. Tandem never blocks the event loop: the wait is
   * asynchronous, and the send fails with a TimeoutError after this time.
   */
  'max.block.ms'?: IntegerLike;

  /**
   * Largest request in bytes; also caps a record and an uncompressed batch. Default 1048576.
   * Keep it at or below the broker's `message.max.bytes`.
   */
  'max.request.size'?: IntegerLike;

  /** How long to wait for a broker's response before retrying, in ms. Default 30000. */
  'request.timeout.ms'?: IntegerLike;

  /**
   * Upper bound from send() returning to the record's outcome (success or error), retries
   * included, in ms. Default 120000. Must be at least `linger.ms` + `request.timeout.ms`.
   */
  'delivery.timeout.ms'?: IntegerLike;

  /** Retries of a failed batch; in practice `delivery.timeout.ms` bounds them. Default 2147483647. */
  retries?: IntegerLike;
  /** First retry backoff in ms; doubles per attempt with ±20 % jitter. Default 100. */
  'retry.backoff.ms'?: IntegerLike;
  /** Cap of the retry backoff in ms. Default 1000. (KIP-580) */
  'retry.backoff.max.ms'?: IntegerLike;

  /**
   * Requests in flight per broker connection. Default 5, at least 1; at most 5 with idempotence
   * (the broker remembers the last 5 batches per producer and partition).
   */
  'max.in.flight.requests.per.connection'?: IntegerLike;

  /**
   * Exactly-once writes per partition: no duplicates on retry, order kept. Default true, but
   * turned off silently by `acks` other than all or `retries` = 0, unless set to true explicitly
   * (then those are a ConfigError), as in Java.
   */
  'enable.idempotence'?: BooleanLike;

  /** Enables transactions under this id (non-empty; needs idempotence). Default none. */
  'transactional.id'?: string | null;
  /** Longest a transaction may stay open before the coordinator aborts it, in ms. Default 60000. */
  'transaction.timeout.ms'?: IntegerLike;

  /** Refresh metadata at least this often, in ms. Default 300000. */
  'metadata.max.age.ms'?: IntegerLike;
  /** Forget a topic's metadata after this long without sends, in ms (at least 5000). Default 300000. */
  'metadata.max.idle.ms'?: IntegerLike;

  /** Which partition each record goes to. Default: the built-in behaviour. See {@link PartitionerInput}. */
  'partitioner.class'?: PartitionerInput<K, V>;
  /**
   * Let the built-in sticky partitioner lean away from partitions whose queues are long (slow
   * brokers): when it picks its next partition, one with fewer batches in progress (open, queued
   * or awaiting the broker's answer) is likelier. Default true. Ignored with a
   * `partitioner.class`.
   */
  'partitioner.adaptive.partitioning.enable'?: BooleanLike;
  /**
   * With adaptive partitioning: stop choosing a partition that has had batches in progress and
   * none completed for this long, in ms: its leader is not taking or not answering produce
   * requests (Java: data ready and not drained for this long). Default 0 (off).
   */
  'partitioner.availability.timeout.ms'?: IntegerLike;
  /**
   * Send keyed records through the sticky partitioner too (keys then do not choose partitions).
   * Default false. Ignored with a `partitioner.class`.
   */
  'partitioner.ignore.keys'?: BooleanLike;

  /** How keys become bytes. Default `'auto'` (string as UTF-8, bytes as is). */
  'key.serializer'?: SerializerInput<K>;
  /** How values become bytes. Default `'auto'` (string as UTF-8, bytes as is). */
  'value.serializer'?: SerializerInput<V>;

  /** Interceptors, called in order (Java's `interceptor.classes`, as objects). Default none. */
  interceptors?: readonly ProducerInterceptor<K, V>[];

  /**
   * Socket send buffer (SO_SNDBUF). Node.js cannot set it: the OS default is used, and only -1
   * is accepted. (Java's default is 131072, which the resolved config reports.)
   */
  'send.buffer.bytes'?: IntegerLike;
  /**
   * Socket receive buffer (SO_RCVBUF). Node.js cannot set it: the OS default is used, and only
   * -1 is accepted. (Java's default is 32768, which the resolved config reports.)
   */
  'receive.buffer.bytes'?: IntegerLike;
  /** Close connections idle this long, in ms; -1 never. Default 540000. */
  'connections.max.idle.ms'?: IntegerLike;
  /**
   * First wait before reconnecting to a broker, in ms; doubles with ±20 % jitter. Default 50. If
   * set without `reconnect.backoff.max.ms`, the backoff stays at this value (as in Java).
   */
  'reconnect.backoff.ms'?: IntegerLike;
  /** Cap of the reconnect backoff, in ms. Default 1000. */
  'reconnect.backoff.max.ms'?: IntegerLike;
  /** First timeout for a connection to be established, in ms; grows per failure. Default 10000. */
  'socket.connection.setup.timeout.ms'?: IntegerLike;
  /** Cap of the connection setup timeout, in ms. Default 30000. */
  'socket.connection.setup.timeout.max.ms'?: IntegerLike;

  /**
   * How connections to brokers are made: `'PLAINTEXT'` (default), `'SSL'` (TLS),
   * `'SASL_PLAINTEXT'` (SASL authentication, no TLS) or `'SASL_SSL'` (both).
   */
  'security.protocol'?: SecurityProtocol;
  /**
   * SASL mechanism: `'PLAIN'`, `'SCRAM-SHA-256'` or `'SCRAM-SHA-512'`. Required with a SASL
   * security.protocol (Java's default, GSSAPI, is not implemented).
   */
  'sasl.mechanism'?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  /**
   * The credentials, as Java takes them:
   * `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="secret";`
   * (ScramLoginModule for SCRAM).
   */
  'sasl.jaas.config'?: string;
  /** The SASL user name, instead of sasl.jaas.config (librdkafka's key). */
  'sasl.username'?: string;
  /** The SASL password, with sasl.username. */
  'sasl.password'?: string;
  /**
   * OAUTHBEARER: a function that returns a token (a string, or `{ value, lifetimeMs?,
   * extensions? }`, or a promise of either), called on this thread when a connection needs one
   * and the last is 80% through its life. Tandem's own key (Java takes a callback handler class).
   *
   * @example
   * ```ts
   * 'sasl.mechanism': 'OAUTHBEARER',
   * 'sasl.oauthbearer.token.provider': async () => (await identity.getToken('kafka')).token,
   * ```
   */
  'sasl.oauthbearer.token.provider'?: OAuthBearerTokenProvider;
  /**
   * OAUTHBEARER with an OAuth 2 token endpoint (Java's KIP-768 client credentials flow):
   * sasl.jaas.config gives clientId, clientSecret and optionally scope and extension_<name>.
   */
  'sasl.oauthbearer.token.endpoint.url'?: string;
  /**
   * Accepted only as Java's OAuthBearerLoginCallbackHandler with a token endpoint (so that Java
   * configurations carry over); Tandem has no callback handler classes.
   */
  'sasl.login.callback.handler.class'?: string;
  /** `'PEM'`: the only trust store type Node.js reads (JKS and PKCS12 are refused with the reason). */
  'ssl.truststore.type'?: 'PEM';
  /** A PEM file of the CA certificates that sign the brokers' certificates. Default: Node.js's CA list. */
  'ssl.truststore.location'?: string;
  /** Not for PEM trust stores (refused if set). */
  'ssl.truststore.password'?: string;
  /** The CA certificates as PEM text, instead of ssl.truststore.location. */
  'ssl.truststore.certificates'?: string;
  /** `'PEM'` (default) or `'PKCS12'`, for the client's own certificate (mutual TLS). */
  'ssl.keystore.type'?: 'PEM' | 'PKCS12';
  /** A PEM file with the client's private key and certificate chain, or a PKCS#12 file. */
  'ssl.keystore.location'?: string;
  /** Password of a PKCS#12 keystore (or of an encrypted PEM key without ssl.key.password). */
  'ssl.keystore.password'?: string;
  /** Password of the client's private key. */
  'ssl.key.password'?: string;
  /** The client's certificate chain as PEM text, with ssl.keystore.key. */
  'ssl.keystore.certificate.chain'?: string;
  /** The client's private key as PEM text, with ssl.keystore.certificate.chain. */
  'ssl.keystore.key'?: string;
  /** `'https'` (default: the broker's certificate must name the host connected to) or `''` (no check). */
  'ssl.endpoint.identification.algorithm'?: 'https' | '' | null;
  /** `'TLSv1.3'` (default) or `'TLSv1.2'` (caps the version), or `'TLS'`. */
  'ssl.protocol'?: 'TLSv1.2' | 'TLSv1.3' | 'TLS';
  /** TLS versions offered: `'TLSv1.2,TLSv1.3'` (default), a comma-separated string or a list. */
  'ssl.enabled.protocols'?: string | readonly string[];
}

/** A bootstrap server, parsed. */
export interface BrokerAddress {
  /** Host name or IP address (an IPv6 address without brackets). */
  readonly host: string;
  readonly port: number;
}

/**
 * The validated, normalized configuration the runtime reads: every key present, numbers as
 * numbers, enums normalized, objects resolved. Frozen.
 *
 * Times are ms as given; they may exceed what `setTimeout` accepts (2^31 - 1 ms): the runtime
 * must clamp its timers.
 */
export interface ResolvedProducerConfig<K = unknown, V = unknown> {
  readonly 'bootstrap.servers': readonly BrokerAddress[];
  readonly 'client.id': string;
  readonly acks: Acks;
  readonly 'linger.ms': number;
  readonly 'batch.size': number;
  readonly 'buffer.memory': number;
  readonly 'compression.type': CompressionType;
  readonly 'compression.gzip.level': number;
  readonly 'compression.lz4.level': number;
  readonly 'compression.zstd.level': number;
  readonly 'max.block.ms': number;
  readonly 'max.request.size': number;
  readonly 'request.timeout.ms': number;
  /** Possibly raised to `linger.ms` + `request.timeout.ms` when it was not set (Java does the same). */
  readonly 'delivery.timeout.ms': number;
  readonly retries: number;
  readonly 'retry.backoff.ms': number;
  readonly 'retry.backoff.max.ms': number;
  readonly 'max.in.flight.requests.per.connection': number;
  /** Whether the producer IS idempotent (after Java's rules), not merely what was asked. */
  readonly 'enable.idempotence': boolean;
  readonly 'transactional.id': string | null;
  readonly 'transaction.timeout.ms': number;
  readonly 'metadata.max.age.ms': number;
  readonly 'metadata.max.idle.ms': number;
  /** The custom or named partitioner, or null for the built-in behaviour. */
  readonly 'partitioner.class': Partitioner<K, V> | null;
  readonly 'partitioner.adaptive.partitioning.enable': boolean;
  readonly 'partitioner.availability.timeout.ms': number;
  readonly 'partitioner.ignore.keys': boolean;
  readonly 'key.serializer': Serializer<K>;
  readonly 'value.serializer': Serializer<V>;
  readonly interceptors: readonly ProducerInterceptor<K, V>[];
  readonly 'send.buffer.bytes': number;
  readonly 'receive.buffer.bytes': number;
  readonly 'connections.max.idle.ms': number;
  readonly 'reconnect.backoff.ms': number;
  readonly 'reconnect.backoff.max.ms': number;
  readonly 'socket.connection.setup.timeout.ms': number;
  readonly 'socket.connection.setup.timeout.max.ms': number;
  readonly 'security.protocol': SecurityProtocol;
  /** security.protocol with the TLS and SASL settings it uses, files read (for the Sender). */
  readonly security: SecuritySettings;
  /** With sasl.mechanism OAUTHBEARER: where tokens come from (this thread only); else null. */
  readonly oauthBearer: OAuthBearerSource | null;
  /** The presets applied, in order. */
  readonly presets: readonly PresetName[];
  /** The keys set explicitly, by the application or a preset (Java's `originals()`). */
  readonly explicitKeys: ReadonlySet<string>;
}
