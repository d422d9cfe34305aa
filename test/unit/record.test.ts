/**
 * The per-record encoder of the send() path (`writeRecord`, `writeRecordUtf8`) and its size
 * functions: exact bytes for hand-checked records, sizes that agree with the bytes written,
 * strings written once with the same bytes as a two-pass encoding, and the edges where a varint
 * grows a byte.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeRecords,
  headersSize,
  recordSize,
  recordSizeUtf8,
  utf8Length,
  varintSize,
  varlongSize,
  writeRecord,
  writeRecordUtf8,
  writeVarint,
  writeVarlong,
  type RecordHeader,
} from '@tandem/protocol';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function encode(
  tsDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: RecordHeader[] | null,
): Buffer {
  const size = recordSize(tsDelta, offsetDelta, key, value, headers);
  const out = Buffer.alloc(size);
  const end = writeRecord(out, 0, tsDelta, offsetDelta, key, value, headers);
  assert.equal(end, size, 'writeRecord wrote exactly recordSize bytes');
  return out;
}

describe('zig-zag varints as the record format writes them', () => {
  // Examples from Kafka's protocol guide / ByteUtils, listed in the reference §2.
  const cases: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [300, 'd804'],
    [8191, 'fe7f'],
    [8192, '808001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  for (const [n, bytes] of cases) {
    test(`varint ${n} is ${bytes}`, () => {
      const b = new Uint8Array(10);
      const end = writeVarint(b, 0, n);
      assert.equal(hex(b.subarray(0, end)), bytes);
      assert.equal(varintSize(n), end);
    });
  }
  // Varlongs: zig-zag over 64 bits, computed by hand: z = 2n (n ≥ 0) or -2n-1, 7 bits a byte.
  const longs: [number, string][] = [
    [2147483648, '8080808010'], // z = 2^32
    [-2147483649, '8180808010'], // z = 2^32 + 1
    [4398046511104, '80808080808002'], // 2^42: z = 2^43
    [-(2 ** 52), 'ffffffffffffff0f'], // z = 2^53 - 1: seven full groups, then 4 bits
  ];
  for (const [n, bytes] of longs) {
    test(`varlong ${n} is ${bytes}`, () => {
      const b = new Uint8Array(10);
      const end = writeVarlong(b, 0, n);
      assert.equal(hex(b.subarray(0, end)), bytes);
      assert.equal(varlongSize(n), end);
    });
  }
});

describe('writeRecord', () => {
  test('writes the reference record: key null, value "hello", no headers', () => {
    // The record inside the reference §2 batch: length 11, attributes, ts 0, offset 0,
    // key -1, value length 5, "hello", 0 headers.
    assert.equal(hex(encode(0, 0, null, utf8('hello'), null)), '16000000010a68656c6c6f00');
  });

  test('writes keys and headers byte for byte (the two records of the Java vector V1)', () => {
    // Checked against kafka-clients 3.9.1 MemoryRecordsBuilder; see record-batch.test.ts.
    assert.equal(hex(encode(0, 0, utf8('k1'), utf8('v'), [{ key: 'h', value: utf8('x') }])), '1a000000046b3102760202680278');
    assert.equal(hex(encode(5, 1, null, utf8(''), [{ key: 'é', value: null }])), '14000a0201000204c3a901');
  });

  test('takes header keys as strings or bytes and values as bytes or strings, with the same result', () => {
    // Short strings take a JS path (ASCII up to 32 characters, falling back on the first
    // non-ASCII one); longer ones the native path. Cover both sides and the fall-back.
    const texts = ['', 'trace-id', 'abc é', 'a'.repeat(31), 'a'.repeat(32), 'a'.repeat(33), 'a'.repeat(31) + 'é', 'é' + 'a'.repeat(31), 'a'.repeat(40) + '😀', '\ud800'];
    for (const k of texts) {
      for (const v of texts) {
        const a = encode(0, 0, null, null, [{ key: k, value: v }, { key: v, value: k }]);
        const b = encode(0, 0, null, null, [{ key: utf8(k), value: utf8(v) }, { key: utf8(v), value: utf8(k) }]);
        assert.deepEqual(a, b, `${JSON.stringify(k)} / ${JSON.stringify(v)}`);
      }
    }
  });

  test('treats null headers and an empty list alike (one byte: count 0)', () => {
    assert.equal(headersSize(null), 1);
    assert.equal(headersSize([]), 1);
    assert.deepEqual(encode(3, 2, null, null, null), encode(3, 2, null, null, []));
  });

  test('distinguishes a null value (-1) from an empty one (0)', () => {
    assert.equal(hex(encode(0, 0, null, null, null)), '0c0000000101' + '00');
    assert.equal(hex(encode(0, 0, null, new Uint8Array(0), null)), '0c0000000100' + '00');
  });

  test('writes into a SharedArrayBuffer view at an offset and returns the next position', () => {
    const slab = new Uint8Array(new SharedArrayBuffer(256), 16, 200);
    const value = utf8('x'.repeat(100));
    const end = writeRecord(slab, 61, -7, 4, utf8('key'), value, null);
    assert.equal(end, 61 + recordSize(-7, 4, utf8('key'), value, null));
    const [r] = decodeRecords(slab.subarray(61, end), 1);
    assert.equal(r!.timestampDelta, -7);
    assert.equal(r!.offsetDelta, 4);
    assert.equal(r!.key!.toString(), 'key');
    assert.deepEqual(Buffer.from(r!.value!), value);
  });

  test('throws a RangeError instead of writing past the end of the target', () => {
    const value = new Uint8Array(50);
    const size = recordSize(0, 0, null, value, null);
    assert.throws(() => writeRecord(new Uint8Array(size - 1), 0, 0, 0, null, value, null), RangeError);
    assert.equal(writeRecord(new Uint8Array(size), 0, 0, 0, null, value, null), size);
  });

  test('sizes agree with bytes written across every varint width boundary', () => {
    // Lengths around 63/64 (1 -> 2 bytes) and 8191/8192 (2 -> 3 bytes); offsetDeltas and
    // timestamp deltas around the same edges and the int32 edges.
    const lengths = [0, 1, 62, 63, 64, 65, 8190, 8191, 8192, 8193, 70000];
    const deltas = [0, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 45];
    const offsets = [0, 63, 64, 8191, 8192, 2 ** 31 - 1];
    for (const len of lengths) {
      const value = new Uint8Array(len).fill(0x61);
      for (const d of deltas) {
        for (const o of offsets) {
          const bytes = encode(d, o, len % 2 ? value : null, value, null);
          const [r] = decodeRecords(bytes, 1);
          assert.equal(r!.timestampDelta, d);
          assert.equal(r!.offsetDelta, o);
          assert.equal(r!.value!.length, len);
        }
      }
    }
  });
});

describe('writeRecordUtf8 (string values written once, in place)', () => {
  const samples: string[] = [
    '',
    'hello',
    'x'.repeat(100),
    'é', // 2 bytes
    '✓', // 3 bytes
    '😀', // 4 bytes (a surrogate pair)
    'héllo wörld ✓ 😀 '.repeat(7),
    '\ud800', // lone high surrogate: U+FFFD, 3 bytes
    'a\udc00b', // lone low surrogate
    '😀'.repeat(16), // 64 bytes from 32 code units
  ];
  // Strings whose UTF-8 length crosses a varint width where the UTF-16 length does not: the
  // cases the guess-and-move path exists for.
  for (const n of [21, 22, 31, 32, 60, 63, 64, 2730, 2731, 4096, 8191, 8192]) {
    samples.push('a'.repeat(n), 'é'.repeat(n), '✓'.repeat(n), 'a'.repeat(n - 1) + '✓', '✓' + 'a'.repeat(n - 1));
  }

  test('writes the same bytes as writeRecord with the string encoded first', () => {
    const headerSets: (RecordHeader[] | null)[] = [null, [{ key: 'h', value: 'v' }, { key: 'ü', value: null }]];
    for (const s of samples) {
      for (const key of [null, utf8('k'.repeat(40))]) {
        for (const headers of headerSets) {
          for (const delta of [0, -3, 100000]) {
            const expected = encode(delta, 9, key, utf8(s), headers);
            assert.equal(recordSizeUtf8(delta, 9, key, s, headers), expected.length);
            // Exactly enough room, and plenty of room: both paths.
            for (const room of [expected.length, 3 * s.length + 200]) {
              const target = new Uint8Array(new SharedArrayBuffer(room + 10));
              target.fill(0xee);
              const end = writeRecordUtf8(target, 5, 5 + room, delta, 9, key, s, headers);
              assert.equal(end, 5 + expected.length, `string of ${s.length} units, room ${room}`);
              assert.equal(hex(target.subarray(5, end)), hex(expected));
              assert.equal(target[4], 0xee, 'nothing written before pos');
            }
          }
        }
      }
    }
  });

  test('returns -1 when the record does not fit, without writing past end', () => {
    const s = 'é'.repeat(50); // 100 bytes
    const size = recordSizeUtf8(0, 0, null, s, null);
    const target = new Uint8Array(size + 8).fill(0xee);
    assert.equal(writeRecordUtf8(target, 0, size - 1, 0, 0, null, s, null), -1);
    assert.ok(target.subarray(size - 1).every((b) => b === 0xee), 'bytes at and after end untouched');
    assert.equal(writeRecordUtf8(target, 0, size, 0, 0, null, s, null), size);
  });

  test('rejects an end past the target', () => {
    assert.throws(() => writeRecordUtf8(new Uint8Array(10), 0, 11, 0, 0, null, 'a', null), RangeError);
  });

  test('utf8Length counts as the encoders write (lone surrogates are 3 bytes)', () => {
    for (const s of samples) assert.equal(utf8Length(s), new TextEncoder().encode(s).length);
  });
});
