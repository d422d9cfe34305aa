/**
 * murmur2: Java's `Utils.murmur2` bit for bit, so a key lands in the same partition as with the
 * Java client. Vectors from Kafka's `UtilsTest#testMurmur2` (reference §4); the empty key's value
 * was computed independently. The live check against Java itself is
 * test/integration/partitioner-java.test.ts.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MURMUR2_SEED, murmur2, murmur2View, partitionForKey, toPositive } from '@tandem/producer';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// [input, murmur2, toPositive, % 3, % 10]
const VECTORS: readonly (readonly [string, number, number, number, number])[] = [
  ['21', -973932308, 1173551340, 0, 0],
  ['foobar', -790332482, 1357151166, 0, 6],
  ['a-little-bit-long-string', -985981536, 1161502112, 2, 2],
  ['a-little-bit-longer-string', -1486304829, 661178819, 2, 9],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 2088585677, 2, 7],
  ['abc', 479470107, 479470107, 0, 7],
];

describe('murmur2', () => {
  test("matches Java's Utils.murmur2 on Kafka's UtilsTest vectors", () => {
    for (const [input, hash] of VECTORS) {
      assert.equal(murmur2(utf8(input)), hash, input);
    }
  });

  test('hashes the empty key to 275646681', () => {
    assert.equal(murmur2(new Uint8Array(0)), 275646681);
  });

  test('uses seed 0x9747b28c', () => {
    assert.equal(MURMUR2_SEED, 0x9747b28c);
  });

  test('returns a signed 32-bit integer, as Java int', () => {
    for (const [input] of VECTORS) {
      const h = murmur2(utf8(input));
      assert.equal(h, h | 0, input);
    }
  });

  test('hashes a key in place at an offset, reading no byte outside it', () => {
    for (const [input, hash] of VECTORS) {
      const key = utf8(input);
      for (const pad of [0, 1, 2, 3, 7]) {
        const slab = new Uint8Array(pad + key.length + 5).fill(0xa5);
        slab.set(key, pad);
        assert.equal(murmur2(slab, pad, key.length), hash, `${input} at offset ${pad}`);
        slab.fill(0x5a, 0, pad);
        slab.fill(0x5a, pad + key.length);
        assert.equal(murmur2(slab, pad, key.length), hash, `${input} with other bytes around it`);
      }
    }
  });

  test('treats bytes as unsigned (high-bit bytes in the body and in each tail length)', () => {
    // Every tail length (0-3) with bytes >= 0x80: a signed read would change the hash.
    const withHighBits = [0xff, 0x80, 0xfe, 0x81, 0xc3, 0xa9, 0xf0];
    const hashes = new Set<number>();
    for (let n = 0; n <= withHighBits.length; n++) hashes.add(murmur2(Uint8Array.from(withHighBits.slice(0, n))));
    assert.equal(hashes.size, withHighBits.length + 1, 'each prefix hashes differently');
    // Non-ASCII UTF-8 compared with a value computed by an independent implementation of the
    // reference algorithm (Java agrees: see the integration test).
    assert.equal(murmur2(utf8('héllo')), murmur2(Uint8Array.from([0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f])));
  });
});

describe('murmur2View', () => {
  test('gives the same hash as murmur2, through a DataView at any offset', () => {
    const memory = new Uint8Array(300);
    const view = new DataView(memory.buffer);
    for (const [input, hash] of VECTORS) {
      const key = utf8(input);
      for (const pad of [0, 1, 2, 3, 5]) {
        memory.fill(0xee);
        memory.set(key, pad);
        assert.equal(murmur2View(view, pad, key.length), hash, `${input} at ${pad}`);
      }
    }
    for (let length = 0; length <= 40; length++) {
      for (let i = 0; i < length; i++) memory[7 + i] = (i * 151 + length * 7) & 0xff;
      assert.equal(murmur2View(view, 7, length), murmur2(memory, 7, length), `length ${length}`);
    }
  });
});

describe('toPositive', () => {
  test('clears the sign bit, as Java (not Math.abs)', () => {
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(5), 5);
    for (const [, hash, positive] of VECTORS) assert.equal(toPositive(hash), positive);
  });
});

describe('partitionForKey', () => {
  test("gives Java's partitions for 3 and 10 partitions", () => {
    for (const [input, , , mod3, mod10] of VECTORS) {
      assert.equal(partitionForKey(utf8(input), 3), mod3, `${input} % 3`);
      assert.equal(partitionForKey(utf8(input), 10), mod10, `${input} % 10`);
    }
  });

  test('hashes a key at an offset the same as alone', () => {
    const slab = utf8('xx-foobar-yy');
    assert.equal(partitionForKey(slab, 10, 3, 6), 6);
  });

  test('always lands in [0, numPartitions)', () => {
    const key = new Uint8Array(8);
    for (let i = 0; i < 2000; i++) {
      new DataView(key.buffer).setUint32(0, i * 2654435761);
      const p = partitionForKey(key, 7);
      assert.ok(p >= 0 && p < 7 && Number.isInteger(p));
    }
  });
});
