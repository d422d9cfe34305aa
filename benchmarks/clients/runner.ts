/**
 * One entry point for running any client once: {@link runClient}. The perf command and the
 * comparison see every client through it, whether it is a Node.js driver in a child process or
 * the Java producer in a JVM.
 */
import type { ClientName, PerfResult, Workload } from '../perf/workload.js';

/** Callbacks of a run, for the progress bar. */
export interface RunHooks {
  /** The producer is open and the send loop starts. */
  onStart?(): void;
  /** Records acknowledged so far, warm-up included (a few times a second; every 5 s for Java). */
  onProgress?(acked: number): void;
}

/** How to run (not what: that is the workload). */
export interface RunOptions {
  /** Kafka version of the broker: the Java producer runs that version's client and tool. */
  kafkaVersion: string;
  /** Kill a client that has not finished by then. */
  timeoutMs: number;
  /** Write a V8 CPU profile of a Node.js client here (node --cpu-prof). */
  cpuProfileDir?: string | undefined;
}

/** Runs `client` once on `workload`. Rejects with a one-line reason (plus the child's last output when it died). */
export async function runClient(client: ClientName, workload: Workload, options: RunOptions, hooks: RunHooks = {}): Promise<PerfResult> {
  if (client === 'java') return (await import('./java-runner.js')).runJavaClient(workload, options, hooks);
  return (await import('./node-runner.js')).runNodeClient(client, workload, options, hooks);
}
