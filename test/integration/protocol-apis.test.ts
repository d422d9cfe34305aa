/**
 * The protocol codecs against a real broker, over a raw socket (test/support/raw-kafka-connection.ts):
 * ApiVersions (newest version, and the v0 fallback), version negotiation, Metadata with topic
 * auto-creation, InitProducerId, FindCoordinator, and Produce at every version we speak, with
 * batches from the RecordBatch writer and from the producer reference, read back with kcat.
 *
 * The broker comes from the harness: `ensureKafka()` (KAFKA_BOOTSTRAP if set, else the harness
 * starts or reuses one).
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey,
  ApiVersions,
  FindCoordinator,
  InitProducerId,
  Metadata,
  Produce,
  apiVersionsRetryVersion,
  buildRecordBatch,
  coordinatorsOf,
  decodeResponse,
  encodeRequestFrame,
  negotiateVersions,
  type MetadataResponse,
  type NegotiatedVersions,
  type PartitionProduceResponse,
  type ProduceRequest,
} from '@tandem/protocol';
import { ensureKafka, readWithKcat, uniqueTopicName } from '../kafka/index.js';
import { RawKafkaConnection } from '../support/raw-kafka-connection.js';
import { referenceBatch } from '../support/reference-batch.js';

const SOFTWARE = { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Error codes a fresh broker answers while its coordinators start. */
const STARTING = new Set([14 /* COORDINATOR_LOAD_IN_PROGRESS */, 15 /* COORDINATOR_NOT_AVAILABLE */, 16 /* NOT_COORDINATOR */]);

describe('protocol codecs against a real broker', { timeout: 180_000 }, () => {
  let bootstrap = '';
  let conn: RawKafkaConnection;
  let negotiated: NegotiatedVersions;
  const topic = uniqueTopicName('tandem-protocol');

  const version = (apiKey: number): number => {
    const v = negotiated.versions.get(apiKey);
    if (v === undefined) assert.fail(`no common version for API ${apiKey}`);
    return v;
  };

  async function metadataUntilLed(name: string): Promise<MetadataResponse> {
    for (let i = 0; ; i++) {
      const { body } = await conn.request(Metadata, version(ApiKey.Metadata), { topics: [{ name }], allowAutoTopicCreation: true });
      const t = body.topics[0];
      if (t !== undefined && t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0)) return body;
      if (i >= 100) assert.fail(`topic ${name} never got leaders: ${JSON.stringify(t)}`);
      await sleep(100);
    }
  }

  const leaderConnections = new Map<number, RawKafkaConnection>();

  /** A connection to the leader of partition 0 of `name` (a KAFKA_BOOTSTRAP cluster may have several brokers). */
  async function leaderOf(name: string): Promise<RawKafkaConnection> {
    const md = await metadataUntilLed(name);
    const leader = md.topics[0]!.partitions.find((p) => p.partitionIndex === 0)!.leaderId;
    const broker = md.brokers.find((b) => b.nodeId === leader)!;
    if (`${broker.host}:${broker.port}` === bootstrap) return conn;
    let c = leaderConnections.get(leader);
    if (c === undefined) {
      c = await RawKafkaConnection.connect(`${broker.host}:${broker.port}`, { clientId: 'tandem-protocol-it' });
      leaderConnections.set(leader, c);
    }
    return c;
  }

  /**
   * Produces `request` at `v` on `c`, retrying while a new partition's leadership settles
   * (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER right after creation).
   */
  async function produceSettled(c: RawKafkaConnection, v: number, request: ProduceRequest): Promise<PartitionProduceResponse> {
    for (let i = 0; ; i++) {
      const payload = await c.produce(v, request);
      const { body } = decodeResponse(Produce, v, payload!);
      const p = body.responses[0]!.partitionResponses[0]!;
      if (![3, 5, 6].includes(p.errorCode) || i >= 50) return p;
      await sleep(100);
    }
  }

  before(async () => {
    bootstrap = (await ensureKafka()).bootstrap;
    conn = await RawKafkaConnection.connect(bootstrap, { clientId: 'tandem-protocol-it' });
  });

  after(() => {
    conn?.close();
    for (const c of leaderConnections.values()) c.close();
  });

  it('ApiVersions at our newest version (falling back if the broker is older), then negotiation', async () => {
    let asked = ApiVersions.maxVersion;
    let res = (await conn.request(ApiVersions, asked, SOFTWARE)).body;
    if (res.errorCode === 35) {
      asked = apiVersionsRetryVersion(res);
      res = (await conn.request(ApiVersions, asked, asked >= 3 ? SOFTWARE : {})).body;
    }
    assert.equal(res.errorCode, 0);
    assert.equal(res.decodedVersion, asked);

    const produce = res.apiKeys.find((k) => k.apiKey === ApiKey.Produce);
    assert.ok(produce && produce.maxVersion >= 9, `Produce max ${produce?.maxVersion}`);
    assert.ok(res.apiKeys.some((k) => k.apiKey === ApiKey.Metadata), 'Metadata present');

    negotiated = negotiateVersions(res);
    assert.deepEqual(negotiated.unsupported, [], 'every API we speak has a common version');
    assert.ok(version(ApiKey.Produce) >= 9);
    assert.ok(version(ApiKey.Metadata) >= 12);
  });

  it('ApiVersions at a version the broker does not know: the v0-layout UNSUPPORTED_VERSION reply', async () => {
    const correlationId = conn.correlationId();
    const frame = encodeRequestFrame({ apiKey: ApiKey.ApiVersions, apiVersion: 0x7fff, correlationId, clientId: 'x' }, (w) => {
      w.compactString('tandem');
      w.compactString('0.1.0');
      w.taggedFields();
    });
    const payload = await conn.send(frame, correlationId);
    const { correlationId: echoed, body } = decodeResponse(ApiVersions, ApiVersions.maxVersion, payload);
    assert.equal(echoed, correlationId);
    assert.equal(body.errorCode, 35);
    assert.equal(body.decodedVersion, 0);
    const own = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
    assert.ok(own && own.maxVersion >= 3);
    // The connection is still usable afterwards.
    assert.equal((await conn.request(ApiVersions, 0, {})).body.errorCode, 0);
  });

  it('Metadata at the negotiated version: brokers, auto-creation of a topic, ids and leader epochs', async () => {
    const v = version(ApiKey.Metadata);
    const empty = (await conn.request(Metadata, v, { topics: [] })).body;
    assert.ok(empty.brokers.length >= 1);
    for (const b of empty.brokers) {
      assert.ok(b.nodeId >= 0);
      assert.ok(b.host.length > 0);
      assert.ok(b.port > 0 && b.port < 65536);
    }
    assert.ok(empty.clusterId !== null && empty.clusterId.length > 0);
    assert.deepEqual(empty.topics, [], 'an empty list asks for no topics');

    const md = await metadataUntilLed(topic);
    const t = md.topics[0]!;
    assert.equal(t.name, topic);
    assert.equal(t.isInternal, false);
    assert.notDeepEqual(t.topicId, Buffer.alloc(16), 'v10+: a topic id');
    for (const p of t.partitions) {
      assert.ok(md.brokers.some((b) => b.nodeId === p.leaderId), 'the leader is a listed broker');
      assert.ok(p.leaderEpoch >= 0, 'v7+: a leader epoch');
      assert.ok(p.isrNodes.includes(p.leaderId));
    }

    // A null list asks for all topics, ours among them.
    const all = (await conn.request(Metadata, v, { topics: null })).body;
    assert.ok(all.topics.some((x) => x.name === topic));
    // And by id (v12+).
    if (v >= 12) {
      const byId = (await conn.request(Metadata, v, { topics: [{ topicId: t.topicId, name: null }], allowAutoTopicCreation: false })).body;
      assert.equal(byId.topics[0]!.name, topic);
    }
  });

  it('InitProducerId (idempotent: null transactional id) returns a producer id', async () => {
    for (let i = 0; ; i++) {
      const { body } = await conn.request(InitProducerId, version(ApiKey.InitProducerId), {
        transactionalId: null,
        transactionTimeoutMs: 0x7fffffff,
      });
      if (STARTING.has(body.errorCode) && i < 100) {
        await sleep(200);
        continue;
      }
      assert.equal(body.errorCode, 0);
      assert.ok(body.producerId >= 0n);
      assert.ok(body.producerEpoch >= 0);
      break;
    }
  });

  it('FindCoordinator for a transactional id, batched (v4+)', async () => {
    const v = version(ApiKey.FindCoordinator);
    const keys = [`${topic}-txn`];
    for (let i = 0; ; i++) {
      const req = v >= 4 ? { keyType: 1, coordinatorKeys: keys } : { keyType: 1, key: keys[0]! };
      const { body } = await conn.request(FindCoordinator, v, req);
      const [c] = coordinatorsOf(body, v, keys);
      if (STARTING.has(c!.errorCode) && i < 100) {
        await sleep(200);
        continue;
      }
      assert.equal(c!.errorCode, 0);
      assert.equal(c!.key, keys[0]);
      assert.ok(c!.host.length > 0 && c!.port > 0);
      break;
    }
  });

  it('Produce at every version from 3 to the negotiated one, then read back with kcat', async () => {
    const produceTopic = uniqueTopicName('tandem-produce');
    const leader = await leaderOf(produceTopic);
    const max = version(ApiKey.Produce);
    const offsets: bigint[] = [];
    const expectedValues: string[] = [];
    for (let v = Produce.minVersion; v <= max; v++) {
      // Alternate a batch from the RecordBatch writer with the reference batch (written by no Tandem code).
      const fromWriter = v % 2 === 1;
      const value = fromWriter ? `produce-v${v}-ü` : 'hello';
      const batch = fromWriter ? buildRecordBatch([{ key: `k${v}`, value, timestamp: 1_700_000_000_000 + v }]) : referenceBatch();
      const p = await produceSettled(leader, v, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: produceTopic, partitionData: [{ index: 0, records: batch }] }],
      });
      assert.equal(p.errorCode, 0, `Produce v${v}: error ${p.errorCode} ${p.errorMessage ?? ''}`);
      assert.equal(p.logAppendTimeMs, -1);
      if (v >= 5) assert.equal(p.logStartOffset, 0n);
      offsets.push(p.baseOffset);
      expectedValues.push(value);
    }
    assert.deepEqual(offsets, offsets.map((_, i) => BigInt(i)), 'one record per request, offsets 0..n-1');

    // acks=0: nothing comes back, and the connection stays in step for the next request.
    const none = await leader.produce(max, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 30_000,
      topicData: [{ name: produceTopic, partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'acks-0' }]) }] }],
    });
    assert.equal(none, null);
    expectedValues.push('acks-0');
    assert.equal((await leader.request(ApiVersions, 0, {})).body.errorCode, 0);

    const read = await readWithKcat(bootstrap, produceTopic, { count: expectedValues.length });
    assert.deepEqual(
      read.map((r) => r.value?.toString('utf8')),
      expectedValues,
    );
  });

  it('Produce with an idempotent producer id: a duplicate batch gets its original offset back', async () => {
    const { body: pid } = await conn.request(InitProducerId, version(ApiKey.InitProducerId), {
      transactionalId: null,
      transactionTimeoutMs: 0x7fffffff,
    });
    assert.equal(pid.errorCode, 0);
    const idemTopic = uniqueTopicName('tandem-idempotent');
    const leader = await leaderOf(idemTopic);
    const v = version(ApiKey.Produce);
    const send = (baseSequence: number, value: string): Promise<PartitionProduceResponse> => {
      const batch = buildRecordBatch([{ value }, { value: `${value}-2` }], {
        producerId: pid.producerId,
        producerEpoch: pid.producerEpoch,
        baseSequence,
      });
      return produceSettled(leader, v, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: idemTopic, partitionData: [{ index: 0, records: batch }] }],
      });
    };
    const first = await send(0, 'a');
    assert.equal(first.errorCode, 0);
    assert.equal(first.baseOffset, 0n);
    const duplicate = await send(0, 'a');
    assert.equal(duplicate.errorCode, 0);
    assert.equal(duplicate.baseOffset, 0n, 'a duplicate of a cached batch gets the original offset back');
    const next = await send(2, 'b');
    assert.equal(next.errorCode, 0);
    assert.equal(next.baseOffset, 2n);
    const gap = await send(10, 'c');
    assert.equal(gap.errorCode, 45, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  });
});
