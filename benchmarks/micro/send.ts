/**
 * The application thread's cost of send(), per record, against the real broker (so the Sender
 * really drains and completions really settle on this thread).
 *
 * Three figures per mode (callback with a Buffer value, callback with a string value, promise):
 * - `send() ns`: time inside send() calls only, per send, in bursts of 2000 sends: the median
 *   burst's (what the target of 250 ns per send with a callback is about). Wall time, because
 *   a thread's CPU clock (schedstat, getrusage of the thread) moves only at scheduler ticks
 *   while the thread runs, and a tick charges a burst with the work done before it since the
 *   last update (settling completions): it read about twice the cost. The median keeps the
 *   bursts in which the thread was preempted (a shared machine) out of the figure;
 * - `app-thread CPU ns`: CPU time of the application thread per record (time actually on a
 *   CPU, so preemption by the Sender, the broker or other processes on a shared machine does not
 *   count): send, settling completions, timers, GC on this thread;
 * - records/s end to end.
 * Then the event loop's delay (p50/p99/max, perf_hooks.monitorEventLoopDelay) while an app sends
 * 100,000 records/s in 1 ms ticks, beside the same monitor in an idle process over the same
 * seconds: on a small machine that also runs the broker, much of the app's delay is the
 * machine's (its cores are busy with the Sender and the broker), not the app's own work; and
 * send()'s time per record in that paced run (the median 1 ms tick's, wall).
 *
 * Run: `node benchmarks/dist/micro/send.js [--records N] [--rounds N] [--modes callback,promise]
 *   [--rate-seconds S (0 skips the event-loop run)] [--bootstrap host:port]`
 * (default: the harness broker, started on demand).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { KafkaProducer, type SendCallback } from '@tandem/producer';
import { SharedLayout } from '@tandem/producer/accumulator';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../paths.js';

interface Harness {
  ensureKafka(): Promise<{ bootstrap: string }>;
  createTopic(bootstrap: string, name: string, o: { partitions: number }): Promise<void>;
  uniqueTopicName(prefix: string): string;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

const records = Number(arg('records', '1000000'));
const LOOP_RESOLUTION_MS = 1;
/** Records in flight at most between bursts: 50,000 x ~110 bytes, a sixth of buffer.memory. */
const MAX_OUTSTANDING = 50_000;
const harness = (await import(pathToFileURL(resolve(repoRoot, 'test/dist/kafka/index.js')).href)) as Harness;
const bootstrap = arg('bootstrap', process.env['KAFKA_BOOTSTRAP'] ?? (await harness.ensureKafka()).bootstrap);
const value = Buffer.alloc(100, 'x');
const stringValue = 'x'.repeat(100);

/**
 * CPU time of the main thread, in ns (Linux: /proc/self/task/<pid>/schedstat). For a running
 * thread it moves only at scheduler ticks (4 ms here), so it serves for whole runs of seconds,
 * not for a burst of sends (see `send() ns` above).
 */
function mainThreadCpuNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function flatOut(mode: 'callback' | 'promise' | 'callback-string', topic: string): Promise<{ sendNs: number; appNs: number; rate: number }> {
  const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap, acks: 1, 'linger.ms': 5 });
  await producer.send({ topic, value }); // metadata, connection, producer id
  const burst = 2000;
  const burstNs: number[] = [];
  let done = 0;
  let failed = 0;
  // Resolved by the callback once `done` reaches `waitFor`: the loop waits for completions
  // without polling the event loop (a setImmediate spin would be counted as app-thread CPU).
  let waitFor = Infinity;
  let reached: () => void = () => {};
  const cb: SendCallback = (err) => {
    if (err !== null) failed++;
    if (++done >= waitFor) {
      waitFor = Infinity;
      reached();
    }
  };
  const completions = (count: number): Promise<void> | undefined => {
    if (done >= count) return undefined;
    waitFor = count;
    return new Promise<void>((r) => (reached = r));
  };
  const record = { topic, value: mode === 'callback-string' ? stringValue : value };
  const cpu0 = mainThreadCpuNs();
  const t0 = process.hrtime.bigint();
  let sent = 0;
  const promises: Promise<unknown>[] = [];
  while (sent < records) {
    const start = performance.now();
    if (mode === 'promise') {
      for (let i = 0; i < burst; i++) promises.push(producer.send(record));
    } else {
      for (let i = 0; i < burst; i++) producer.send(record, cb);
    }
    burstNs.push(((performance.now() - start) * 1e6) / burst);
    sent += burst;
    if (mode === 'promise' && promises.length >= 50_000) {
      await Promise.all(promises.splice(0));
      done = sent;
    }
    // Let completions settle and the buffer drain, as an app between bursts would; and keep
    // the records in flight well inside buffer.memory, so that what is measured is send()
    // appending, not sends queued while memory is full (that is backpressure, another path).
    await new Promise((r) => setImmediate(r));
    if (mode !== 'promise') await completions(sent - MAX_OUTSTANDING);
  }
  if (mode === 'promise') {
    await Promise.all(promises);
    done = sent;
  } else {
    await completions(sent);
  }
  const elapsed = Number(process.hrtime.bigint() - t0);
  const cpu = mainThreadCpuNs() - cpu0;
  await producer.close();
  if (failed > 0) throw new Error(`${failed} sends failed`);
  return { sendNs: median(burstNs), appNs: cpu / sent, rate: sent / (elapsed / 1e9) };
}

interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Delay beyond the monitor's resolution: its histogram holds the intervals between its timer callbacks. */
function loopDelay(h: ReturnType<typeof monitorEventLoopDelay>): LoopDelay {
  const beyond = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  return { p50: beyond(h.percentile(50)), p99: beyond(h.percentile(99)), max: beyond(h.max) };
}

/**
 * The same monitor in an idle Node.js process, over the same seconds: what the machine alone
 * does to an event loop while the producer, its Sender and the broker share the cores. On a
 * 2-core machine that shares them with the broker, most of the producer's own figure is this.
 * Resolves when the observer is ready; `result` when its time is up.
 */
async function startObserver(ms: number): Promise<{ result: Promise<LoopDelay> }> {
  const script = `
    const { monitorEventLoopDelay } = require('node:perf_hooks');
    const h = monitorEventLoopDelay({ resolution: ${LOOP_RESOLUTION_MS} });
    h.enable();
    process.stdout.write('ready\\n');
    setTimeout(() => {
      h.disable();
      const b = (ns) => Math.max(0, ns / 1e6 - ${LOOP_RESOLUTION_MS});
      process.stdout.write(JSON.stringify({ p50: b(h.percentile(50)), p99: b(h.percentile(99)), max: b(h.max) }) + '\\n');
    }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<LoopDelay>((resolveResult, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('ready\n')) onReady();
    });
    child.on('error', reject);
    child.on('close', () => {
      const line = out.split('\n')[1];
      if (line) resolveResult(JSON.parse(line) as LoopDelay);
      else reject(new Error('the event-loop observer process printed no result'));
    });
  });
  await ready;
  return { result };
}

/** What the app thread spent on the loop's worst moments: Sender wake-ups and GC pauses (ms each). */
interface Stalls {
  readonly wakeUps: number[];
  readonly gcPauses: number[];
}

/**
 * Records, until the returned stop() is called, each doorbell ring that woke the Sender (an
 * Atomics.notify, timed on this thread) and each GC pause of this thread.
 */
function watchStalls(): { stalls: Stalls; stop(): void } {
  const stalls: Stalls = { wakeUps: [], gcPauses: [] };
  type Ringer = { wakeSender(): void };
  const proto = SharedLayout.prototype as unknown as Ringer;
  const ring = proto.wakeSender;
  proto.wakeSender = function (this: Ringer & { senderRung: number }): void {
    const before = this.senderRung;
    const t0 = performance.now();
    ring.call(this);
    if (this.senderRung !== before) stalls.wakeUps.push(performance.now() - t0);
  };
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) stalls.gcPauses.push(e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    stalls,
    stop: () => {
      proto.wakeSender = ring;
      gc.disconnect();
    },
  };
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

async function atRate(
  topic: string,
  perSecond: number,
  seconds: number,
): Promise<{ producer: LoopDelay; idleProcess: LoopDelay; stalls: Stalls; sendNs: number }> {
  const producer = new KafkaProducer({ 'bootstrap.servers': bootstrap, acks: 1, 'linger.ms': 5 });
  await producer.send({ topic, value });
  const observer = await startObserver(seconds * 1000);
  const watch = watchStalls();
  const h = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  let done = 0;
  const cb: SendCallback = () => {
    done++;
  };
  h.enable();
  const start = performance.now();
  let sent = 0;
  const tickNs: number[] = [];
  await new Promise<void>((resolveDone) => {
    const tick = (): void => {
      const due = Math.min(perSecond * seconds, Math.floor(((performance.now() - start) / 1000) * perSecond));
      const t0 = performance.now();
      const first = sent;
      for (; sent < due; sent++) producer.send({ topic, value }, cb);
      if (sent > first) tickNs.push(((performance.now() - t0) * 1e6) / (sent - first));
      if (sent >= perSecond * seconds) resolveDone();
      else setTimeout(tick, 1);
    };
    tick();
  });
  h.disable();
  watch.stop();
  while (done < sent) await new Promise((r) => setTimeout(r, 1));
  await producer.close();
  return { producer: loopDelay(h), idleProcess: await observer.result, stalls: watch.stalls, sendNs: median(tickNs) };
}

const rounds = Number(arg('rounds', '3'));
const modes = arg('modes', 'callback,callback-string,promise').split(',') as Array<'callback' | 'callback-string' | 'promise'>;
const rateSeconds = Number(arg('rate-seconds', '5'));
const results: Record<string, { sendNs: number[]; appNs: number[]; rate: number[] }> = {};
for (let r = 0; r < rounds; r++) {
  for (const mode of modes) {
    const topic = harness.uniqueTopicName('send-bench');
    await harness.createTopic(bootstrap, topic, { partitions: 6 });
    const res = await flatOut(mode, topic);
    const acc = (results[mode] ??= { sendNs: [], appNs: [], rate: [] });
    acc.sendNs.push(res.sendNs);
    acc.appNs.push(res.appNs);
    acc.rate.push(res.rate);
  }
}
console.log(
  `send() on the application thread, ${records} records of 100 bytes, acks=1, 6 partitions, median of ${rounds}; Node ${process.version}`,
);
console.log('mode                   send() ns   app-thread CPU ns   records/s');
for (const [mode, r] of Object.entries(results)) {
  console.log(
    `${mode.padEnd(18)} ${median(r.sendNs).toFixed(0).padStart(13)}   ${median(r.appNs).toFixed(0).padStart(17)}   ${median(r.rate).toFixed(0).padStart(9)}`,
  );
}
if (rateSeconds > 0) {
  const topic = harness.uniqueTopicName('send-rate');
  await harness.createTopic(bootstrap, topic, { partitions: 6 });
  const lag = await atRate(topic, 100_000, rateSeconds);
  const show = (d: LoopDelay): string => `p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms, max ${d.max.toFixed(2)} ms`;
  console.log(`event-loop delay at 100,000 records/s for ${rateSeconds} s (beyond the monitor's 1 ms resolution):`);
  console.log(`  the producing app         ${show(lag.producer)}`);
  console.log(`  an idle process, meanwhile ${show(lag.idleProcess)}`);
  console.log(`  send() per record meanwhile: ${lag.sendNs.toFixed(0)} ns (median tick, wall)`);
  const { wakeUps, gcPauses } = lag.stalls;
  console.log(
    `  on the app thread meanwhile: ${(wakeUps.length / rateSeconds).toFixed(0)} Sender wake-ups/s ` +
      `(notify p50 ${(quantile(wakeUps, 0.5) * 1000).toFixed(0)} us, p99 ${quantile(wakeUps, 0.99).toFixed(2)} ms), ` +
      `${gcPauses.length} GC pauses (p50 ${quantile(gcPauses, 0.5).toFixed(2)} ms, max ${quantile(gcPauses, 1).toFixed(2)} ms)`,
  );
}
