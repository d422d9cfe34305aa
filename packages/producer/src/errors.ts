/**
 * Every error Tandem's producer raises, in one module (as undici keeps its errors in
 * `lib/core/errors.js`).
 *
 * All of them extend {@link KafkaError}. Match on {@link KafkaError.code}, a stable
 * machine-readable string (`'ERR_TANDEM_TIMEOUT'`...), or on the subclass with `instanceof`;
 * never on message text, which may be reworded. When the error comes from a broker,
 * {@link KafkaError.kafkaErrorName} and {@link KafkaError.kafkaErrorCode} carry Kafka's own
 * name and number (`'NOT_ENOUGH_REPLICAS'`, 19), the vocabulary of Kafka's protocol guide and of
 * the Java client's `Errors` enum.
 *
 * Messages say what happened, to which topic-partition, and which setting to look at.
 *
 * @example
 * ```ts
 * try {
 *   await producer.send({ topic: 'orders', value });
 * } catch (err) {
 *   if (err instanceof RecordTooLargeError) console.error(err.setting, err.limit, err.size);
 *   else if (err instanceof KafkaError && err.fatal) await producer.close();
 *   else throw err;
 * }
 * ```
 */

import { findKafkaError, kafkaErrorByCode } from '@tandem/protocol';

/** Stable machine-readable codes of the errors in this module (`KafkaError.code`). */
export type TandemErrorCode =
  /** An error the broker returned that has no more specific class (see `kafkaErrorName`). */
  | 'ERR_TANDEM_KAFKA'
  /** The configuration given to the producer is invalid: {@link ConfigError}. */
  | 'ERR_TANDEM_CONFIG'
  /** An operation did not finish in time: {@link TimeoutError}. */
  | 'ERR_TANDEM_TIMEOUT'
  /** A record or batch is larger than a limit: {@link RecordTooLargeError}. */
  | 'ERR_TANDEM_RECORD_TOO_LARGE'
  /** A key or value serializer failed: {@link SerializationError}. */
  | 'ERR_TANDEM_SERIALIZATION'
  /** The principal is not allowed to do this: {@link AuthorizationError}. */
  | 'ERR_TANDEM_AUTHORIZATION'
  /** TLS or SASL refused the connection: {@link AuthenticationError}. */
  | 'ERR_TANDEM_AUTHENTICATION'
  /** The topic name is not valid: {@link InvalidTopicError}. */
  | 'ERR_TANDEM_INVALID_TOPIC'
  /** The partition asked for, or returned by a partitioner, does not exist: {@link InvalidPartitionError}. */
  | 'ERR_TANDEM_INVALID_PARTITION'
  /** Another producer with the same transactional.id took over: {@link ProducerFencedError}. */
  | 'ERR_TANDEM_PRODUCER_FENCED'
  /** The broker saw a gap in this producer's sequence numbers: {@link OutOfOrderSequenceError}. */
  | 'ERR_TANDEM_OUT_OF_ORDER_SEQUENCE'
  /** The producer was closed, or its Sender worker stopped: {@link ProducerClosedError}. */
  | 'ERR_TANDEM_PRODUCER_CLOSED'
  /** A call not allowed in the producer's transactional state: {@link IllegalStateError}. */
  | 'ERR_TANDEM_ILLEGAL_STATE'
  /** The transaction failed and can only be aborted: {@link TransactionAbortableError}. */
  | 'ERR_TANDEM_TRANSACTION_ABORTABLE'
  /** The record's transaction was aborted before it was sent: {@link TransactionAbortedError}. */
  | 'ERR_TANDEM_TRANSACTION_ABORTED';

/** What a {@link KafkaError} may say about where and why it happened. */
export interface KafkaErrorOptions {
  /** Kafka's error number, when the error came back from a broker. */
  readonly kafkaErrorCode?: number;
  /** Kafka's error name (`'NOT_LEADER_OR_FOLLOWER'`), when the error came back from a broker. */
  readonly kafkaErrorName?: string;
  /** Whether retrying the same operation may succeed. Defaults to false. */
  readonly retriable?: boolean;
  /**
   * Whether the producer can no longer be used: every later send fails the same way and the
   * only thing left to do is `close()`. Defaults to false.
   */
  readonly fatal?: boolean;
  /** The topic the error is about, if any. */
  readonly topic?: string;
  /** The partition the error is about, if any. */
  readonly partition?: number;
  /** The underlying error, if this one wraps another. */
  readonly cause?: unknown;
}

/**
 * The base class of every error the producer raises.
 *
 * `retriable` and `fatal` follow the Java client: a retriable error (Java's
 * `RetriableException`) is one the producer itself retries until `delivery.timeout.ms`, so a
 * user sees it only once that time is spent; a fatal one (Java's `ProducerFencedException`,
 * authorization failures of the cluster or the transactional id, ...) puts the producer in a
 * state where every later operation fails.
 */
export class KafkaError extends Error {
  override name = 'KafkaError';
  /** Stable machine-readable code: match on this, not on the message. */
  readonly code: TandemErrorCode;
  /** Kafka's error number when the broker returned this error, else undefined. */
  readonly kafkaErrorCode: number | undefined;
  /** Kafka's error name when the broker returned this error, else undefined. */
  readonly kafkaErrorName: string | undefined;
  /** Whether retrying the same operation may succeed. */
  readonly retriable: boolean;
  /** Whether the producer is unusable after this error. */
  readonly fatal: boolean;
  /** The topic the error is about, if any. */
  readonly topic: string | undefined;
  /** The partition the error is about, if any. */
  readonly partition: number | undefined;

  constructor(code: TandemErrorCode, message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kafkaErrorCode = options.kafkaErrorCode;
    this.kafkaErrorName = options.kafkaErrorName;
    this.retriable = options.retriable ?? false;
    this.fatal = options.fatal ?? false;
    this.topic = options.topic;
    this.partition = options.partition;
  }
}

/**
 * The producer's configuration is invalid. Raised by the constructor (validation happens once,
 * at construction, as Java's `ConfigException`), never later by a send.
 *
 * `key` names the setting, `value` is what was given and `allowed` says what would be accepted.
 */
export class ConfigError extends KafkaError {
  override name = 'ConfigError';
  /** The config key at fault, e.g. `'linger.ms'`. */
  readonly key: string;
  /** The value that was given (undefined when the key was missing). */
  readonly value: unknown;
  /** What the key accepts, in words: `'an integer from 0 to 2147483647'`. */
  readonly allowed: string;

  /**
   * @param key - the config key at fault.
   * @param value - the value given.
   * @param allowed - what would be accepted, in words.
   * @param detail - an optional sentence of why, or what to do instead.
   * @param message - replaces the whole message (for errors that are not about one bad value,
   *   like an unknown key); `key`, `value` and `allowed` are still set.
   */
  constructor(key: string, value: unknown, allowed: string, detail?: string, message?: string) {
    super(
      'ERR_TANDEM_CONFIG',
      message ??
        `Invalid value ${describeValue(value)} for configuration '${key}': expected ${allowed}.` +
          (detail ? ` ${detail}` : ''),
    );
    this.key = key;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Which setting bounded the operation that timed out. */
export type TimeoutSetting =
  | 'max.block.ms'
  | 'delivery.timeout.ms'
  | 'request.timeout.ms'
  | 'transaction.timeout.ms'
  | 'socket.connection.setup.timeout.ms';

/**
 * An operation did not finish in time: a send that waited `max.block.ms` for metadata or buffer
 * memory, a batch not acknowledged within `delivery.timeout.ms`, a request not answered within
 * `request.timeout.ms`. Java's `TimeoutException`; retriable in Kafka's sense.
 */
export class TimeoutError extends KafkaError {
  override name = 'TimeoutError';
  /** The setting whose time ran out; raise it, or find why the cluster was slow. */
  readonly setting: TimeoutSetting | undefined;
  /** The time waited, in milliseconds. */
  readonly timeoutMs: number | undefined;

  constructor(
    message: string,
    options: KafkaErrorOptions & { setting?: TimeoutSetting; timeoutMs?: number } = {},
  ) {
    super('ERR_TANDEM_TIMEOUT', message, { retriable: true, ...options });
    this.setting = options.setting;
    this.timeoutMs = options.timeoutMs;
  }
}

/** Which limit a {@link RecordTooLargeError} broke. */
export type RecordSizeLimit =
  /** The producer's own cap on a request (and so on a record). */
  | 'max.request.size'
  /** The producer's whole buffer: a record bigger than it can never be buffered. */
  | 'buffer.memory'
  /** The broker's cap (broker `message.max.bytes`, topic `max.message.bytes`). */
  | 'message.max.bytes';

/**
 * A record (or a batch of one record) is larger than a limit. Raised at once by send() when the
 * serialized record exceeds `max.request.size` or `buffer.memory` (Java's
 * `KafkaProducer.ensureValidRecordSize`), or when the broker answers MESSAGE_TOO_LARGE for a
 * batch that cannot be split further.
 */
export class RecordTooLargeError extends KafkaError {
  override name = 'RecordTooLargeError';
  /** The limit broken: raise it, or send smaller records. */
  readonly setting: RecordSizeLimit;
  /** The limit, in bytes, when known. */
  readonly limit: number | undefined;
  /** The size of the record, in bytes, when known. */
  readonly size: number | undefined;

  constructor(
    message: string,
    options: KafkaErrorOptions & { setting: RecordSizeLimit; limit?: number; size?: number },
  ) {
    super('ERR_TANDEM_RECORD_TOO_LARGE', message, options);
    this.setting = options.setting;
    this.limit = options.limit;
    this.size = options.size;
  }

  /**
   * The error send() raises for a record over a producer-side limit, with Java's wording.
   *
   * @param topic - the record's topic.
   * @param size - the serialized record size in bytes.
   * @param setting - the limit broken.
   * @param limit - the limit's value in bytes.
   */
  static forRecord(
    topic: string,
    size: number,
    setting: 'max.request.size' | 'buffer.memory',
    limit: number,
  ): RecordTooLargeError {
    const which =
      setting === 'max.request.size'
        ? `larger than the maximum request size (max.request.size = ${limit})`
        : `larger than the total memory buffer (buffer.memory = ${limit})`;
    return new RecordTooLargeError(
      `The record to topic '${topic}' is ${size} bytes when serialized, which is ${which}. ` +
        `Raise '${setting}' or send a smaller record.`,
      { topic, setting, limit, size },
    );
  }
}

/** Which part of a record a serializer was working on. */
export type SerializedPart = 'key' | 'value';

/**
 * A key or value serializer threw, or returned something other than a Uint8Array or null.
 * The original error is the `cause`. Java's `SerializationException`.
 */
export class SerializationError extends KafkaError {
  override name = 'SerializationError';
  /** Whether the key or the value failed. */
  readonly part: SerializedPart;

  constructor(topic: string, part: SerializedPart, reason: string, cause?: unknown) {
    super(
      'ERR_TANDEM_SERIALIZATION',
      `Could not serialize the ${part} of a record to topic '${topic}': ${reason}. ` +
        `Check '${part}.serializer' and the ${part} passed to send().`,
      { topic, cause },
    );
    this.part = part;
  }
}

/** What an {@link AuthorizationError} was about. */
export type AuthorizationResource = 'topic' | 'cluster' | 'transactional-id' | 'group';

/**
 * The principal the producer authenticates as is not allowed to do this: write to a topic
 * (TOPIC_AUTHORIZATION_FAILED), act on the cluster, e.g. to get an idempotent producer id
 * (CLUSTER_AUTHORIZATION_FAILED), use a transactional.id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) or commit offsets for a group
 * (GROUP_AUTHORIZATION_FAILED). Cluster and transactional-id failures are fatal, as in Java.
 */
export class AuthorizationError extends KafkaError {
  override name = 'AuthorizationError';
  /** The kind of resource refused. */
  readonly resource: AuthorizationResource;
  /** The resource's name: the topic, transactional id or group; undefined for the cluster. */
  readonly resourceName: string | undefined;

  constructor(
    message: string,
    options: KafkaErrorOptions & { resource: AuthorizationResource; resourceName?: string },
  ) {
    super('ERR_TANDEM_AUTHORIZATION', message, options);
    this.resource = options.resource;
    this.resourceName = options.resourceName;
  }
}

/**
 * A connection to a broker could not be authenticated: the TLS handshake failed (the broker's
 * certificate is not signed by a trusted CA or does not name the host, or the broker wanted a
 * client certificate), or SASL authentication did (wrong user name or password, a mechanism the
 * listener does not enable). Java's `AuthenticationException` (`SslAuthenticationException`,
 * `SaslAuthenticationException`): not retriable, since the same settings fail the same way;
 * sends waiting for a topic's metadata fail with it at once instead of after max.block.ms. The
 * message says what the broker or TLS said; check `security.protocol` and the `ssl.*` and
 * `sasl.*` settings.
 */
export class AuthenticationError extends KafkaError {
  override name = 'AuthenticationError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_AUTHENTICATION', message, options);
  }
}

/**
 * The topic name is not valid (empty, too long, illegal characters) or the broker refused it
 * (INVALID_TOPIC_EXCEPTION, e.g. writing to an internal topic).
 */
export class InvalidTopicError extends KafkaError {
  override name = 'InvalidTopicError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_INVALID_TOPIC', message, options);
  }
}

/**
 * A record asked for a partition the topic does not have, or a custom partitioner returned one.
 * Java raises a plain `KafkaException` / `IllegalArgumentException` here; Tandem gives it a class
 * so it can be told apart.
 */
export class InvalidPartitionError extends KafkaError {
  override name = 'InvalidPartitionError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_INVALID_PARTITION', message, options);
  }
}

/**
 * Another producer with the same `transactional.id` (or a newer epoch of this producer id) has
 * taken over: PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH from the transaction coordinator.
 * Always fatal, as Java's `ProducerFencedException`: close this producer.
 */
export class ProducerFencedError extends KafkaError {
  override name = 'ProducerFencedError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_PRODUCER_FENCED', message, { ...options, retriable: false, fatal: true });
  }
}

/**
 * The broker saw a gap in this producer's sequence numbers for a partition
 * (OUT_OF_ORDER_SEQUENCE_NUMBER) and Tandem could not recover from it: records may have been
 * lost between the last acknowledged one and this one. Java's `OutOfOrderSequenceException`.
 */
export class OutOfOrderSequenceError extends KafkaError {
  override name = 'OutOfOrderSequenceError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_OUT_OF_ORDER_SEQUENCE', message, options);
  }
}

/**
 * The producer was closed before this operation, or while the record was still buffered, or its
 * Sender worker stopped. Fatal: nothing more will be sent by this producer.
 */
export class ProducerClosedError extends KafkaError {
  override name = 'ProducerClosedError';

  constructor(message = 'The producer is closed: create a new one to send more records.', options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_PRODUCER_CLOSED', message, { ...options, retriable: false, fatal: true });
  }
}

/**
 * A call was made in a state that does not allow it: a transactional method on a producer
 * without `transactional.id`, `beginTransaction()` before `initTransactions()`, a send outside a
 * transaction, a commit with no transaction in progress, anything while an earlier call that
 * timed out has not been repeated to its end. Java's `IllegalStateException`. Nothing was done;
 * the producer is as it was.
 */
export class IllegalStateError extends KafkaError {
  override name = 'IllegalStateError';
  /**
   * The transaction manager's state when the call was made, with the Java client's names
   * (`'UNINITIALIZED'`, `'READY'`, `'IN_TRANSACTION'`, `'COMMITTING_TRANSACTION'`, ...), or
   * `'NOT_TRANSACTIONAL'` for a producer without `transactional.id`.
   */
  readonly state: string;
  /** The call that was refused, e.g. `'commitTransaction'` or `'send'`. */
  readonly operation: string;

  constructor(message: string, options: KafkaErrorOptions & { state: string; operation: string }) {
    super('ERR_TANDEM_ILLEGAL_STATE', message, options);
    this.state = options.state;
    this.operation = options.operation;
  }
}

/**
 * The transaction cannot commit: a record of it failed, or a coordinator refused part of it
 * (a topic or group not authorized, TRANSACTION_ABORTABLE, consumer group metadata out of
 * date, ...). The producer is still usable: call `abortTransaction()`, then begin a new
 * transaction. `kafkaErrorName` and `cause` say what went wrong. Java raises the underlying
 * exception or a `KafkaException` here and documents that the transaction must be aborted.
 */
export class TransactionAbortableError extends KafkaError {
  override name = 'TransactionAbortableError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_TRANSACTION_ABORTABLE', message, { ...options, retriable: false, fatal: false });
  }
}

/**
 * The record was never sent: its transaction was aborted first (by `abortTransaction()` or
 * `close()`), or an earlier error made the transaction abortable (commitTransaction() then fails
 * with that error as a {@link TransactionAbortableError}). Java's `TransactionAbortedException`.
 */
export class TransactionAbortedError extends KafkaError {
  override name = 'TransactionAbortedError';

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('ERR_TANDEM_TRANSACTION_ABORTED', message, { ...options, retriable: false, fatal: false });
  }
}

// ---------------------------------------------------------------------------------------------
// From a Kafka error code to the right error.

/**
 * What is known of a Kafka error code: the fields of `@tandem/protocol`'s `KafkaErrorInfo` that
 * the producer uses.
 */
export interface KafkaErrorCodeInfo {
  readonly code: number;
  /** Java's `Errors` name, e.g. `'NOT_LEADER_OR_FOLLOWER'`. */
  readonly name: string;
  /** Whether Java maps the code to a `RetriableException`. */
  readonly retriable: boolean;
  /** What happened, in words (without the topic-partition). */
  readonly message: string;
}

/** Finds the description of a Kafka error code; undefined if the code is unknown. */
export type KafkaErrorCodeLookup = (code: number) => KafkaErrorCodeInfo | undefined;

/** Where a broker error code came from, for the message and the error's fields. */
export interface KafkaErrorContext {
  /** The topic of the batch or request. */
  readonly topic?: string;
  /** The partition of the batch. */
  readonly partition?: number;
  /** The transactional id, for coordinator errors. */
  readonly transactionalId?: string;
  /** The consumer group, for offset commits in a transaction. */
  readonly groupId?: string;
  /**
   * The request that failed (`'Produce'`, `'InitProducerId'`, `'EndTxn'`...): INVALID_PRODUCER_EPOCH
   * is fatal only from the transaction coordinator, not on Produce (KIP-588).
   */
  readonly api?: string;
  /** The error message the broker sent with the code (Produce v8+ ErrorMessage), if any. */
  readonly brokerMessage?: string | null;
  /** The original error, if any. */
  readonly cause?: unknown;
}

/**
 * Builds the error a user should see for a Kafka error code that came back from a broker
 * (through the Sender's completion ring, or a control call), choosing the subclass, the
 * `retriable` and `fatal` flags and a message that names the topic-partition and the setting to
 * look at. Returns undefined for code 0 (NONE).
 *
 * Fatal follows Java's `TransactionManager.maybeTransitionToErrorState` and
 * `Sender.failBatch`: PRODUCER_FENCED, CLUSTER_AUTHORIZATION_FAILED,
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, INVALID_PRODUCER_ID_MAPPING, UNSUPPORTED_VERSION,
 * and INVALID_PRODUCER_EPOCH from a coordinator API.
 *
 * @param code - Kafka's error number.
 * @param context - where the error happened.
 * @param lookup - names and retriability of codes; defaults to `@tandem/protocol`'s complete
 *   table (`findKafkaError`). A code it does not know keeps its number, is named
 *   `UNKNOWN_ERROR_CODE` and is not retriable, as Java's `Errors.forCode`.
 *
 * @example
 * ```ts
 * const err = kafkaErrorFromCode(29, { topic: 'orders', partition: 0 });
 * // AuthorizationError: Not authorized to write to topic 'orders' (partition 0) ...
 * ```
 */
export function kafkaErrorFromCode(
  code: number,
  context: KafkaErrorContext = {},
  lookup: KafkaErrorCodeLookup = findKafkaError,
): KafkaError | undefined {
  if (code === 0) return undefined;
  const info = lookup(code) ?? kafkaErrorByCode(code);
  const name = info.name;
  const where = describeWhere(context);
  const said = context.brokerMessage ? ` The broker said: ${context.brokerMessage}` : '';
  const base = {
    kafkaErrorCode: code,
    kafkaErrorName: name,
    retriable: info.retriable,
    topic: context.topic,
    partition: context.partition,
    cause: context.cause,
  };
  const what = `${name} (${code})${where}`;

  switch (code) {
    case 7: // REQUEST_TIMED_OUT
      return new TimeoutError(
        `The broker timed out the request${where}: ${name} (${code}).${said} The broker waits up to ` +
          `'request.timeout.ms' for replication; check the brokers' health, or raise 'request.timeout.ms'.`,
        { ...base, setting: 'request.timeout.ms' },
      );
    case 10: // MESSAGE_TOO_LARGE
    case 18: // RECORD_LIST_TOO_LARGE
      return new RecordTooLargeError(
        `The broker rejected a batch${where} as too large: ${name} (${code}).${said} The broker's limit is ` +
          `'message.max.bytes' (topic 'max.message.bytes'); lower 'batch.size' and 'max.request.size' ` +
          `to fit it, or raise the broker's limit.`,
        { ...base, setting: 'message.max.bytes' },
      );
    case 17: // INVALID_TOPIC_EXCEPTION
      return new InvalidTopicError(
        `The broker refused the topic${where} as invalid: ${name} (${code}).${said} Topic names are 1-249 ` +
          `characters of [a-zA-Z0-9._-], and internal topics cannot be written to.`,
        base,
      );
    case 29: // TOPIC_AUTHORIZATION_FAILED
      return new AuthorizationError(
        `Not authorized to write to topic '${context.topic ?? '?'}'${partitionSuffix(context)}: ${name} (${code}).${said} ` +
          `Grant the producer's principal WRITE (and DESCRIBE) on the topic, or check 'security.protocol' and the sasl settings.`,
        { ...base, resource: 'topic', resourceName: context.topic },
      );
    case 30: // GROUP_AUTHORIZATION_FAILED
      return new AuthorizationError(
        `Not authorized to commit offsets for group '${context.groupId ?? '?'}' in a transaction: ${name} (${code}).${said} ` +
          `Grant the producer's principal READ on the group.`,
        { ...base, resource: 'group', resourceName: context.groupId },
      );
    case 31: // CLUSTER_AUTHORIZATION_FAILED
      return new AuthorizationError(
        `Not authorized on the cluster${where}: ${name} (${code}).${said} An idempotent producer needs ` +
          `IDEMPOTENT_WRITE on the cluster (brokers before 2.8); grant it, or set 'enable.idempotence' to false.`,
        { ...base, resource: 'cluster', fatal: true },
      );
    case 53: // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      return new AuthorizationError(
        `Not authorized to use transactional id '${context.transactionalId ?? '?'}': ${name} (${code}).${said} ` +
          `Grant the producer's principal WRITE on the transactional id, or change 'transactional.id'.`,
        { ...base, resource: 'transactional-id', resourceName: context.transactionalId, fatal: true },
      );
    case 90: // PRODUCER_FENCED
      return new ProducerFencedError(
        `This producer was fenced${where}: ${name} (${code}).${said} Another producer with the same ` +
          `'transactional.id'${context.transactionalId ? ` ('${context.transactionalId}')` : ''} has started; close this one.`,
        base,
      );
    case 47: // INVALID_PRODUCER_EPOCH
      if (context.api !== undefined && context.api !== 'Produce') {
        return new ProducerFencedError(
          `This producer was fenced by the transaction coordinator${where}: ${name} (${code}).${said} ` +
            `A newer producer with the same 'transactional.id' has started; close this one.`,
          base,
        );
      }
      break;
    case 45: // OUT_OF_ORDER_SEQUENCE_NUMBER
      return new OutOfOrderSequenceError(
        `The broker received an out-of-order sequence number${where}: ${name} (${code}).${said} ` +
          `Records sent before this batch may have been lost; this happens when batches expire ` +
          `('delivery.timeout.ms') or the partition's leader lost acknowledged data (unclean leader election).`,
        base,
      );
  }

  const fatal = code === 49 || code === 35; // INVALID_PRODUCER_ID_MAPPING, UNSUPPORTED_VERSION
  return new KafkaError('ERR_TANDEM_KAFKA', `${what}: ${info.message}${said}${hintFor(code)}`, {
    ...base,
    fatal,
  });
}

/** The setting to look at for the codes that have no class of their own. */
function hintFor(code: number): string {
  switch (code) {
    case 3:
      return " Create the topic (or enable the broker's auto.create.topics.enable) and grant DESCRIBE on it; the producer retries until 'delivery.timeout.ms'.";
    case 19:
    case 20:
      return " Bring the replicas back in sync or lower the topic's min.insync.replicas; 'acks' = 1 skips the check, at a durability cost.";
    case 21:
      return " Check 'acks': it must be all, -1, 0 or 1.";
    case 32:
      return " Check the timestamps given to send() against the topic's message.timestamp.before.max.ms / after.max.ms.";
    case 50:
      return " Lower 'transaction.timeout.ms' to at most the broker's transaction.max.timeout.ms.";
    case 76:
      return " Change 'compression.type'.";
    case 35:
      return ' Tandem needs brokers of Kafka 2.1 or newer.';
    default:
      return '';
  }
}

function partitionSuffix(context: KafkaErrorContext): string {
  return context.partition === undefined ? '' : ` (partition ${context.partition})`;
}

function describeWhere(context: KafkaErrorContext): string {
  if (context.topic !== undefined) {
    return context.partition === undefined
      ? ` for topic '${context.topic}'`
      : ` for ${context.topic}-${context.partition}`;
  }
  if (context.transactionalId !== undefined) return ` for transactional id '${context.transactionalId}'`;
  if (context.api !== undefined) return ` in ${context.api}`;
  return '';
}

/** Renders a value for an error message: strings quoted, objects by their kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(missing)';
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (Array.isArray(value)) {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an array';
    }
  }
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return String(value);
}
