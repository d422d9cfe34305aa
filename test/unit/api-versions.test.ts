/**
 * ApiVersions specifics: the v0 fallback for UNSUPPORTED_VERSION replies (KIP-511), the v3+
 * client software name and version rules, and the finalized feature levels.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiVersions,
  ProtocolError,
  Reader,
  Writer,
  decodeApiVersionsResponse,
  encodeApiVersionsRequest,
  finalizedFeatureLevel,
  isValidClientSoftwareString,
  type ApiVersionsResponseInput,
} from '@tandem/protocol';

function responseBytes(version: number, res: ApiVersionsResponseInput): Buffer {
  const w = new Writer();
  ApiVersions.encodeResponse(w, version, res);
  return Buffer.from(w.finish());
}

// error 35, api_keys [ApiVersions 0..2], in the v0 layout: what an older broker answers to v3/v4.
const V0_UNSUPPORTED = Buffer.from('0023' + '00000001' + '0012' + '0000' + '0002', 'hex');

describe('the ApiVersions v0 fallback', () => {
  for (const asked of [1, 2, 3, 4]) {
    it(`an UNSUPPORTED_VERSION reply in the v0 layout is read after asking v${asked}`, () => {
      const res = decodeApiVersionsResponse(V0_UNSUPPORTED, asked);
      assert.equal(res.errorCode, 35);
      assert.equal(res.decodedVersion, 0);
      assert.deepEqual(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 2 }]);
    });
  }

  it('an older broker that gives no range at all (pre-2.4): an empty list, so retry with v0', () => {
    const res = decodeApiVersionsResponse(Buffer.from('0023' + '00000000', 'hex'), 3);
    assert.equal(res.decodedVersion, 0);
    assert.deepEqual(res.apiKeys, []);
  });

  it('a reply that really is v3, even with error 35, is read as v3', () => {
    const bytes = responseBytes(3, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 0 });
    const res = decodeApiVersionsResponse(bytes, 3);
    assert.equal(res.decodedVersion, 3);
    assert.deepEqual(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });

  it('a v1 reply carrying error 35 is not mistaken for v0 (v1 is v0 plus a throttle time)', () => {
    const bytes = responseBytes(1, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 9 });
    const res = decodeApiVersionsResponse(new Reader(bytes), 1);
    assert.equal(res.decodedVersion, 1);
    assert.equal(res.throttleTimeMs, 9);
  });

  it('a successful reply is read at the version asked', () => {
    const bytes = responseBytes(4, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 12 }] });
    assert.equal(decodeApiVersionsResponse(bytes, 4).decodedVersion, 4);
  });

  it('a body that fits neither layout fails with the error of the version asked', () => {
    assert.throws(
      () => decodeApiVersionsResponse(Buffer.from('0000ff', 'hex'), 3),
      (err) => err instanceof ProtocolError,
    );
  });

  it('the fallback also works through the API definition and a Reader', () => {
    assert.equal(ApiVersions.decodeResponse(V0_UNSUPPORTED, 4).decodedVersion, 0);
    const r = new Reader(V0_UNSUPPORTED);
    assert.equal(decodeApiVersionsResponse(r, 4).decodedVersion, 0);
    assert.equal(r.remaining, 0);
  });
});

describe('client software name and version (v3+)', () => {
  it('follow the broker pattern [a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?', () => {
    for (const ok of ['tandem', 'a', '0.1.0', '1.0.0-rc.1', 'apache-kafka-java']) assert.ok(isValidClientSoftwareString(ok), ok);
    for (const bad of ['', '-x', 'x-', 'x.', 'tandem js', 'tändem', 'a_b']) assert.ok(!isValidClientSoftwareString(bad), bad);
  });

  it('are required and checked from v3, ignored before', () => {
    assert.throws(() => encodeApiVersionsRequest(new Writer(), 3, {}), /clientSoftwareName undefined must match/);
    assert.throws(
      () => encodeApiVersionsRequest(new Writer(), 4, { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0-' }),
      /clientSoftwareVersion "0.1.0-" must match/,
    );
    assert.throws(() => ApiVersions.encodeRequest(new Writer(), 3, { clientSoftwareName: 'bad name', clientSoftwareVersion: '1' }), ProtocolError);
    const w = new Writer();
    encodeApiVersionsRequest(w, 2, { clientSoftwareName: 'not checked before v3' });
    assert.equal(w.pos, 0, 'v0-v2 have no fields');
  });
});

describe('finalized feature levels', () => {
  const base = { errorCode: 0, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [], zkMigrationReady: false };

  it('transaction.version is read from FinalizedFeatures', () => {
    const res = { ...base, finalizedFeaturesEpoch: 3n, finalizedFeatures: [{ name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 }] };
    assert.equal(finalizedFeatureLevel(res, 'transaction.version'), 2);
    assert.equal(finalizedFeatureLevel(res, 'group.version'), 0);
  });

  it('is 0 when the epoch is unknown (-1): the list is not valid then', () => {
    const res = { ...base, finalizedFeaturesEpoch: -1n, finalizedFeatures: [{ name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 }] };
    assert.equal(finalizedFeatureLevel(res, 'transaction.version'), 0);
  });
});
