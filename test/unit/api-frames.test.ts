/**
 * Headers and frames: header versions per API and version, the ApiVersions exception, whole
 * request frames, response frames, and the zero-copy Produce frame (chunks around the batches).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  ApiVersions,
  InitProducerId,
  Metadata,
  Produce,
  ProtocolError,
  Reader,
  SUPPORTED_APIS,
  decodeRequestFrame,
  decodeResponse,
  decodeResponseHeader,
  encodeProduceFrame,
  encodeRequest,
  encodeRequestChunks,
  encodeResponse,
  produceExpectsResponse,
  requestHeaderVersion,
  responseHeaderVersion,
  type ProduceRequest,
} from '@tandem/protocol';
import { referenceBatch } from '../support/reference-batch.js';

describe('header versions', () => {
  it('request header v2 exactly for flexible versions, v1 before', () => {
    const firstFlexible: Record<number, number> = {
      [ApiKey.Produce]: 9,
      [ApiKey.Metadata]: 9,
      [ApiKey.ApiVersions]: 3,
      [ApiKey.InitProducerId]: 2,
      [ApiKey.FindCoordinator]: 3,
      [ApiKey.AddPartitionsToTxn]: 3,
      [ApiKey.AddOffsetsToTxn]: 3,
      [ApiKey.EndTxn]: 3,
      [ApiKey.TxnOffsetCommit]: 3,
      [ApiKey.SaslAuthenticate]: 2,
    };
    for (const api of SUPPORTED_APIS) {
      const flex = firstFlexible[api.apiKey] ?? Infinity;
      assert.equal(api.firstFlexibleVersion, flex, api.name);
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        assert.equal(requestHeaderVersion(api.apiKey, v), v >= flex ? 2 : 1, `${api.name} v${v}`);
      }
    }
    assert.equal(requestHeaderVersion(ApiKey.SaslHandshake, 1), 1, 'SaslHandshake is never flexible');
  });

  it('response header v1 for flexible versions, but always v0 for ApiVersions (KIP-511)', () => {
    assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0);
    assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
    assert.equal(responseHeaderVersion(ApiKey.Produce, 13), 1, 'beyond our max: flexibility does not switch back');
    for (const v of [0, 3, 4]) assert.equal(responseHeaderVersion(ApiKey.ApiVersions, v), 0);
    assert.throws(() => responseHeaderVersion(ApiKey.Fetch, 12), (e) => e instanceof ProtocolError && e.code === 'ERR_TANDEM_PROTOCOL_UNSUPPORTED');
  });

  it('decodeResponseHeader skips the tag buffer of header v1 only', () => {
    const v1 = new Reader(Buffer.from('0000002a' + '01' + '0102abcd' + 'ff', 'hex'));
    assert.deepEqual(decodeResponseHeader(v1, ApiKey.Metadata, 12), { correlationId: 42 });
    assert.equal(v1.remaining, 1);
    const v0 = new Reader(Buffer.from('0000002a' + '01', 'hex'));
    assert.deepEqual(decodeResponseHeader(v0, ApiKey.ApiVersions, 4), { correlationId: 42 });
    assert.equal(v0.remaining, 1, 'the 01 belongs to the ApiVersions body');
  });
});

describe('request and response frames', () => {
  it('the size prefix counts header and body; the frame reads back', () => {
    const frame = encodeRequest(Metadata, 12, 99, 'client-ü', { topics: [{ name: 'orders' }] });
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    const { header, api, body } = decodeRequestFrame(frame.subarray(4));
    assert.deepEqual(header, { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 99, clientId: 'client-ü' });
    assert.equal(api, Metadata);
    assert.equal((body as { topics: Array<{ name: string }> }).topics[0]!.name, 'orders');
  });

  it('a response frame built for a flexible version reads back with its correlation id', () => {
    const res = { throttleTimeMs: 0, errorCode: 0, producerId: 7n, producerEpoch: 2 };
    const frame = encodeResponse(InitProducerId, 4, 5, res);
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    assert.equal(frame.readInt32BE(4), 5, 'correlation id');
    assert.equal(frame[8], 0, 'response header v1: empty tag buffer');
    assert.deepEqual(decodeResponse(InitProducerId, 4, frame.subarray(4)), { correlationId: 5, body: res });
  });

  it('trailing bytes after a response body are an error (a wrong version or framing)', () => {
    const frame = encodeResponse(ApiVersions, 0, 1, { errorCode: 0, apiKeys: [] });
    const padded = Buffer.concat([frame.subarray(4), Buffer.from([0])]);
    assert.throws(() => decodeResponse(ApiVersions, 0, padded), ProtocolError);
  });
});

describe('Produce frames: batches are not copied', () => {
  const a = referenceBatch();
  // A batch that is a view into a larger shared slab, as the accumulator hands them out.
  const slab = new Uint8Array(new SharedArrayBuffer(4096));
  slab.set(a, 1000);
  const b = slab.subarray(1000, 1000 + a.length);
  const request: ProduceRequest = {
    transactionalId: 'txn-ü',
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      { name: 'orders', partitionData: [{ index: 0, records: a }, { index: 1, records: b }] },
      { name: 'audit', partitionData: [{ index: 5, records: a }] },
    ],
  };

  for (const v of [3, 8, 9, 12]) {
    it(`v${v}: chunks interleave our fields with the callers' own arrays, and equal the copied frame`, () => {
      const frame = encodeProduceFrame(v, 17, 'app', request);
      const batches = frame.chunks.filter((c) => c === a || c === b);
      assert.equal(batches.length, 3, 'each batch appears as the very object given');
      assert.equal(frame.chunks.filter((c) => c === b).length, 1);
      const joined = Buffer.concat(frame.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
      assert.equal(frame.size, joined.length);
      assert.equal(joined.readInt32BE(0), joined.length - 4);
      assert.deepEqual(joined, encodeRequest(Produce, v, 17, 'app', request));
      assert.ok(frame.chunks.every((c) => c.length > 0), 'no empty chunks');
      assert.equal(frame.expectResponse, true);
      // Our own bytes are small: everything but the batches.
      const own = frame.chunks.filter((c) => c !== a && c !== b).reduce((n, c) => n + c.length, 0);
      assert.equal(own, frame.size - 3 * a.length);
    });
  }

  it('acks=0 says that no response will come', () => {
    assert.equal(encodeProduceFrame(9, 1, null, { ...request, acks: 0 }).expectResponse, false);
    assert.equal(produceExpectsResponse(0), false);
    assert.equal(produceExpectsResponse(1), true);
    assert.equal(produceExpectsResponse(-1), true);
  });

  it('the generic chunk encoder copies nothing for other APIs either (there are no records)', () => {
    const { chunks, size } = encodeRequestChunks(Metadata, 12, 1, null, { topics: null });
    assert.equal(chunks.length, 1);
    assert.equal(size, chunks[0]!.length);
  });

  it('refuses a version outside 3-12 before writing anything', () => {
    assert.throws(() => encodeProduceFrame(2, 1, null, request), /ProduceRequest version 2 is not supported/);
    assert.throws(() => encodeProduceFrame(13, 1, null, request), /ProduceRequest version 13 is not supported/);
  });
});
