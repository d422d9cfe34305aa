/**
 * Bytes derived by hand from the message definitions (msg/*.json, RequestHeader.json), field by
 * field, with the derivation beside each byte: a check of the codecs that depends neither on our
 * encoder nor on another implementation.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  ApiVersions,
  EndTxn,
  InitProducerId,
  Metadata,
  Produce,
  SaslHandshake,
  Writer,
  decodeApiVersionsResponse,
  decodeProduceResponse,
  encodeFindCoordinatorRequest,
  encodeProduceRequest,
  encodeRequest,
  encodeRequestFrame,
} from '@tandem/protocol';

/** Hex with spaces and `#` comments removed, so expectations can be laid out one field a line. */
function hex(annotated: string): string {
  return annotated
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join('')
    .replace(/\s+/g, '');
}

function body(write: (w: Writer) => void): string {
  const w = new Writer(8);
  write(w);
  return w.finish().toString('hex');
}

describe('frames and headers, derived by hand', () => {
  it('ApiVersions v3 request frame: header v2 keeps an int16 client_id, then the flexible body', () => {
    const expected = hex(`
      0000001a        # size 26 = header 12 + body 14
      0012            # request_api_key 18
      0003            # request_api_version 3
      00000007        # correlation_id 7
      0001 74         # client_id "t": int16 length 1, not a compact string even in header v2
      00              # header tag buffer: no fields
      07 74616e64656d # client_software_name "tandem": uvarint 6+1
      06 302e312e30   # client_software_version "0.1.0": uvarint 5+1
      00              # body tag buffer
    `);
    const frame = encodeRequest(ApiVersions, 3, 7, 't', { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0' });
    assert.equal(frame.toString('hex'), expected);
  });

  it('ApiVersions v0 request frame with a null client id: header v1, empty body', () => {
    const expected = hex(`
      0000000a  # size 10
      0012 0000 # ApiVersions v0
      00000001  # correlation_id 1
      ffff      # client_id null: int16 -1; header v1 has no tag buffer
    `);
    const frame = encodeRequestFrame({ apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId: 1, clientId: null }, () => {});
    assert.equal(frame.toString('hex'), expected);
  });

  it('a multi-byte UTF-8 client id is measured in bytes', () => {
    const expected = hex(`
      0000000f    # size 15
      0012 0000   # ApiVersions v0
      00000002    # correlation_id 2
      0005 c3bc c3a5 78 # client_id "üåx": 3 characters, 5 bytes
    `);
    const frame = encodeRequestFrame({ apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId: 2, clientId: 'üåx' }, () => {});
    assert.equal(frame.toString('hex'), expected);
  });
});

describe('request bodies, derived by hand', () => {
  it('Metadata v4: a one-topic ARRAY with a two-byte name, then AllowAutoTopicCreation', () => {
    const expected = hex(`
      00000001   # topics: int32 count 1
      0002 c3bc  # name "ü": STRING, int16 length 2
      00         # allow_auto_topic_creation false
    `);
    assert.equal(body((w) => Metadata.encodeRequest(w, 4, { topics: [{ name: 'ü' }], allowAutoTopicCreation: false })), expected);
  });

  it('Metadata v4 and v12: null topics (all topics) versus an empty list (none)', () => {
    assert.equal(body((w) => Metadata.encodeRequest(w, 4, { topics: null })), hex('ffffffff 01 # null ARRAY, auto-create true (default)'));
    assert.equal(body((w) => Metadata.encodeRequest(w, 4, { topics: [] })), hex('00000000 01 # empty ARRAY'));
    assert.equal(body((w) => Metadata.encodeRequest(w, 12, { topics: null })), hex('00 01 00 00 # null COMPACT_ARRAY, auto, no topic ops, tags'));
    assert.equal(body((w) => Metadata.encodeRequest(w, 12, { topics: [] })), hex('01 01 00 00 # empty COMPACT_ARRAY (0+1)'));
  });

  it('Metadata v9: include_cluster_authorized_operations is still there (v8-v10)', () => {
    const expected = hex(`
      01  # topics: empty compact array
      01  # allow_auto_topic_creation true
      00  # include_cluster_authorized_operations false
      01  # include_topic_authorized_operations true
      00  # tag buffer
    `);
    assert.equal(body((w) => Metadata.encodeRequest(w, 9, { topics: [], includeTopicAuthorizedOperations: true })), expected);
  });

  it('Metadata v12: topic id (zero: by name), compact nullable name, a tag buffer per topic', () => {
    const expected = hex(`
      02                                # topics: compact array 1+1
      00000000000000000000000000000000  # topic_id: zero UUID (asking by name)
      03 c3bc                           # name "ü": compact length 2+1
      00                                # topic tag buffer
      01                                # allow_auto_topic_creation true (the default)
      00                                # include_topic_authorized_operations false
      00                                # tag buffer
    `);
    assert.equal(body((w) => Metadata.encodeRequest(w, 12, { topics: [{ name: 'ü' }] })), expected);
  });

  it('Produce v8 and v9 around the flexible switch', () => {
    const req = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from('abc') }] }],
    };
    const v8 = hex(`
      ffff      # transactional_id null: NULLABLE_STRING -1
      ffff      # acks -1
      000003e8  # timeout_ms 1000
      00000001  # topic_data: 1
      0001 74   # name "t"
      00000001  # partition_data: 1
      00000000  # index 0
      00000003 616263  # records: int32 length 3 (the codec does not look inside)
    `);
    const v9 = hex(`
      00        # transactional_id null: COMPACT_NULLABLE_STRING 0
      ffff      # acks -1
      000003e8  # timeout_ms 1000
      02        # topic_data: 1+1
      02 74     # name "t": 1+1
      02        # partition_data: 1+1
      00000000  # index 0
      04 616263 # records: COMPACT_NULLABLE_RECORDS 3+1
      00        # partition tag buffer
      00        # topic tag buffer
      00        # request tag buffer
    `);
    assert.equal(body((w) => encodeProduceRequest(w, 8, req)), v8);
    assert.equal(body((w) => encodeProduceRequest(w, 9, req)), v9);
  });

  it('InitProducerId v2 and v3 for an idempotent producer', () => {
    const req = { transactionalId: null, transactionTimeoutMs: 0x7fffffff };
    assert.equal(body((w) => InitProducerId.encodeRequest(w, 2, req)), hex('00 7fffffff 00 # null id, timeout, tags'));
    const v3 = hex(`
      00                 # transactional_id null
      7fffffff           # transaction_timeout_ms Integer.MAX_VALUE
      ffffffffffffffff   # producer_id -1 (default)
      ffff               # producer_epoch -1 (default)
      00                 # tag buffer
    `);
    assert.equal(body((w) => InitProducerId.encodeRequest(w, 3, req)), v3);
  });

  it('FindCoordinator v4: batched keys replace the single key', () => {
    const expected = hex(`
      01        # key_type 1 (transaction)
      03        # coordinator_keys: 2+1
      02 61     # "a"
      02 62     # "b"
      00        # tag buffer
    `);
    assert.equal(body((w) => encodeFindCoordinatorRequest(w, 4, { keyType: 1, keys: ['a', 'b'] })), expected);
  });
});

describe('response bodies, derived by hand', () => {
  it('Produce v10: CurrentLeader and NodeEndpoints tags are read, unknown tags skipped', () => {
    const bytes = Buffer.from(
      hex(`
        02                # responses: 1
        02 74             # name "t"
        02                # partition_responses: 1
        00000000          # index 0
        0006              # error_code 6 NOT_LEADER_OR_FOLLOWER
        ffffffffffffffff  # base_offset -1
        ffffffffffffffff  # log_append_time_ms -1
        ffffffffffffffff  # log_start_offset -1
        01                # record_errors: empty (0+1)
        00                # error_message null
        02                # partition tag buffer: 2 fields
        00 09             #   tag 0 (current_leader), 9 bytes:
        00000002          #     leader_id 2
        00000008          #     leader_epoch 8
        00                #     its own tag buffer
        07 02 abcd        #   tag 7, 2 bytes: unknown, skipped
        00                # topic tag buffer
        00000000          # throttle_time_ms 0
        02                # top-level tag buffer: 2 fields
        00 0e             #   tag 0 (node_endpoints), 14 bytes:
        02                #     1 endpoint
        00000002          #     node_id 2
        03 6232           #     host "b2"
        00002385          #     port 9093
        00                #     rack null
        00                #     endpoint tag buffer
        05 00             #   tag 5, 0 bytes: unknown, skipped
      `),
      'hex',
    );
    const res = decodeProduceResponse(bytes, 10);
    const p = res.responses[0]!.partitionResponses[0]!;
    assert.equal(p.errorCode, 6);
    assert.equal(p.baseOffset, -1n);
    assert.equal(p.logAppendTimeMs, -1);
    assert.deepEqual(p.currentLeader, { leaderId: 2, leaderEpoch: 8 });
    assert.deepEqual(res.nodeEndpoints, [{ nodeId: 2, host: 'b2', port: 9093, rack: null }]);
    // Re-encoding drops the unknown tags and keeps the known ones.
    const again = decodeProduceResponse(Buffer.from(body((w) => Produce.encodeResponse(w, 10, res)), 'hex'), 10);
    assert.deepEqual(again, res);
  });

  it('Produce v9: the same partition has no tags to carry (KIP-951 came in v10)', () => {
    const bytes = Buffer.from(
      hex(`
        02 02 74 02 00000003 0000        # one topic "t", one partition: index 3, no error
        000000000000002a                 # base_offset 42
        0000018bcfe56800                 # log_append_time_ms 1700000000000
        0000000000000000                 # log_start_offset 0
        01 00 00 00                      # no record errors, no message, partition and topic tags
        00000005                         # throttle_time_ms 5
        00                               # tag buffer
      `),
      'hex',
    );
    const res = decodeProduceResponse(bytes, 9);
    assert.deepEqual(res.responses[0]!.partitionResponses[0], {
      index: 3,
      errorCode: 0,
      baseOffset: 42n,
      logAppendTimeMs: 1700000000000,
      logStartOffset: 0n,
      recordErrors: [],
      errorMessage: null,
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
    });
    assert.equal(res.throttleTimeMs, 5);
  });

  it('ApiVersions: an UNSUPPORTED_VERSION reply in the v0 layout, read after asking v3', () => {
    const bytes = Buffer.from(
      hex(`
        0023          # error_code 35 UNSUPPORTED_VERSION
        00000001      # api_keys: int32 count 1 (v0 layout, not compact)
        0012 0000 0003 # ApiVersions 0..3: the broker's own range
      `),
      'hex',
    );
    const res = decodeApiVersionsResponse(bytes, 3);
    assert.equal(res.errorCode, 35);
    assert.equal(res.decodedVersion, 0);
    assert.deepEqual(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    assert.equal(res.throttleTimeMs, 0);
  });

  it('ApiVersions v3: FinalizedFeatures (tag 2) and its epoch (tag 1)', () => {
    const bytes = Buffer.from(
      hex(`
        0000                  # error_code 0
        02 0000 0003 000c 00  # api_keys: 1, Produce 3..12, entry tag buffer
        00000000              # throttle_time_ms 0
        02                    # tag buffer: 2 fields
        01 08 0000000000000007 #  tag 1 (finalized_features_epoch), 8 bytes: 7
        02 1a                 #   tag 2 (finalized_features), 26 bytes:
        02                    #     1 feature
        14 7472616e73616374696f6e2e76657273696f6e # "transaction.version": 19+1
        0002 0001             #     max_version_level 2, min_version_level 1
        00                    #     feature tag buffer
      `),
      'hex',
    );
    const res = ApiVersions.decodeResponse(bytes, 3);
    assert.equal(res.finalizedFeaturesEpoch, 7n);
    assert.deepEqual(res.finalizedFeatures, [{ name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 1 }]);
    assert.deepEqual(res.supportedFeatures, []);
    assert.equal(res.zkMigrationReady, false);
  });

  it('EndTxn v5: the producer id and epoch for the next transaction', () => {
    const bytes = Buffer.from(hex('00000000 0000 000000000000002b 0000 00 # throttle, error, pid 43, epoch 0, tags'), 'hex');
    assert.deepEqual(EndTxn.decodeResponse(bytes, 5), { throttleTimeMs: 0, errorCode: 0, producerId: 43n, producerEpoch: 0 });
    const v4 = Buffer.from(hex('00000000 0000 00 # v4: no producer id or epoch'), 'hex');
    assert.deepEqual(EndTxn.decodeResponse(v4, 4), { throttleTimeMs: 0, errorCode: 0, producerId: -1n, producerEpoch: -1 });
  });

  it('SaslHandshake v1: an array of int16-length strings (never flexible)', () => {
    const bytes = Buffer.from(
      hex(`
        0000                            # error_code 0
        00000002                        # mechanisms: 2
        0005 504c41494e                 # "PLAIN"
        000d 5343 52414d2d5348412d353132 # "SCRAM-SHA-512"
      `),
      'hex',
    );
    assert.deepEqual(SaslHandshake.decodeResponse(bytes, 1), { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-512'] });
  });
});
