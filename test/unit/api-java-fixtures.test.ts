/**
 * Our codecs against the Java client's: test/fixtures/java-messages.json holds request and
 * response bodies serialized by kafka-clients' generated message classes (see
 * test/fixtures/tools/JavaMessageFixtures.java), with Java's JSON view of each message.
 *
 * For every entry: decoding Java's bytes gives Java's field values, and encoding what we decoded
 * gives Java's bytes back, byte for byte. Both directions of every codec are thereby anchored on
 * bytes that Tandem did not write.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Writer, apiDefinition } from '@tandem/protocol';
import { REFERENCE_BATCH_HEX } from '../support/reference-batch.js';

interface JavaMessage {
  name: string;
  apiKey: number;
  kind: 'request' | 'response';
  version: number;
  hex: string;
  json: unknown;
}

const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/java-messages.json', import.meta.url), 'utf8')) as {
  kafkaClients: string;
  messages: JavaMessage[];
};

/** Java's field names where ours differ (AddPartitionsToTxn's client form drops the V3AndBelow prefixes). */
const RENAMED: Record<string, string> = {
  v3AndBelowTransactionalId: 'transactionalId',
  v3AndBelowProducerId: 'producerId',
  v3AndBelowProducerEpoch: 'producerEpoch',
  v3AndBelowTopics: 'topics',
  resultsByTopicV3AndBelow: 'resultsByTopic',
};

/** Kafka prints a Uuid as unpadded URL-safe base64, and bytes as standard base64. */
function javaText(buf: Buffer, javaValue: string): string {
  return buf.length === 16 && javaValue.length === 22 ? buf.toString('base64url') : buf.toString('base64');
}

/** Asserts that every field Java printed has the same value in ours. */
function assertMatchesJava(ours: unknown, java: unknown, path: string): void {
  if (java === null) {
    assert.equal(ours, null, `${path}: expected null`);
  } else if (typeof java === 'number') {
    assert.ok(typeof ours === 'number' || typeof ours === 'bigint', `${path}: expected a number, got ${typeof ours}`);
    assert.equal(Number(ours), java, path);
  } else if (typeof java === 'boolean') {
    assert.equal(ours, java, path);
  } else if (typeof java === 'string') {
    if (Buffer.isBuffer(ours)) assert.equal(javaText(ours, java), java, path);
    else assert.equal(ours, java, path);
  } else if (Array.isArray(java)) {
    if (!Array.isArray(ours)) assert.fail(`${path}: expected an array`);
    assert.equal(ours.length, java.length, `${path}.length`);
    java.forEach((item, i) => assertMatchesJava(ours[i], item, `${path}[${i}]`));
  } else if (typeof java === 'object') {
    if (typeof ours !== 'object' || ours === null) assert.fail(`${path}: expected an object`);
    for (const [key, value] of Object.entries(java)) {
      const ourKey = RENAMED[key] ?? key;
      assert.ok(ourKey in ours, `${path}: our decoded message has no field ${ourKey}`);
      // Java prints records as "" (they are not serialized into JSON); they are checked below.
      if (key === 'records') continue;
      assertMatchesJava((ours as Record<string, unknown>)[ourKey], value, `${path}.${ourKey}`);
    }
  } else {
    assert.fail(`${path}: unexpected JSON value ${String(java)}`);
  }
}

/** Every `records` field of a decoded Produce request. */
function recordsOf(decoded: unknown): Buffer[] {
  const out: Buffer[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'records') out.push(x as Buffer);
        else walk(x);
      }
    }
  };
  walk(decoded);
  return out;
}

describe(`codecs agree with the Java client (kafka-clients ${fixtures.kafkaClients})`, () => {
  it('the fixture file covers every API and both directions', () => {
    const seen = new Set(fixtures.messages.map((m) => `${m.apiKey}/${m.kind}`));
    for (const key of [0, 3, 10, 17, 18, 22, 24, 25, 26, 28, 36]) {
      assert.ok(seen.has(`${key}/request`), `requests of API ${key}`);
      assert.ok(seen.has(`${key}/response`), `responses of API ${key}`);
    }
  });

  for (const m of fixtures.messages) {
    it(`${m.name} v${m.version}: decodes to Java's values and re-encodes to Java's bytes`, () => {
      const api = apiDefinition(m.apiKey);
      if (api === undefined) assert.fail(`no codec for API ${m.apiKey}`);
      const bytes = Buffer.from(m.hex, 'hex');
      const decoded: unknown = m.kind === 'request' ? api.decodeRequest(bytes, m.version) : api.decodeResponse(bytes, m.version);
      assertMatchesJava(decoded, m.json, m.name);
      if (m.apiKey === 0 && m.kind === 'request') {
        const batches = recordsOf(decoded);
        assert.ok(batches.length > 0);
        for (const b of batches) assert.equal(b.toString('hex'), REFERENCE_BATCH_HEX);
      }
      const w = new Writer(16);
      if (m.kind === 'request') api.encodeRequest(w, m.version, decoded);
      else api.encodeResponse(w, m.version, decoded);
      assert.equal(w.finish().toString('hex'), m.hex);
    });
  }
});
