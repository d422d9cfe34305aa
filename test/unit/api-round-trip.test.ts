/**
 * Round trips of every request and response of every API at every version we speak: what goes in
 * comes back out (fields the version carries), and re-encoding what was decoded gives the same
 * bytes. The samples use every field a version has, with non-default values, multi-byte UTF-8
 * and nulls where the version allows them.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  ApiVersions,
  EndTxn,
  FindCoordinator,
  InitProducerId,
  Metadata,
  Produce,
  SUPPORTED_APIS,
  SaslAuthenticate,
  SaslHandshake,
  TxnOffsetCommit,
  Writer,
  type AnyApiDefinition,
} from '@tandem/protocol';
import { referenceBatch } from '../support/reference-batch.js';

type Sample = (v: number) => Record<string, unknown>;

const TOPIC_ID = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
const UTF8_TOPIC = 'zakázky-注文';

const samples = new Map<AnyApiDefinition, { request: Sample; response: Sample }>([
  [
    ApiVersions,
    {
      request: (v) => (v >= 3 ? { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0-rc.1' } : {}),
      response: (v) => ({
        errorCode: 0,
        apiKeys: [
          { apiKey: 0, minVersion: 0, maxVersion: 13 },
          { apiKey: 18, minVersion: 0, maxVersion: 4 },
        ],
        ...(v >= 1 ? { throttleTimeMs: 12 } : {}),
        ...(v >= 3
          ? {
              supportedFeatures: [{ name: 'transaction.version', minVersion: 0, maxVersion: 2 }],
              finalizedFeaturesEpoch: 99n,
              finalizedFeatures: [{ name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 }],
              zkMigrationReady: true,
            }
          : {}),
      }),
    },
  ],
  [
    Metadata,
    {
      request: (v) => ({
        topics: [{ name: 'orders' }, { name: UTF8_TOPIC, ...(v >= 10 ? { topicId: TOPIC_ID } : {}) }],
        allowAutoTopicCreation: false,
        ...(v >= 8 && v <= 10 ? { includeClusterAuthorizedOperations: true } : {}),
        ...(v >= 8 ? { includeTopicAuthorizedOperations: true } : {}),
      }),
      response: (v) => ({
        throttleTimeMs: 7,
        brokers: [
          { nodeId: 1, host: 'broker-1.example', port: 9092, rack: null },
          { nodeId: 2, host: 'b2', port: 9093, rack: 'rack-ü' },
        ],
        clusterId: v % 2 === 0 ? 'cluster-1' : null,
        controllerId: 2,
        topics: [
          {
            errorCode: 0,
            name: UTF8_TOPIC,
            ...(v >= 10 ? { topicId: TOPIC_ID } : {}),
            isInternal: true,
            partitions: [
              {
                errorCode: 9,
                partitionIndex: 3,
                leaderId: 2,
                ...(v >= 7 ? { leaderEpoch: 11 } : {}),
                replicaNodes: [2, 1],
                isrNodes: [2],
                ...(v >= 5 ? { offlineReplicas: [1] } : {}),
              },
            ],
            ...(v >= 8 ? { topicAuthorizedOperations: 0x0ff8 } : {}),
          },
          ...(v >= 12 ? [{ errorCode: 100, name: null, topicId: TOPIC_ID, isInternal: false, partitions: [] }] : []),
        ],
        ...(v >= 8 && v <= 10 ? { clusterAuthorizedOperations: 4 } : {}),
        ...(v >= 13 ? { errorCode: 29 } : {}),
      }),
    },
  ],
  [
    Produce,
    {
      request: (v) => ({
        transactionalId: v % 2 === 0 ? null : 'txn-ü',
        acks: -1,
        timeoutMs: 30000,
        topicData: [
          { name: 'orders', partitionData: [{ index: 0, records: referenceBatch() }, { index: 1, records: Buffer.alloc(0) }] },
          { name: UTF8_TOPIC, partitionData: [{ index: 2, records: null }] },
        ],
      }),
      response: (v) => ({
        responses: [
          {
            name: UTF8_TOPIC,
            partitionResponses: [
              {
                index: 2,
                errorCode: v >= 10 ? 6 : 87,
                baseOffset: 9_007_199_254_740_993n, // above 2^53: int64 offsets are exact bigints
                logAppendTimeMs: 1_700_000_000_000,
                ...(v >= 5 ? { logStartOffset: 17n } : {}),
                ...(v >= 8 ? { recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'bad' }, { batchIndex: 4, batchIndexErrorMessage: null }], errorMessage: 'summary' } : {}),
                ...(v >= 10 ? { currentLeader: { leaderId: 3, leaderEpoch: 44 } } : {}),
              },
            ],
          },
        ],
        throttleTimeMs: 1,
        ...(v >= 10 ? { nodeEndpoints: [{ nodeId: 3, host: 'b3', port: 9094, rack: null }] } : {}),
      }),
    },
  ],
  [
    InitProducerId,
    {
      request: (v) => ({
        transactionalId: 'txn-ü',
        transactionTimeoutMs: 60000,
        ...(v >= 3 ? { producerId: 0x7fff_ffff_ffff_fff0n, producerEpoch: 32767 } : {}),
      }),
      response: () => ({ throttleTimeMs: 3, errorCode: 0, producerId: 123_456_789_012n, producerEpoch: 9 }),
    },
  ],
  [
    FindCoordinator,
    {
      request: (v) => (v >= 4 ? { keyType: 1, coordinatorKeys: ['txn-a', 'txn-ü'] } : { key: 'txn-ü', ...(v >= 1 ? { keyType: 1 } : {}) }),
      response: (v) =>
        v >= 4
          ? {
              throttleTimeMs: 2,
              coordinators: [
                { key: 'txn-a', nodeId: 1, host: 'h1', port: 1, errorCode: 0, errorMessage: null },
                { key: 'txn-ü', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'not yet' },
              ],
            }
          : {
              ...(v >= 1 ? { throttleTimeMs: 2, errorMessage: 'NONE' } : {}),
              errorCode: 0,
              nodeId: 1,
              host: 'broker-1.example',
              port: 9092,
            },
    },
  ],
  [
    AddPartitionsToTxn,
    {
      request: () => ({
        transactionalId: 'txn-1',
        producerId: 42n,
        producerEpoch: 3,
        topics: [
          { name: 'orders', partitions: [0, 1, 2147483647] },
          { name: UTF8_TOPIC, partitions: [] },
        ],
      }),
      response: () => ({
        throttleTimeMs: 0,
        resultsByTopic: [{ name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 53 }] }],
      }),
    },
  ],
  [
    AddOffsetsToTxn,
    {
      request: () => ({ transactionalId: 'txn-1', producerId: 42n, producerEpoch: 3, groupId: 'group-ü' }),
      response: () => ({ throttleTimeMs: 0, errorCode: 51 }),
    },
  ],
  [
    EndTxn,
    {
      request: (v) => ({ transactionalId: 'txn-1', producerId: 42n, producerEpoch: 3, committed: v % 2 === 0 }),
      response: (v) => ({ throttleTimeMs: 0, errorCode: 0, ...(v >= 5 ? { producerId: 43n, producerEpoch: 0 } : {}) }),
    },
  ],
  [
    TxnOffsetCommit,
    {
      request: (v) => ({
        transactionalId: 'txn-1',
        groupId: 'group-ü',
        producerId: 42n,
        producerEpoch: 3,
        ...(v >= 3 ? { generationIdOrMemberEpoch: 7, memberId: 'member-1', groupInstanceId: v === 4 ? null : 'instance-1' } : {}),
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, committedOffset: 100n, ...(v >= 2 ? { committedLeaderEpoch: 5 } : {}), committedMetadata: null },
              { partitionIndex: 1, committedOffset: 0n, committedMetadata: 'meta-ü' },
            ],
          },
        ],
      }),
      response: () => ({
        throttleTimeMs: 0,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 22 }] }],
      }),
    },
  ],
  [
    SaslHandshake,
    {
      request: () => ({ mechanism: 'SCRAM-SHA-512' }),
      response: () => ({ errorCode: 33, mechanisms: ['PLAIN', 'OAUTHBEARER'] }),
    },
  ],
  [
    SaslAuthenticate,
    {
      request: () => ({ authBytes: Buffer.from('\0user\0päss') }),
      response: (v) => ({ errorCode: 0, errorMessage: null, authBytes: Buffer.from([1, 2, 3]), ...(v >= 1 ? { sessionLifetimeMs: 3_600_000 } : {}) }),
    },
  ],
]);

/** Asserts that every key of `expected` has the same value in `actual` (Buffers by content). */
function assertContains(actual: unknown, expected: unknown, path: string): void {
  if (expected instanceof Uint8Array) {
    assert.ok(actual instanceof Uint8Array, `${path}: expected bytes`);
    assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'), path);
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) assert.fail(`${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertContains(actual[i], e, `${path}[${i}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) assert.fail(`${path}: expected an object`);
    for (const [k, e] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

function bytes(write: (w: Writer) => void): Buffer {
  const w = new Writer(32);
  write(w);
  return Buffer.from(w.finish());
}

describe('round trips of every API at every version', () => {
  it('every supported API has samples', () => {
    for (const api of SUPPORTED_APIS) assert.ok(samples.has(api), api.name);
  });

  for (const [api, sample] of samples) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      it(`${api.name} v${v} request and response`, () => {
        const req = sample.request(v);
        const reqBytes = bytes((w) => api.encodeRequest(w, v, req));
        const req2 = api.decodeRequest(reqBytes, v);
        assertContains(req2, req, `${api.name}Request v${v}`);
        assert.deepEqual(bytes((w) => api.encodeRequest(w, v, req2)), reqBytes);

        const res = sample.response(v);
        const resBytes = bytes((w) => api.encodeResponse(w, v, res));
        const res2 = api.decodeResponse(resBytes, v);
        assertContains(res2, res, `${api.name}Response v${v}`);
        assert.deepEqual(bytes((w) => api.encodeResponse(w, v, res2)), resBytes);
      });
    }
  }
});
