/**
 * The workloads of the comparison. Each client runs each of them, with each client's own
 * defaults for everything a scenario does not set (that is what a user of that client gets;
 * the differences that matter are in the README's notes).
 *
 * The flat-out scenarios answer "how fast, and at what CPU cost"; the fixed-rate ones answer
 * "how long does a record wait, and how free does the event loop stay" at a rate every client
 * can offer. Record counts are sized so that the slowest client (KafkaJS) runs for a few
 * seconds per scenario on a 2-core machine that also runs the broker, and the whole comparison
 * (3 rounds) stays under 15 minutes.
 */

/** One workload of the comparison. */
export interface Scenario {
  /** Short id for `--scenarios` and file names. */
  id: string;
  /** How the table and the chart name it. */
  label: string;
  recordSize: number;
  acks: 'all' | '1';
  compression: 'none' | 'lz4' | 'zstd' | 'gzip' | 'snappy';
  /** Offered rate in records/s, -1 flat out. */
  throughput: number;
  /** Records per run in a full comparison; `--quick` sends a third. */
  numRecords: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { id: '100b-acks1-none', label: '100 B, acks=1, none', recordSize: 100, acks: '1', compression: 'none', throughput: -1, numRecords: 300_000 },
  { id: '100b-acksall-none', label: '100 B, acks=all, none', recordSize: 100, acks: 'all', compression: 'none', throughput: -1, numRecords: 300_000 },
  { id: '100b-acks1-lz4', label: '100 B, acks=1, lz4', recordSize: 100, acks: '1', compression: 'lz4', throughput: -1, numRecords: 300_000 },
  { id: '100b-acks1-zstd', label: '100 B, acks=1, zstd', recordSize: 100, acks: '1', compression: 'zstd', throughput: -1, numRecords: 300_000 },
  { id: '1k-acks1-none', label: '1 KiB, acks=1, none', recordSize: 1024, acks: '1', compression: 'none', throughput: -1, numRecords: 100_000 },
  { id: '1k-acksall-zstd', label: '1 KiB, acks=all, zstd', recordSize: 1024, acks: 'all', compression: 'zstd', throughput: -1, numRecords: 100_000 },
  // Latency at an offered rate all the clients sustain: 4 s per run.
  { id: '100b-acksall-10k', label: '100 B, acks=all, 10k/s', recordSize: 100, acks: 'all', compression: 'none', throughput: 10_000, numRecords: 40_000 },
  // The event loop while producing 100,000 records/s (the target); a client that cannot
  // keep up shows it in records/s.
  { id: '100b-acks1-100k', label: '100 B, acks=1, 100k/s', recordSize: 100, acks: '1', compression: 'none', throughput: 100_000, numRecords: 300_000 },
];

/** Whether a scenario is a fixed-rate one (its figures of interest are latency and the loop). */
export function isFixedRate(s: Scenario): boolean {
  return s.throughput > 0;
}
