/**
 * Micro benchmark of the application thread's per-record work in the shared accumulator, with
 * no Sender worker, broker or network: what Tandem's own code costs per record, apart from what
 * a shared machine adds in the real run (benchmarks/micro/send.ts measures that one).
 *
 * One thread plays both parts. The appender writes 100-byte records into 16 KiB slabs of a
 * SharedArrayBuffer (the real RecordAppender: record encoding, one compare-and-swap per record,
 * slab open/seal/announce); for each slab the appender seals, the "Sender" here pushes a
 * completion for all its records onto the real completion ring, and the real DeliveryTracker
 * settles them (a RecordMetadata and a callback per record) and frees the slab. So a record
 * costs, in turn:
 * - `append`: the appender alone (slabs recycled without settling);
 * - `append + track + settle`: the whole lifecycle on the application thread, callbacks;
 * - the same with a string value (UTF-8 written in place) and with a 16-byte key.
 * send() adds the record's checks, the serializer choice, the partitioner and the clock
 * (benchmarks/micro/send.ts).
 *
 * A last case moves the Sender's part to a worker thread, as in the real producer: it reads
 * each sealed slab (a CRC-32C over its records, as the real Sender computes before it writes
 * the slab to a socket) and completes it. The appender then writes into memory that another
 * core read last, so each cache line it writes must first move back from that core; the
 * difference from the one-thread case is that cost, which no code on the send() path can
 * avoid (the Sender must read what the app wrote). That case is timed by the wall clock of the
 * application thread (which never sleeps in it): process CPU time would count the worker's.
 *
 * Figures are medians of CPU time (process.cpuUsage) per record over several runs, the cases
 * taking turns, so that a shared machine's load falls on all of them alike.
 *
 *   npx tsc -b && node benchmarks/dist/micro/accumulator.js [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { crc32c } from '@tandem/protocol';
import {
  AnnounceEvent,
  AppendResult,
  BATCH_HEADER_SIZE,
  COMMITTED_MASK,
  CompletionWord,
  DeliveryTracker,
  PartitionLoad,
  RecordAppender,
  SharedLayout,
  SlabWord,
  storeInt64,
  type AppendTarget,
} from '@tandem/producer/accumulator';

/**
 * The Sender's completion of a whole slab, as the real Sender publishes it: every record acknowledged
 * from `baseOffset` on. Returns false (nothing written) if the completion ring is full.
 */
function pushCompletion(shared: SharedLayout, slab: number, generation: number, count: number, baseOffset: number): boolean {
  const ring = shared.completions;
  const e = ring.reserve();
  if (e < 0) return false;
  const words = shared.control;
  words[e + CompletionWord.SLAB] = slab;
  words[e + CompletionWord.GENERATION] = generation;
  words[e + CompletionWord.FIRST_RECORD] = 0;
  words[e + CompletionWord.RECORD_COUNT] = count;
  words[e + CompletionWord.ERROR] = 0;
  storeInt64(words, e + CompletionWord.BASE_OFFSET_HI, baseOffset);
  storeInt64(words, e + CompletionWord.LOG_APPEND_TIME_HI, -1);
  ring.publish();
  return true;
}

/** Words of the go/stop flag between this thread and the worker playing the Sender. */
const Flag = { RUN: 0, STOP: 1 } as const;

if (!isMainThread) {
  // The worker: the Sender's part for the cross-thread case, while RUN is set.
  const { buffers, flags } = workerData as { buffers: Parameters<typeof SharedLayout.attach>[0]; flags: Int32Array };
  const shared = SharedLayout.attach(buffers);
  const words = shared.control;
  let nextOffset = 0;
  let sink = 0;
  for (;;) {
    Atomics.wait(flags, Flag.RUN, 0);
    if (Atomics.load(flags, Flag.STOP) === 1) break;
    while (Atomics.load(flags, Flag.RUN) === 1) {
      const ring = shared.announce;
      for (let at = ring.peek(); at >= 0; at = ring.peek()) {
        const word = words[at]!;
        ring.release();
        if (word >>> 24 !== AnnounceEvent.SEALED_FULL) continue;
        const slab = word & 0xffffff;
        const w = shared.slabWord(slab, 0);
        const committed = Atomics.load(words, w + SlabWord.COMMIT) & COMMITTED_MASK;
        const start = shared.slabOffset(slab) + BATCH_HEADER_SIZE;
        const end = start + committed;
        sink ^= crc32c(shared.data.subarray(start, end));
        // Count the records (the completion says how many), by their length varints.
        let count = 0;
        for (let p = start; p < end; count++) {
          let z = 0;
          let shift = 0;
          let b: number;
          do {
            b = shared.data[p++]!;
            z |= (b & 0x7f) << shift;
            shift += 7;
          } while (b & 0x80);
          p += (z >>> 1) ^ -(z & 1);
        }
        while (!pushCompletion(shared, slab, words[w + SlabWord.GENERATION]!, count, nextOffset));
        nextOffset += count;
      }
    }
  }
  if (sink === 0.5) console.log(sink);
  process.exit(0);
}

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 9;
const RECORDS_PER_RUN = quick ? 200_000 : 1_000_000;
const SLAB_SIZE = 16 * 1024;
const SLABS = 256; // 4 MiB: reused over and over, as a producer in a steady state reuses them

/** The application thread's side of one accumulator: a layout, its appender and tracker, one topic of 6 partitions. */
function appSide(): { layout: SharedLayout; appender: RecordAppender; tracker: DeliveryTracker; target: AppendTarget } {
  const layout = SharedLayout.create({ slabSize: SLAB_SIZE, slabCount: SLABS });
  const appender = new RecordAppender(layout, SLAB_SIZE);
  const tracker = new DeliveryTracker(
    layout,
    appender,
    () => 'bench',
    (code) => new Error(`code ${code}`),
    () => {},
  );
  return { layout, appender, tracker, target: { topicIndex: 0, openSlab: new Int32Array(6).fill(-1), load: new PartitionLoad(6) } };
}

const { layout, appender, tracker, target } = appSide();
const value = Buffer.alloc(100, 'x');
const stringValue = 'x'.repeat(100);
const key = Buffer.from('customer-0000042');
let settled = 0;
const callback = (): void => {
  settled++;
};
let offset = 0;

/** The Sender's part: takes the announcements; completes every slab sealed full. */
function playSender(settle: boolean): void {
  const ring = layout.announce;
  for (let at = ring.peek(); at >= 0; at = ring.peek()) {
    const word = layout.control[at]!;
    ring.release();
    if (word >>> 24 !== AnnounceEvent.SEALED_FULL) continue;
    const slab = word & 0xffffff;
    const count = appender.recordCount[slab]!;
    if (!settle) {
      appender.release(slab);
      continue;
    }
    // The ring holds a completion per slab: this thread drains it before the next run of appends.
    pushCompletion(layout, slab, appender.generation[slab]!, count, offset);
    offset += count;
  }
  if (settle) tracker.drain();
}

function run(records: number, settle: boolean, v: Uint8Array | string, k: Uint8Array | null): void {
  const timestamp = Date.now();
  let partition = 0;
  for (let i = 0; i < records; i++) {
    const result = appender.append(target, partition, timestamp, k, v, null);
    if (result !== AppendResult.APPENDED) throw new Error(`append: ${result}`);
    if (settle) tracker.track(appender.lastSlab, appender.lastRecordIndex, callback, null);
    if ((i & 63) === 63) playSender(settle);
    if ((i & 1023) === 1023) partition = (partition + 1) % 6;
  }
  // Every slab completes within its case: the next case starts with all slabs free.
  appender.sealAll(target);
  playSender(settle);
}

interface Case {
  readonly label: string;
  readonly fn: () => void;
}

const cases: Case[] = [
  { label: 'append, 100-byte Buffer value', fn: () => run(RECORDS_PER_RUN, false, value, null) },
  { label: 'append + track + settle, Buffer value', fn: () => run(RECORDS_PER_RUN, true, value, null) },
  { label: 'append + track + settle, 100-char string', fn: () => run(RECORDS_PER_RUN, true, stringValue, null) },
  { label: 'append + track + settle, 16-byte key', fn: () => run(RECORDS_PER_RUN, true, value, key) },
];

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

// The cross-thread case: its own layout, which the worker attaches to.
const {
  layout: threadedLayout,
  appender: threadedAppender,
  tracker: threadedTracker,
  target: threadedTarget,
} = appSide();
const flags = new Int32Array(new SharedArrayBuffer(8));
const worker = new Worker(new URL(import.meta.url), { workerData: { buffers: threadedLayout.buffers, flags } });

function runThreaded(records: number): void {
  Atomics.store(flags, Flag.RUN, 1);
  Atomics.notify(flags, Flag.RUN);
  const timestamp = Date.now();
  let partition = 0;
  for (let i = 0; i < records; i++) {
    let result = threadedAppender.append(threadedTarget, partition, timestamp, null, value, null);
    while (result === AppendResult.NO_MEMORY) {
      threadedTracker.drain();
      result = threadedAppender.append(threadedTarget, partition, timestamp, null, value, null);
    }
    if (result !== AppendResult.APPENDED) throw new Error(`append: ${result}`);
    threadedTracker.track(threadedAppender.lastSlab, threadedAppender.lastRecordIndex, callback, null);
    if ((i & 63) === 63) threadedTracker.drain();
    if ((i & 1023) === 1023) partition = (partition + 1) % 6;
  }
  threadedAppender.sealAll(threadedTarget);
  while (threadedTracker.pending > 0) threadedTracker.drain();
  Atomics.store(flags, Flag.RUN, 0);
}

/** Wall-clock ns per record of `fn` (the app thread never sleeps in these runs). */
function wallNs(fn: () => void): number {
  const start = performance.now();
  fn();
  return ((performance.now() - start) * 1e6) / RECORDS_PER_RUN;
}

const runs = cases.map(() => [] as number[]);
for (let round = -1; round < RUNS; round++) {
  for (let i = 0; i < cases.length; i++) {
    const start = cpuNs();
    cases[i]!.fn();
    if (round >= 0) runs[i]!.push((cpuNs() - start) / RECORDS_PER_RUN);
  }
}

console.log(`Per record, CPU ns (median of ${RUNS}); ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}; Node ${process.version}`);
cases.forEach((c, i) => {
  const sorted = runs[i]!.sort((a, b) => a - b);
  console.log(`${c.label.padEnd(48)} ${sorted[sorted.length >> 1]!.toFixed(1).padStart(8)}`);
});

// One thread against the Sender's part on another core, by the same (wall) clock, taking turns.
const oneThread: number[] = [];
const crossThread: number[] = [];
for (let round = -1; round < RUNS; round++) {
  const one = wallNs(() => run(RECORDS_PER_RUN, true, value, null));
  const cross = wallNs(() => runThreaded(RECORDS_PER_RUN));
  if (round >= 0) {
    oneThread.push(one);
    crossThread.push(cross);
  }
}
const med = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`By the wall clock (ns per record, median of ${RUNS}), append + track + settle, Buffer value:`);
console.log(`${"  the Sender's part on this thread".padEnd(48)} ${med(oneThread).toFixed(1).padStart(8)}`);
console.log(`${"  the Sender's part on another thread (reads)".padEnd(48)} ${med(crossThread).toFixed(1).padStart(8)}`);
Atomics.store(flags, Flag.STOP, 1);
Atomics.store(flags, Flag.RUN, 1);
Atomics.notify(flags, Flag.RUN);
await new Promise((resolveExit) => worker.once('exit', resolveExit));
if (settled === 0.5) console.log(settled); // keeps the callback's work observable
