/**
 * The control plane between the application thread and the Sender worker: rare, typed calls
 * carried by comlink over the worker's MessagePort. No record ever crosses here (records go
 * through the slabs in shared memory).
 */
import type { LayoutBuffers } from './layout.js';

/** What the Sender needs of the resolved producer configuration. */
export interface SenderConfig {
  readonly bootstrapServers: readonly string[];
  readonly clientId: string;
  /** -1 (all), 0 or 1. */
  readonly acks: -1 | 0 | 1;
  readonly lingerMs: number;
  readonly requestTimeoutMs: number;
  readonly deliveryTimeoutMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly maxInFlightRequestsPerConnection: number;
  readonly maxRequestSize: number;
  readonly maxBlockMs: number;
  /** RecordBatch attributes codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly compressionId: number;
  /** KIP-390 level for the chosen codec, or undefined for its default. */
  readonly compressionLevel: number | undefined;
  readonly enableIdempotence: boolean;
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  readonly metadataMaxAgeMs: number;
  /** metadata.max.idle.ms: a topic neither asked for nor produced to this long is no longer refreshed. */
  readonly metadataMaxIdleMs: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  readonly socketConnectionSetupTimeoutMs: number;
  /** socket.connection.setup.timeout.max.ms: the cap of the setup timeout's exponential growth. */
  readonly socketConnectionSetupTimeoutMaxMs: number;
  /** connections.max.idle.ms: close a connection idle this long; -1 never. */
  readonly connectionsMaxIdleMs: number;
  /** How connections are secured and authenticated (security.protocol, ssl.*, sasl.*). */
  readonly security: SecuritySettings;
}

/**
 * TLS settings of a connection, as plain data (files were read on the application thread, where
 * a bad path is a ConfigError at construction). The names are node:tls's.
 */
export interface TlsSettings {
  /** Trusted CA certificates (PEM); undefined for Node's default CA store. */
  readonly ca: string | undefined;
  /** The client's certificate chain (PEM), for mutual TLS. */
  readonly cert: string | undefined;
  /** The client's private key (PEM). */
  readonly key: string | undefined;
  /** The client's key and certificate as a PKCS#12 store, instead of cert and key. */
  readonly pfx: Uint8Array | undefined;
  /** Password of an encrypted key or of the PKCS#12 store. */
  readonly passphrase: string | undefined;
  /** ssl.endpoint.identification.algorithm = https: the certificate must name the broker's host. */
  readonly verifyHostname: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3';
}

/** A SASL mechanism Tandem speaks. */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/**
 * SASL settings. PLAIN and SCRAM carry the credentials (from sasl.jaas.config, or sasl.username
 * and sasl.password); OAUTHBEARER carries none: its token comes from the application thread for
 * each new connection (see {@link AppEvents.oauthTokenNeeded}), where the token source lives.
 */
export type SaslSettings =
  | { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'OAUTHBEARER' };

/** An OAuth bearer token for SASL/OAUTHBEARER, with its SASL extensions (KIP-342). */
export interface OAuthBearerToken {
  /** The token itself (usually a JWT). */
  readonly value: string;
  /** SASL extensions sent with it: name to value. */
  readonly extensions: Readonly<Record<string, string>>;
}

/** The application thread's answer to a token request: a token, or why there is none. */
export type OAuthBearerTokenResult = { readonly token: OAuthBearerToken } | { readonly error: string };

/** security.protocol, with what it needs: TLS for SSL and SASL_SSL, SASL for the SASL ones. */
export interface SecuritySettings {
  readonly protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly tls: TlsSettings | null;
  readonly sasl: SaslSettings | null;
}

/** A topic as the application thread needs to know it to partition and append. */
export interface TopicView {
  readonly topic: string;
  /** The Sender's index of this topic; slabs carry it in their TOPIC word. */
  readonly topicIndex: number;
  /** Number of partitions (all of them: keyed partitioning uses this count). */
  readonly partitionCount: number;
  /** Partitions that currently have a leader (the sticky partitioner picks among these). */
  readonly availablePartitions: readonly number[];
}

/** One partition of a topic, as partitionsFor() reports it (Java's PartitionInfo, in part). */
export interface PartitionInfo {
  readonly topic: string;
  readonly partition: number;
  /** Node id of the leader, or -1 when the partition has none. */
  readonly leader: number;
  /** The leader's epoch, or -1 when unknown. */
  readonly leaderEpoch: number;
}

/** Calls the application thread makes on the Sender. */
export interface SenderControl {
  /** Attaches to the shared layout; resolves once the worker is ready to drain. */
  start(config: SenderConfig, layout: LayoutBuffers): Promise<void>;
  /**
   * Resolves with the topic's metadata, fetching it if needed, or rejects after `timeoutMs`
   * with the reason (unknown topic, invalid name, not authorized).
   */
  waitForTopic(topic: string, timeoutMs: number): Promise<TopicView>;
  /** The topic's partitions and their leaders (fetching metadata if needed, up to `timeoutMs`). */
  partitionsFor(topic: string, timeoutMs: number): Promise<PartitionInfo[]>;
  /** Seals every open slab and resolves when every batch sealed so far has completed. */
  flush(): Promise<void>;
  /**
   * Sends what is buffered, then stops. After `timeoutMs` what is left fails with
   * CLOSED_BEFORE_SENT. Resolves when the Sender has stopped.
   */
  close(timeoutMs: number): Promise<void>;
  /** A snapshot of the Sender's metrics, Java's names where they exist. */
  metrics(): Promise<Record<string, number>>;
  /** The answer to {@link AppEvents.oauthTokenNeeded} `requestId`. */
  oauthToken(requestId: number, result: OAuthBearerTokenResult): Promise<void>;

  // Transactions (a producer with a transactional.id). Each call rejects with a
  // {@link TransactionFailureName} as the Error's `name`; the blocking ones give up after
  // `timeoutMs` (max.block.ms) with 'TIMEOUT' while the operation goes on, and a repeat of the
  // same call then waits for that operation (as Java's TransactionManager).

  /** Finds the transaction coordinator and gets a producer id and epoch (fencing older instances). */
  initTransactions(timeoutMs: number): Promise<void>;
  /** Starts a transaction (local: nothing is sent). */
  beginTransaction(): Promise<void>;
  /**
   * Adds consumer offsets to the transaction: committed to the group only if the transaction
   * commits. Resolves once the group coordinator has them.
   */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata, timeoutMs: number): Promise<void>;
  /** Sends every batch of the transaction, then commits it (EndTxn). */
  commitTransaction(timeoutMs: number): Promise<void>;
  /** Fails the batches of the transaction not yet sent, waits for those in flight, then aborts it. */
  abortTransaction(timeoutMs: number): Promise<void>;
}

/** A consumer offset to commit in a transaction (Java's TopicPartition + OffsetAndMetadata). */
export interface TransactionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next record to consume: the last processed one's offset + 1. */
  readonly offset: bigint | number;
  /** The leader epoch of the last consumed record, if known. */
  readonly leaderEpoch?: number;
  /** Free-form metadata stored with the offset. */
  readonly metadata?: string | null;
}

/** The consumer group's state, so the coordinator can fence zombies (Java's ConsumerGroupMetadata, KIP-447). */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  /** The consumer's generation id (member epoch for KIP-848 groups); -1 if unknown. */
  readonly generationId?: number;
  /** The consumer's member id; '' if unknown. */
  readonly memberId?: string;
  /** The consumer's group.instance.id (static membership), or null. */
  readonly groupInstanceId?: string | null;
}

/**
 * The `name` of an Error a transactional control call rejects with: a stable code.
 * - `ILLEGAL_STATE:<STATE>`: the call is not allowed in the transaction manager's state
 *   (a Java TransactionManager state name, e.g. `ILLEGAL_STATE:UNINITIALIZED`).
 * - `FATAL:<ERROR>`: the producer can only be closed (`FATAL:PRODUCER_FENCED`, ...); ERROR is a
 *   Kafka error name, or a Tandem one for failures no Kafka code names.
 * - `ABORTABLE:<ERROR>`: the transaction failed and must be aborted; the producer stays usable.
 * - `TIMEOUT`: `timeoutMs` passed; the operation goes on, and the same call may be repeated.
 * - `CLOSED`: the producer is closing.
 */
export type TransactionFailureName = string;

/**
 * What the Sender pushes to the application thread. These travel as plain messages on a port of
 * their own (see {@link AppEventMessage}), not as comlink calls: the application side must be
 * able to unref that port, so that an idle producer does not keep its process alive.
 */
export interface AppEvents {
  /** A topic's partition count or availability changed. */
  topicChanged(view: TopicView): void;
  /** Something failed for good: every pending and future send must fail with this message. */
  fatal(message: string): void;
  /**
   * A connection needs an OAuth bearer token (SASL/OAUTHBEARER): the app answers with
   * {@link SenderControl.oauthToken} and the same `requestId`.
   */
  oauthTokenNeeded(requestId: number): void;
}

/** Serializable description of a control-call failure. */
export interface ControlFailure {
  /** Kafka error name or a Tandem code, e.g. 'UNKNOWN_TOPIC_OR_PARTITION', 'TIMEOUT'. */
  readonly code: string;
  readonly message: string;
}

/** {@link AppEvents} as messages on the events port (workerData.eventsPort). */
export type AppEventMessage =
  | { readonly type: 'topicChanged'; readonly view: TopicView }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'oauthTokenNeeded'; readonly requestId: number };

/**
 * The states of a transactional producer, with the Java client's names
 * (TransactionManager.State). The Sender's TransactionManager holds the state; the app side
 * reads it from control-call failures (`ILLEGAL_STATE:<STATE>`).
 */
export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';
