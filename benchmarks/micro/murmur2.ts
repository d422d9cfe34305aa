/**
 * Micro benchmark of the per-record partitioning path: murmur2 of a 16-byte and a 100-byte key
 * (read in place from a slab-like buffer at varying offsets), the full keyed decision
 * (`RecordPartitioner.choose`), and the built-in sticky partitioner's per-record calls
 * (`partition` + `afterAppend`) for keyless records.
 *
 * Reports, per case, the median over several runs of ns per call in wall time and in process
 * CPU time. On a busy machine (other processes sharing the cores) wall time inflates; CPU time
 * stays closer to the code's own cost. Each call's result feeds a checksum that is printed, so
 * the JIT cannot drop the work.
 *
 *   npx tsc -b && node benchmarks/dist/micro/murmur2.js [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { BuiltInPartitioner, RecordPartitioner, murmur2, murmur2View, type TopicPartitions } from '@tandem/producer';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 9;
const CALLS = quick ? 1_000_000 : 5_000_000;

/** 1 MiB of pseudo-random bytes, standing in for keys already written into a slab. */
const slab = new Uint8Array(1 << 20);
{
  let x = 0x2545f491;
  for (let i = 0; i < slab.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    slab[i] = x & 0xff;
  }
}
const OFFSET_MASK = (1 << 19) - 1; // offsets in the first half, so offset + length stays inside

let checksum = 0;

/** Median wall and CPU ns per call of `body(i)` over RUNS runs of CALLS calls (after a warm-up run). */
function measure(body: (i: number) => number): [number, number] {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = -1; run < RUNS; run++) {
    let sum = 0;
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) sum = (sum + body(i)) | 0;
    const ns = Number(process.hrtime.bigint() - start);
    const used = process.cpuUsage(cpuStart);
    checksum ^= sum;
    if (run >= 0) {
      wall.push(ns / CALLS);
      cpu.push(((used.user + used.system) * 1000) / CALLS);
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1];
  return [median(wall), median(cpu)];
}

const rows: [string, [number, number]][] = [];

// An empty loop with the same offset arithmetic, to show the harness's own cost.
rows.push(['loop overhead (offset arithmetic only)', measure((i) => slab[(i * 37) & OFFSET_MASK])]);

const slabView = new DataView(slab.buffer);
for (const length of [16, 100]) {
  rows.push([`murmur2, ${length}-byte key in place`, measure((i) => murmur2(slab, (i * 37) & OFFSET_MASK, length))]);
  rows.push([`murmur2View, ${length}-byte key in place`, measure((i) => murmur2View(slabView, (i * 37) & OFFSET_MASK, length))]);
}

const partitioner = new RecordPartitioner({ partitioner: null, ignoreKeys: false, batchSize: 16384, adaptive: true });
const topic: TopicPartitions = { partitionCount: 12, availablePartitions: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const record = { topic: 'events' };
rows.push([
  'RecordPartitioner.choose, 16-byte key, 12 partitions',
  measure((i) => partitioner.choose('events', undefined, slab, (i * 37) & OFFSET_MASK, 16, topic, record)),
]);

const sticky = new BuiltInPartitioner('events', 16384);
rows.push([
  'sticky partition() + afterAppend(), keyless 100-byte records',
  measure(() => {
    const p = sticky.partition(topic);
    sticky.afterAppend(110, false, topic);
    return p;
  }),
]);

const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Partitioning micro benchmark: Node ${process.version}, ${cpuModel} x ${cpus().length}, ` +
    `load ${loadavg()[0].toFixed(1)}, median of ${RUNS} runs x ${CALLS} calls`,
);
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`${''.padEnd(width)}  ${'wall'.padStart(6)}  ${'cpu'.padStart(6)}  (ns/call)`);
for (const [name, [wall, cpu]] of rows) {
  console.log(`${name.padEnd(width)}  ${wall.toFixed(1).padStart(6)}  ${cpu.toFixed(1).padStart(6)}`);
}
console.log(`(checksum ${checksum >>> 0})`);
