/**
 * Micro benchmark of the compression codecs on what the Sender compresses: the records section
 * of a batch, 100-byte JSON-like values in the RecordBatch v2 record format.
 *
 * Reports, per codec and level, compress and decompress of a 16 KiB batch (the default
 * batch.size) as median ns per call and MB/s of uncompressed bytes, the compression ratio, and
 * the time to compress a 1 MiB batch. Last, the round trip of a 16 KiB buffer to a worker thread
 * and back, the least any compression pool (piscina or other) adds per batch: compare it with
 * the compress times to see whether offloading pays.
 *
 *   npx tsc -b && node benchmarks/dist/micro/compression.js [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { gzip, lz4, snappy, zstd, type Codec } from '@tandem/protocol';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 7;
const RUN_MS = quick ? 60 : 200;

// ---------------------------------------------------------------------------------------------
// The payload: a records section of ~100-byte values, as the accumulator's slabs hold it.

function writeVarint(out: number[], value: number): void {
  let v = ((value << 1) ^ (value >> 31)) >>> 0; // zig-zag
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** Records of `valueSize`-byte JSON values (null key, no headers) until `size` bytes. */
function recordsSection(size: number, valueSize = 100): Buffer {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  const events = ['page_view', 'click', 'add_to_cart', 'purchase', 'search', 'logout'];
  let seed = 42;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const out: number[] = [];
  for (let i = 0; out.length < size; i++) {
    let json =
      `{"user":"${users[rand(8)]}${rand(100000)}","event":"${events[rand(6)]}",` +
      `"ts":${1732500000000 + i * rand(50)},"amount":${rand(100000) / 100},"sku":"SKU-${rand(1e6)}"}`;
    json = json.length >= valueSize ? json.slice(0, valueSize) : json.padEnd(valueSize, ' ');
    const body: number[] = [0]; // attributes
    writeVarint(body, rand(20)); // timestampDelta
    writeVarint(body, i); // offsetDelta
    writeVarint(body, -1); // null key
    writeVarint(body, json.length);
    for (let k = 0; k < json.length; k++) body.push(json.charCodeAt(k));
    writeVarint(body, 0); // no headers
    writeVarint(out, body.length);
    out.push(...body);
  }
  return Buffer.from(out.slice(0, size));
}

// ---------------------------------------------------------------------------------------------

interface Timing {
  /** Median wall-clock ns per call. */
  wall: number;
  /** Median CPU ns per call (user + system of the process): robust when other processes compete. */
  cpu: number;
}

/** Median ns per call of `fn` over RUNS runs of about RUN_MS each (after a warm-up run). */
function measure(fn: () => unknown): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = -1; run < RUNS; run++) {
    let calls = 0;
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(RUN_MS) * 1_000_000n;
    let now = start;
    do {
      fn();
      calls++;
      if ((calls & 3) === 0 || calls < 4) now = process.hrtime.bigint();
    } while (now < deadline);
    now = process.hrtime.bigint();
    const used = process.cpuUsage(cpuStart);
    if (run >= 0) {
      wall.push(Number(now - start) / calls);
      cpu.push(((used.user + used.system) * 1000) / calls);
    }
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const mbps = (bytes: number, ns: number): number => Math.round((bytes / ns) * 1e3);
const us = (ns: number): string => (ns / 1e3).toFixed(1);

interface Row {
  codec: string;
  level: string;
  ratio: string;
  'compress ns': number;
  'compress MB/s': number;
  'decompress ns': number;
  'decompress MB/s': number;
  '1 MiB compress µs': number;
}

const cases: [Codec, number | undefined][] = [
  [gzip, undefined],
  [gzip, 1],
  [snappy, undefined],
  [lz4, undefined],
  [zstd, undefined],
  [zstd, 1],
  [zstd, -1],
];

async function workerRoundTrip(payload: Buffer): Promise<number> {
  // The worker echoes what it gets: the cost is the message passing and the copy, which any
  // pool pays on top of the compression itself.
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (buf) => parentPort.postMessage(buf));`,
    { eval: true },
  );
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage(payload);
    });
  for (let i = 0; i < 200; i++) await once();
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const n = quick ? 300 : 1000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await once();
    samples.push(Number(process.hrtime.bigint() - start) / n);
  }
  await worker.terminate();
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

async function main(): Promise<void> {
  const batch = recordsSection(16 * 1024);
  const big = recordsSection(1024 * 1024);
  console.log(
    `compression micro benchmark: ${batch.length}-byte records section of 100-byte JSON values; ` +
      `median of ${RUNS} runs x ${RUN_MS} ms; Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ` +
      `load average ${loadavg()[0]!.toFixed(2)} (other processes skew the figures)`,
  );
  const rows: Row[] = [];
  const wallRows: Row[] = [];
  for (const [codec, level] of cases) {
    const compressed = codec.compress(batch, level);
    const c = measure(() => codec.compress(batch, level));
    const d = measure(() => codec.decompress(compressed));
    const b = measure(() => codec.compress(big, level));
    const row = (pick: keyof Timing): Row => ({
      codec: codec.name,
      level: level === undefined ? `${codec.levels?.default ?? '-'} (default)` : String(level),
      ratio: (batch.length / compressed.length).toFixed(2),
      'compress ns': Math.round(c[pick]),
      'compress MB/s': mbps(batch.length, c[pick]),
      'decompress ns': Math.round(d[pick]),
      'decompress MB/s': mbps(batch.length, d[pick]),
      '1 MiB compress µs': Math.round(b[pick] / 1e3),
    });
    rows.push(row('cpu'));
    wallRows.push(row('wall'));
  }
  console.log('CPU time per call (user + system), the figure to compare:');
  console.table(rows);
  console.log('Wall-clock time per call (inflated when other processes share the cores):');
  console.table(wallRows);
  const rtt = await workerRoundTrip(batch);
  console.log(`worker_threads round trip of a 16 KiB buffer (postMessage there and back, copied): ${us(rtt)} µs median`);
}

await main();
