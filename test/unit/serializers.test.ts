/**
 * Serializers: what each built-in accepts and produces, and how a failing serializer reaches the
 * caller of send() (a SerializationError naming the topic and key or value).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SerializationError,
  bytesSerializer,
  defaultSerializer,
  jsonSerializer,
  runSerializer,
  runSerializerToString,
  serializers,
  stringSerializer,
  type Serializer,
} from '@tandem/producer';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

describe('stringSerializer', () => {
  test('encodes UTF-8, including non-ASCII and astral characters', () => {
    for (const s of ['', 'hello', 'héllo wörld', '日本語', '🎉 ok']) {
      assert.deepEqual(stringSerializer.serialize('t', s), utf8(s), s);
      assert.equal(stringSerializer.serializeToString?.('t', s), s);
    }
  });

  test('maps null and undefined to null', () => {
    assert.equal(stringSerializer.serialize('t', null), null);
    assert.equal(stringSerializer.serialize('t', undefined), null);
    assert.equal(stringSerializer.serializeToString?.('t', null), null);
  });

  test('rejects non-strings instead of guessing a text form', () => {
    assert.throws(() => stringSerializer.serialize('t', 42 as unknown as string), /expected a string, got a number/);
    assert.throws(() => stringSerializer.serializeToString?.('t', {} as unknown as string), TypeError);
  });

  test("is marked kind 'string' so the runtime can encode it into the slab", () => {
    assert.equal(stringSerializer.kind, 'string');
  });
});

describe('bytesSerializer', () => {
  test('passes a Uint8Array or Buffer through without copying', () => {
    const bytes = Uint8Array.of(1, 2, 3);
    assert.equal(bytesSerializer.serialize('t', bytes), bytes);
    const buffer = Buffer.from('abc');
    assert.equal(bytesSerializer.serialize('t', buffer), buffer);
  });

  test('wraps an ArrayBuffer without copying', () => {
    const ab = new ArrayBuffer(4);
    const out = bytesSerializer.serialize('t', ab);
    assert.ok(out instanceof Uint8Array);
    assert.equal(out.buffer, ab);
  });

  test('maps null to null and rejects strings', () => {
    assert.equal(bytesSerializer.serialize('t', null), null);
    assert.throws(() => bytesSerializer.serialize('t', 'abc' as unknown as Uint8Array), /expected a Uint8Array/);
  });
});

describe('jsonSerializer', () => {
  test('writes JSON as UTF-8; serialize and serializeToString agree', () => {
    const value = { id: 7, name: 'café', tags: ['a'], nested: { ok: true } };
    assert.equal(text(jsonSerializer.serialize('t', value)), JSON.stringify(value));
    assert.equal(jsonSerializer.serializeToString?.('t', value), JSON.stringify(value));
    assert.equal(text(jsonSerializer.serialize('t', 'str')), '"str"');
    assert.equal(text(jsonSerializer.serialize('t', 0)), '0');
  });

  test('maps null and undefined to null (a tombstone), not the text null', () => {
    assert.equal(jsonSerializer.serialize('t', null), null);
    assert.equal(jsonSerializer.serialize('t', undefined), null);
  });

  test('rejects what JSON cannot represent', () => {
    assert.throws(() => jsonSerializer.serialize('t', 10n), TypeError);
    assert.throws(() => jsonSerializer.serialize('t', () => 1), /no JSON representation/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => jsonSerializer.serialize('t', cycle), TypeError);
  });
});

describe('defaultSerializer', () => {
  test('takes strings as UTF-8 and bytes as they are', () => {
    assert.deepEqual(defaultSerializer.serialize('t', 'é'), utf8('é'));
    const bytes = Uint8Array.of(9);
    assert.equal(defaultSerializer.serialize('t', bytes), bytes);
    assert.equal(defaultSerializer.serialize('t', null), null);
    assert.equal(defaultSerializer.kind, 'auto');
  });

  test('rejects other types with a hint to choose a serializer', () => {
    assert.throws(() => defaultSerializer.serialize('t', { a: 1 } as unknown as string), /set a serializer \(e\.g\. 'json'\)/);
    assert.throws(() => defaultSerializer.serialize('t', 5 as unknown as string), TypeError);
  });

  test('the built-ins are listed by name', () => {
    assert.deepEqual(Object.keys(serializers).sort(), ['auto', 'bytes', 'json', 'string']);
  });
});

describe('runSerializer', () => {
  test('returns what the serializer returns', () => {
    const custom: Serializer<number> = { serialize: (_t, n) => Uint8Array.of(n) };
    assert.deepEqual(runSerializer(custom, 't', 5, undefined, 'value'), Uint8Array.of(5));
    assert.equal(runSerializer(stringSerializer, 't', null, undefined, 'key'), null);
  });

  test('passes the topic and headers to the serializer', () => {
    let seen: unknown[] = [];
    const custom: Serializer<string> = { serialize: (...args) => ((seen = args), null) };
    const headers = { 'schema-id': '7' };
    runSerializer(custom, 'orders', 'x', headers, 'value');
    assert.deepEqual(seen, ['orders', 'x', headers]);
  });

  test('turns a throw into a SerializationError naming the topic and the part, with the cause', () => {
    const boom = new Error('bad schema');
    const failing: Serializer<unknown> = {
      serialize: () => {
        throw boom;
      },
    };
    for (const part of ['key', 'value'] as const) {
      assert.throws(
        () => runSerializer(failing, 'orders', {}, undefined, part),
        (err: unknown) => {
          assert.ok(err instanceof SerializationError);
          assert.equal(err.code, 'ERR_TANDEM_SERIALIZATION');
          assert.equal(err.topic, 'orders');
          assert.equal(err.part, part);
          assert.equal(err.cause, boom);
          assert.match(err.message, new RegExp(`${part} of a record to topic 'orders'.*bad schema.*'${part}\\.serializer'`));
          return true;
        },
      );
    }
  });

  test('reports a built-in rejecting its input the same way', () => {
    assert.throws(() => runSerializer(stringSerializer, 'orders', 42 as unknown as string, undefined, 'key'), (err: unknown) =>
      err instanceof SerializationError && err.part === 'key' && /got a number/.test(err.message),
    );
  });

  test('refuses a result that is not a Uint8Array or null (undefined included)', () => {
    for (const bad of [undefined, 'text', [1, 2], 5, new ArrayBuffer(1)]) {
      const custom = { serialize: () => bad } as unknown as Serializer<unknown>;
      assert.throws(() => runSerializer(custom, 't', 1, undefined, 'value'), SerializationError, String(bad));
    }
  });

  test('a throw of a non-Error is reported too', () => {
    const custom: Serializer<unknown> = {
      serialize: () => {
        throw 'nope';
      },
    };
    assert.throws(() => runSerializer(custom, 't', 1, undefined, 'value'), /it threw a string/);
  });
});

describe('runSerializerToString', () => {
  test('returns the text, and wraps failures as SerializationError', () => {
    assert.equal(runSerializerToString(jsonSerializer as Required<typeof jsonSerializer>, 't', { a: 1 }, undefined, 'value'), '{"a":1}');
    assert.throws(
      () => runSerializerToString(jsonSerializer as Required<typeof jsonSerializer>, 'orders', 1n, undefined, 'value'),
      (err: unknown) => err instanceof SerializationError && err.topic === 'orders' && err.part === 'value',
    );
    const bad = { serialize: () => null, serializeToString: () => 5 } as unknown as Required<Serializer<unknown>>;
    assert.throws(() => runSerializerToString(bad, 't', 1, undefined, 'key'), /instead of a string or null/);
  });
});
