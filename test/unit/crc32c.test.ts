/**
 * CRC-32C (Castagnoli) through @node-rs/crc32: standard check values, agreement with a bitwise
 * reference written from the polynomial, continuation across pieces, and views of a
 * SharedArrayBuffer.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32c } from '@tandem/protocol';

/** The definition, one bit at a time: reflected polynomial 0x82F63B78, init and final xor ~0. */
function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  test('the check value: CRC-32C("123456789") = 0xE3069283', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32cBitwise(Buffer.from('123456789')), 0xe3069283);
  });

  test('RFC 3720 (iSCSI) appendix B.4 vectors', () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(ascending), 0x46dd794e);
    assert.equal(crc32c(ascending.slice().reverse()), 0x113fdb5c);
  });

  test('the empty input and a single zero byte (also in kafkajs crc32C/index.spec.js)', () => {
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(new Uint8Array([0])), 1383945041);
  });

  test('agrees with the bitwise definition on random inputs of every small length', () => {
    let seed = 12345;
    for (let n = 0; n < 600; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      assert.equal(crc32c(b), crc32cBitwise(b), `length ${n}`);
    }
  });

  test('continues over pieces: crc32c(b, crc32c(a)) = crc32c(a ++ b)', () => {
    const whole = Buffer.from('The quick brown fox jumps over the lazy dog, 0123456789 times.');
    for (let cut = 0; cut <= whole.length; cut++) {
      assert.equal(crc32c(whole.subarray(cut), crc32c(whole.subarray(0, cut))), crc32c(whole));
    }
  });

  test('reads a subarray of a SharedArrayBuffer in place, honouring its offset and length', () => {
    const memory = new Uint8Array(new SharedArrayBuffer(64));
    memory.fill(0xaa);
    memory.set(Buffer.from('123456789'), 7);
    assert.equal(crc32c(memory.subarray(7, 16)), 0xe3069283);
  });

  test('returns an unsigned 32-bit number', () => {
    const v = crc32c(Buffer.from('123456789')); // 0xE3069283: the high bit set
    assert.ok(v > 0x7fffffff && Number.isInteger(v));
  });
});
