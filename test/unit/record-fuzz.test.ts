/**
 * The RecordBatch reader on thousands of random, truncated and mutated inputs: whatever the
 * bytes, it returns or throws a ProtocolError, quickly. Mutations are made both with the CRC
 * left alone (the checksum catches them) and with the CRC recomputed (so the header, record and
 * codec parsers see the damage), which is where a reader would hang, loop or allocate.
 *
 * Deterministic: a seeded PRNG, so a failure names its seed and case and can be replayed.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ProtocolError,
  buildRecordBatch,
  crc32c,
  decodeRecordBatches,
  type CompressionName,
  type RecordInput,
} from '@tandem/protocol';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x7a4d3e;
const rand = prng(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const bytes = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
};

function randomRecords(): RecordInput[] {
  const n = 1 + int(20);
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: int(4) === 0 ? null : bytes(int(40)),
      value: int(5) === 0 ? null : int(2) ? bytes(int(300)) : 'é✓😀x'.repeat(int(30)),
      headers: int(3) === 0 ? [{ key: 'k' + i, value: int(2) ? null : bytes(int(10)) }] : null,
      timestamp: 1700000000000 + int(100000) - 50000,
    });
  }
  return out;
}

/** Decodes and reports what happened; anything but success or a ProtocolError fails the test. */
function decodeOrProtocolError(input: Buffer, label: string): void {
  try {
    decodeRecordBatches(input, { maxDecompressedBytes: 1 << 20 });
  } catch (err) {
    if (!(err instanceof ProtocolError)) {
      assert.fail(`${label}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} (seed ${SEED})`);
    }
  }
}

function fixCrc(b: Buffer): void {
  if (b.length >= 61) b.writeUInt32BE(crc32c(b.subarray(21)), 17);
}

describe('the RecordBatch reader under fuzzing', () => {
  const codecs: CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  const seeds: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    seeds.push(buildRecordBatch(randomRecords(), { compression: codecs[i % codecs.length], producerId: i, producerEpoch: 0, baseSequence: i }));
  }

  test('random bytes', () => {
    for (let i = 0; i < 3000; i++) {
      const b = bytes(int(200));
      decodeOrProtocolError(b, `random #${i}`);
      // Random bytes behind a plausible header prefix: magic 2 and a length that fits.
      if (b.length >= 61) {
        b.writeInt32BE(b.length - 12, 8);
        b[16] = 2;
        fixCrc(b);
        decodeOrProtocolError(b, `random with header #${i}`);
      }
    }
  });

  test('truncated batches', () => {
    for (let i = 0; i < 2000; i++) {
      const s = seeds[i % seeds.length]!;
      decodeOrProtocolError(s.subarray(0, int(s.length)), `truncated #${i}`);
    }
  });

  test('mutated batches, with and without a recomputed CRC', () => {
    for (let i = 0; i < 6000; i++) {
      const b = Buffer.from(seeds[i % seeds.length]!);
      const edits = 1 + int(4);
      for (let e = 0; e < edits; e++) {
        const at = int(b.length);
        switch (int(4)) {
          case 0:
            b[at]! ^= 1 << int(8);
            break;
          case 1:
            b[at] = int(256);
            break;
          case 2:
            b[at] = 0xff; // long varints, -1 lengths
            break;
          default:
            // A count or length field set to something large, possibly negative.
            if (at + 4 <= b.length) b.writeInt32BE(int(2) ? 0x7fffffff - int(1000) : -int(1000), at);
        }
      }
      const fixedCrc = i % 3 !== 0;
      if (fixedCrc) fixCrc(b);
      decodeOrProtocolError(b, `mutated #${i}${fixedCrc ? ' (CRC fixed)' : ''}`);
    }
  });

  test('spliced and concatenated batches', () => {
    for (let i = 0; i < 1000; i++) {
      const a = seeds[int(seeds.length)]!;
      const c = seeds[int(seeds.length)]!;
      const cut = int(a.length);
      const b = Buffer.concat([a.subarray(0, cut), c.subarray(int(c.length))]);
      if (int(2)) fixCrc(b);
      decodeOrProtocolError(b, `spliced #${i}`);
      decodeOrProtocolError(Buffer.concat([a, c, a.subarray(0, int(a.length))]), `concatenated #${i}`);
    }
  });

  test('a huge declared recordsCount costs no more than the bytes behind it', () => {
    const b = Buffer.from(seeds[0]!);
    b.writeInt32BE(0x7fffffff, 57);
    fixCrc(b);
    const before = process.memoryUsage().heapUsed;
    assert.throws(() => decodeRecordBatches(b), ProtocolError);
    assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024);
  });
});
