/**
 * The child process a Node.js client runs in: one workload, one client, then exit. Everything
 * but the driver is the same for every client, so a difference in the numbers is a difference
 * between the clients.
 *
 * The send loop is the per-record path of the benchmark itself and is written for speed: no
 * allocation per record but the acknowledgement callback (which every client needs, as Java's
 * ProducerPerformance allocates its PerfCallback), and a clock read at most once per 64 sends
 * and once per synchronous burst of acknowledgements (performance.now() costs ~90 ns here,
 * as much as a whole Tandem send should).
 *
 * - Flat out (throughput -1): sends for about a millisecond, then yields a turn of the event loop
 *   (setImmediate) so that I/O and acknowledgements run, as a busy application would.
 * - At an offered rate: sends every record that is due, then sleeps on a timer until the next
 *   one is (a burst per ~1 ms timer tick at high rates).
 * - Either way, at most buffer.memory (default 32 MiB; the producer's own figure when the driver
 *   gives it, as a Tandem preset may change it) of payload is unacknowledged at once, the bound
 *   Java's producer puts on its own buffer: the loop waits for acknowledgements beyond it.
 *
 * Measured over the whole send loop: CPU (process.cpuUsage: every thread of the process,
 * Tandem's Sender worker and librdkafka's threads included) and the event loop's delay
 * (monitorEventLoopDelay, 1 ms resolution, reported beyond that 1 ms). Throughput and latency
 * cover the records after the warm-up.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ClientName, LoopDelaySummary, PerfResult, Workload } from '../perf/workload.js';
import { readPayloads } from '../perf/workload.js';
import type { ChildMessage, RunMessage } from './child-protocol.js';
import { loadDriver, type AckCallback, type ProducerDriver } from './driver.js';
import { LatencyRecorder } from './latency-recorder.js';

const DEFAULT_BUFFER_MEMORY = 32 * 1024 * 1024;
/** Flat out: send this long (ms) before yielding to the event loop. */
const BURST_MS = 1;
/** The event-loop monitor's timer period (ms); its samples include it, so it is subtracted. */
const LOOP_RESOLUTION_MS = 1;

function post(message: ChildMessage): void {
  process.send?.(message);
}

async function run(client: Exclude<ClientName, 'java'>, workload: Workload): Promise<PerfResult> {
  const payloads = readPayloads(workload.payloadFile);
  const payloadBytes = payloads.reduce((n, p) => n + p.length, 0) / payloads.length;
  const driver: ProducerDriver = await loadDriver(client);
  await driver.open(workload);
  post({ type: 'started' });

  const total = workload.numRecords;
  const warmup = workload.warmupRecords;
  const rate = workload.throughput;
  // The producer's own bound where the driver knows it (a Tandem preset may set it), else the property.
  const bufferMemory = driver.bufferMemory ?? Number(workload.producerProps['buffer.memory'] ?? DEFAULT_BUFFER_MEMORY);
  const maxInFlight = Math.max(1000, Math.floor(bufferMemory / payloadBytes));
  const resumeBelow = Math.floor(maxInFlight * 0.9);
  const latencies = new LatencyRecorder(total - warmup);

  // --- the clock: read at most once per 64 uses and once per synchronous burst ----------------
  let clock = 0;
  let clockUses = 0;
  const forgetClock = (): void => {
    clockUses = 0;
  };
  const now = (): number => {
    if (clockUses === 0) queueMicrotask(forgetClock);
    if (clockUses++ % 64 === 0) clock = performance.now();
    return clock;
  };

  // --- acknowledgements ---------------------------------------------------------------------
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstError: string | undefined;
  let steadyStart = 0;
  let lastAck = 0;
  let steadyBytes = 0;
  let wakeSender: (() => void) | undefined;
  let allAcked: (() => void) | undefined;
  const ack = (error: Error | null | undefined, sentAt: number, bytes: number, steady: boolean): void => {
    const t = now();
    acked++;
    if (error) {
      errors++;
      firstError ??= error.message;
    } else if (steady) {
      latencies.record(Math.round((t - sentAt) * 1000));
      steadyBytes += bytes;
    }
    lastAck = t;
    if (wakeSender !== undefined && sent - acked <= resumeBelow) {
      const wake = wakeSender;
      wakeSender = undefined;
      wake();
    }
    if (acked === total && allAcked !== undefined) allAcked();
  };

  const progress = setInterval(() => post({ type: 'progress', acked }), 200);
  progress.unref();
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const cpuAtStart = process.cpuUsage();
  const start = performance.now();

  // --- the send loop --------------------------------------------------------------------------
  while (sent < total) {
    const due = rate > 0 ? Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1) : total;
    const burstEnd = performance.now() + BURST_MS;
    while (sent < due && sent - acked < maxInFlight) {
      const value = payloads[sent % payloads.length]!;
      const steady = sent >= warmup;
      const sentAt = now();
      if (sent === warmup) steadyStart = sentAt;
      const done: AckCallback = (error) => ack(error, sentAt, value.length, steady);
      sent++;
      driver.send(value, done);
      if ((sent & 63) === 0 && rate <= 0 && performance.now() >= burstEnd) break;
    }
    if (sent - acked >= maxInFlight) {
      await new Promise<void>((resolve) => (wakeSender = resolve));
    } else if (rate > 0 && sent < total) {
      const nextDueMs = (sent * 1000) / rate - (performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDueMs)));
    } else {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const everyAck = acked === total ? Promise.resolve() : new Promise<void>((resolve) => (allAcked = resolve));
  await driver.flush();
  await everyAck;

  const cpu = process.cpuUsage(cpuAtStart);
  loopDelay.disable();
  clearInterval(progress);
  await driver.close();

  const steadyRecords = latencies.count;
  const seconds = (lastAck - steadyStart) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const notes = [...driver.notes];
  if (firstError !== undefined) notes.push(`${errors} records failed; the first: ${firstError}`);
  return {
    client,
    clientVersion: driver.version,
    records: steadyRecords,
    bytes: steadyBytes,
    seconds,
    recordsPerSec: seconds > 0 ? steadyRecords / seconds : 0,
    wholeRunRecordsPerSec: lastAck > start ? ((total - errors) * 1000) / (lastAck - start) : 0,
    mibPerSec: seconds > 0 ? steadyBytes / seconds / (1024 * 1024) : 0,
    latencyMs: latencies.summary(),
    latencyResolutionMs: 0.001,
    cpuSeconds,
    cpuSecondsPerMillion: (cpuSeconds * 1e6) / total,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    eventLoopDelayMs: loopDelaySummary(loopDelay),
    errors,
    notes,
  };
}

function loopDelaySummary(h: ReturnType<typeof monitorEventLoopDelay>): LoopDelaySummary {
  const beyond = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  return { p50: beyond(h.percentile(50)), p99: beyond(h.percentile(99)), max: beyond(h.max) };
}

process.once('message', (message: RunMessage) => {
  run(message.client, message.workload).then(
    (result) => {
      post({ type: 'result', result });
      process.disconnect?.();
      // Some clients keep handles (sockets, timers) for a while after close: the run is over.
      setTimeout(() => process.exit(0), 200).unref();
    },
    (error: unknown) => {
      post({ type: 'error', message: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
      process.disconnect?.();
      setTimeout(() => process.exit(1), 200).unref();
    },
  );
});
