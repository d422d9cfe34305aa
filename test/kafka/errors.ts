/**
 * Errors of the test harness. Each has a stable `reason` that tests and scripts match on, and a
 * message that fits on one line and says what to do about it: the CLI prints the message alone.
 */

/** Why the harness could not do what it was asked. */
export type HarnessErrorReason =
  /** No `java` on PATH (nor under JAVA_HOME). */
  | 'java-missing'
  /** The Java found is older than the broker needs. */
  | 'java-too-old'
  /** No `mvn` on PATH: the broker's jars cannot be resolved. */
  | 'maven-missing'
  /** Maven ran but could not resolve the Kafka artifacts (offline, unknown version...). */
  | 'maven-failed'
  /** A fixed port was asked for and something else listens on it. */
  | 'port-in-use'
  /** A cluster of this name runs already, with a different shape than the one asked for. */
  | 'already-running'
  /** `kafka-storage format` failed. */
  | 'format-failed'
  /** The broker process exited before it answered. */
  | 'broker-exited'
  /** The broker did not answer a Metadata request in time. */
  | 'broker-timeout'
  /** Another harness process held the cluster's lock for too long. */
  | 'lock-timeout'
  /** The option asked for is not implemented (a first listener that is not PLAINTEXT, for example). */
  | 'unsupported'
  /** A tool (kcat, javac, a Java program) is not installed. */
  | 'tool-missing'
  /** A tool ran and failed. */
  | 'tool-failed'
  /** A tool did not finish in time and was killed. */
  | 'tool-timeout'
  /** The cluster handle has no local broker directories (an external KAFKA_BOOTSTRAP cluster). */
  | 'not-local';

/** Base class of every error the harness throws on purpose. */
export class HarnessError extends Error {
  override name = 'HarnessError';
  readonly code = 'ERR_TANDEM_KAFKA_HARNESS';

  constructor(
    readonly reason: HarnessErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Starting a broker or a cluster failed. `logFile` points at the broker's log when there is one. */
export class BrokerStartError extends HarnessError {
  override name = 'BrokerStartError';

  constructor(
    reason: HarnessErrorReason,
    message: string,
    readonly logFile?: string,
  ) {
    super(reason, message);
  }
}

/** An external tool (kcat, a Java program) failed or timed out; `stderr` holds its last words. */
export class ToolError extends HarnessError {
  override name = 'ToolError';

  constructor(
    reason: HarnessErrorReason,
    message: string,
    readonly stderr = '',
  ) {
    super(reason, message);
  }
}

/**
 * A reader gave up before it saw the records it was asked for. `records` holds what it did read,
 * so that a test can show the difference instead of only "timed out".
 */
export class ReadTimeoutError<R> extends ToolError {
  override name = 'ReadTimeoutError';

  constructor(
    message: string,
    readonly records: R[],
    stderr = '',
  ) {
    super('tool-timeout', message, stderr);
  }
}

/** The last line of `text` that looks like an error, else its last non-empty line, trimmed to one line. */
export function lastErrorLine(text: string): string | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const errorish = lines.filter((l) => /\b(ERROR|FATAL)\b|Exception|Error:/.test(l));
  const line = errorish.at(-1) ?? lines.at(-1);
  if (line === undefined) return undefined;
  return line.length > 400 ? `${line.slice(0, 400)}...` : line;
}
