/**
 * Version negotiation: min(our max, broker max) per API, never below our minimum (KAFKA-18659),
 * unsupported APIs reported, and the caps for transactions without transaction.version 2.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  SUPPORTED_VERSIONS,
  TRANSACTION_V1_CAPS,
  apiVersionsRetryVersion,
  negotiateVersions,
  type ApiVersionRange,
  type ApiVersionsResponse,
} from '@tandem/protocol';

/** A broker's ranges for the APIs we speak, each as [min, max]. */
function brokerRanges(ranges: Partial<Record<keyof typeof ApiKey, [number, number]>>): ApiVersionRange[] {
  return Object.entries(ranges).map(([name, [minVersion, maxVersion]]) => ({
    apiKey: ApiKey[name as keyof typeof ApiKey],
    minVersion,
    maxVersion,
  }));
}

// What a 4.0 broker advertises for the APIs we use (Produce from 0, though it rejects 0-2).
const AK40 = brokerRanges({
  Produce: [0, 12],
  Metadata: [0, 13],
  FindCoordinator: [0, 6],
  SaslHandshake: [0, 1],
  ApiVersions: [0, 4],
  InitProducerId: [0, 5],
  AddPartitionsToTxn: [0, 5],
  AddOffsetsToTxn: [0, 4],
  EndTxn: [0, 5],
  TxnOffsetCommit: [0, 5],
  SaslAuthenticate: [0, 2],
});

// A 3.6 broker (reference §1: Produce 9, EndTxn 3, FindCoordinator 4, ApiVersions 3, ...).
const AK36 = brokerRanges({
  Produce: [0, 9],
  Metadata: [0, 12],
  FindCoordinator: [0, 4],
  SaslHandshake: [0, 1],
  ApiVersions: [0, 3],
  InitProducerId: [0, 4],
  AddPartitionsToTxn: [0, 4],
  AddOffsetsToTxn: [0, 3],
  EndTxn: [0, 3],
  TxnOffsetCommit: [0, 3],
  SaslAuthenticate: [0, 2],
});

function withFeatures(apiKeys: ApiVersionRange[], transactionVersion: number | null): ApiVersionsResponse {
  return {
    errorCode: 0,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: transactionVersion === null ? -1n : 10n,
    finalizedFeatures: transactionVersion === null ? [] : [{ name: 'transaction.version', maxVersionLevel: transactionVersion, minVersionLevel: transactionVersion }],
    zkMigrationReady: false,
  };
}

describe('negotiateVersions', () => {
  it('our supported ranges', () => {
    const ranges = Object.fromEntries([...SUPPORTED_VERSIONS].map(([k, r]) => [k, [r.minVersion, r.maxVersion]]));
    assert.deepEqual(ranges, {
      [ApiKey.Produce]: [3, 12],
      [ApiKey.Metadata]: [4, 13],
      [ApiKey.FindCoordinator]: [0, 6],
      [ApiKey.SaslHandshake]: [0, 1],
      [ApiKey.ApiVersions]: [0, 4],
      [ApiKey.InitProducerId]: [0, 5],
      [ApiKey.AddPartitionsToTxn]: [0, 3],
      [ApiKey.AddOffsetsToTxn]: [0, 4],
      [ApiKey.EndTxn]: [0, 5],
      [ApiKey.TxnOffsetCommit]: [0, 5],
      [ApiKey.SaslAuthenticate]: [0, 2],
    });
  });

  it('a 4.0 broker with transaction.version 2: the highest common versions', () => {
    const n = negotiateVersions(withFeatures(AK40, 2), { transactional: true });
    assert.equal(n.transactionVersion, 2);
    assert.deepEqual(n.unsupported, []);
    assert.deepEqual(Object.fromEntries(n.versions), {
      [ApiKey.Produce]: 12,
      [ApiKey.Metadata]: 13,
      [ApiKey.FindCoordinator]: 6,
      [ApiKey.SaslHandshake]: 1,
      [ApiKey.ApiVersions]: 4,
      [ApiKey.InitProducerId]: 5,
      [ApiKey.AddPartitionsToTxn]: 3, // v4+ is for brokers only
      [ApiKey.AddOffsetsToTxn]: 4,
      [ApiKey.EndTxn]: 5,
      [ApiKey.TxnOffsetCommit]: 5,
      [ApiKey.SaslAuthenticate]: 2,
    });
  });

  it('without transaction.version 2: EndTxn and TxnOffsetCommit at v4, transactional Produce at v11', () => {
    const txn = negotiateVersions(withFeatures(AK40, 1), { transactional: true });
    assert.equal(txn.versions.get(ApiKey.EndTxn), TRANSACTION_V1_CAPS.endTxn);
    assert.equal(txn.versions.get(ApiKey.TxnOffsetCommit), TRANSACTION_V1_CAPS.txnOffsetCommit);
    assert.equal(txn.versions.get(ApiKey.Produce), 11);
    const idempotent = negotiateVersions(withFeatures(AK40, 1));
    assert.equal(idempotent.versions.get(ApiKey.Produce), 12, 'only transactional producers are capped');
    // No finalized features at all (a pre-v3 reply): treated as transaction.version 0.
    assert.equal(negotiateVersions(AK40, { transactional: true }).versions.get(ApiKey.Produce), 11);
    // The caller may say which transaction.version applies.
    assert.equal(negotiateVersions(AK40, { transactional: true, transactionVersion: 2 }).versions.get(ApiKey.EndTxn), 5);
  });

  it('a 3.6 broker: its lower maxima', () => {
    const n = negotiateVersions(withFeatures(AK36, null), { transactional: true });
    assert.deepEqual(n.unsupported, []);
    assert.equal(n.versions.get(ApiKey.Produce), 9);
    assert.equal(n.versions.get(ApiKey.Metadata), 12);
    assert.equal(n.versions.get(ApiKey.FindCoordinator), 4);
    assert.equal(n.versions.get(ApiKey.EndTxn), 3);
    assert.equal(n.versions.get(ApiKey.ApiVersions), 3);
  });

  it('never below our minimum: Produce advertised 0-2 only is unsupported (KAFKA-18659 is the reverse case)', () => {
    const old = brokerRanges({ Produce: [0, 2], Metadata: [0, 5] });
    const n = negotiateVersions(old);
    const produce = n.unsupported.find((u) => u.apiKey === ApiKey.Produce);
    assert.deepEqual(produce, { apiKey: 0, name: 'Produce', ours: { minVersion: 3, maxVersion: 12 }, broker: { minVersion: 0, maxVersion: 2 } });
    assert.equal(n.versions.has(ApiKey.Produce), false);
    assert.equal(n.versions.get(ApiKey.Metadata), 5);
  });

  it('an API the broker does not list, or whose minimum is above our maximum, is unsupported', () => {
    const n = negotiateVersions(brokerRanges({ Produce: [3, 12], EndTxn: [6, 9] }));
    const endTxn = n.unsupported.find((u) => u.apiKey === ApiKey.EndTxn);
    assert.deepEqual(endTxn?.broker, { minVersion: 6, maxVersion: 9 });
    const metadata = n.unsupported.find((u) => u.apiKey === ApiKey.Metadata);
    assert.equal(metadata?.broker, null);
    assert.equal(n.versions.get(ApiKey.Produce), 12);
  });

  it('our ranges can be narrowed, e.g. to pin a version in a test', () => {
    const ours = new Map([[ApiKey.Produce, { minVersion: 3, maxVersion: 8 }]]);
    assert.deepEqual([...negotiateVersions(AK40, { ours }).versions], [[ApiKey.Produce, 8]]);
  });
});

describe('apiVersionsRetryVersion', () => {
  it("retries with the broker's ApiVersions max (capped by ours), or v0 when the reply names none", () => {
    const reply = (apiKeys: ApiVersionRange[]): ApiVersionsResponse => ({ ...withFeatures(apiKeys, null), errorCode: 35 });
    assert.equal(apiVersionsRetryVersion(reply(brokerRanges({ ApiVersions: [0, 2] }))), 2);
    assert.equal(apiVersionsRetryVersion(reply(brokerRanges({ ApiVersions: [0, 9] }))), 4);
    assert.equal(apiVersionsRetryVersion(reply([])), 0);
  });
});
