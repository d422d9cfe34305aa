/**
 * The one small interface a Node.js client implements to be benchmarked. The send loop, the
 * clocks, the histogram and the event-loop monitor are the same for every client
 * (clients/child.ts); a driver only turns "send this value, tell me when it is acknowledged" into
 * its library's calls, with the library used the way that library is fastest.
 *
 * Each driver runs in a child process of its own, so the CPU time and memory it reports are its
 * own. The Java producer is not a driver: it runs Kafka's own ProducerPerformance tool
 * (clients/java-runner.ts).
 */
import type { ClientName, Workload } from '../perf/workload.js';

/** Called once per record when the broker acknowledged it (`error` null) or the send failed. */
export type AckCallback = (error: Error | null | undefined) => void;

/** A producer under test. */
export interface ProducerDriver {
  /** The library's version, for the report. */
  readonly version: string;
  /** Properties or settings the driver could not honour, said once in the report. */
  readonly notes: string[];
  /**
   * The producer's own buffer bound in bytes, once open, when the driver knows it better than
   * the workload's `buffer.memory` property does (a Tandem preset may set it). The send loop
   * keeps at most this much payload unacknowledged.
   */
  readonly bufferMemory?: number | undefined;
  /**
   * Creates the producer and connects it. Called before the clock starts; a driver may fetch the
   * topic's metadata here, but need not (the warm-up records absorb it).
   */
  open(workload: Workload): Promise<void>;
  /**
   * Sends one record with a null key. Must not block and must not throw for backpressure: a
   * driver whose library refuses records while its queue is full holds them itself and sends them
   * when there is room. Calls `done` exactly once.
   */
  send(value: Buffer, done: AckCallback): void;
  /** Resolves once every record handed to {@link send} is acknowledged or failed. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Loads the driver of a Node.js client (in the child process). */
export async function loadDriver(client: Exclude<ClientName, 'java'>): Promise<ProducerDriver> {
  switch (client) {
    case 'tandem':
      return (await import('./tandem.js')).createTandemDriver();
    case 'kafkajs':
      return (await import('./kafkajs.js')).createKafkaJsDriver();
    case 'confluent':
      return (await import('./confluent.js')).createConfluentDriver();
  }
}

/** Reads a boolean producer property as Kafka does (`true`/`false`, any case). */
export function booleanProp(props: Record<string, string>, key: string): boolean | undefined {
  const value = props[key];
  if (value === undefined) return undefined;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new Error(`${key}=${value}: expected true or false`);
}

/** Reads an integer producer property. */
export function integerProp(props: Record<string, string>, key: string): number | undefined {
  const value = props[key];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${key}=${value}: expected an integer`);
  return n;
}
