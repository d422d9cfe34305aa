/**
 * The Kafka lines the harness knows, and what differs between them.
 *
 * 4.x is the default because it is what new deployments run; 3.9 is the last 3.x line and still
 * runs in many fleets, so tests should pass against both (KAFKA_VERSION=3.9.1).
 */

/** The broker version used when neither `--version` nor KAFKA_VERSION says otherwise. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** The version asked for by the environment, else the default. */
export function defaultKafkaVersion(): string {
  const fromEnv = process.env['KAFKA_VERSION'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_KAFKA_VERSION;
}

/** The major version number: `4` for `4.4.0`. */
export function majorVersion(version: string): number {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (!Number.isFinite(major)) throw new RangeError(`not a Kafka version: ${version}`);
  return major;
}

/**
 * Kafka 4.0 logs through log4j 2 (KIP-653); 3.x through reload4j (the log4j 1 API). The two
 * read different configuration files and need different slf4j bindings.
 */
export function usesLog4j2(version: string): boolean {
  return majorVersion(version) >= 4;
}

/** Java classes of the tools the harness runs, which moved between packages over the lines. */
export interface ToolClasses {
  /** Formats a KRaft log directory. */
  storageTool: string;
  /** The broker's main class. */
  broker: string;
  /** Prints the batches and records of segment files. */
  dumpLogSegments: string;
  consoleConsumer: string;
  producerPerformance: string;
  topicCommand: string;
  /** Alters client quotas and dynamic configs. */
  configCommand: string;
}

/**
 * The tool classes of a version. DumpLogSegments was ported from Scala (`kafka.tools`) to Java
 * (`org.apache.kafka.tools`) in 4.0; the others sit where they are in both 3.9 and 4.x (checked
 * in the 3.9.1 and 4.4.0 jars).
 */
export function toolClasses(version: string): ToolClasses {
  const four = majorVersion(version) >= 4;
  return {
    storageTool: 'kafka.tools.StorageTool',
    broker: 'kafka.Kafka',
    dumpLogSegments: four ? 'org.apache.kafka.tools.DumpLogSegments' : 'kafka.tools.DumpLogSegments',
    consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    producerPerformance: 'org.apache.kafka.tools.ProducerPerformance',
    topicCommand: 'org.apache.kafka.tools.TopicCommand',
    // Ported from Scala (kafka.admin) to Java in 4.0 (checked in the 3.9.1 and 4.4.0 jars).
    configCommand: four ? 'org.apache.kafka.tools.ConfigCommand' : 'kafka.admin.ConfigCommand',
  };
}
