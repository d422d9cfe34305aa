/**
 * TLS and SASL against a real broker: the harness's `security` cluster has a listener of each
 * kind (SSL, SSL that requires a client certificate, SASL_PLAINTEXT, SASL_SSL, with PLAIN and
 * SCRAM-SHA-256/512 for one user). Over each, Tandem produces records that kcat (librdkafka)
 * then reads back through the PLAINTEXT listener and compares byte for byte; a transactional
 * producer commits over SASL_SSL. And what must fail does, at once and with an
 * AuthenticationError that says why: an untrusted broker certificate, a missing client
 * certificate, a wrong password.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AuthenticationError, KafkaProducer, type ProducerConfigInput } from '@tandem/producer';
import {
  SASL_PASSWORD,
  SASL_USER,
  SECURITY_CLUSTER,
  createTopic,
  readWithKcat,
  startCluster,
  stopCluster,
  tlsMaterial,
  uniqueTopicName,
  type KafkaCluster,
  type TlsMaterial,
} from '../kafka/index.js';
import { assertReadBack, failIfHeldOpen, sendAll } from '../support/producer-readback.js';

let cluster: KafkaCluster;
let tls: TlsMaterial;
let dir: string;
const producers: KafkaProducer[] = [];

before(async () => {
  cluster = await startCluster(SECURITY_CLUSTER);
  tls = await tlsMaterial();
  dir = await mkdtemp(join(tmpdir(), 'tandem-security-'));
});

after(async () => {
  await Promise.all(producers.map((p) => p.close({ timeout: 5000 }).catch(() => {})));
  if (cluster?.started) await stopCluster(SECURITY_CLUSTER);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  failIfHeldOpen('security.test');
});

function producer(listener: string, config: Partial<ProducerConfigInput>): KafkaProducer {
  const p = new KafkaProducer({ 'bootstrap.servers': cluster.listenerBootstrap[listener]!, 'linger.ms': 2, ...config } as ProducerConfigInput);
  producers.push(p);
  return p;
}

/** Sends 50 keyed records through `p`, reads them back with kcat over PLAINTEXT and compares. */
async function roundTrip(p: KafkaProducer, label: string): Promise<void> {
  const topic = uniqueTopicName(`security-${label}`);
  await createTopic(cluster.bootstrap, topic, { partitions: 2 });
  const records = Array.from({ length: 50 }, (_, i) => ({
    topic,
    key: `key-${i % 7}`,
    value: `${label} record ${i} ${'é'.repeat(i % 5)}`,
    headers: { over: label },
  }));
  const deliveries = await sendAll(p, records);
  assertReadBack(await readWithKcat(cluster.bootstrap, topic, { count: records.length }), deliveries);
}

/** The error a send to a fresh topic fails with, and how long it took. */
async function failedSend(p: KafkaProducer): Promise<{ err: unknown; ms: number }> {
  const started = performance.now();
  try {
    await p.send({ topic: uniqueTopicName('security-refused'), value: 'x' });
  } catch (err) {
    return { err, ms: performance.now() - started };
  }
  assert.fail('the send succeeded');
}

test('SSL: records go over TLS to a broker whose certificate the configured CA signed', async () => {
  await roundTrip(producer('SSL', { 'security.protocol': 'SSL', 'ssl.truststore.location': tls.caFile }), 'ssl');
});

test('mutual TLS: the client certificate from a PEM keystore file, or from PEM text', async () => {
  const keystore = join(dir, 'client-keystore.pem');
  await writeFile(keystore, tls.clientKeyPem + tls.clientCertPem);
  await roundTrip(
    producer('MTLS', { 'security.protocol': 'SSL', 'ssl.truststore.location': tls.caFile, 'ssl.keystore.location': keystore }),
    'mtls-file',
  );
  await roundTrip(
    producer('MTLS', {
      'security.protocol': 'SSL',
      'ssl.truststore.certificates': tls.caPem,
      'ssl.keystore.certificate.chain': tls.clientCertPem,
      'ssl.keystore.key': tls.clientKeyPem,
    }),
    'mtls-text',
  );
});

test('SASL_PLAINTEXT with SCRAM-SHA-256 credentials from sasl.jaas.config', async () => {
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${SASL_USER}" password="${SASL_PASSWORD}";`;
  await roundTrip(producer('SASL_PLAINTEXT', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': jaas }), 'scram256');
});

for (const mechanism of ['PLAIN', 'SCRAM-SHA-512'] as const) {
  test(`SASL_SSL with ${mechanism} (sasl.username and sasl.password)`, async () => {
    const p = producer('SASL_SSL', {
      'security.protocol': 'SASL_SSL',
      'ssl.truststore.location': tls.caFile,
      'sasl.mechanism': mechanism,
      'sasl.username': SASL_USER,
      'sasl.password': SASL_PASSWORD,
    });
    await roundTrip(p, mechanism.toLowerCase());
  });
}

test('a transaction commits over SASL_SSL (coordinator requests authenticated too), read back read_committed', async () => {
  const topic = uniqueTopicName('security-txn');
  await createTopic(cluster.bootstrap, topic, { partitions: 2 });
  const p = producer('SASL_SSL', {
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': tls.caFile,
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.username': SASL_USER,
    'sasl.password': SASL_PASSWORD,
    'transactional.id': uniqueTopicName('security-txn-id'),
  });
  await p.initTransactions();
  await p.beginTransaction();
  const records = Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i}`, value: `committed ${i}` }));
  const pending = sendAll(p, records);
  await p.commitTransaction();
  const deliveries = await pending;
  assertReadBack(await readWithKcat(cluster.bootstrap, topic, { count: records.length, config: { 'isolation.level': 'read_committed' } }), deliveries);
});

test('a broker certificate that no trusted CA signed fails the send at once with an AuthenticationError', async () => {
  const p = producer('SSL', { 'security.protocol': 'SSL', 'ssl.truststore.location': tls.otherCaFile, 'max.block.ms': 60_000 });
  const { err, ms } = await failedSend(p);
  assert.ok(err instanceof AuthenticationError, `expected an AuthenticationError, got ${String(err)}`);
  assert.equal(err.code, 'ERR_TANDEM_AUTHENTICATION');
  assert.match(err.message, /TLS handshake/);
  assert.match(err.message, /certificate/i);
  assert.ok(ms < 20_000, `failed after ${Math.round(ms)} ms, not at once (max.block.ms is 60 s)`);
});

test('a listener that requires a client certificate refuses a client without one: AuthenticationError', async () => {
  const p = producer('MTLS', { 'security.protocol': 'SSL', 'ssl.truststore.location': tls.caFile, 'max.block.ms': 60_000 });
  const { err, ms } = await failedSend(p);
  assert.ok(err instanceof AuthenticationError, `expected an AuthenticationError, got ${String(err)}`);
  assert.ok(ms < 20_000, `failed after ${Math.round(ms)} ms, not at once`);
});

test('a wrong password fails sends and partitionsFor at once with an AuthenticationError naming the user and the mechanism', async () => {
  const p = producer('SASL_SSL', {
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': tls.caFile,
    'sasl.mechanism': 'SCRAM-SHA-256',
    'sasl.username': SASL_USER,
    'sasl.password': 'not-the-password',
    'max.block.ms': 60_000,
  });
  const { err, ms } = await failedSend(p);
  assert.ok(err instanceof AuthenticationError, `expected an AuthenticationError, got ${String(err)}`);
  assert.match(err.message, /SCRAM-SHA-256/);
  assert.match(err.message, new RegExp(`'${SASL_USER}'`));
  assert.match(err.message, /SASL_AUTHENTICATION_FAILED/);
  assert.ok(ms < 20_000, `failed after ${Math.round(ms)} ms, not at once`);
  await assert.rejects(p.partitionsFor(uniqueTopicName('security-refused')), AuthenticationError);
});
