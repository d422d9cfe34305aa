/**
 * Decoders against responses real brokers wrote: test/fixtures/broker-4.4.0.json and
 * broker-3.9.1.json, captured from Apache Kafka 4.4.0 and 3.9.1 (KRaft, single node, on
 * 127.0.0.1:29092 and :29094, cluster id MkU3OEVBNTcwNTJENDM2Qg) by
 * test/support/capture-broker-fixtures.ts. Each payload is the response frame after its size
 * prefix: header, then body.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ApiKey,
  ApiVersions,
  FindCoordinator,
  InitProducerId,
  Metadata,
  Produce,
  apiVersionsRetryVersion,
  decodeResponse,
  finalizedFeatureLevel,
  negotiateVersions,
  type ApiVersionsResponse,
} from '@tandem/protocol';

interface Captured {
  name: string;
  apiKey: number;
  version: number;
  payloadHex: string;
}

interface Fixtures {
  broker: string;
  topic: string;
  responses: Captured[];
}

function load(version: string): Fixtures {
  return JSON.parse(readFileSync(new URL(`../../fixtures/broker-${version}.json`, import.meta.url), 'utf8')) as Fixtures;
}

function payloadOf(f: Fixtures, name: string): Buffer {
  const c = f.responses.find((r) => r.name === name);
  if (c === undefined) assert.fail(`no fixture named ${name} from ${f.broker}`);
  return Buffer.from(c.payloadHex, 'hex');
}

const fixtures = load('4.4.0');
const payload = (name: string): Buffer => payloadOf(fixtures, name);

const CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qg';

function range(res: ApiVersionsResponse, apiKey: number): { minVersion: number; maxVersion: number } {
  const r = res.apiKeys.find((k) => k.apiKey === apiKey);
  if (r === undefined) assert.fail(`API ${apiKey} missing`);
  return r;
}

describe(`decoding responses captured from ${fixtures.broker}`, () => {
  for (const v of [0, 3, 4]) {
    it(`ApiVersions v${v}: the broker's ranges, read with header v0`, () => {
      const { correlationId, body } = decodeResponse(ApiVersions, v, payload(`ApiVersions v${v}`));
      assert.ok(correlationId > 0);
      assert.equal(body.errorCode, 0);
      assert.equal(body.decodedVersion, v);
      // 4.x still advertises Produce from v0 although it rejects v0-v2 (KAFKA-18659).
      assert.deepEqual(range(body, ApiKey.Produce), { apiKey: 0, minVersion: 0, maxVersion: 13 });
      assert.deepEqual(range(body, ApiKey.Metadata), { apiKey: 3, minVersion: 0, maxVersion: 13 });
      assert.equal(range(body, ApiKey.ApiVersions).maxVersion, 5);
      assert.ok(body.apiKeys.length > 50);
      if (v >= 3) {
        assert.ok(body.finalizedFeaturesEpoch >= 0n);
        assert.equal(finalizedFeatureLevel(body, 'transaction.version'), 2);
        assert.ok(body.finalizedFeatures.some((f) => f.name === 'metadata.version'));
        assert.ok(body.supportedFeatures.some((f) => f.name === 'metadata.version'));
      } else {
        assert.deepEqual(body.finalizedFeatures, []);
        assert.equal(body.finalizedFeaturesEpoch, -1n);
      }
    });
  }

  it('ApiVersions v4 lists features whose minimum level is 0, which v3 leaves out (KAFKA-17011)', () => {
    const v3 = decodeResponse(ApiVersions, 3, payload('ApiVersions v3')).body;
    const v4 = decodeResponse(ApiVersions, 4, payload('ApiVersions v4')).body;
    assert.ok(v4.supportedFeatures.length > v3.supportedFeatures.length);
    assert.ok(v4.supportedFeatures.some((f) => f.minVersion === 0));
    assert.ok(v3.supportedFeatures.every((f) => f.minVersion !== 0));
  });

  it('ApiVersions at an unknown version: UNSUPPORTED_VERSION in the v0 layout, read by falling back to v0', () => {
    const raw = payload('ApiVersions v127 (unsupported)');
    // Whatever version we asked (our newest, 4), the body is v0: error 35 and the broker's own ApiVersions range.
    const { body } = decodeResponse(ApiVersions, 4, raw);
    assert.equal(body.errorCode, 35);
    assert.equal(body.decodedVersion, 0);
    assert.deepEqual(body.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 5 }]);
    assert.equal(apiVersionsRetryVersion(body), 4);
  });

  it('negotiates the versions Tandem would use with this broker', () => {
    const { body } = decodeResponse(ApiVersions, 4, payload('ApiVersions v4'));
    const n = negotiateVersions(body, { transactional: true });
    assert.equal(n.transactionVersion, 2);
    assert.deepEqual(n.unsupported, []);
    assert.equal(n.versions.get(ApiKey.Produce), 12);
    assert.equal(n.versions.get(ApiKey.Metadata), 13);
    assert.equal(n.versions.get(ApiKey.EndTxn), 5);
    assert.equal(n.versions.get(ApiKey.AddPartitionsToTxn), 3);
  });

  const topicIds: string[] = [];
  for (const v of [4, 9, 12, 13]) {
    it(`Metadata v${v}: the broker and the auto-created topic`, () => {
      const { body } = decodeResponse(Metadata, v, payload(`Metadata v${v}`));
      assert.deepEqual(body.brokers, [{ nodeId: 1, host: '127.0.0.1', port: 29092, rack: null }]);
      assert.equal(body.clusterId, CLUSTER_ID);
      assert.equal(body.controllerId, 1);
      assert.equal(body.topics.length, 1);
      const t = body.topics[0]!;
      assert.equal(t.errorCode, 0);
      assert.equal(t.name, fixtures.topic);
      assert.equal(t.isInternal, false);
      assert.equal(t.partitions.length, 1);
      const p = t.partitions[0]!;
      assert.equal(p.errorCode, 0);
      assert.equal(p.partitionIndex, 0);
      assert.equal(p.leaderId, 1);
      assert.deepEqual(p.replicaNodes, [1]);
      assert.deepEqual(p.isrNodes, [1]);
      assert.deepEqual(p.offlineReplicas, []);
      if (v >= 7) assert.ok(p.leaderEpoch >= 0);
      else assert.equal(p.leaderEpoch, -1, 'no leader epoch before v7: the default');
      if (v >= 10) {
        assert.notDeepEqual(t.topicId, Buffer.alloc(16));
        topicIds.push(t.topicId.toString('hex'));
      } else {
        assert.deepEqual(t.topicId, Buffer.alloc(16));
      }
      if (v >= 13) assert.equal(body.errorCode, 0);
    });
  }

  it('Metadata v12 and v13 report the same topic id', () => {
    assert.equal(topicIds.length, 2);
    assert.equal(topicIds[0], topicIds[1]);
  });

  it('Metadata v12 for a missing topic without auto-creation: UNKNOWN_TOPIC_OR_PARTITION', () => {
    const { body } = decodeResponse(Metadata, 12, payload('Metadata v12 unknown topic'));
    assert.equal(body.topics[0]!.errorCode, 3);
    assert.equal(body.topics[0]!.name, 'tandem-fixture-missing');
    assert.deepEqual(body.topics[0]!.partitions, []);
  });

  for (const v of [0, 5]) {
    it(`InitProducerId v${v}: an idempotent producer id`, () => {
      const { body } = decodeResponse(InitProducerId, v, payload(`InitProducerId v${v}`));
      assert.equal(body.errorCode, 0);
      assert.ok(body.producerId >= 0n);
      assert.equal(body.producerEpoch, 0);
    });
  }

  it('FindCoordinator v3: the flat form (the broker says "NONE" as its error message)', () => {
    const { body } = decodeResponse(FindCoordinator, 3, payload('FindCoordinator v3'));
    assert.equal(body.errorCode, 0);
    assert.equal(body.errorMessage, 'NONE');
    assert.equal(body.nodeId, 1);
    assert.equal(body.host, '127.0.0.1');
    assert.equal(body.port, 29092);
    assert.deepEqual(body.coordinators, []);
  });

  it('FindCoordinator v6: the batched form', () => {
    const { body } = decodeResponse(FindCoordinator, 6, payload('FindCoordinator v6'));
    assert.equal(body.coordinators.length, 1);
    const c = body.coordinators[0]!;
    assert.equal(c.key, 'tandem-fixture-txn');
    assert.equal(c.errorCode, 0);
    assert.deepEqual([c.nodeId, c.host, c.port], [1, '127.0.0.1', 29092]);
  });

  for (const v of [3, 9, 12]) {
    it(`Produce v${v}: the reference batch appended`, () => {
      const { body } = decodeResponse(Produce, v, payload(`Produce v${v}`));
      assert.equal(body.throttleTimeMs, 0);
      assert.equal(body.responses.length, 1);
      assert.equal(body.responses[0]!.name, fixtures.topic);
      const p = body.responses[0]!.partitionResponses[0]!;
      assert.equal(p.index, 0);
      assert.equal(p.errorCode, 0);
      assert.ok(p.baseOffset >= 0n);
      assert.equal(p.logAppendTimeMs, -1, 'CreateTime topic');
      assert.equal(p.logStartOffset, v >= 5 ? 0n : -1n);
      assert.deepEqual(p.recordErrors, []);
      assert.equal(p.errorMessage, null);
      assert.deepEqual(p.currentLeader, { leaderId: -1, leaderEpoch: -1 });
      assert.deepEqual(body.nodeEndpoints, []);
    });
  }

  it('Produce v12 to a partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION', () => {
    const { body } = decodeResponse(Produce, 12, payload('Produce v12 unknown partition'));
    const p = body.responses[0]!.partitionResponses[0]!;
    assert.equal(p.index, 7);
    assert.equal(p.errorCode, 3);
    assert.equal(p.baseOffset, -1n);
  });
});

describe('decoding responses captured from Apache Kafka 3.9.1', () => {
  const f39 = load('3.9.1');
  const p39 = (name: string): Buffer => payloadOf(f39, name);

  it('ApiVersions v4: the 3.9 ranges, and no transaction.version finalized', () => {
    const { body } = decodeResponse(ApiVersions, 4, p39('ApiVersions v4'));
    assert.equal(body.errorCode, 0);
    assert.deepEqual(range(body, ApiKey.Produce), { apiKey: 0, minVersion: 0, maxVersion: 11 });
    assert.deepEqual(range(body, ApiKey.Metadata), { apiKey: 3, minVersion: 0, maxVersion: 12 });
    assert.equal(range(body, ApiKey.EndTxn).maxVersion, 4);
    assert.equal(finalizedFeatureLevel(body, 'transaction.version'), 0);
    assert.ok(body.finalizedFeatures.some((x) => x.name === 'metadata.version'));
  });

  it('negotiation with 3.9: Produce 11, Metadata 12, EndTxn and TxnOffsetCommit 4', () => {
    const { body } = decodeResponse(ApiVersions, 3, p39('ApiVersions v3'));
    const n = negotiateVersions(body, { transactional: true });
    assert.deepEqual(n.unsupported, []);
    assert.equal(n.transactionVersion, 0);
    assert.equal(n.versions.get(ApiKey.Produce), 11);
    assert.equal(n.versions.get(ApiKey.Metadata), 12);
    assert.equal(n.versions.get(ApiKey.EndTxn), 4);
    assert.equal(n.versions.get(ApiKey.TxnOffsetCommit), 4);
  });

  it('the unsupported-version reply names ApiVersions 0-4', () => {
    const { body } = decodeResponse(ApiVersions, 4, p39('ApiVersions v127 (unsupported)'));
    assert.equal(body.errorCode, 35);
    assert.equal(body.decodedVersion, 0);
    assert.deepEqual(body.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }]);
  });

  for (const v of [4, 9, 12]) {
    it(`Metadata v${v}`, () => {
      const { body } = decodeResponse(Metadata, v, p39(`Metadata v${v}`));
      assert.deepEqual(body.brokers, [{ nodeId: 1, host: '127.0.0.1', port: 29094, rack: null }]);
      assert.equal(body.clusterId, CLUSTER_ID);
      const t = body.topics[0]!;
      assert.equal(t.name, f39.topic);
      assert.equal(t.partitions[0]!.leaderId, 1);
      assert.equal(t.partitions[0]!.leaderEpoch, v >= 7 ? 0 : -1);
    });
  }

  for (const [name, v] of [['InitProducerId v4', 4], ['InitProducerId v5', 5]] as const) {
    it(name, () => {
      const { body } = decodeResponse(InitProducerId, v, p39(name));
      assert.equal(body.errorCode, 0);
      assert.ok(body.producerId >= 0n);
    });
  }

  for (const v of [3, 9, 11]) {
    it(`Produce v${v}`, () => {
      const { body } = decodeResponse(Produce, v, p39(`Produce v${v}`));
      const p = body.responses[0]!.partitionResponses[0]!;
      assert.equal(p.errorCode, 0);
      assert.ok(p.baseOffset >= 0n);
    });
  }

  it('Produce v11 to a partition that does not exist', () => {
    const { body } = decodeResponse(Produce, 11, p39('Produce v11 unknown partition'));
    assert.equal(body.responses[0]!.partitionResponses[0]!.errorCode, 3);
  });
});
