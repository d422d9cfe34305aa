import { randomBytes } from 'node:crypto';
import { runJava } from './java.js';

/** Options of {@link createTopic}. */
export interface CreateTopicOptions {
  /** Default: the broker's num.partitions (1 in harness clusters). */
  partitions?: number;
  /** Default: the broker's default.replication.factor (1, or 3 in a three-broker cluster). */
  replicationFactor?: number;
  /** Topic configs, e.g. `{ 'message.timestamp.type': 'LogAppendTime' }`. */
  configs?: Record<string, string | number | boolean>;
  /** Succeed if the topic exists already (its settings are not checked). Default false. */
  ifNotExists?: boolean;
  /** Kafka version whose AdminClient runs. Default: KAFKA_VERSION, else 4.4.0. */
  version?: string;
  /** Bound on creating it and waiting for every partition's leader and ISR. Default 30 s. */
  timeoutMs?: number;
  /**
   * Settings of the Java AdminClient that creates it, e.g. `security.protocol`, `ssl.*` and
   * `sasl.*` for a secured listener.
   */
  clientConfig?: Record<string, string>;
}

/**
 * Creates a topic with Kafka's own AdminClient (test/kafka/java/TopicAdmin.java) and returns once
 * every partition has a leader and all its replicas in sync, so the first produce does not meet
 * LEADER_NOT_AVAILABLE. Costs one JVM start (about a second).
 *
 * @throws ToolError with the AdminClient's reason (TopicExistsException, InvalidConfigurationException, ...).
 * @example
 * ```ts
 * await createTopic(kafka.bootstrap, 'orders', { partitions: 3, configs: { 'compression.type': 'producer' } });
 * ```
 */
export async function createTopic(bootstrap: string, name: string, options: CreateTopicOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = ['create', '--bootstrap', bootstrap, '--topic', name, '--timeout-ms', String(timeoutMs)];
  if (options.partitions !== undefined) args.push('--partitions', String(options.partitions));
  if (options.replicationFactor !== undefined) args.push('--replication-factor', String(options.replicationFactor));
  if (options.ifNotExists === true) args.push('--if-not-exists', 'true');
  for (const [key, value] of Object.entries(options.configs ?? {})) args.push('--config', `${key}=${String(value)}`);
  for (const [key, value] of Object.entries(options.clientConfig ?? {})) args.push('--property', `${key}=${value}`);
  await runJava('TopicAdmin', args, { ...(options.version !== undefined ? { version: options.version } : {}), timeoutMs: timeoutMs + 30_000 });
}

/**
 * A topic name no other test uses: `<prefix>-<time>-<random>`. Tests share one broker, so each
 * test writes to a topic of its own and never has to clean up.
 */
export function uniqueTopicName(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
