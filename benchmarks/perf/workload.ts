/**
 * What one benchmark run does (the {@link Workload}) and what it measured (the
 * {@link PerfResult}), shared by the perf command, the comparison and every client driver.
 *
 * The workload follows Kafka's kafka-producer-perf-test (ProducerPerformance): a record count,
 * a record size or a payload file, an offered rate (-1 for flat out), and producer properties in
 * Kafka's dotted keys. Every client gets the same payloads: a pool of random upper-case
 * letters, the alphabet ProducerPerformance uses for `--record-size`, written once to a file
 * that the Java tool reads with `--payload-file`, so that compression sees the same bytes
 * whichever client sends them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The clients the benchmarks can drive. */
export const CLIENT_NAMES = ['tandem', 'kafkajs', 'confluent', 'java'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** Human names of the clients, for tables and charts. */
export const CLIENT_LABELS: Record<ClientName, string> = {
  tandem: 'Tandem',
  kafkajs: 'KafkaJS',
  confluent: 'confluent-kafka-javascript',
  java: 'Java producer',
};

/** One run of one client. Plain data: it crosses process boundaries as JSON. */
export interface Workload {
  bootstrap: string;
  topic: string;
  /** Records to send, warm-up included (as ProducerPerformance counts them). */
  numRecords: number;
  /**
   * The first records, excluded from throughput and latency (they pay for metadata, connections
   * and the JIT). Excluded from nothing else: CPU and memory cover the whole send loop.
   */
  warmupRecords: number;
  /** Newline-separated payloads to pick from in turn (see {@link payloadPool}). */
  payloadFile: string;
  /** Offered rate in records/s; -1 sends flat out. */
  throughput: number;
  /** Producer properties in Kafka's dotted keys, as strings (drivers translate what they must). */
  producerProps: Record<string, string>;
  /** A Tandem config preset (Tandem only; other clients reject a run with one). */
  preset?: string | undefined;
  /**
   * A transactional Tandem producer (`transactional.id` set) commits this often, in ms
   * (default 100, Kafka Streams' exactly-once commit interval). Ignored otherwise.
   */
  transactionIntervalMs?: number | undefined;
}

/** Latency percentiles from send() to the acknowledgement, in milliseconds. */
export interface LatencySummary {
  avg: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Event-loop delay while producing, in milliseconds (beyond the 1 ms sampling timer). */
export interface LoopDelaySummary {
  p50: number;
  p99: number;
  max: number;
}

/** What one run measured. */
export interface PerfResult {
  client: ClientName;
  /** The client library's version (or the JVM's and Kafka's, for Java). */
  clientVersion: string;
  /** Records acknowledged after the warm-up, and their payload bytes. */
  records: number;
  bytes: number;
  /** Seconds from the first send after the warm-up to the last acknowledgement. */
  seconds: number;
  recordsPerSec: number;
  /**
   * Records/s over the whole send loop, warm-up included: what a fixed-rate run achieved against
   * its offered rate. (The steady-state rate of a client that fell behind during the warm-up
   * includes its catching up, and can exceed the offered rate.)
   */
  wholeRunRecordsPerSec: number;
  /** Payload MiB per second (2^20 bytes, as ProducerPerformance's "MB/sec" computes it). */
  mibPerSec: number;
  latencyMs: LatencySummary;
  /** The clock the latencies were taken with: ProducerPerformance's is whole milliseconds. */
  latencyResolutionMs: number;
  /** CPU seconds of the client's process over the whole send loop, warm-up included. */
  cpuSeconds: number;
  /** {@link cpuSeconds} per million records sent in that loop. */
  cpuSecondsPerMillion: number;
  /** Peak resident set size of the client's process, in bytes. */
  peakRssBytes: number;
  /** Null for the Java client: it has no event loop. */
  eventLoopDelayMs: LoopDelaySummary | null;
  /** Records that failed (each failure is counted, not retried by the benchmark). */
  errors: number;
  /** Anything the reader of the numbers should know (ignored properties, fallbacks). */
  notes: string[];
}

/** Reads a payload file as ProducerPerformance does: UTF-8, one payload per line, empty lines skipped. */
export function readPayloads(file: string): Buffer[] {
  const payloads = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Buffer.from(line, 'utf8'));
  if (payloads.length === 0) throw new Error(`--payload-file ${file}: no payloads in it (one per line)`);
  return payloads;
}

/** How many distinct payloads a generated pool holds: enough that no batch repeats one. */
const POOL_SIZE = 1024;

/**
 * A file of {@link POOL_SIZE} payloads of `recordSize` random upper-case letters (seeded, so
 * every run and every client sees the same bytes), created once per size under the OS's temp
 * directory, and its path.
 */
export async function payloadPool(recordSize: number): Promise<string> {
  if (!Number.isInteger(recordSize) || recordSize <= 0) throw new Error(`--record-size must be a positive integer, got ${recordSize}`);
  const dir = join(tmpdir(), 'tandem-bench');
  const file = join(dir, `payloads-${recordSize}x${POOL_SIZE}.txt`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  let seed = 0x9e3779b9;
  const lines: string[] = [];
  for (let p = 0; p < POOL_SIZE; p++) {
    const bytes = Buffer.allocUnsafe(recordSize);
    for (let i = 0; i < recordSize; i++) {
      // xorshift32: any fixed generator will do; only the alphabet matters for compression.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      bytes[i] = 65 + ((seed >>> 0) % 26);
    }
    lines.push(bytes.toString('latin1'));
  }
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, file);
  return file;
}

/** The warm-up ProducerPerformance-style runs get unless told otherwise: 10%, at most 50,000. */
export function defaultWarmup(numRecords: number): number {
  return Math.min(50_000, Math.floor(numRecords / 10));
}
