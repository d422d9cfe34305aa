/**
 * The producer's config keys: their kinds, defaults and allowed ranges, in one table (Java's
 * `ConfigDef` in `ProducerConfig`), plus the Java keys Tandem knows but does not support.
 *
 * Source of truth for defaults and ranges: kafka-clients 4.x `ProducerConfig.configDef()` and
 * `CommonClientConfigs` (checked against the 4.4.0 jar). INT keys are Java ints (up to
 * 2^31 - 1); LONG keys are capped at `Number.MAX_SAFE_INTEGER`.
 */

/** Largest Java `int`. */
export const INT_MAX = 2147483647;
/** Smallest Java `int`. */
export const INT_MIN = -2147483648;

/** An integer key: Java INT or LONG, with its inclusive range and extra allowed values. */
export interface IntegerKeyDef {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Values allowed outside [min, max] (gzip's -1). */
  readonly also?: readonly number[];
}

/** A boolean key. */
export interface BooleanKeyDef {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** A key whose value is one of a few strings. */
export interface EnumKeyDef {
  readonly kind: 'enum';
  readonly default: string;
  readonly values: readonly string[];
  /** Java compares some enums ignoring case (security.protocol), most exactly. */
  readonly ignoreCase?: boolean;
}

/** A key parsed by its own code in `resolve.ts` (lists, objects, cross-checked values). */
export interface SpecialKeyDef {
  readonly kind: 'special';
}

/** One config key's definition. */
export type KeyDef = IntegerKeyDef | BooleanKeyDef | EnumKeyDef | SpecialKeyDef;

const int = (def: number, min: number, max = INT_MAX, also?: readonly number[]): IntegerKeyDef =>
  also ? { kind: 'integer', default: def, min, max, also } : { kind: 'integer', default: def, min, max };
const long = (def: number, min: number): IntegerKeyDef => ({
  kind: 'integer',
  default: def,
  min,
  max: Number.MAX_SAFE_INTEGER,
});
const bool = (def: boolean): BooleanKeyDef => ({ kind: 'boolean', default: def });
const special: SpecialKeyDef = { kind: 'special' };

/**
 * Every key Tandem accepts, with Java 4.x defaults and ranges. `preset` and `interceptors` are
 * Tandem's own (Java has no presets, and takes interceptor class names in `interceptor.classes`).
 */
export const PRODUCER_CONFIG_KEYS = {
  'bootstrap.servers': special,
  preset: special,
  'client.id': special,
  acks: special,
  'linger.ms': long(5, 0),
  'batch.size': int(16384, 0),
  'buffer.memory': long(33554432, 0),
  'compression.type': { kind: 'enum', default: 'none', values: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] },
  'compression.gzip.level': int(-1, 1, 9, [-1]),
  'compression.lz4.level': int(9, 1, 17),
  'compression.zstd.level': int(3, -131072, 22),
  'max.block.ms': long(60000, 0),
  'max.request.size': int(1048576, 0),
  'request.timeout.ms': int(30000, 0),
  'delivery.timeout.ms': int(120000, 0),
  retries: int(INT_MAX, 0),
  'retry.backoff.ms': long(100, 0),
  'retry.backoff.max.ms': long(1000, 0),
  'max.in.flight.requests.per.connection': int(5, 1),
  'enable.idempotence': bool(true),
  'transactional.id': special,
  // Java has no range for it (the broker checks it); a timeout below 1 ms is a mistake, so Tandem
  // refuses it at construction rather than at initTransactions().
  'transaction.timeout.ms': int(60000, 1),
  'metadata.max.age.ms': long(300000, 0),
  'metadata.max.idle.ms': long(300000, 5000),
  'partitioner.class': special,
  'partitioner.adaptive.partitioning.enable': bool(true),
  'partitioner.availability.timeout.ms': long(0, 0),
  'partitioner.ignore.keys': bool(false),
  'key.serializer': special,
  'value.serializer': special,
  interceptors: special,
  'send.buffer.bytes': int(131072, -1),
  'receive.buffer.bytes': int(32768, -1),
  // Java accepts any long; negative means never close. Tandem keeps -1 as the one spelling.
  'connections.max.idle.ms': long(540000, -1),
  'reconnect.backoff.ms': long(50, 0),
  'reconnect.backoff.max.ms': long(1000, 0),
  'socket.connection.setup.timeout.ms': long(10000, 0),
  'socket.connection.setup.timeout.max.ms': long(30000, 0),
  'security.protocol': {
    kind: 'enum',
    default: 'PLAINTEXT',
    values: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    ignoreCase: true,
  },
  // TLS and SASL: checked together in security.ts.
  'sasl.mechanism': special,
  'sasl.jaas.config': special,
  // librdkafka's names, a simpler way to give SASL credentials than a JAAS string.
  'sasl.username': special,
  'sasl.password': special,
  // Tandem's own: a function giving OAUTHBEARER tokens (Java takes a callback handler class).
  'sasl.oauthbearer.token.provider': special,
  'sasl.oauthbearer.token.endpoint.url': special,
  'sasl.login.callback.handler.class': special,
  'ssl.truststore.type': special,
  'ssl.truststore.location': special,
  'ssl.truststore.password': special,
  'ssl.truststore.certificates': special,
  'ssl.keystore.type': special,
  'ssl.keystore.location': special,
  'ssl.keystore.password': special,
  'ssl.key.password': special,
  'ssl.keystore.certificate.chain': special,
  'ssl.keystore.key': special,
  'ssl.endpoint.identification.algorithm': special,
  'ssl.protocol': special,
  'ssl.enabled.protocols': special,
} as const satisfies Record<string, KeyDef>;

/** A key Tandem accepts. */
export type ProducerConfigKey = keyof typeof PRODUCER_CONFIG_KEYS;

/** Every accepted key, in the table's order. */
export const PRODUCER_CONFIG_KEY_NAMES = Object.keys(PRODUCER_CONFIG_KEYS) as ProducerConfigKey[];

const NOT_YET = 'Tandem does not implement it yet.';
const JAVA_TLS = "It configures Java's TLS implementation (JSSE); Node.js uses OpenSSL.";
const METRICS = "Tandem has no metric reporters: read producer.metrics() instead.";

/**
 * Keys of the Java producer that Tandem recognizes but does not support, with the reason. Setting
 * one is a ConfigError rather than being ignored: a setting silently dropped (say, a cipher
 * list) is worse than a refusal. Other `ssl.*` and `sasl.*` keys are refused the same way.
 */
export const UNSUPPORTED_JAVA_KEYS: Readonly<Record<string, string>> = {
  'interceptor.classes': "Tandem takes interceptor objects: use 'interceptors'.",
  'metric.reporters': METRICS,
  'metrics.num.samples': METRICS,
  'metrics.recording.level': METRICS,
  'metrics.sample.window.ms': METRICS,
  'enable.metrics.push': METRICS,
  'client.dns.lookup': "Tandem resolves broker names with Node's resolver and tries every address.",
  'client.rack': 'Rack-aware partitioning (KIP-1123) is not implemented.',
  'partitioner.rack.aware': 'Rack-aware partitioning (KIP-1123) is not implemented.',
  'config.providers': 'Config providers are a Java mechanism; resolve values before passing them.',
  'security.providers': 'Security providers are a Java mechanism.',
  'buffer.memory.allocation.strategy': "Tandem allocates 'buffer.memory' once, as one SharedArrayBuffer.",
  'bootstrap.resolve.timeout.ms': NOT_YET,
  'metadata.recovery.strategy': NOT_YET,
  'metadata.recovery.rebootstrap.trigger.ms': NOT_YET,
  'metadata.cluster.check.enable': NOT_YET,
  'transaction.two.phase.commit.enable': 'Two-phase commit transactions (KIP-939) are not implemented.',
  'ssl.cipher.suites': 'Node.js names cipher suites as OpenSSL does, not as Java does: leave it unset (Node.js offers only strong suites).',
  'ssl.provider': JAVA_TLS,
  'ssl.keymanager.algorithm': JAVA_TLS,
  'ssl.trustmanager.algorithm': JAVA_TLS,
  'ssl.secure.random.implementation': JAVA_TLS,
  'ssl.engine.factory.class': JAVA_TLS,
  'sasl.client.callback.handler.class': 'Callback handlers are a Java mechanism: give the credentials in sasl.jaas.config.',
  'sasl.login.class': 'Login classes are a Java mechanism: give the credentials in sasl.jaas.config.',
};

/** Why a recognized-but-unsupported key is refused, or undefined if the key is not one. */
export function unsupportedKeyReason(key: string): string | undefined {
  const reason = UNSUPPORTED_JAVA_KEYS[key];
  if (reason !== undefined) return reason;
  if (key.startsWith('sasl.kerberos.')) return 'Kerberos (GSSAPI) is not implemented: use PLAIN or SCRAM.';
  if (key.startsWith('sasl.oauthbearer.') || key.startsWith('sasl.login.')) {
    return "Tandem's OAUTHBEARER takes 'sasl.oauthbearer.token.provider' (a function) or 'sasl.oauthbearer.token.endpoint.url' with clientId, clientSecret and scope in 'sasl.jaas.config'; it has no Java login or broker-side validation settings.";
  }
  if (key.startsWith('ssl.') || key.startsWith('sasl.')) {
    return 'Tandem implements TLS with ssl.truststore.*, ssl.keystore.*, ssl.key.password, ssl.endpoint.identification.algorithm, ' +
      'ssl.protocol and ssl.enabled.protocols, and SASL with sasl.mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER) and sasl.jaas.config.';
  }
  return undefined;
}

/**
 * Names people write for these settings in other clients (KafkaJS, librdkafka), mapped to
 * Kafka's key, for the "did you mean" of an unknown key.
 */
const ALIASES: Readonly<Record<string, ProducerConfigKey>> = {
  brokers: 'bootstrap.servers',
  broker: 'bootstrap.servers',
  bootstrap: 'bootstrap.servers',
  servers: 'bootstrap.servers',
  'metadata.broker.list': 'bootstrap.servers',
  compression: 'compression.type',
  'compression.codec': 'compression.type',
  'compression.level': 'compression.zstd.level',
  idempotent: 'enable.idempotence',
  idempotence: 'enable.idempotence',
  'enable.idempotent': 'enable.idempotence',
  maxinflightrequests: 'max.in.flight.requests.per.connection',
  'max.in.flight': 'max.in.flight.requests.per.connection',
  'queue.buffering.max.ms': 'linger.ms',
  'queue.buffering.max.kbytes': 'buffer.memory',
  'message.max.bytes': 'max.request.size',
  'message.timeout.ms': 'delivery.timeout.ms',
  'request.required.acks': 'acks',
  'batch.num.messages': 'batch.size',
  partitioner: 'partitioner.class',
  createpartitioner: 'partitioner.class',
  timeout: 'request.timeout.ms',
  retry: 'retries',
  transactionalid: 'transactional.id',
  transactiontimeout: 'transaction.timeout.ms',
};

/**
 * The accepted key nearest to an unknown one, for "did you mean": same letters ignoring case and
 * punctuation (`lingerMs` -> `linger.ms`), a known alias from KafkaJS or librdkafka
 * (`brokers` -> `bootstrap.servers`), or the closest by edit distance if close enough.
 *
 * @returns the suggestion, or undefined if nothing is close.
 */
export function suggestKey(unknown: string): ProducerConfigKey | undefined {
  const alias = ALIASES[unknown] ?? ALIASES[unknown.toLowerCase()] ?? ALIASES[squash(unknown)];
  if (alias !== undefined) return alias;
  const target = squash(unknown);
  if (target.length === 0) return undefined;
  let best: ProducerConfigKey | undefined;
  let bestDistance = Infinity;
  for (const key of PRODUCER_CONFIG_KEY_NAMES) {
    const candidate = squash(key);
    if (candidate === target) return key;
    const distance = editDistance(target, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = key;
    }
  }
  // Allow about one typo per four letters, and at least two.
  return bestDistance <= Math.max(2, Math.floor(target.length / 4)) ? best : undefined;
}

/** Lower case, letters and digits only: `'Linger_Ms'` and `'linger.ms'` both give `'lingerms'`. */
function squash(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Levenshtein distance (insert, delete, substitute), two rows. */
function editDistance(a: string, b: string): number {
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}
