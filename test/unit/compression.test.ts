/**
 * The compression codecs: round trips, levels, the exact framing Java writes, and decoding of
 * streams written by independent implementations (the Java client, the lz4 and zstd command
 * line tools, GNU gzip, lz4-napi's own frame encoder).
 *
 * Fixtures marked "Java" were written by Apache Kafka 4.4.0's own `Compression.<codec>()
 * .wrapForOutput(...)` (kafka-clients, lz4-java 1.11.2, snappy-java 1.1.10.7, zstd-jni
 * 1.5.7-17), with the helper that compression-interop.test.ts runs live; those marked "lz4 CLI"
 * and "zstd CLI" by lz4 v1.9.4 and zstd v1.5.4. Inputs are regenerated here from the same
 * deterministic generators. Long fixtures are stored gzip-compressed and base64-encoded.
 */
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import {
  CompressionType,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  ProtocolError,
  codecByName,
  codecFor,
  codecs,
  gzip,
  preloadCodec,
  lz4,
  none,
  snappy,
  xxhash32,
  zstd,
  type Codec,
  type ProtocolErrorCode,
} from '@tandem/protocol';

// The native libraries under the codecs, loaded from @tandem/protocol's own dependencies, as
// independent encoders/decoders of the raw blocks our framing wraps.
const protocolRequire = createRequire(import.meta.resolve('@tandem/protocol'));
interface Lz4Napi {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
  compressFrameSync(data: Buffer, options?: { blockChecksums?: boolean; contentChecksum?: boolean }): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}
interface SnappyNapi {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer;
}
interface ZstdBinding {
  CCtx: new () => { setParameter(param: number, value: number): void; compress2(dst: Uint8Array, src: Uint8Array): number };
  CParameter: { contentSizeFlag: number; compressionLevel: number };
  compressBound(size: number): number;
}
const lz4napi = protocolRequire('lz4-napi') as Lz4Napi;
const snappyNapi = protocolRequire('@napi-rs/snappy') as SnappyNapi;
const zstdBinding = protocolRequire('zstd-napi/binding.js') as ZstdBinding;

// ---------------------------------------------------------------------------------------------
// Inputs

/** xorshift32: a deterministic byte source for random-looking (incompressible) input. */
function randomBytes(n: number, seed = 0x2545f491): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The LCG bytes the Java fixtures were written from (x = x * 1103515245 + 12345, top byte). */
function lcgBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** 'a'..'j' in a period-10 pattern: the multi-block fixtures' input. */
function periodic(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + ((i * 7) % 10);
  return out;
}

/** JSON-like records of about 100 bytes, the shape of a real batch's values. */
function records(size: number, seed = 7): Buffer {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];
  const events = ['click', 'view', 'purchase', 'signup', 'logout'];
  let x = seed;
  const next = (m: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % m;
  };
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line =
      `{"id":${i},"user":"${users[next(7)]}-${next(10000)}","event":"${events[next(5)]}",` +
      `"ts":${1700000000000 + i * 37},"amount":${next(100000) / 100}}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

const FOX = Buffer.from('The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.');
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const gzB64 = (s: string): Buffer => zlib.gunzipSync(Buffer.from(s, 'base64'));

// ---------------------------------------------------------------------------------------------
// Fixtures from independent writers (see the file comment)

const JAVA = {
  lz4Fox: hex(
    '04224d1860408238000000ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d00145020646f672e00000000',
  ),
  /** lcgBytes(200, 1): incompressible, so Java stores the block (size 0x800000c8). */
  lz4Rand200: hex(
    '04224d18604082c8000080419627c4f995d99cbf0f0a3123af7dc4e2d2e2e3e99350282c7542b34de4f7efee56e1ca31ad9969b53b7d101b7adeb4e3617a8328e09f4b85fa28873875498f4820bf1e3d33ef36ad300514c2590cb3629fab1da6a6f184d33356ddf81deb7be3b756e7142311eee01a11a5e61cc8db99fe2037606ef2fdb2b7103a1efed3cd1ebae58a3c139f78ce7e3de65fb0bdc38ccc2c92e35bb9da0c7bc6de4a51e41826a457a5c835a7b8483e4db51020847d0e30d22c462dc83c14ce16c7256fea6cf2cc45155358a18d00000000',
  ),
  lz4Empty: hex('04224d1860408200000000'),
  /** periodic(150000): three blocks. */
  lz4Periodic150k: gzB64(
    'H4sIAAAAAAACA2NR8pVIcGgSYWRgWJ+YkZqUmZaclZ7CxfB/hIN7AeDAAIcLKEQgYTMaLvcCwIERx8DAsB6WWhIzqBkuEgFgQxmAAAA9LcghnQIAAA==',
  ),
  snappyFox: hex(
    '82534e415050590000000001000000010000003259b054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e20ae2d00',
  ),
  snappyEmpty: hex('82534e41505059000000000100000001'),
  /** periodic(70000): three chunks (32 KiB, 32 KiB, 4464 bytes of input). */
  snappyPeriodic70k: gzB64(
    'H4sIAAAAAAACA2sK9nMMCIhkYGBgYIRgNr6GBiaVxIzUpMy05Kz0lH9cDKNoFI2iUTSKRhq6xsUAqxHSU2B1wmiwjKJRNIpG0UitERjuf1BSAXUOIFXCMPPiNC4GAGNJ3nEXDQAA',
  ),
  gzipFox: hex(
    '1f8b08000000000000ff0bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb298490a01800a70ae99a59000000',
  ),
  /** zstd-jni streams, so no content size in the frame header. */
  zstdFox: hex(
    '28b52ffd0058ac0100d40254686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e2001000d9aaa0c010000',
  ),
  zstdEmpty: hex('28b52ffd2000010000'),
};

const LZ4_CLI = {
  /** `lz4 -c fox.txt`: FLG 0x64 (content checksum), HC 0xa7. */
  fox: hex(
    '04224d186440a738000000ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d00145020646f672e0000000087752026',
  ),
  /** `printf '' | lz4 -c`: the content checksum is xxHash32 of nothing. */
  empty: hex('04224d186440a700000000055dcc02'),
  /** `lz4 -c -l fox.txt`: the legacy format, magic 0x184C2102. */
  legacyFox: hex(
    '02214c1838000000ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d00145020646f672e',
  ),
  /** `lz4 -B4 -BD < periodic150k`: linked (dependent) blocks, FLG 0x44. */
  dependent: gzB64(
    'H4sIAAAAAAACA2NR8pVwcYgTYWRgWJ+YkZqUmZaclZ7CxfB/hIN7AeDA4GJkYOD/NdID4/+LgKz0lMSMOAYGhvWwNJKYQc1UIhEANpSBgYFBs6faDQCspcqVlwIAAA==',
  ),
  /** `lz4 -B4 -BX < periodic150k`: block checksums and a content checksum, FLG 0x74. */
  blockChecksums: gzB64(
    'H4sIAAAAAAACA2NR8pUocdgrwsjAsD4xIzUpMy05Kz2Fi+H/CAf3AsCBofB7cQU4bEChAgmf0bC5FwAOjAmy1bPjGBgY1sNSTWIGNcNGIgBs6MwT7G8ZGBgYNHuq3QBnUOEMrQIAAA==',
  ),
  /** `lz4 -B7 < periodic150k`: BD 0x50 (256 KiB blocks). */
  bd256k: gzB64('H4sIAAAAAAACA2NR8pVICeBIYGJgWJ+YkZqUmZaclZ7CxfB/FIwCKgGpAHCiYmBgYNDsqXYDAJbIBRdzAgAA'),
  /** `lz4 -B5 -BX --no-frame-crc < periodic150k`: FLG 0x70, BD 0x50. */
  bd256kChecksums: gzB64(
    'H4sIAAAAAAACA2NR8pUoCGhJYGJgWJ+YkZqUmZaclZ7CxfB/FIwCKgGpAHCi+jX9cwQDEAAAwR1793MCAAA=',
  ),
  /** `lz4 -B4 -BX --content-size periodic150k`: FLG 0x7c, an 8-byte content size of 150000. */
  contentSize: gzB64(
    'H4sIAAAAAAACA2NR8pWocfjgycQAAvwijAwM6xMzUpMy05Kz0lO4GP6PcHAvABwYCr8XV4DDBhQqkPAZDZt7AeDAmCBbPTuOgYFhPSzVJGZQM2wkAsCGzjzB/haURDV7qt0A7KqxQLUCAAA=',
  ),
};

/** `zstd -c --check < fox.txt`: no content size, a content checksum. */
const ZSTD_CLI_FOX = hex(
  '28b52ffd0458ad0100d40254686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e2001000d9aaa0c9db4cd6c',
);
/** `gzip -n -c fox.txt` (GNU gzip 1.12). */
const GZIP_CLI_FOX = hex(
  '1f8b08000000000000030bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb298490a01800a70ae99a59000000',
);

// ---------------------------------------------------------------------------------------------
// Helpers

function assertProtocolError(fn: () => unknown, code: ProtocolErrorCode, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const realCodecs = [gzip, snappy, lz4, zstd];

/** Blocks of an lz4 frame with a 7-byte header: [stored, size, offset of data]. */
function lz4Blocks(frame: Buffer): { stored: boolean; size: number; at: number }[] {
  const blocks: { stored: boolean; size: number; at: number }[] = [];
  let pos = 7;
  for (;;) {
    const word = frame.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    blocks.push({ stored: word >>> 31 === 1, size, at: pos });
    pos += size;
  }
  assert.equal(pos, frame.length, 'the end mark is the last 4 bytes');
  return blocks;
}

/** Decodes one raw LZ4 block with lz4-napi directly (not through our frame code). */
function lz4RawBlock(block: Buffer, maxSize: number): Buffer {
  const prefixed = Buffer.alloc(4 + block.length);
  prefixed.writeUInt32LE(maxSize, 0);
  block.copy(prefixed, 4);
  return lz4napi.uncompressSync(prefixed);
}

/** Chunks of a xerial snappy stream after its 16-byte header. */
function snappyChunks(stream: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let pos = 16; pos < stream.length; ) {
    const len = stream.readInt32BE(pos);
    chunks.push(stream.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return chunks;
}

/** The frame content size a zstd frame header declares, or null (RFC 8878 section 3.1.1.1). */
function zstdDeclaredSize(frame: Buffer): number | null {
  assert.equal(frame.readUInt32LE(0), 0xfd2fb528, 'zstd magic');
  const fhd = frame[4];
  const fcsFlag = fhd >>> 6;
  const singleSegment = (fhd >>> 5) & 1;
  const dictIdBytes = [0, 1, 2, 4][fhd & 3];
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  switch (fcsFlag) {
    case 0:
      return singleSegment ? frame[at] : null;
    case 1:
      return frame.readUInt16LE(at) + 256;
    case 2:
      return frame.readUInt32LE(at);
    default:
      return Number(frame.readBigUInt64LE(at));
  }
}

// ---------------------------------------------------------------------------------------------

describe('codec lookup', () => {
  test('codecFor maps every RecordBatch attributes id to its codec', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((id) => codecFor(id).name),
      ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
    );
    for (const [name, id] of Object.entries(CompressionType)) assert.equal(codecFor(id).name, name);
    codecs.forEach((codec, id) => assert.equal(codec.id, id));
  });

  test('codecFor throws ERR_TANDEM_PROTOCOL_UNSUPPORTED for unassigned or malformed ids', () => {
    for (const id of [5, 6, 7, -1, 1.5, Number.NaN, 8]) {
      assertProtocolError(() => codecFor(id), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED', /unknown compression codec id/);
    }
  });

  test('codecByName finds each compression.type and rejects anything else', () => {
    for (const name of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) assert.equal(codecByName(name).name, name);
    for (const name of ['GZIP', 'lz4hc', '', 'producer', 'uncompressed']) {
      assertProtocolError(() => codecByName(name), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED', /compression\.type/);
    }
  });

  test('preloadCodec resolves by id or name and loads the native library up front', () => {
    assert.equal(preloadCodec(3), lz4);
    assert.equal(preloadCodec('zstd'), zstd);
    assert.equal(preloadCodec('snappy'), snappy);
    assert.equal(preloadCodec('none'), none);
    assertProtocolError(() => preloadCodec(9), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED');
    assertProtocolError(() => preloadCodec('brotli'), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED');
  });
});

describe('round trips', () => {
  const inputs: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['1 byte', Buffer.from([0x2a])],
    ['100 B of records', records(100)],
    ['16 KiB of records', records(16 * 1024)],
    ['1 MiB of records', records(1024 * 1024)],
    ['256 KiB incompressible', randomBytes(256 * 1024)],
    ['1 MiB of zeros', Buffer.alloc(1024 * 1024)],
  ];
  for (const codec of codecs) {
    for (const [label, input] of inputs) {
      test(`${codec.name}: ${label}`, () => {
        const compressed = codec.compress(input);
        assert.deepEqual(codec.decompress(compressed), input);
        if (codec !== none && label.includes('zeros')) {
          assert.ok(compressed.length < input.length / 10, `${compressed.length} bytes for 1 MiB of zeros`);
        }
      });
    }
  }

  test('inputs of each block boundary (snappy 32 KiB, lz4 64 KiB) survive every codec', () => {
    for (const size of [32767, 32768, 32769, 65535, 65536, 65537, 131072, 196609]) {
      const input = records(size, size);
      for (const codec of codecs) assert.deepEqual(codec.decompress(codec.compress(input)), input, `${codec.name} ${size}`);
    }
  });

  test('a Uint8Array view into a larger (or shared) buffer is read from its own offset', () => {
    const backing = new SharedArrayBuffer(40_000);
    const whole = new Uint8Array(backing);
    whole.set(records(40_000));
    const view = whole.subarray(1234, 1234 + 30_000);
    for (const codec of codecs) {
      assert.deepEqual(codec.decompress(codec.compress(view)), Buffer.from(view), codec.name);
      const compressed = new Uint8Array(codec.compress(view));
      const shifted = new Uint8Array(compressed.length + 3);
      shifted.set(compressed, 3);
      assert.deepEqual(codec.decompress(shifted.subarray(3)), Buffer.from(view), `${codec.name} decompress view`);
    }
  });

  test('headroom leaves bytes in front of the same stream, for a batch header written in place', () => {
    const input = records(20_000);
    for (const codec of codecs) {
      const plain = codec.compress(input);
      const roomy = codec.compress(input, undefined, { headroom: 61 });
      assert.equal(roomy.length, plain.length + 61, codec.name);
      assert.deepEqual(roomy.subarray(61), plain, codec.name);
      assert.deepEqual(codec.decompress(roomy.subarray(61)), input, codec.name);
    }
    assert.throws(() => gzip.compress(input, undefined, { headroom: -1 }), RangeError);
    assert.throws(() => lz4.compress(input, undefined, { headroom: 0.5 }), RangeError);
  });
});

describe('levels (KIP-390)', () => {
  const sample = records(16 * 1024, 3);
  const cases: [Codec, number[], number[]][] = [
    [gzip, [-1, 1, 9], [0, 10, -2, 1.5, Number.NaN]],
    [lz4, [1, 9, 17], [0, 18, -1, 9.5]],
    [zstd, [-131072, -1, 0, 1, 3, 22], [-131073, 23, 2.5]],
  ];
  for (const [codec, valid, invalid] of cases) {
    test(`${codec.name} round-trips at every boundary level ${valid.join(', ')}`, () => {
      for (const level of valid) {
        assert.deepEqual(codec.decompress(codec.compress(sample, level)), sample, `level ${level}`);
        assert.deepEqual(codec.decompress(codec.compress(records(100), level)), records(100), `level ${level}, 100 B`);
      }
    });
    test(`${codec.name} rejects ${invalid.join(', ')} with a RangeError naming ${codec.levels?.configKey}`, () => {
      const { configKey, min, max } = codec.levels!;
      for (const level of invalid) {
        assert.throws(
          () => codec.compress(sample, level),
          (err: unknown) =>
            err instanceof RangeError &&
            err.message.includes(configKey) &&
            err.message.includes(`between ${min} and ${max}`),
          `level ${level}`,
        );
      }
    });
  }

  test('the defaults are Java’s: gzip -1, lz4 9, zstd 3', () => {
    assert.deepEqual([gzip.levels?.default, lz4.levels?.default, zstd.levels?.default], [-1, 9, 3]);
    assert.equal(gzip.levels?.configKey, 'compression.gzip.level');
    assert.deepEqual(gzip.compress(sample), gzip.compress(sample, -1));
    assert.deepEqual(zstd.compress(sample), zstd.compress(sample, 3));
    assert.equal(snappy.levels, null);
    assert.equal(none.levels, null);
  });

  test('gzip passes the level to zlib: XFL says so, and 9 is smaller than 1', () => {
    const fast = gzip.compress(sample, 1);
    const best = gzip.compress(sample, 9);
    assert.equal(fast[8], 4, 'XFL 4 = fastest');
    assert.equal(best[8], 2, 'XFL 2 = maximum compression');
    assert.ok(best.length < fast.length, `${best.length} < ${fast.length}`);
  });

  test('zstd honours the level: 19 is smaller than -5', () => {
    const input = records(256 * 1024);
    assert.ok(zstd.compress(input, 19).length < zstd.compress(input, -5).length);
  });

  test('lz4 validates but cannot honour levels (lz4_flex has no HC compressor): every level compresses like 9', () => {
    // Documented limitation. If an HC compressor is ever added, this test should change.
    assert.deepEqual(lz4.compress(sample, 1), lz4.compress(sample, 9));
    assert.deepEqual(lz4.compress(sample, 17), lz4.compress(sample, 9));
  });
});

describe('xxHash32', () => {
  test('matches the checksums the reference lz4 CLI wrote', () => {
    assert.equal(xxhash32(Buffer.alloc(0)), LZ4_CLI.empty.readUInt32LE(11));
    assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
    assert.equal(xxhash32(FOX), LZ4_CLI.fox.readUInt32LE(LZ4_CLI.fox.length - 4));
    const frame = LZ4_CLI.blockChecksums;
    assert.equal(xxhash32(periodic(150000)), frame.readUInt32LE(frame.length - 4));
  });

  test('gives the HC byte of every frame header the CLI wrote (with and without a content size)', () => {
    const frames = [LZ4_CLI.fox, LZ4_CLI.dependent, LZ4_CLI.blockChecksums, LZ4_CLI.bd256k, LZ4_CLI.bd256kChecksums];
    for (const frame of frames) assert.equal((xxhash32(frame, 0, 4, 6) >>> 8) & 0xff, frame[6]);
    const withSize = LZ4_CLI.contentSize;
    assert.equal(withSize[4], 0x7c);
    assert.equal((xxhash32(withSize, 0, 4, 14) >>> 8) & 0xff, withSize[14]);
  });

  test('hashes the given range only, and checks it', () => {
    const data = Buffer.concat([Buffer.from('xx'), FOX, Buffer.from('yy')]);
    assert.equal(xxhash32(data, 0, 2, 2 + FOX.length), xxhash32(FOX));
    assert.notEqual(xxhash32(FOX, 1), xxhash32(FOX, 0));
    assert.throws(() => xxhash32(FOX, 0, 5, FOX.length + 1), RangeError);
  });
});

describe('snappy framing (xerial SnappyOutputStream)', () => {
  const HEADER = hex('82534e41505059000000000100000001');

  test('empty input is the bare 16-byte header, exactly as Java writes it', () => {
    assert.deepEqual(snappy.compress(Buffer.alloc(0)), JAVA.snappyEmpty);
    assert.deepEqual(snappy.decompress(JAVA.snappyEmpty), Buffer.alloc(0));
  });

  test('every stream starts with magic 82 53 4E 41 50 50 59 00, version 1, compatible version 1', () => {
    for (const input of [FOX, records(100_000), randomBytes(5000)]) {
      assert.deepEqual(snappy.compress(input).subarray(0, 16), HEADER);
    }
  });

  test('input is cut into 32 KiB blocks, each an int32 BE length and a raw snappy block', () => {
    const input = records(70_000);
    const chunks = snappyChunks(snappy.compress(input));
    // Decoded by the snappy library directly, not through our framing code.
    const decoded = chunks.map((c) => snappyNapi.uncompressSync(c));
    assert.deepEqual(
      decoded.map((d) => d.length),
      [32768, 32768, 70_000 - 65536],
    );
    assert.deepEqual(Buffer.concat(decoded), input);
    assert.equal(snappyChunks(snappy.compress(records(32768))).length, 1);
    assert.equal(snappyChunks(snappy.compress(records(32769))).length, 2);
  });

  test('decodes Java’s streams', () => {
    assert.deepEqual(snappy.decompress(JAVA.snappyFox), FOX);
    assert.deepEqual(snappy.decompress(JAVA.snappyPeriodic70k), periodic(70000));
    assert.equal(snappyChunks(JAVA.snappyPeriodic70k).length, 3);
  });

  test('accepts raw (unframed) snappy, as SnappyInputStream does', () => {
    for (const input of [FOX, records(100_000), Buffer.from('x'), Buffer.alloc(0)]) {
      assert.deepEqual(snappy.decompress(snappyNapi.compressSync(input)), input);
    }
  });

  test('accepts concatenated streams (a second header where a chunk length belongs)', () => {
    const a = records(40_000, 1);
    const b = records(1000, 2);
    assert.deepEqual(snappy.decompress(Buffer.concat([snappy.compress(a), snappy.compress(b)])), Buffer.concat([a, b]));
  });

  test('rejects what it cannot read with a ProtocolError', () => {
    const stream = snappy.compress(records(50_000));
    assertProtocolError(() => snappy.decompress(Buffer.alloc(0)), 'ERR_TANDEM_PROTOCOL_TRUNCATED', /empty/);
    assertProtocolError(() => snappy.decompress(stream.subarray(0, stream.length - 1)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    assertProtocolError(() => snappy.decompress(stream.subarray(0, 18)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    const negative = Buffer.from(stream);
    negative.writeInt32BE(-5, 16);
    assertProtocolError(() => snappy.decompress(negative), 'ERR_TANDEM_PROTOCOL_CORRUPT', /chunk length -5/);
    const badConcat = Buffer.concat([stream, HEADER.subarray(0, 4), Buffer.alloc(12)]);
    assertProtocolError(() => snappy.decompress(badConcat), 'ERR_TANDEM_PROTOCOL_CORRUPT', /concatenated/);
  });

  test('a block declaring more than its bytes can hold is refused before anything is allocated', () => {
    // varint 0xffffffff, then 10 bytes: at most 64/3 * 10 bytes could come out.
    const liar = Buffer.concat([hex('ffffffff0f'), Buffer.alloc(10)]);
    assertProtocolError(() => snappy.decompress(liar, 2 ** 32), 'ERR_TANDEM_PROTOCOL_CORRUPT', /declares 4294967295/);
    assertProtocolError(() => snappy.decompress(liar), 'ERR_TANDEM_PROTOCOL_INVALID', /maxOutputBytes/);
  });

  test('output past maxOutputBytes is refused from the declared block lengths', () => {
    const stream = snappy.compress(Buffer.alloc(200_000));
    assert.equal(snappy.decompress(stream, 200_000).length, 200_000);
    assertProtocolError(() => snappy.decompress(stream, 199_999), 'ERR_TANDEM_PROTOCOL_INVALID', /maxOutputBytes \(199999\)/);
  });
});

describe('lz4 framing (Lz4BlockOutputStream)', () => {
  const JAVA_HEADER = hex('04224d18604082');

  test('every frame starts 04 22 4D 18 60 40 82: magic, FLG 0x60, BD 0x40, HC', () => {
    assert.equal((xxhash32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff, 0x82, 'HC from the spec formula');
    for (const input of [Buffer.alloc(0), FOX, records(200_000), randomBytes(70_000)]) {
      assert.deepEqual(lz4.compress(input).subarray(0, 7), JAVA_HEADER);
    }
  });

  test('empty input is header and end mark, byte for byte what Java writes', () => {
    assert.deepEqual(lz4.compress(Buffer.alloc(0)), JAVA.lz4Empty);
  });

  test('an incompressible block is stored with the high bit set, byte for byte what Java writes', () => {
    assert.deepEqual(lz4.compress(lcgBytes(200, 1)), JAVA.lz4Rand200);
  });

  test('a block that compresses to exactly its own size is stored too (Java tests >=, not >)', () => {
    const input = randomBytes(285, 12345);
    input.copy(input, 285 - 12, 0, 12);
    assert.equal(lz4napi.compressSync(input).length - 4, input.length, 'precondition: compressed size == raw size');
    const frame = lz4.compress(input);
    assert.equal(frame.readUInt32LE(7), (0x80000000 | 285) >>> 0);
    assert.deepEqual(frame.subarray(11, 11 + 285), input);
  });

  test('blocks hold 64 KiB of input each, are independent, and the frame ends with a zero end mark', () => {
    const input = Buffer.concat([randomBytes(65536), records(65536), records(18928, 9)]);
    const frame = lz4.compress(input);
    const blocks = lz4Blocks(frame);
    assert.deepEqual(
      blocks.map((b) => b.stored),
      [true, false, false],
    );
    assert.equal(blocks[0].size, 65536);
    assert.ok(blocks[1].size < 65536 && blocks[2].size < 18928);
    // Each compressed block decodes alone (lz4-napi's block decoder, no shared history).
    const parts = blocks.map((b) => {
      const data = frame.subarray(b.at, b.at + b.size);
      return b.stored ? data : lz4RawBlock(data, 65536);
    });
    assert.deepEqual(
      parts.map((p) => p.length),
      [65536, 65536, 18928],
    );
    assert.deepEqual(Buffer.concat(parts), input);
  });

  test('decodes Java’s frames', () => {
    assert.deepEqual(lz4.decompress(JAVA.lz4Fox), FOX);
    assert.deepEqual(lz4.decompress(JAVA.lz4Rand200), lcgBytes(200, 1));
    assert.deepEqual(lz4.decompress(JAVA.lz4Empty), Buffer.alloc(0));
    assert.deepEqual(lz4.decompress(JAVA.lz4Periodic150k), periodic(150000));
  });

  test('decodes what Java accepts from the reference CLI: checksums, content size, 256 KiB blocks', () => {
    assert.deepEqual(lz4.decompress(LZ4_CLI.fox), FOX);
    assert.deepEqual(lz4.decompress(LZ4_CLI.empty), Buffer.alloc(0));
    for (const frame of [LZ4_CLI.blockChecksums, LZ4_CLI.bd256k, LZ4_CLI.bd256kChecksums, LZ4_CLI.contentSize]) {
      assert.deepEqual(lz4.decompress(frame), periodic(150000));
    }
  });

  test('decodes lz4-napi’s own frame encoder (4 MiB blocks, checksums) and lz4-napi decodes ours', () => {
    const input = records(300_000);
    const theirs = lz4napi.compressFrameSync(input);
    assert.equal(theirs[5], 0x70, 'BD 0x70: 4 MiB blocks');
    assert.deepEqual(lz4.decompress(theirs), input);
    assert.deepEqual(lz4.decompress(lz4napi.compressFrameSync(input, { blockChecksums: true, contentChecksum: true })), input);
    for (const ours of [Buffer.alloc(0), FOX, input, randomBytes(100_000)]) {
      assert.deepEqual(lz4napi.decompressFrameSync(lz4.compress(ours)), ours);
    }
  });

  test('refuses dependent-block frames, as Kafka does', () => {
    assert.equal(LZ4_CLI.dependent[4] & 0x20, 0, 'FLG without block independence');
    assertProtocolError(() => lz4.decompress(LZ4_CLI.dependent), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED', /dependent \(linked\) blocks/);
  });

  /** A copy of `frame` with FLG/BD replaced and the HC recomputed, so only the flag is wrong. */
  function withDescriptor(frame: Buffer, flg: number, bd: number): Buffer {
    const copy = Buffer.from(frame);
    copy[4] = flg;
    copy[5] = bd;
    copy[6] = (xxhash32(copy, 0, 4, 6) >>> 8) & 0xff;
    return copy;
  }

  test('refuses other versions, reserved bits, small block sizes, other magics and a bad HC', () => {
    assertProtocolError(() => lz4.decompress(withDescriptor(JAVA.lz4Fox, 0x20, 0x40)), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED', /version 0/);
    assertProtocolError(() => lz4.decompress(withDescriptor(JAVA.lz4Fox, 0x61, 0x40)), 'ERR_TANDEM_PROTOCOL_UNSUPPORTED', /reserved/);
    assertProtocolError(() => lz4.decompress(withDescriptor(JAVA.lz4Fox, 0x60, 0x30)), 'ERR_TANDEM_PROTOCOL_INVALID', /64 KiB to 4 MiB/);
    assertProtocolError(() => lz4.decompress(withDescriptor(JAVA.lz4Fox, 0x60, 0x41)), 'ERR_TANDEM_PROTOCOL_INVALID');
    assertProtocolError(() => lz4.decompress(LZ4_CLI.legacyFox), 'ERR_TANDEM_PROTOCOL_INVALID', /not an lz4 frame/);
    const badHc = Buffer.from(JAVA.lz4Fox);
    badHc[6] ^= 0xff;
    assertProtocolError(() => lz4.decompress(badHc), 'ERR_TANDEM_PROTOCOL_CORRUPT', /descriptor checksum/);
    // The old KafkaLZ4BlockOutputStream HC (hashing the magic too) is valid for magic 0 only.
    const broken = Buffer.from(JAVA.lz4Fox);
    broken[6] = (xxhash32(broken, 0, 0, 6) >>> 8) & 0xff;
    assertProtocolError(() => lz4.decompress(broken), 'ERR_TANDEM_PROTOCOL_CORRUPT');
  });

  test('verifies block checksums', () => {
    const frame = Buffer.from(LZ4_CLI.blockChecksums);
    const firstChecksumAt = 7 + 4 + (frame.readUInt32LE(7) & 0x7fffffff);
    frame[firstChecksumAt] ^= 1;
    assertProtocolError(() => lz4.decompress(frame), 'ERR_TANDEM_PROTOCOL_CORRUPT', /block checksum/);
  });

  test('reads one frame: a stored zero-size block ends it, and bytes after the end mark are ignored', () => {
    assert.deepEqual(lz4.decompress(Buffer.concat([JAVA_HEADER, hex('00000080')])), Buffer.alloc(0));
    assert.deepEqual(lz4.decompress(Buffer.concat([JAVA.lz4Fox, Buffer.from('trailing')])), FOX);
  });

  test('refuses a block larger than the frame’s block size, and truncation anywhere', () => {
    const big = Buffer.concat([JAVA_HEADER, hex('01000100'), Buffer.alloc(65537), hex('00000000')]);
    assertProtocolError(() => lz4.decompress(big), 'ERR_TANDEM_PROTOCOL_INVALID', /maximum block size 65536/);
    const frame = lz4.compress(records(100_000));
    for (const cut of [0, 3, 6, 7, 10, 11, 500, frame.length - 4, frame.length - 1]) {
      assertProtocolError(() => lz4.decompress(frame.subarray(0, cut)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    }
  });

  test('a declared content size over maxOutputBytes is refused before decoding', () => {
    const header = Buffer.alloc(15);
    header.writeUInt32LE(0x184d2204, 0);
    header[4] = 0x68;
    header[5] = 0x40;
    header.writeBigUInt64LE(1n << 40n, 6);
    header[14] = (xxhash32(header, 0, 4, 14) >>> 8) & 0xff;
    assertProtocolError(() => lz4.decompress(header), 'ERR_TANDEM_PROTOCOL_INVALID', /1099511627776 bytes.*maxOutputBytes/);
  });

  test('output past maxOutputBytes is refused block by block', () => {
    const frame = lz4.compress(Buffer.alloc(1 << 20));
    assert.equal(lz4.decompress(frame, 1 << 20).length, 1 << 20);
    assertProtocolError(() => lz4.decompress(frame, (1 << 20) - 1), 'ERR_TANDEM_PROTOCOL_INVALID', /maxOutputBytes/);
  });
});

describe('gzip (RFC 1952)', () => {
  test('writes a gzip member: 1f 8b, deflate, and a trailer of CRC-32 and length', () => {
    const input = records(50_000);
    const stream = gzip.compress(input);
    assert.deepEqual(stream.subarray(0, 3), hex('1f8b08'));
    assert.equal(stream.readUInt32LE(stream.length - 4), input.length);
    const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    if (crc32) assert.equal(stream.readUInt32LE(stream.length - 8), crc32(input));
  });

  test('decodes Java’s and GNU gzip’s streams, and concatenated members', () => {
    assert.deepEqual(gzip.decompress(JAVA.gzipFox), FOX);
    assert.deepEqual(gzip.decompress(GZIP_CLI_FOX), FOX);
    assert.deepEqual(gzip.decompress(Buffer.concat([JAVA.gzipFox, gzip.compress(records(100))])), Buffer.concat([FOX, records(100)]));
  });

  test('our stream decodes with zlib’s streaming inflate (auto-detecting unzip)', () => {
    const input = records(100_000);
    assert.deepEqual(zlib.unzipSync(gzip.compress(input, 9)), input);
  });

  test('refuses empty, truncated and corrupt streams, and bombs past maxOutputBytes', () => {
    const stream = gzip.compress(records(10_000));
    assertProtocolError(() => gzip.decompress(Buffer.alloc(0)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    assertProtocolError(() => gzip.decompress(stream.subarray(0, stream.length - 2)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    const badCrc = Buffer.from(stream);
    badCrc[badCrc.length - 6] ^= 1;
    assertProtocolError(() => gzip.decompress(badCrc), 'ERR_TANDEM_PROTOCOL_CORRUPT');
    const bomb = gzip.compress(Buffer.alloc(10 << 20));
    assert.ok(bomb.length < 20_000);
    assertProtocolError(() => gzip.decompress(bomb, 1 << 20), 'ERR_TANDEM_PROTOCOL_INVALID', /maxOutputBytes \(1048576\)/);
  });
});

describe('zstd', () => {
  test('writes a standard frame whose header declares the content size', () => {
    for (const input of [Buffer.alloc(0), FOX, records(300_000)]) {
      const frame = zstd.compress(input);
      assert.equal(zstdDeclaredSize(frame), input.length);
    }
  });

  test('decodes Java’s frames (no content size) and the CLI’s (content checksum)', () => {
    assert.equal(zstdDeclaredSize(JAVA.zstdFox), null);
    assert.deepEqual(zstd.decompress(JAVA.zstdFox), FOX);
    assert.deepEqual(zstd.decompress(JAVA.zstdEmpty), Buffer.alloc(0));
    assert.deepEqual(zstd.decompress(ZSTD_CLI_FOX), FOX);
  });

  test('decodes concatenated frames', () => {
    const a = records(10_000, 1);
    const b = records(70_000, 2);
    assert.deepEqual(zstd.decompress(Buffer.concat([zstd.compress(a), JAVA.zstdFox, zstd.compress(b)])), Buffer.concat([a, FOX, b]));
  });

  /** A frame without a content size, as a streaming writer (Java's) makes one. */
  function streamingFrame(input: Buffer): Buffer {
    const cctx = new zstdBinding.CCtx();
    cctx.setParameter(zstdBinding.CParameter.contentSizeFlag, 0);
    const dst = Buffer.alloc(zstdBinding.compressBound(input.length));
    return dst.subarray(0, cctx.compress2(dst, input));
  }

  test('refuses output past maxOutputBytes, declared or not', () => {
    const declared = zstd.compress(Buffer.alloc(10 << 20));
    assertProtocolError(() => zstd.decompress(declared, 1 << 20), 'ERR_TANDEM_PROTOCOL_INVALID', /10485760 bytes/);
    const undeclared = streamingFrame(Buffer.alloc(10 << 20));
    assert.equal(zstdDeclaredSize(undeclared), null);
    assert.equal(zstd.decompress(undeclared, 10 << 20).length, 10 << 20);
    assertProtocolError(() => zstd.decompress(undeclared, 1 << 20), 'ERR_TANDEM_PROTOCOL_INVALID', /maxOutputBytes/);
  });

  test('refuses empty, truncated, corrupt and trailing-garbage input', () => {
    const frame = zstd.compress(records(50_000));
    assertProtocolError(() => zstd.decompress(Buffer.alloc(0)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    assertProtocolError(() => zstd.decompress(frame.subarray(0, frame.length - 3)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    assertProtocolError(() => zstd.decompress(JAVA.zstdFox.subarray(0, 20)), 'ERR_TANDEM_PROTOCOL_TRUNCATED');
    assertProtocolError(() => zstd.decompress(randomBytes(100)), 'ERR_TANDEM_PROTOCOL_CORRUPT');
    assertProtocolError(() => zstd.decompress(Buffer.concat([frame, Buffer.from('junk')])), 'ERR_TANDEM_PROTOCOL_CORRUPT');
    // The shared context recovers after an error.
    assert.deepEqual(zstd.decompress(JAVA.zstdFox), FOX);
  });
});

describe('none', () => {
  test('copies, honours headroom and the output cap', () => {
    const input = records(1000);
    const out = none.compress(input);
    assert.deepEqual(out, input);
    out[0] ^= 1;
    assert.notDeepEqual(out, input, 'a copy, not a view');
    assert.deepEqual(none.compress(input, undefined, { headroom: 5 }).subarray(5), input);
    assertProtocolError(() => none.decompress(input, 999), 'ERR_TANDEM_PROTOCOL_INVALID');
  });
});

describe('decompress options', () => {
  test('maxOutputBytes defaults to 64 MiB and must be a non-negative integer', () => {
    assert.equal(DEFAULT_MAX_DECOMPRESSED_BYTES, 64 * 1024 * 1024);
    for (const codec of realCodecs) {
      const stream = codec.compress(FOX);
      assert.throws(() => codec.decompress(stream, -1), RangeError, codec.name);
      assert.throws(() => codec.decompress(stream, 1.5), RangeError, codec.name);
      assert.deepEqual(codec.decompress(stream, FOX.length), FOX, codec.name);
      assertProtocolError(() => codec.decompress(stream, FOX.length - 1), 'ERR_TANDEM_PROTOCOL_INVALID');
    }
  });

  test('a zero cap still decodes empty streams', () => {
    for (const codec of codecs) assert.equal(codec.decompress(codec.compress(Buffer.alloc(0)), 0).length, 0);
  });
});
