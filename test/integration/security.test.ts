/**
 * TLS and SASL against a real broker: the harness's `security` cluster has a listener of each
 * kind (SSL, SSL that requires a client certificate, SASL_PLAINTEXT, SASL_SSL, with PLAIN and
 * SCRAM-SHA-256/512 for one user, and OAUTHBEARER checked by Kafka's unsecured validator).
 * Over each, Tandem produces records that kcat (librdkafka) then reads back through the
 * PLAINTEXT listener and compares byte for byte; a transactional producer commits over
 * SASL_SSL; OAUTHBEARER tokens come from the application's function, from Java's unsecured
 * login settings and from an OAuth 2 token endpoint (a local HTTP server here), and a session
 * that ends with its token is renewed on the same connection (KIP-368). And what must fail
 * does, at once and with an AuthenticationError that says why: an untrusted broker
 * certificate, a missing client certificate, a wrong password, an expired token.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { assertReadBack, failIfHeldOpen, readCommitted, sendAll } from '../support/producer-readback.js';

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
  assertReadBack(await readCommitted(cluster.bootstrap, topic, records.length), deliveries);
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

/** An unsigned JWS (alg none), what Kafka's unsecured validator accepts: `sub` and `exp` in seconds. */
function unsignedToken(sub: string, lifetimeSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + lifetimeSeconds })}.`;
}

const OAUTH_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

test("OAUTHBEARER over SASL_SSL with tokens from the application's function", async () => {
  let calls = 0;
  const p = producer('SASL_SSL', {
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': tls.caFile,
    'sasl.mechanism': 'OAUTHBEARER',
    'sasl.oauthbearer.token.provider': async () => {
      calls++;
      return unsignedToken(SASL_USER, 3600);
    },
  });
  await roundTrip(p, 'oauth-function');
  assert.equal(calls, 1, 'one token, cached for its hour, served every connection');
});

test("OAUTHBEARER over SASL_PLAINTEXT with Java's unsecured login settings in sasl.jaas.config", async () => {
  await roundTrip(
    producer('SASL_PLAINTEXT', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config': `${OAUTH_MODULE} required unsecuredLoginStringClaim_sub="${SASL_USER}";`,
    }),
    'oauth-unsecured',
  );
});

test('OAUTHBEARER with tokens from an OAuth 2 token endpoint (client credentials, as Java\'s KIP-768 settings)', async () => {
  const asked: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    asked.push(`${req.headers.authorization} ${body}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: unsignedToken(SASL_USER, 3600), token_type: 'bearer', expires_in: 3600 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const p = producer('SASL_SSL', {
      'security.protocol': 'SASL_SSL',
      'ssl.truststore.location': tls.caFile,
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url': `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`,
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.jaas.config': `${OAUTH_MODULE} required clientId="tandem-app" clientSecret="app-secret" scope="kafka";`,
    });
    await roundTrip(p, 'oauth-endpoint');
    assert.deepEqual(asked, [`Basic ${Buffer.from('tandem-app:app-secret').toString('base64')} grant_type=client_credentials&scope=kafka`]);
  } finally {
    server.close();
  }
});

test("an expired token fails the send at once with an AuthenticationError carrying the broker's invalid_token", async () => {
  const p = producer('SASL_PLAINTEXT', {
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'OAUTHBEARER',
    'sasl.oauthbearer.token.provider': () => unsignedToken(SASL_USER, -60),
    'max.block.ms': 60_000,
  });
  const { err, ms } = await failedSend(p);
  assert.ok(err instanceof AuthenticationError, `expected an AuthenticationError, got ${String(err)}`);
  assert.match(err.message, /OAUTHBEARER/);
  assert.match(err.message, /invalid_token/);
  assert.ok(ms < 20_000, `failed after ${Math.round(ms)} ms, not at once`);
});

test('a SASL session that ends with its token is renewed on the same connection (KIP-368), while records keep flowing', async () => {
  const topic = uniqueTopicName('security-reauth');
  await createTopic(cluster.bootstrap, topic, { partitions: 2 });
  let tokens = 0;
  const p = producer('SASL_SSL', {
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': tls.caFile,
    'sasl.mechanism': 'OAUTHBEARER',
    // The broker ends the session when the token expires, 4 s from now, and closes the
    // connection at the next request after it unless the session was renewed.
    'sasl.oauthbearer.token.provider': () => {
      tokens++;
      return unsignedToken(SASL_USER, 4);
    },
  });
  const batch = (n: number) => Array.from({ length: 5 }, (_, i) => ({ topic, key: `k${i}`, value: `renewed ${n * 5 + i}` }));
  const deliveries = await sendAll(p, batch(0));
  const connectionsAtStart = (await p.metrics())['connection-creation-total'];
  // 10 s of records, a few every 200 ms: two and a half token lifetimes.
  const started = Date.now();
  for (let n = 1; Date.now() - started < 10_000; n++) {
    deliveries.push(...(await sendAll(p, batch(n))));
    await new Promise((r) => setTimeout(r, 200));
  }
  const m = await p.metrics();
  assert.ok(m['successful-reauthentication-total']! >= 2, `sessions renewed: ${m['successful-reauthentication-total']} in 10 s of 4 s tokens`);
  assert.equal(m['connection-creation-total'], connectionsAtStart, 'no connection was lost and made again');
  assert.ok(tokens >= 3, `tokens fetched: ${tokens}`);
  assertReadBack(await readWithKcat(cluster.bootstrap, topic, { count: deliveries.length }), deliveries);
});
