/**
 * The messages between the orchestrator and a Node.js client's child process, over the IPC
 * channel of `child_process.fork` (JSON).
 */
import type { ClientName, PerfResult, Workload } from '../perf/workload.js';

/** Orchestrator to child: run this workload once, then exit. */
export interface RunMessage {
  type: 'run';
  client: Exclude<ClientName, 'java'>;
  workload: Workload;
}

/** Child to orchestrator. */
export type ChildMessage =
  /** The producer is open; the clock starts now. */
  | { type: 'started' }
  /** Records acknowledged so far (warm-up included), a few times a second. */
  | { type: 'progress'; acked: number }
  | { type: 'result'; result: PerfResult }
  /** The run failed; `message` is one line. */
  | { type: 'error'; message: string };
