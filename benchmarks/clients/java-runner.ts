/**
 * The Java producer, through Apache Kafka's own benchmark tool: ProducerPerformance
 * (`org.apache.kafka.tools.ProducerPerformance` in kafka-tools, what bin/kafka-producer-perf-test.sh
 * runs), from the Maven classpath the broker harness already resolves for the broker's version.
 *
 * The JVM gets the flags Kafka's scripts give it (kafka-producer-perf-test.sh: `-Xmx512M`;
 * kafka-run-class.sh: G1 with a 20 ms pause goal), not the harness's fast-start flags for short
 * tools (C1 only, serial GC), which would handicap the Java client.
 *
 * What the tool reports is taken as it reports it: its steady-state line (after
 * `--warmup-records`, Kafka 4.0+) gives throughput and latency. Its latencies are whole
 * milliseconds (System.currentTimeMillis), which the report says. CPU and peak RSS come from
 * /proc/<jvm pid>: CPU from the "Warmup first N records" line (printed just before the first
 * send) to the summary line (printed after producer.close()), so it covers the same send loop as
 * the Node.js clients' figures, without the JVM's start-up; peak RSS is the JVM's VmHWM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { kafkaJars } from '../broker.js';
import { repoRoot } from '../paths.js';
import type { PerfResult, Workload } from '../perf/workload.js';
import { readPayloads } from '../perf/workload.js';
import { javaProducerConfig } from '../perf/java-security-config.js';
import { sampleProcess, type ProcessSample } from './process-stats.js';
import type { RunHooks, RunOptions } from './runner.js';

const MAIN_CLASS = 'org.apache.kafka.tools.ProducerPerformance';

/** kafka-producer-perf-test.sh's heap and kafka-run-class.sh's performance options. */
const JVM_FLAGS = [
  '-Xmx512M',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

/** `java` under JAVA_HOME when set (as Kafka's scripts and the harness do), else on PATH. */
function javaCommand(): string {
  const home = process.env['JAVA_HOME'];
  return home !== undefined && home !== '' && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
}

let javaVersion: string | undefined;
function javaRuntimeVersion(): string {
  if (javaVersion === undefined) {
    const probe = spawnSync(javaCommand(), ['-version'], { encoding: 'utf8' });
    javaVersion = /version "([^"]+)"/.exec(`${probe.stderr}${probe.stdout}`)?.[1] ?? 'unknown';
  }
  return javaVersion;
}

// "300000 records sent, 123.4 records/sec (0.01 MB/sec), 1.2 ms avg latency, 10.0 ms max latency." (every 5 s)
const WINDOW_LINE = /^(\d+) records sent, [\d.]+ records\/sec/;
// The summary: "<n>[ steady state] records sent, <r> records/sec (<m> MB/sec), <avg> ms avg latency,
// <max> ms max latency, <p50> ms 50th, <p95> ms 95th, <p99> ms 99th, <p999> ms 99.9th."
const TOTAL_LINE =
  /^(\d+)( steady state)? records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\./;

interface TotalLine {
  records: number;
  recordsPerSec: number;
  mibPerSec: number;
  avg: number;
  max: number;
  p50: number;
  p99: number;
  p999: number;
}

export async function runJavaClient(workload: Workload, options: RunOptions, hooks: RunHooks): Promise<PerfResult> {
  if (workload.preset !== undefined) throw new Error('--preset is a Tandem setting: the Java producer has no presets');
  const major = Number(options.kafkaVersion.split('.')[0]);
  // --warmup-records arrived with Kafka 4.0 (KIP-1052); older tools report totals only.
  const warmup = major >= 4 ? workload.warmupRecords : 0;
  const jars = await kafkaJars(options.kafkaVersion);
  const log4j = join(repoRoot, 'test', 'kafka', 'log4j', 'tools-log4j2.xml');
  // A properties file rather than --producer-props, which ProducerPerformance splits at every
  // '=': a value with one (a JAAS string) would be refused.
  const configDir = mkdtempSync(join(tmpdir(), 'tandem-java-perf-'));
  const configFile = join(configDir, 'producer.properties');
  const config = { 'bootstrap.servers': workload.bootstrap, ...javaProducerConfig(workload.producerProps) };
  writeFileSync(configFile, Object.entries(config).map(([k, v]) => `${k}=${propertiesValue(v)}\n`).join(''));
  const args = [
    ...JVM_FLAGS,
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    jars.join(':'),
    MAIN_CLASS,
    '--topic',
    workload.topic,
    '--num-records',
    String(workload.numRecords),
    '--payload-file',
    workload.payloadFile,
    '--throughput',
    String(workload.throughput),
    ...(warmup > 0 ? ['--warmup-records', String(warmup)] : []),
    '--producer.config',
    configFile,
  ];
  const payloads = readPayloads(workload.payloadFile);
  const payloadBytes = payloads.reduce((n, p) => n + p.length, 0) / payloads.length;

  const child = spawn(javaCommand(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  const tail: string[] = [];
  const remember = (line: string): void => {
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  createInterface({ input: child.stderr }).on('line', remember);

  let atStart: ProcessSample | undefined;
  let atEnd: ProcessSample | undefined;
  let last: ProcessSample | undefined;
  let acked = 0;
  const totals: TotalLine[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (pid === undefined) return;
    last = sampleProcess(pid) ?? last;
    peakRss = Math.max(peakRss, last?.peakRssBytes ?? 0);
  }, 100);

  createInterface({ input: child.stdout }).on('line', (line) => {
    remember(line);
    if (line.startsWith('Warmup first') || (warmup === 0 && line.startsWith('Number of messages read'))) {
      if (pid !== undefined) atStart = sampleProcess(pid);
      hooks.onStart?.();
      return;
    }
    const total = TOTAL_LINE.exec(line);
    if (total !== null) {
      if (totals.length === 0 && pid !== undefined) atEnd = sampleProcess(pid);
      totals.push({
        records: Number(total[1]),
        recordsPerSec: Number(total[3]),
        mibPerSec: Number(total[4]),
        avg: Number(total[5]),
        max: Number(total[6]),
        p50: Number(total[7]),
        p99: Number(total[9]),
        p999: Number(total[10]),
      });
      hooks.onProgress?.(Number(total[1]));
      return;
    }
    const window = WINDOW_LINE.exec(line);
    if (window !== null) {
      acked += Number(window[1]);
      hooks.onProgress?.(acked);
    }
  });

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  clearInterval(sampler);
  rmSync(configDir, { recursive: true, force: true });

  if (exit.error !== undefined) throw new Error(`cannot run ${javaCommand()}: ${exit.error.message}`);
  // The steady-state line when there was a warm-up, else the only summary.
  const summary = totals.at(-1);
  if (exit.code !== 0 || summary === undefined) {
    throw new Error(`ProducerPerformance exited (${exit.code ?? exit.signal}) without a summary:\n  ${tail.join('\n  ')}`);
  }
  const overall = totals[0]!;
  const end = atEnd ?? last;
  const cpuSeconds = end !== undefined ? end.cpuSeconds - (atStart?.cpuSeconds ?? 0) : Number.NaN;
  const notes: string[] = [];
  if (atStart === undefined) notes.push('CPU includes the JVM start (no line to start the clock at)');
  else if (warmup === 0) notes.push("CPU includes the producer's construction (no warm-up line to start the clock at)");
  if (atEnd === undefined) notes.push('CPU and RSS from the last 100 ms sample before the JVM exited');
  const errors = workload.numRecords - overall.records;
  if (errors > 0) notes.push(`${errors} records failed (see the tool's stack traces)`);
  const seconds = summary.recordsPerSec > 0 ? summary.records / summary.recordsPerSec : 0;
  return {
    client: 'java',
    clientVersion: `kafka-clients ${options.kafkaVersion} (ProducerPerformance), Java ${javaRuntimeVersion()}`,
    records: summary.records,
    bytes: Math.round(summary.records * payloadBytes),
    seconds,
    recordsPerSec: summary.recordsPerSec,
    wholeRunRecordsPerSec: overall.recordsPerSec,
    mibPerSec: summary.mibPerSec,
    latencyMs: { avg: summary.avg, p50: summary.p50, p99: summary.p99, p999: summary.p999, max: summary.max },
    latencyResolutionMs: 1,
    cpuSeconds,
    cpuSecondsPerMillion: (cpuSeconds * 1e6) / workload.numRecords,
    // A JVM that has already exited (a zombie until reaped) shows no VmHWM: then the samples' peak.
    peakRssBytes: Math.max(end?.peakRssBytes ?? 0, peakRss),
    eventLoopDelayMs: null,
    errors,
    notes,
  };
}

/** A value as a Java properties file reads it back: backslashes and line breaks escaped, leading spaces kept. */
function propertiesValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/^ /, '\\ ');
}
