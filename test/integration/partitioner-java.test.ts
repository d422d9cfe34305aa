/**
 * Tandem puts every key in the partition the Java client does: for thousands of keys (empty,
 * every tail length, long, non-ASCII UTF-8, random binary), our murmur2 and keyed partition are
 * compared with the Java client's own `Utils.murmur2` and `BuiltInPartitioner.partitionForKey`,
 * run live from the broker's kafka-clients jar (test/kafka/java/JavaPartitions.java).
 *
 * Keys come from a seeded generator: a failure names the seed and the key, and reproduces.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordPartitioner, murmur2, murmur2View, partitionForKey, type TopicPartitions } from '@tandem/producer';
import { runJava } from '../kafka/index.js';

const PARTITION_COUNTS = [1, 3, 6, 7, 100, 1000];
const SEED = Number(process.env['TANDEM_PARTITIONER_SEED'] ?? 0x5eed1234);

/** A small seeded generator (mulberry32), so the key set is the same on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function keys(seed: number): Uint8Array[] {
  const next = generator(seed);
  const utf8 = new TextEncoder();
  const out: Uint8Array[] = [];
  const randomBytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = next() & 0xff;
    return b;
  };

  // The empty key, and Kafka's UtilsTest vectors.
  out.push(new Uint8Array(0));
  for (const s of ['21', 'foobar', 'a-little-bit-long-string', 'a-little-bit-longer-string', 'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', 'abc']) {
    out.push(utf8.encode(s));
  }
  // Every single byte, then every length 1-3 (each tail) and 4-64 with random bytes.
  for (let b = 0; b < 256; b++) out.push(Uint8Array.of(b));
  for (let round = 0; round < 20; round++) for (let n = 1; n <= 64; n++) out.push(randomBytes(n));
  // Bytes with the high bit set in every position of a tail.
  for (let n = 1; n <= 7; n++) out.push(new Uint8Array(n).fill(0xff), new Uint8Array(n).fill(0x80));
  // Long keys.
  for (const n of [255, 256, 1023, 1024, 4097, 65536]) out.push(randomBytes(n));
  // Typical ASCII keys.
  for (let i = 0; i < 1000; i++) out.push(utf8.encode(`customer-${next() % 1000000}`));
  // Non-ASCII UTF-8: accents, CJK, emoji (4-byte sequences), mixed lengths.
  const alphabet = ['é', 'ß', 'ø', '日', '本', '語', '한', 'й', '🎉', '🚀', 'a', '-', '€'];
  for (let i = 0; i < 1000; i++) {
    let s = '';
    const n = 1 + (next() % 24);
    for (let j = 0; j < n; j++) s += alphabet[next() % alphabet.length];
    out.push(utf8.encode(s));
  }
  // Random binary of random lengths.
  for (let i = 0; i < 1500; i++) out.push(randomBytes(next() % 200));
  return out;
}

test(`murmur2 and keyed partitions equal the Java client's (seed ${SEED})`, { timeout: 300_000 }, async () => {
  const all = keys(SEED);
  const input = Buffer.from(all.map((k) => Buffer.from(k).toString('hex')).join('\n') + '\n');
  const { stdout } = await runJava('JavaPartitions', ['--partitions', PARTITION_COUNTS.join(',')], { input, timeoutMs: 240_000 });
  const lines = stdout.toString().trimEnd().split('\n');
  assert.equal(lines.length, all.length, 'Java answered for every key');

  // Also through the decision path the runtime uses, with the key at an offset in a scratch buffer.
  const partitioner = new RecordPartitioner({ partitioner: null, ignoreKeys: false, batchSize: 16384, adaptive: true });
  const scratch = new Uint8Array(70000);
  const scratchView = new DataView(scratch.buffer);
  const views: TopicPartitions[] = PARTITION_COUNTS.map((n) => ({ partitionCount: n, availablePartitions: [0] }));

  const mismatches: string[] = [];
  for (const [i, key] of all.entries()) {
    const [javaHash, ...javaPartitions] = lines[i].split(' ').map(Number);
    const hex = Buffer.from(key).toString('hex');
    const shown = hex.length > 40 ? `${hex.slice(0, 40)}... (${key.length} bytes)` : `"${hex}"`;
    if (murmur2(key) !== javaHash) mismatches.push(`murmur2(${shown}) = ${murmur2(key)}, Java ${javaHash}`);
    scratch.set(key, 3);
    const viaView = murmur2View(scratchView, 3, key.length);
    if (viaView !== javaHash) mismatches.push(`murmur2View(${shown}) = ${viaView}, Java ${javaHash}`);
    for (const [j, count] of PARTITION_COUNTS.entries()) {
      const ours = partitionForKey(key, count);
      const viaChoose = partitioner.choose('t', undefined, scratch, 3, key.length, views[j], { topic: 't' });
      if (ours !== javaPartitions[j] || viaChoose !== javaPartitions[j]) {
        mismatches.push(`partition(${shown}) of ${count}: ours ${ours} / ${viaChoose}, Java ${javaPartitions[j]}`);
      }
    }
    if (mismatches.length >= 10) break;
  }
  assert.deepEqual(mismatches, [], `seed ${SEED}: first mismatches:\n${mismatches.join('\n')}`);
});
