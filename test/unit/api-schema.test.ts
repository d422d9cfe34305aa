/**
 * The table-driven codec's rules (packages/protocol/src/api/schema.ts), shown on small messages
 * and on the real API definitions: null versus empty, defaults for fields a version lacks,
 * fields that cannot be sent at a version, tagged fields, strict input checks.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FindCoordinator,
  InitProducerId,
  Metadata,
  ProtocolError,
  Reader,
  TxnOffsetCommit,
  Writer,
  defineMessage,
  parseVersionRange,
} from '@tandem/protocol';

function encode(write: (w: Writer) => void): Buffer {
  const w = new Writer(0);
  write(w);
  return Buffer.from(w.finish());
}

function protocolError(code: string): (err: unknown) => boolean {
  return (err) => err instanceof ProtocolError && err.code === code;
}

interface Sample {
  id: number;
  name: string | null;
  tags: string[] | null;
  big: bigint;
  when: number;
  extra: { a: number; b: string | null };
  note: string;
}

// A made-up message exercising every rule: v0-3, flexible from 2.
const sample = defineMessage<Sample, Partial<Sample>>({
  name: 'SampleMessage',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'id', type: 'int32', versions: '0+' },
    { name: 'name', type: 'string', versions: '0+', nullableVersions: '1+', default: null },
    { name: 'tags', type: '[]string', versions: '0+', nullableVersions: '0+' },
    { name: 'big', type: 'int64', versions: '1+', default: -1n },
    { name: 'when', type: 'int64n', versions: '1+', ignorable: true, default: -1 },
    {
      name: 'extra',
      type: 'struct',
      versions: '2+',
      tag: 3,
      taggedVersions: '2+',
      fields: [
        { name: 'a', type: 'int16', versions: '2+', default: -1 },
        { name: 'b', type: 'string', versions: '2+', nullableVersions: '2+', default: null },
      ],
    },
    { name: 'note', type: 'string', versions: '3+', ignorable: true },
  ],
});

describe('version ranges', () => {
  it('parses Kafka syntax', () => {
    assert.deepEqual(parseVersionRange('3+'), [3, 0x7fff]);
    assert.deepEqual(parseVersionRange('0-12'), [0, 12]);
    assert.deepEqual(parseVersionRange('5'), [5, 5]);
    assert.deepEqual(parseVersionRange('none'), [1, 0]);
    assert.throws(() => parseVersionRange('3-'));
  });

  it('refuses versions outside the codec with ERR_TANDEM_PROTOCOL_UNSUPPORTED', () => {
    assert.throws(() => sample.encode(new Writer(), 4, { id: 1 }), protocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED'));
    assert.throws(() => sample.decode(Buffer.alloc(10), -1), protocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED'));
    assert.throws(() => sample.decode(Buffer.alloc(10), 1.5), protocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED'));
    assert.throws(() => Metadata.encodeRequest(new Writer(), 3, { topics: [] }), /MetadataRequest version 3 is not supported \(we speak 4-13\)/);
  });
});

describe('null versus empty', () => {
  it('a null array and an empty array are different bytes, and decode back as written', () => {
    for (const v of [0, 2]) {
      const nullTags = sample.decode(encode((w) => sample.encode(w, v, { id: 1, name: 'n', tags: null })), v);
      const emptyTags = sample.decode(encode((w) => sample.encode(w, v, { id: 1, name: 'n', tags: [] })), v);
      assert.equal(nullTags.tags, null);
      assert.deepEqual(emptyTags.tags, []);
    }
  });

  it('a null string and an empty string are different bytes', () => {
    assert.equal(encode((w) => sample.encode(w, 1, { id: 0, name: null, tags: [] })).subarray(4, 6).toString('hex'), 'ffff');
    assert.equal(encode((w) => sample.encode(w, 1, { id: 0, name: '', tags: [] })).subarray(4, 6).toString('hex'), '0000');
    assert.equal(sample.decode(encode((w) => sample.encode(w, 2, { id: 0, name: '', tags: [] })), 2).name, '');
    assert.equal(sample.decode(encode((w) => sample.encode(w, 2, { id: 0, name: null, tags: [] })), 2).name, null);
  });

  it('null where the version does not allow it fails both ways', () => {
    assert.throws(() => sample.encode(new Writer(), 0, { id: 0, name: null, tags: [] }), /SampleMessage.name is not nullable at version 0/);
    // v0: name is a non-nullable STRING; length -1 is refused.
    assert.throws(() => sample.decode(Buffer.from('00000000ffff00000000', 'hex'), 0), protocolError('ERR_TANDEM_PROTOCOL_INVALID'));
    // Metadata v12 response: a null non-nullable array (brokers) is refused.
    assert.throws(() => Metadata.decodeResponse(Buffer.from('0000000000', 'hex'), 12), /null array for non-nullable field brokers/);
  });

  it('Metadata requests: null topics means all, [] means none, and v4+ keeps them apart', () => {
    for (const v of [4, 9, 13]) {
      assert.equal(Metadata.decodeRequest(encode((w) => Metadata.encodeRequest(w, v, { topics: null })), v).topics, null);
      assert.deepEqual(Metadata.decodeRequest(encode((w) => Metadata.encodeRequest(w, v, { topics: [] })), v).topics, []);
    }
  });
});

describe('multi-byte UTF-8', () => {
  it('topic names and ids are measured in bytes, both encodings', () => {
    const name = 'заказы-注文-🚀';
    for (const v of [4, 9, 12]) {
      const bytes = encode((w) => Metadata.encodeRequest(w, v, { topics: [{ name }] }));
      assert.ok(bytes.includes(Buffer.from(name, 'utf8')));
      assert.equal(Metadata.decodeRequest(bytes, v).topics![0]!.name, name);
    }
  });
});

describe('fields a version lacks', () => {
  it('decode to their defaults', () => {
    const v0 = sample.decode(encode((w) => sample.encode(w, 0, { id: 7, name: 'x', tags: [] })), 0);
    assert.deepEqual(v0, { id: 7, name: 'x', tags: [], big: -1n, when: -1, extra: { a: -1, b: null }, note: '' });
  });

  it('may be left at their default, and ignorable ones are dropped silently', () => {
    assert.doesNotThrow(() => sample.encode(new Writer(), 0, { id: 1, name: 'n', tags: [], big: -1n }));
    assert.doesNotThrow(() => sample.encode(new Writer(), 0, { id: 1, name: 'n', tags: [], when: 12345 }));
    assert.doesNotThrow(() => sample.encode(new Writer(), 2, { id: 1, tags: [], note: 'dropped before v3' }));
  });

  it('refuse a value other than the default when not ignorable (as Java)', () => {
    assert.throws(() => sample.encode(new Writer(), 0, { id: 1, name: 'n', tags: [], big: 5n }), /SampleMessage.big has a non-default value and cannot be sent at version 0 \(versions 1\+\)/);
    assert.throws(() => sample.encode(new Writer(), 1, { id: 1, tags: [], extra: { a: 3, b: null } }), protocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED'));
    // Real cases: a producer id to bump needs InitProducerId v3+; a group coordinator is all v0 finds.
    assert.throws(
      () => InitProducerId.encodeRequest(new Writer(), 2, { transactionalId: 't', transactionTimeoutMs: 1, producerId: 5n, producerEpoch: 1 }),
      protocolError('ERR_TANDEM_PROTOCOL_UNSUPPORTED'),
    );
    assert.throws(() => FindCoordinator.encodeRequest(new Writer(), 0, { key: 'txn', keyType: 1 }), /keyType/);
    assert.throws(
      () =>
        TxnOffsetCommit.encodeRequest(new Writer(), 2, {
          transactionalId: 't', groupId: 'g', producerId: 1n, producerEpoch: 0, memberId: 'm', topics: [],
        }),
      /memberId/,
    );
    assert.throws(() => Metadata.encodeRequest(new Writer(), 11, { topics: [], includeClusterAuthorizedOperations: true }), /includeClusterAuthorizedOperations/);
  });
});

describe('tagged fields', () => {
  it('are written only when they differ from their default, and read back', () => {
    const plain = encode((w) => sample.encode(w, 2, { id: 1, tags: [] }));
    const tagged = encode((w) => sample.encode(w, 2, { id: 1, tags: [], extra: { a: 9, b: 'é' } }));
    assert.equal(plain.at(-1), 0, 'empty tag buffer');
    assert.ok(tagged.length > plain.length);
    assert.deepEqual(sample.decode(tagged, 2).extra, { a: 9, b: 'é' });
    assert.deepEqual(sample.decode(plain, 2).extra, { a: -1, b: null });
  });

  it('unknown tags are skipped, in the top-level and in nested structs', () => {
    // v2: id, name null, tags [], big, when, then a tag buffer with tags 1 (unknown), 3 (extra), 9 (unknown).
    const hex = [
      '00000001', // id 1
      '00', // name null
      '01', // tags []
      '0000000000000002', // big 2
      '0000000000000003', // when 3
      '03', // tag buffer: 3 fields
      '01 03 aabbcc', // tag 1, 3 bytes: unknown
      '03 05 0004 02 61 00', // tag 3 (extra), 5 bytes: a 4, b "a", its tag buffer
      '09 00', // tag 9, 0 bytes: unknown
    ].join('');
    const out = sample.decode(Buffer.from(hex.replace(/ /g, ''), 'hex'), 2);
    assert.deepEqual(out, { id: 1, name: null, tags: [], big: 2n, when: 3, extra: { a: 4, b: 'a' }, note: '' });
  });

  it('tags out of order, or repeated, are refused', () => {
    const base = '00000001' + '00' + '01' + '0000000000000002' + '0000000000000003';
    assert.throws(() => sample.decode(Buffer.from(base + '02' + '0900' + '0100', 'hex'), 2), /out of order/);
    assert.throws(() => sample.decode(Buffer.from(base + '02' + '0100' + '0100', 'hex'), 2), /out of order/);
  });

  it('a known tag whose bytes are too short fails with ProtocolError', () => {
    const base = '00000001' + '00' + '01' + '0000000000000002' + '0000000000000003';
    assert.throws(() => sample.decode(Buffer.from(base + '01' + '0301' + '00', 'hex'), 2), protocolError('ERR_TANDEM_PROTOCOL_TRUNCATED'));
  });
});

describe('input checks', () => {
  it('integers must fit their type', () => {
    assert.throws(() => sample.encode(new Writer(), 0, { id: 2 ** 31, name: 'n', tags: [] }), /SampleMessage.id: 2147483648 is not an int32/);
    assert.throws(() => sample.encode(new Writer(), 0, { id: 1.5, name: 'n', tags: [] }), /is not an int32/);
    assert.throws(() => sample.encode(new Writer(), 1, { id: 1, tags: [], big: 2n ** 63n }), /is not an int64/);
    assert.throws(() => sample.encode(new Writer(), 1, { id: 1, tags: [], when: 2 ** 60 }), /is not a safe integer/);
    assert.throws(() => sample.encode(new Writer(), 1, { id: 1, tags: ['a', 7 as unknown as string] }), /is not a string/);
  });

  it('an int64 may be given as a safe-integer number', () => {
    const out = sample.decode(encode((w) => sample.encode(w, 1, { id: 1, tags: [], big: 42 as unknown as bigint })), 1);
    assert.equal(out.big, 42n);
  });

  it('a STRING over 32767 bytes is refused before it is written', () => {
    assert.throws(() => sample.encode(new Writer(), 0, { id: 1, name: 'x'.repeat(40000), tags: [] }), /longer than 32767 bytes/);
  });

  it('decoding a Buffer requires the message to fill it; a Reader leaves the rest', () => {
    const bytes = Buffer.concat([encode((w) => sample.encode(w, 0, { id: 1, name: 'n', tags: [] })), Buffer.from([0xee])]);
    assert.throws(() => sample.decode(bytes, 0), /1 byte\(s\) left after SampleMessage v0/);
    const r = new Reader(bytes);
    assert.equal(sample.decode(r, 0).id, 1);
    assert.equal(r.remaining, 1);
  });
});
