/**
 * Captures real broker responses as hex fixtures for the codec unit tests, so that decoders are
 * checked against bytes a broker wrote rather than bytes our encoder wrote.
 *
 *   npx tsc -b test && node test/dist/support/capture-broker-fixtures.js 127.0.0.1:9092 4.4.0
 *
 * writes test/fixtures/broker-<version>.json. The second argument is the broker's version, as a
 * label (the broker does not report it on the wire). The cluster should be a fresh single node:
 * the tool auto-creates the topic `tandem-fixture` and produces the reference batch to it.
 */
import { writeFileSync } from 'node:fs';
import {
  ApiKey,
  ApiVersions,
  FindCoordinator,
  InitProducerId,
  Metadata,
  CoordinatorType,
  encodeRequestFrame,
  type ApiVersionsRequest,
} from '@tandem/protocol';
import { RawKafkaConnection } from './raw-kafka-connection.js';
import { referenceBatch } from './reference-batch.js';

/** One captured response. */
export interface CapturedResponse {
  readonly name: string;
  readonly apiKey: number;
  /** The version the request was sent with. */
  readonly version: number;
  /** What was asked, for people reading the fixture. */
  readonly request: string;
  /** The frame's payload: response header then body (no size prefix). */
  readonly payloadHex: string;
}

/** A fixture file. */
export interface BrokerFixtures {
  readonly broker: string;
  readonly captured: string;
  readonly tool: string;
  readonly topic: string;
  readonly responses: readonly CapturedResponse[];
}

const SOFTWARE: ApiVersionsRequest = { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function capture(bootstrap: string, brokerLabel: string): Promise<BrokerFixtures> {
  const conn = await RawKafkaConnection.connect(bootstrap, { clientId: 'tandem-fixtures' });
  const out: CapturedResponse[] = [];
  const topic = 'tandem-fixture';
  try {
    const keep = (name: string, apiKey: number, version: number, request: string, payload: Buffer): void => {
      out.push({ name, apiKey, version, request, payloadHex: payload.toString('hex') });
    };

    // The broker's ranges, so that we only send versions it accepts (it closes the connection
    // on any other API's unknown version).
    const ranges = (await conn.request(ApiVersions, 0, {})).body.apiKeys;
    const accepts = (apiKey: number, v: number): boolean =>
      ranges.some((r) => r.apiKey === apiKey && r.minVersion <= v && v <= r.maxVersion);
    const accepted = (apiKey: number, versions: number[]): number[] => versions.filter((v) => accepts(apiKey, v));

    for (const v of accepted(ApiKey.ApiVersions, [0, 3, 4])) {
      const res = await conn.request(ApiVersions, v, v >= 3 ? SOFTWARE : {});
      keep(`ApiVersions v${v}`, ApiKey.ApiVersions, v, v >= 3 ? 'client software tandem 0.1.0' : '(empty)', res.payload);
    }
    {
      // A version no broker knows: the reply is UNSUPPORTED_VERSION in the v0 layout.
      const correlationId = conn.correlationId();
      const frame = encodeRequestFrame({ apiKey: ApiKey.ApiVersions, apiVersion: 127, correlationId, clientId: conn.clientId }, (w) => {
        w.compactString('tandem');
        w.compactString('0.1.0');
        w.taggedFields();
      });
      keep('ApiVersions v127 (unsupported)', ApiKey.ApiVersions, 127, 'version 127, header v2, v3-style body', await conn.send(frame, correlationId));
    }

    // Auto-create the topic, then wait until its partition has a leader.
    for (let i = 0; ; i++) {
      const res = await conn.request(Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: true });
      const t = res.body.topics[0];
      if (t !== undefined && t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0)) break;
      if (i > 100) throw new Error(`topic ${topic} did not get a leader: ${JSON.stringify(t)}`);
      await sleep(100);
    }
    for (const v of accepted(ApiKey.Metadata, [4, 9, 12, 13])) {
      const res = await conn.request(Metadata, v, { topics: [{ name: topic }], allowAutoTopicCreation: true });
      keep(`Metadata v${v}`, ApiKey.Metadata, v, `topics [${topic}], allowAutoTopicCreation`, res.payload);
    }
    {
      const res = await conn.request(Metadata, 12, { topics: [{ name: 'tandem-fixture-missing' }], allowAutoTopicCreation: false });
      keep('Metadata v12 unknown topic', ApiKey.Metadata, 12, 'topics [tandem-fixture-missing], no auto-creation', res.payload);
    }

    for (const v of accepted(ApiKey.InitProducerId, [0, 4, 5])) {
      // A fresh broker answers COORDINATOR_LOAD_IN_PROGRESS (14) until its producer-id manager is ready.
      for (let i = 0; ; i++) {
        const res = await conn.request(InitProducerId, v, { transactionalId: null, transactionTimeoutMs: 0x7fffffff });
        if (res.body.errorCode === 0 || i > 100) {
          keep(`InitProducerId v${v}`, ApiKey.InitProducerId, v, 'idempotent: null transactional id', res.payload);
          break;
        }
        await sleep(200);
      }
    }

    for (const v of accepted(ApiKey.FindCoordinator, [3, 4, 6])) {
      const req =
        v >= 4
          ? { keyType: CoordinatorType.transaction, coordinatorKeys: ['tandem-fixture-txn'] }
          : { keyType: CoordinatorType.transaction, key: 'tandem-fixture-txn' };
      let payload: Buffer | undefined;
      for (let i = 0; i < 100; i++) {
        const res = await conn.request(FindCoordinator, v, req);
        payload = res.payload;
        const err = v >= 4 ? res.body.coordinators[0]?.errorCode : res.body.errorCode;
        if (err === 0) break;
        await sleep(200);
      }
      keep(`FindCoordinator v${v}`, ApiKey.FindCoordinator, v, 'transaction coordinator of tandem-fixture-txn', payload!);
    }

    const batch = referenceBatch();
    const produceMax = Math.min(12, ranges.find((r) => r.apiKey === ApiKey.Produce)!.maxVersion);
    for (const v of [...new Set([3, 9, produceMax])]) {
      const payload = await conn.produce(v, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
      });
      keep(`Produce v${v}`, ApiKey.Produce, v, `acks=-1, the reference batch to ${topic}-0`, payload!);
    }
    {
      const payload = await conn.produce(produceMax, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: 7, records: batch }] }],
      });
      keep(`Produce v${produceMax} unknown partition`, ApiKey.Produce, produceMax, `acks=-1, the reference batch to ${topic}-7 (no such partition)`, payload!);
    }
  } finally {
    conn.close();
  }
  return {
    broker: `Apache Kafka ${brokerLabel} (KRaft, single node)`,
    captured: new Date().toISOString(),
    tool: 'test/support/capture-broker-fixtures.ts',
    topic,
    responses: out,
  };
}

const [bootstrap, label] = process.argv.slice(2);
if (bootstrap === undefined || label === undefined) {
  console.error('usage: node test/dist/support/capture-broker-fixtures.js <host:port> <broker version>');
  process.exit(2);
}
const fixtures = await capture(bootstrap, label);
const file = new URL(`../../fixtures/broker-${label}.json`, import.meta.url);
writeFileSync(file, JSON.stringify(fixtures, null, 2) + '\n');
console.log(`wrote ${fixtures.responses.length} responses to ${file.pathname}`);
