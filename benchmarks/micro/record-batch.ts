/**
 * Micro benchmark of the RecordBatch v2 encoder: what send() costs the application thread per
 * record, and what the Sender pays per batch for the header and CRC-32C.
 *
 * Per record (ns), writing 100-byte values into a 16 KiB slab that is a view of a
 * SharedArrayBuffer, as the accumulator does (size check included, since the caller must make
 * it): a Buffer value; a 100-character string value written once by `writeRecordUtf8`, ASCII and
 * not; the same string the two-pass way (Buffer.byteLength, then write) and through
 * TextEncoder.encodeInto, for comparison; a record with a key and two headers.
 * Per batch (ns): the 61-byte header plus CRC-32C over a full 16 KiB slab, CRC-32C alone, and
 * for reference buildRecordBatch and decodeRecordBatches of the same batch.
 *
 * Every figure is the median of RUNS timed runs (after a warm-up round) of about RUN_MS each, in
 * CPU time, the per-record cases taking turns (see `measureAll`).
 *
 *   npx tsc -b && node benchmarks/dist/micro/record-batch.js [--quick]
 */
import { cpus, loadavg } from 'node:os';
import {
  RECORD_BATCH_OVERHEAD,
  buildRecordBatch,
  crc32c,
  decodeRecordBatches,
  recordSize,
  varintSize,
  varlongSize,
  writeBatchHeader,
  writeRecord,
  writeRecordUtf8,
  writeVarint,
  writeVarlong,
  type RecordHeader,
} from '@tandem/protocol';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 9;
const RUN_MS = quick ? 80 : 250;
const BATCH_SIZE = 16 * 1024;

/**
 * ns per unit of one timed run of about RUN_MS: `fn` does `units` units of work per call (a slab
 * of records, or one batch), so the harness's own cost stays out of per-record figures.
 *
 * Time is the process's CPU time (process.cpuUsage), not the wall clock: on a shared machine the
 * wall clock also counts the time other processes hold the core, which is not a cost of this
 * code. The per-record paths allocate nothing, so no GC thread adds to the CPU time.
 */
function timedRun(units: number, fn: () => unknown): number {
  let calls = 0;
  const deadline = process.hrtime.bigint() + BigInt(RUN_MS) * 1_000_000n;
  const cpu0 = process.cpuUsage();
  do {
    fn();
    calls++;
  } while (process.hrtime.bigint() < deadline);
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / (calls * units);
}

interface Case {
  readonly label: string;
  readonly units: number;
  readonly fn: () => unknown;
}

/**
 * Median ns per unit of each case. The cases take turns, one run each per round (after a
 * warm-up round), so that a change in the machine's load during the benchmark falls on all of
 * them alike instead of on whichever ran at that moment.
 */
function measureAll(cases: readonly Case[]): number[] {
  const runs = cases.map(() => [] as number[]);
  for (let round = -1; round < RUNS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const ns = timedRun(cases[i]!.units, cases[i]!.fn);
      if (round >= 0) runs[i]!.push(ns);
    }
  }
  return runs.map((r) => r.sort((a, b) => a - b)[r.length >> 1]!);
}

/** Median ns per unit of `fn` alone. */
function measure(units: number, fn: () => unknown): number {
  return measureAll([{ label: '', units, fn }])[0]!;
}

// ---------------------------------------------------------------------------------------------
// Inputs

const memory = new SharedArrayBuffer(4 * BATCH_SIZE);
/** One slab: a view into the middle of a larger SharedArrayBuffer, as the accumulator has it. */
const slab = new Uint8Array(memory, BATCH_SIZE, BATCH_SIZE);
/** The same memory as a Buffer, for the comparisons that need Buffer#write. */
const slabBuffer = Buffer.from(memory, BATCH_SIZE, BATCH_SIZE);

function json100(i: number): string {
  const s = `{"user":"user${i % 9973}","event":"page_view","ts":${1732500000000 + i},"amount":${(i % 10000) / 100},"sku":"SKU-${i}"}`;
  return s.length >= 100 ? s.slice(0, 100) : s.padEnd(100, ' ');
}
const STRINGS = Array.from({ length: 64 }, (_, i) => json100(i));
const VALUES = STRINGS.map((s) => Buffer.from(s));
// 100 UTF-16 code units with 2-, 3- and 4-byte characters (151 bytes of UTF-8).
const NON_ASCII = Array.from({ length: 64 }, (_, i) => `{"name":"Zoë ${i}","city":"Kraków","note":"✓ 😀 naïve café"}`.padEnd(100, '·').slice(0, 100));
const KEY = Buffer.from('customer-0000042');
const HEADERS: RecordHeader[] = [
  { key: 'traceparent', value: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01') },
  { key: 'content-type', value: 'application/json' },
];

// ---------------------------------------------------------------------------------------------
// The per-record paths. Each fills the slab from byte 61 until the next record does not fit,
// the way the appender does, and returns the count (so nothing is optimised away).

let sink = 0;

function fillBytes(key: Uint8Array | null, headers: RecordHeader[] | null): number {
  let pos = RECORD_BATCH_OVERHEAD;
  let n = 0;
  for (;;) {
    const value = VALUES[n & 63]!;
    const size = recordSize(n & 7, n, key, value, headers);
    if (pos + size > BATCH_SIZE) break;
    pos = writeRecord(slab, pos, n & 7, n, key, value, headers);
    n++;
  }
  sink ^= pos;
  return n;
}

function fillUtf8(strings: string[]): number {
  let pos = RECORD_BATCH_OVERHEAD;
  let n = 0;
  for (;;) {
    const next = writeRecordUtf8(slab, pos, BATCH_SIZE, n & 7, n, null, strings[n & 63]!, null);
    if (next < 0) break;
    pos = next;
    n++;
  }
  sink ^= pos;
  return n;
}

/** The floor: only copying each 100-byte value into the slab (no varints, no checks). */
function fillCopyOnly(): number {
  let pos = RECORD_BATCH_OVERHEAD;
  let n = 0;
  while (pos + 103 <= BATCH_SIZE) {
    slab.set(VALUES[n & 63]!, pos);
    pos += 103;
    n++;
  }
  sink ^= pos;
  return n;
}

/** For comparison: measure the string (Buffer.byteLength), then write it (Buffer#write). */
function fillTwoPass(strings: string[]): number {
  let pos = RECORD_BATCH_OVERHEAD;
  let n = 0;
  for (;;) {
    const s = strings[n & 63]!;
    const len = Buffer.byteLength(s, 'utf8');
    const body = 1 + varlongSize(n & 7) + varintSize(n) + 1 + varintSize(len) + len + 1;
    if (pos + varintSize(body) + body > BATCH_SIZE) break;
    pos = writeVarint(slab, pos, body);
    slab[pos++] = 0;
    pos = writeVarlong(slab, pos, n & 7);
    pos = writeVarint(slab, pos, n);
    slab[pos++] = 1; // null key
    pos = writeVarint(slab, pos, len);
    pos += slabBuffer.write(s, pos, len, 'utf8');
    slab[pos++] = 0;
    n++;
  }
  sink ^= pos;
  return n;
}

const encoder = new TextEncoder();
/** For comparison: TextEncoder.encodeInto into a subarray (one view allocated per record). */
function fillEncodeInto(strings: string[]): number {
  let pos = RECORD_BATCH_OVERHEAD;
  let n = 0;
  for (;;) {
    const s = strings[n & 63]!;
    // Measure by encoding into scratch space past the varints (assume 2-byte lengths), then move.
    const worst = 3 * s.length;
    if (pos + 16 + worst > BATCH_SIZE) break;
    const written = encoder.encodeInto(s, slab.subarray(pos + 16, pos + 16 + worst)).written;
    const body = 1 + varlongSize(n & 7) + varintSize(n) + 1 + varintSize(written) + written + 1;
    const start = pos;
    pos = writeVarint(slab, pos, body);
    slab[pos++] = 0;
    pos = writeVarlong(slab, pos, n & 7);
    pos = writeVarint(slab, pos, n);
    slab[pos++] = 1;
    pos = writeVarint(slab, pos, written);
    slab.copyWithin(pos, start + 16, start + 16 + written);
    pos += written;
    slab[pos++] = 0;
    n++;
  }
  sink ^= pos;
  return n;
}

// ---------------------------------------------------------------------------------------------

function row(label: string, ns: number, extra = ''): void {
  console.log(`  ${label.padEnd(58)} ${ns.toFixed(1).padStart(9)} ns${extra}`);
}

console.log(
  `RecordBatch v2 micro benchmark: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ` +
    `load ${loadavg()[0]!.toFixed(2)}; median of ${RUNS} runs x ${RUN_MS} ms, CPU time`,
);

console.log('\nPer record, 100-byte values into a 16 KiB SharedArrayBuffer slab (size check included):');
{
  const cases: Case[] = [
    { label: 'floor: copying the 100 bytes only (Uint8Array#set)', units: fillCopyOnly(), fn: fillCopyOnly },
    { label: `writeRecord, Buffer value, null key (${fillBytes(null, null)}/slab)`, units: fillBytes(null, null), fn: () => fillBytes(null, null) },
    { label: `writeRecordUtf8, 100-char ASCII string (${fillUtf8(STRINGS)}/slab)`, units: fillUtf8(STRINGS), fn: () => fillUtf8(STRINGS) },
    { label: `writeRecordUtf8, 100-char non-ASCII string, 151 B (${fillUtf8(NON_ASCII)}/slab)`, units: fillUtf8(NON_ASCII), fn: () => fillUtf8(NON_ASCII) },
    { label: '  compare: byteLength + Buffer#write, ASCII', units: fillTwoPass(STRINGS), fn: () => fillTwoPass(STRINGS) },
    { label: '  compare: byteLength + Buffer#write, non-ASCII', units: fillTwoPass(NON_ASCII), fn: () => fillTwoPass(NON_ASCII) },
    { label: '  compare: TextEncoder.encodeInto(subarray), ASCII', units: fillEncodeInto(STRINGS), fn: () => fillEncodeInto(STRINGS) },
    { label: `writeRecord, 16-byte key and 2 headers (${fillBytes(KEY, HEADERS)}/slab)`, units: fillBytes(KEY, HEADERS), fn: () => fillBytes(KEY, HEADERS) },
  ];
  const ns = measureAll(cases);
  cases.forEach((c, i) => row(c.label, ns[i]!));
}

console.log('\nPer batch, a full 16 KiB slab of 100-byte records:');
const end = (() => {
  let pos = RECORD_BATCH_OVERHEAD;
  for (let n = 0; ; n++) {
    const size = recordSize(n & 7, n, null, VALUES[n & 63]!, null);
    if (pos + size > BATCH_SIZE) return pos;
    pos = writeRecord(slab, pos, n & 7, n, null, VALUES[n & 63]!, null);
  }
})();
const count = fillBytes(null, null);
const header = {
  lastOffsetDelta: count - 1,
  recordCount: count,
  baseTimestamp: 1732500000000,
  maxTimestamp: 1732500000007,
  producerId: 4000,
  producerEpoch: 0,
  baseSequence: 0,
};
const headerNs = measure(1, () => writeBatchHeader(slab, 0, end, header));
const crcNs = measure(1, () => (sink ^= crc32c(slab.subarray(21, end))));
row(`writeBatchHeader: header + CRC-32C over ${end} bytes`, headerNs, `  (${(count ? headerNs / count : 0).toFixed(1)} ns/record)`);
row(`  of which crc32c alone`, crcNs, `  (${((end - 21) / crcNs).toFixed(2)} GB/s)`);
const records = Array.from({ length: count }, (_, i) => ({ value: VALUES[i & 63]!, timestamp: 1732500000000 + (i & 7) }));
const built = buildRecordBatch(records);
row(`buildRecordBatch (convenience path), ${count} records`, measure(1, () => buildRecordBatch(records)));
row(`decodeRecordBatches, CRC checked`, measure(1, () => decodeRecordBatches(built)));

if (sink === 0.5) console.log(sink); // keeps `sink` observable
