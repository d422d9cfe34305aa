/**
 * The real-broker test harness: start (or reuse) Apache Kafka brokers, create topics, and read
 * back what Tandem wrote with clients Tandem did not write.
 *
 * @example
 * ```ts
 * import { createTopic, ensureKafka, readWithJava, readWithKcat, uniqueTopicName } from '../kafka/index.js';
 *
 * const kafka = await ensureKafka();           // KAFKA_BOOTSTRAP, or the harness broker
 * const topic = uniqueTopicName('orders');
 * await createTopic(kafka.bootstrap, topic, { partitions: 3 });
 * // ... produce with Tandem ...
 * const records = await readWithKcat(kafka.bootstrap, topic, { count: 10 });
 * ```
 *
 * Secured listeners (SSL, mutual TLS, SASL_PLAINTEXT, SASL_SSL) are on the `security` cluster:
 *
 * ```ts
 * const cluster = await startCluster(SECURITY_CLUSTER);
 * const tls = await tlsMaterial();
 * await readWithKcat(cluster.listenerBootstrap.SSL, topic, { config: { 'security.protocol': 'ssl', 'ssl.ca.location': tls.caFile } });
 * ```
 */
export {
  ensureKafka,
  findRunningCluster,
  restartBroker,
  startCluster,
  stopAllClusters,
  stopBroker,
  stopCluster,
  type BrokerInfo,
  type KafkaCluster,
  type StopBrokerOptions,
  type StopReport,
} from './cluster.js';
export { BrokerStartError, HarnessError, ReadTimeoutError, ToolError, type HarnessErrorReason } from './errors.js';
export { checkJava, compileJavaSources, runJava, runJavaUnchecked, type RunJavaOptions } from './java.js';
export { kafkaClasspath } from './maven.js';
export { probeMetadata, type MetadataProbe, type ProbedBroker } from './metadata-probe.js';
export { pidsMentioning } from './processes.js';
export {
  dumpLogSegments,
  readWithJava,
  readWithKcat,
  type DumpedBatch,
  type DumpedRecord,
  type DumpOptions,
  type JavaReadOptions,
  type JavaReadRecord,
  type KcatReadOptions,
} from './readers.js';
export type { ReadOptions, ReadRecord, TimestampType } from './records.js';
export { createTopic, uniqueTopicName, type CreateTopicOptions } from './topics.js';
export { setProducerQuota } from './quotas.js';
export { readGroupOffsets, type GroupOffset, type GroupOffsetsOptions } from './groups.js';
export { clusterDir, type ClientAuth, type ClusterOptions, type ListenerSpec, type SecurityProtocol } from './topology.js';
export {
  SASL_MECHANISMS,
  SASL_PASSWORD,
  SASL_USER,
  SECURITY_CLUSTER,
  SECURITY_LISTENERS,
  type SaslMechanism,
} from './security.js';
export { tlsMaterial, type TlsMaterial } from './tls.js';
export { DEFAULT_KAFKA_VERSION, defaultKafkaVersion, toolClasses } from './versions.js';
export { produceWithKcat, type KcatProduceOptions, type KcatRecord } from './writers.js';
export type { CommandResult } from './command.js';
