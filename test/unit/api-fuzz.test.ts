/**
 * Fuzzing the decoders: every response (and request) decoder of every API, at every version,
 * fed truncated, mutated and random bytes, must either decode or throw a ProtocolError: never a
 * RangeError or TypeError from Buffer, never a hang, never an allocation the input cannot
 * justify. Seeds are real messages: the Java client's (test/fixtures/java-messages.json) and a
 * broker's (test/fixtures/broker-4.4.0.json). Deterministic (seeded), a few seconds in total.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ProtocolError,
  SUPPORTED_APIS,
  apiDefinition,
  decodeRequestFrame,
  decodeResponse,
  type AnyApiDefinition,
} from '@tandem/protocol';

interface Seed {
  api: AnyApiDefinition;
  kind: 'request' | 'response';
  version: number;
  bytes: Buffer;
}

const java = JSON.parse(readFileSync(new URL('../../fixtures/java-messages.json', import.meta.url), 'utf8')) as {
  messages: Array<{ apiKey: number; kind: 'request' | 'response'; version: number; hex: string }>;
};
const broker = JSON.parse(readFileSync(new URL('../../fixtures/broker-4.4.0.json', import.meta.url), 'utf8')) as {
  responses: Array<{ apiKey: number; version: number; payloadHex: string }>;
};

const seeds: Seed[] = java.messages.map((m) => ({
  api: apiDefinition(m.apiKey)!,
  kind: m.kind,
  version: m.version,
  bytes: Buffer.from(m.hex, 'hex'),
}));

/** xorshift32: the same "random" inputs on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

let calls = 0;
/** Runs `decode`; anything thrown must be a ProtocolError. */
function expectOnlyProtocolErrors(what: string, input: Buffer, decode: () => unknown): void {
  calls++;
  try {
    decode();
  } catch (err) {
    if (!(err instanceof ProtocolError)) {
      assert.fail(`${what} on ${input.toString('hex').slice(0, 200)} threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    }
  }
}

function decoderOf(api: AnyApiDefinition, kind: 'request' | 'response'): (b: Buffer, v: number) => unknown {
  return kind === 'request' ? (b, v) => api.decodeRequest(b, v) : (b, v) => api.decodeResponse(b, v);
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

function mutate(bytes: Buffer, next: () => number): Buffer {
  const out = Buffer.from(bytes);
  const kind = next() % 4;
  if (kind === 3 && out.length > 1) {
    // Delete or duplicate a run of bytes: shifts every later field.
    const at = next() % out.length;
    const len = 1 + (next() % Math.min(8, out.length - at));
    return next() % 2 === 0
      ? Buffer.concat([out.subarray(0, at), out.subarray(at + len)])
      : Buffer.concat([out.subarray(0, at + len), out.subarray(at)]);
  }
  const edits = 1 + (next() % 4);
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = next() % out.length;
    out[at] = kind === 0 ? next() & 0xff : kind === 1 ? INTERESTING[next() % INTERESTING.length]! : out[at]! ^ (1 << (next() % 8));
  }
  return out;
}

describe('decoders throw only ProtocolError on bad input', { timeout: 60_000 }, () => {
  it('every seed decodes cleanly at its own version', () => {
    for (const s of seeds) decoderOf(s.api, s.kind)(s.bytes, s.version);
  });

  it('truncated seeds, at their version and at the boundary versions of the API', () => {
    for (const s of seeds) {
      const decode = decoderOf(s.api, s.kind);
      const flex = s.api.firstFlexibleVersion;
      const versions = new Set([s.version, s.api.minVersion, s.api.maxVersion, flex - 1, flex]);
      for (let n = 0; n < s.bytes.length; n++) {
        const cut = s.bytes.subarray(0, n);
        for (const v of versions) {
          if (!(v >= s.api.minVersion && v <= s.api.maxVersion)) continue;
          expectOnlyProtocolErrors(`${s.api.name} ${s.kind} v${v} truncated to ${n}`, cut, () => decode(cut, v));
        }
      }
    }
  });

  it('mutated seeds (random, boundary and bit-flipped bytes, deleted and repeated runs)', () => {
    const next = rng(0x5eed);
    for (const s of seeds) {
      const decode = decoderOf(s.api, s.kind);
      for (let i = 0; i < 300; i++) {
        const m = mutate(s.bytes, next);
        const v = i % 5 === 0 ? s.api.minVersion + (next() % (s.api.maxVersion - s.api.minVersion + 1)) : s.version;
        expectOnlyProtocolErrors(`${s.api.name} ${s.kind} v${v} mutated`, m, () => decode(m, v));
      }
    }
  });

  it('random bytes, for every decoder at every version', () => {
    const next = rng(0xc0ffee);
    for (const api of SUPPORTED_APIS) {
      for (const kind of ['request', 'response'] as const) {
        const decode = decoderOf(api, kind);
        for (let v = api.minVersion; v <= api.maxVersion; v++) {
          for (let i = 0; i < 200; i++) {
            const len = next() % (i < 100 ? 16 : 200);
            const b = Buffer.alloc(len);
            // Mostly small values, so that lengths and counts are plausible and decoding goes deep.
            for (let j = 0; j < len; j++) b[j] = next() % 3 === 0 ? next() & 0xff : next() % 4;
            expectOnlyProtocolErrors(`${api.name} ${kind} v${v} random`, b, () => decode(b, v));
          }
        }
      }
    }
  });

  it('whole response and request frames: headers included', () => {
    const next = rng(0xfeed);
    for (const r of broker.responses) {
      const api = apiDefinition(r.apiKey)!;
      const version = Math.min(r.version, api.maxVersion);
      const payload = Buffer.from(r.payloadHex, 'hex');
      for (let i = 0; i < 300; i++) {
        const m = i < payload.length ? payload.subarray(0, i) : mutate(payload, next);
        expectOnlyProtocolErrors(`${api.name} response frame v${version}`, m, () => decodeResponse(api, version, m));
      }
    }
    for (let i = 0; i < 3000; i++) {
      const len = next() % 64;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = next() % 2 === 0 ? next() & 0xff : next() % 40;
      expectOnlyProtocolErrors('request frame', b, () => decodeRequestFrame(b));
    }
  });

  it('a huge claimed count or length fails fast instead of allocating', () => {
    // Metadata v12 response: throttle 0, then a compact array claiming 2^28 brokers in 5 bytes.
    const bytes = Buffer.from('00000000' + '8080808001', 'hex');
    const api = apiDefinition(3)!;
    const started = process.hrtime.bigint();
    assert.throws(() => api.decodeResponse(bytes, 12), ProtocolError);
    // Classic ARRAY: int32 count 0x7fffffff.
    assert.throws(() => api.decodeResponse(Buffer.from('00000000' + '7fffffff', 'hex'), 4), ProtocolError);
    assert.ok(process.hrtime.bigint() - started < 50_000_000n, 'well under 50 ms');
  });

  it(`ran a meaningful number of decodes`, () => {
    assert.ok(calls > 50_000, `only ${calls} decodes`);
  });
});
