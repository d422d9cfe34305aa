/**
 * Hostile input for every decompressor: random bytes, random bytes behind a valid header,
 * every truncation of valid streams and random mutations of them. Each input must either decode
 * to at most the cap or throw a ProtocolError; never another error, never a hang, never more
 * output than the cap. Deterministic (seeded), so a failure reproduces; runs in a few seconds.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtocolError, codecs, gzip, lz4, snappy, xxhash32, zstd, type Codec } from '@tandem/protocol';

const CAP = 1 << 20;

/** A seeded xorshift32 generator of integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

function bytes(next: (n: number) => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = next(256);
  return out;
}

/** Text-like records: compressible, so streams have real matches to corrupt. */
function records(size: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < size; i++) {
    const line = `{"id":${i},"user":"user-${(i * 7919) % 1000}","event":"click","ts":${1700000000000 + i}}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

interface Tally {
  decoded: number;
  refused: number;
}

/** Decompresses `input`; anything but a Buffer within the cap or a ProtocolError fails the test. */
function probe(codec: Codec, input: Buffer, tally: Tally): Buffer | undefined {
  try {
    const out = codec.decompress(input, CAP);
    assert.ok(Buffer.isBuffer(out));
    assert.ok(out.length <= CAP, `${codec.name} returned ${out.length} bytes, over the cap`);
    tally.decoded++;
    return out;
  } catch (err) {
    if (!(err instanceof ProtocolError)) {
      assert.fail(`${codec.name} threw ${String(err)} for input ${input.subarray(0, 48).toString('hex')}… (${input.length} B)`);
    }
    tally.refused++;
    return undefined;
  }
}

/** Plausible beginnings of each codec's streams, so random tails reach the block decoders. */
function framedRandom(codec: Codec, next: (n: number) => number): Buffer {
  switch (codec.name) {
    case 'snappy': {
      const parts: Buffer[] = [Buffer.from('82534e41505059000000000100000001', 'hex')];
      for (let k = next(4); k >= 0; k--) {
        const body = bytes(next, 1 + next(200));
        body[0] = next(128); // a short, valid-looking length preamble
        const len = Buffer.alloc(4);
        len.writeInt32BE(next(8) === 0 ? next(1 << 30) : body.length);
        parts.push(len, body);
      }
      return Buffer.concat(parts);
    }
    case 'lz4': {
      const flg = [0x60, 0x64, 0x70, 0x68, 0x7c, next(256)][next(6)];
      const bd = [0x40, 0x50, 0x60, 0x70, next(256)][next(5)];
      const header = Buffer.alloc(flg & 0x08 ? 15 : 7);
      header.writeUInt32LE(0x184d2204, 0);
      header[4] = flg;
      header[5] = bd;
      if (flg & 0x08) header.writeBigUInt64LE(BigInt(next(CAP * 2)), 6);
      header[header.length - 1] = next(16) === 0 ? next(256) : (xxhash32(header, 0, 4, header.length - 1) >>> 8) & 0xff;
      const parts: Buffer[] = [header];
      for (let k = next(4); k >= 0; k--) {
        const body = bytes(next, next(300));
        const size = Buffer.alloc(4);
        size.writeUInt32LE((body.length | (next(4) === 0 ? 0x80000000 : 0)) >>> 0);
        parts.push(size, body);
        if (flg & 0x10) parts.push(bytes(next, 4));
      }
      if (next(2) === 0) parts.push(Buffer.alloc(4));
      return Buffer.concat(parts);
    }
    case 'zstd':
      return Buffer.concat([Buffer.from('28b52ffd', 'hex'), bytes(next, next(400))]);
    case 'gzip':
      return Buffer.concat([Buffer.from('1f8b0800000000000003', 'hex'), bytes(next, next(400))]);
    default:
      return bytes(next, next(400));
  }
}

describe('hostile input to every decompressor', { timeout: 120_000 }, () => {
  for (const codec of codecs) {
    test(`${codec.name}: random bytes, framed random bytes and mutations only ever give a ProtocolError`, (t) => {
      const next = rng(0x9e3779b9 ^ codec.id);
      const tally: Tally = { decoded: 0, refused: 0 };
      const started = performance.now();
      for (let i = 0; i < 2000; i++) probe(codec, bytes(next, next(8) === 0 ? next(4096) : next(64)), tally);
      for (let i = 0; i < 2000; i++) probe(codec, framedRandom(codec, next), tally);
      const valid = [codec.compress(records(3000)), codec.compress(records(100_000)), codec.compress(bytes(next, 5000))];
      for (let i = 0; i < 3000; i++) {
        const mutated = Buffer.from(valid[i % valid.length]);
        for (let k = 1 + next(3); k > 0; k--) mutated[next(mutated.length)] ^= 1 + next(255);
        probe(codec, mutated, tally);
      }
      t.diagnostic(`${tally.decoded} decoded, ${tally.refused} refused in ${(performance.now() - started).toFixed(0)} ms`);
      if (codec.name !== 'none') assert.ok(tally.refused > 4000, `${codec.name} refused only ${tally.refused}`);
    });
  }

  for (const codec of [gzip, snappy, lz4, zstd]) {
    test(`${codec.name}: every truncation of a valid stream is refused (or, in snappy at a chunk boundary, a prefix)`, (t) => {
      const next = rng(0x51ed270b ^ codec.id);
      const tally: Tally = { decoded: 0, refused: 0 };
      const cases: [Buffer, Buffer][] = [];
      const small = records(3000);
      cases.push([small, codec.compress(small)]);
      const large = records(150_000);
      cases.push([large, codec.compress(large)]);
      for (const [input, stream] of cases) {
        const cuts = stream.length <= 4000 ? [...Array(stream.length).keys()] : Array.from({ length: 600 }, () => next(stream.length));
        for (const cut of cuts) {
          const out = probe(codec, stream.subarray(0, cut), tally);
          if (out !== undefined) {
            // Only snappy has unmarked ends: a cut between whole chunks is a shorter valid stream.
            assert.equal(codec.name, 'snappy', `${codec.name} decoded a stream cut at ${cut} of ${stream.length}`);
            assert.deepEqual(out, input.subarray(0, out.length), 'a prefix of the original');
          }
        }
      }
      t.diagnostic(`${tally.refused} cuts refused, ${tally.decoded} decoded as shorter streams`);
    });
  }
});
