/**
 * The test harness itself, against real brokers: starting is idempotent, stopping leaves nothing
 * behind, failures are one clear line, and the two independent readers return exactly the bytes
 * another client (kcat) wrote.
 *
 * The start/stop tests use clusters of their own (named `harness-test-*`), never the shared
 * broker the other test files run against; the secured-listener test uses the `security`
 * cluster, the one the producer's TLS and SASL tests use.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandResult } from '../kafka/command.js';
import {
  clusterDir,
  createTopic,
  dumpLogSegments,
  ensureKafka,
  type KcatRecord,
  pidsMentioning,
  produceWithKcat,
  type ReadRecord,
  readWithJava,
  readWithKcat,
  SASL_PASSWORD,
  SASL_USER,
  SECURITY_CLUSTER,
  startCluster,
  stopCluster,
  tlsMaterial,
  ToolError,
  uniqueTopicName,
} from '../kafka/index.js';

const cli = fileURLToPath(new URL('../kafka/cli.js', import.meta.url));

/** Runs the harness CLI as `pnpm kafka:*` would, bounded so a hang fails the test instead. */
function kafkaCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runCommand(process.execPath, [cli, ...args], { timeoutMs: 120_000, env });
}

function lastLine(out: Buffer): string {
  return out.toString().trimEnd().split('\n').at(-1) ?? '';
}

/** `key=value` lines of the CLI's stdout. */
function keyValues(out: Buffer): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of out.toString().split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) map.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return map;
}

/** JVMs running from cluster `name`'s directory: the harness's brokers, and nothing else. */
function brokerJvms(name: string): number[] {
  return pidsMentioning(join(clusterDir(name), 'broker-'));
}

const ownCluster = 'harness-test-lifecycle';
after(async () => {
  // Whatever a failed assertion left running, and the directories of the failed starts.
  await stopCluster(ownCluster);
  await stopCluster(SECURITY_CLUSTER);
  for (const name of ['harness-test-port', 'harness-test-nojava', 'harness-test-crash']) {
    await stopCluster(name);
    rmSync(clusterDir(name), { recursive: true, force: true });
  }
});

test('kafka:start twice reuses the running broker, and kafka:stop leaves no JVM of ours', async () => {
  await stopCluster(ownCluster);

  const first = await kafkaCli(['start', '--name', ownCluster]);
  assert.equal(first.code, 0, first.stderr.toString());
  assert.match(lastLine(first.stdout), /^bootstrap=127\.0\.0\.1:\d+$/);

  const second = await kafkaCli(['start', '--name', ownCluster]);
  assert.equal(second.code, 0, second.stderr.toString());
  assert.equal(lastLine(second.stdout), lastLine(first.stdout), 'the second start reports the same bootstrap');
  assert.equal(keyValues(second.stdout).get('pids'), keyValues(first.stdout).get('pids'), 'and the same broker pid');
  assert.ok(second.elapsedMs < 10_000, `reusing took ${Math.round(second.elapsedMs)} ms`);
  assert.deepEqual(brokerJvms(ownCluster), [Number(keyValues(first.stdout).get('pids'))], 'exactly one broker JVM runs');

  const stop = await kafkaCli(['stop', '--name', ownCluster]);
  assert.equal(stop.code, 0, stop.stderr.toString());
  assert.match(stop.stdout.toString(), /stopped broker 1/);
  assert.deepEqual(brokerJvms(ownCluster), [], 'no broker JVM of this cluster remains');

  const again = await kafkaCli(['stop', '--name', ownCluster]);
  assert.equal(again.code, 0);
  assert.match(again.stdout.toString(), /nothing running/);
});

/** Asserts the CLI failed at once with exactly one line naming `reason`. */
function assertOneLineFailure(result: CommandResult, reason: string, withinMs: number): string {
  const stderr = result.stderr.toString().trimEnd();
  assert.equal(result.code, 1, `exit code (stderr: ${stderr})`);
  assert.equal(result.timedOut, false);
  assert.equal(stderr.split('\n').length, 1, `one line on stderr, got:\n${stderr}`);
  assert.match(stderr, new RegExp(`^kafka:start failed \\(${reason}\\): `));
  assert.ok(result.elapsedMs < withinMs, `failed after ${Math.round(result.elapsedMs)} ms`);
  return stderr;
}

test('a fixed port that is taken fails at once with one line', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await kafkaCli(['start', '--name', 'harness-test-port', '--port', String(port)]);
    const line = assertOneLineFailure(result, 'port-in-use', 10_000);
    assert.ok(line.includes(`127.0.0.1:${port}`), line);
    assert.deepEqual(brokerJvms('harness-test-port'), []);
  } finally {
    server.close();
  }
});

test('no Java on PATH fails at once with one line', async () => {
  const emptyDir = mkdtempSync(join(tmpdir(), 'tandem-no-java-'));
  try {
    const env = { ...process.env, PATH: emptyDir, JAVA_HOME: '' };
    const result = await kafkaCli(['start', '--name', 'harness-test-nojava'], env);
    assertOneLineFailure(result, 'java-missing', 10_000);
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
  }
});

test('a broker that dies during startup is reported with its last log line', async () => {
  // A heap too small to start the JVM: the fastest way to make a broker die during startup.
  const env = { ...process.env, KAFKA_HEAP_OPTS: '-Xmx1k' };
  const result = await kafkaCli(['start', '--name', 'harness-test-crash'], env);
  const line = assertOneLineFailure(result, 'broker-exited', 60_000);
  assert.match(line, /Too small maximum heap/);
  assert.match(line, /\[log: \S+stdout\.log\]$/);
  assert.deepEqual(brokerJvms('harness-test-crash'), []);
});

test('kcat and the Java consumer read back byte-exact what kcat wrote', async () => {
  const kafka = await ensureKafka();
  const topic = uniqueTopicName('harness-readers');
  await createTopic(kafka.bootstrap, topic, { partitions: 1 });

  const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const notUtf8 = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x0a, 0x22, 0x5c]);
  const sent: KcatRecord[] = [
    { key: null, value: 'a null key' },
    { key: 'an empty value', value: '' },
    { key: notUtf8, value: everyByte },
    { key: 'headers', value: 'v', headers: [['trace', 'abc'], ['null-value', null], ['trace', 'dup'], ['ünï', 'çödé "\\\n']] },
    { key: 'a tombstone', value: null },
    { key: '', value: 'an empty key' },
  ];
  await produceWithKcat(kafka.bootstrap, topic, sent);

  const expected = sent.map((r, offset) => ({
    offset,
    key: r.key === null || r.key === undefined ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers: (r.headers ?? []).map(([k, v]) => [k, v === null ? null : Buffer.from(v)]),
  }));
  const essentials = (records: ReadRecord[]) =>
    records.map((r) => ({ offset: r.offset, key: r.key, value: r.value, headers: r.headers }));

  const byKcat = await readWithKcat(kafka.bootstrap, topic, { count: sent.length, timeoutMs: 20_000 });
  assert.deepEqual(essentials(byKcat), expected);

  const byJava = await readWithJava(kafka.bootstrap, topic, { count: sent.length, timeoutMs: 20_000, version: kafka.version });
  assert.deepEqual(essentials(byJava), expected);
  assert.deepEqual(
    byJava.map((r) => [r.partition, r.timestamp, r.timestampType]),
    byKcat.map((r) => [r.partition, r.timestamp, r.timestampType]),
  );

  // Without a count, both stop at the end of the topic.
  assert.equal((await readWithKcat(kafka.bootstrap, topic)).length, sent.length);

  if (!kafka.external) {
    const batches = await dumpLogSegments(kafka, topic, 0);
    assert.equal(batches.reduce((n, b) => n + b.count, 0), sent.length);
    assert.ok(batches.every((b) => b.isValid && b.magic === 2), 'the broker finds every CRC valid');
    assert.deepEqual(batches.flatMap((b) => b.records.map((r) => [r.keySize, r.valueSize])), expected.map((r) => [r.key?.length ?? -1, r.value?.length ?? -1]));
  }
});

test('SSL, mutual TLS, SASL_PLAINTEXT and SASL_SSL listeners serve clients Tandem did not write, and refuse bad credentials', async () => {
  const cluster = await startCluster(SECURITY_CLUSTER);
  const tls = await tlsMaterial();
  const at = cluster.listenerBootstrap;
  assert.deepEqual(Object.keys(at), ['PLAINTEXT', 'SSL', 'MTLS', 'SASL_PLAINTEXT', 'SASL_SSL']);
  assert.equal(at.PLAINTEXT, cluster.bootstrap);
  const topic = uniqueTopicName('harness-security');
  await createTopic(cluster.bootstrap, topic, { partitions: 1, version: cluster.version });

  // librdkafka's settings. Hostname verification is on (librdkafka 2.x's default), so these
  // also prove the broker certificate's subjectAltName fits the advertised 127.0.0.1.
  const ssl = { 'security.protocol': 'ssl', 'ssl.ca.location': tls.caFile };
  const withClientCert = { ...ssl, 'ssl.certificate.location': tls.clientCertFile, 'ssl.key.location': tls.clientKeyFile };
  const plain = { 'sasl.mechanisms': 'PLAIN', 'sasl.username': SASL_USER, 'sasl.password': SASL_PASSWORD };
  const saslPlaintext = { 'security.protocol': 'sasl_plaintext', ...plain };
  const saslSsl = { ...ssl, 'security.protocol': 'sasl_ssl', ...plain };

  // One record in through each listener, with kcat. SSL only requests a client certificate:
  // kcat writes without one and reads with one. MTLS requires it.
  const listeners: Array<[name: string, write: Record<string, string>, read: Record<string, string>]> = [
    ['SSL', ssl, withClientCert],
    ['MTLS', withClientCert, withClientCert],
    ['SASL_PLAINTEXT', saslPlaintext, saslPlaintext],
    ['SASL_SSL', saslSsl, saslSsl],
  ];
  for (const [name, config] of listeners) {
    await produceWithKcat(at[name], topic, [{ key: name, value: `in through ${name}` }], { config });
  }
  const expected = listeners.map(([name]) => `${name}: in through ${name}`);
  const text = (records: ReadRecord[]): string[] => records.map((r) => `${r.key?.toString()}: ${r.value?.toString()}`);
  for (const [name, , config] of listeners) {
    assert.deepEqual(text(await readWithKcat(at[name], topic, { count: expected.length, timeoutMs: 20_000, config })), expected, `kcat reading over ${name}`);
  }

  // SCRAM with the Java client: Debian's kcat (librdkafka 2.0.2) fails SCRAM against Kafka 4.x
  // brokers, which check the client's final nonce more strictly (fixed in librdkafka 2.6.1,
  // edenhill/kcat#462), while its PLAIN above works.
  const scram = (mechanism: string, password: string) => ({
    'sasl.mechanism': mechanism,
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${SASL_USER}" password="${password}";`,
  });
  const javaScram256 = { 'security.protocol': 'SASL_PLAINTEXT', ...scram('SCRAM-SHA-256', SASL_PASSWORD) };
  const javaScram512OverTls = { 'security.protocol': 'SASL_SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.caFile, ...scram('SCRAM-SHA-512', SASL_PASSWORD) };
  const java = { count: expected.length, timeoutMs: 20_000, version: cluster.version };
  assert.deepEqual(text(await readWithJava(at.SASL_PLAINTEXT, topic, { ...java, config: javaScram256 })), expected, 'Java over SASL_PLAINTEXT with SCRAM-SHA-256');
  assert.deepEqual(text(await readWithJava(at.SASL_SSL, topic, { ...java, config: javaScram512OverTls })), expected, 'Java over SASL_SSL with SCRAM-SHA-512');

  // OAUTHBEARER with unsecured tokens ({"alg":"none"}, claims sub, exp and iat, empty signature):
  // the Java client's login module writes one, as does librdkafka given
  // enable.sasl.oauthbearer.unsecure.jwt; the broker's default validator checks it.
  const oauth = (options: string) => ({
    'sasl.mechanism': 'OAUTHBEARER',
    'sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${options};`,
  });
  const javaOauth = { 'security.protocol': 'SASL_PLAINTEXT', ...oauth(`unsecuredLoginStringClaim_sub="${SASL_USER}"`) };
  assert.deepEqual(text(await readWithJava(at.SASL_PLAINTEXT, topic, { ...java, config: javaOauth })), expected, 'Java over SASL_PLAINTEXT with OAUTHBEARER');
  const kcatOauth = { 'sasl.mechanisms': 'OAUTHBEARER', 'enable.sasl.oauthbearer.unsecure.jwt': 'true', 'sasl.oauthbearer.config': `principal=${SASL_USER}` };
  const kcatOauthPlaintext = { 'security.protocol': 'sasl_plaintext', ...kcatOauth };
  for (const [name, config] of [['SASL_PLAINTEXT', kcatOauthPlaintext], ['SASL_SSL', { ...ssl, 'security.protocol': 'sasl_ssl', ...kcatOauth }]] as const) {
    assert.deepEqual(text(await readWithKcat(at[name], topic, { count: expected.length, timeoutMs: 20_000, config })), expected, `kcat over ${name} with OAUTHBEARER`);
  }

  // And what must not get in does not.
  const refused = async (what: string, attempt: Promise<unknown>, why: RegExp): Promise<void> => {
    await assert.rejects(attempt, (error: unknown) => {
      assert.ok(error instanceof ToolError, `${what}: ${String(error)}`);
      assert.match(error.stderr, why, what);
      return true;
    });
  };
  const once: KcatRecord[] = [{ key: 'intruder', value: 'must not land' }];
  await refused('a wrong PLAIN password', produceWithKcat(at.SASL_PLAINTEXT, topic, once, { config: { ...saslPlaintext, 'sasl.password': 'wrong' } }), /Authentication failed/);
  await refused('a wrong SCRAM password', readWithJava(at.SASL_PLAINTEXT, topic, { ...java, config: { ...javaScram256, ...scram('SCRAM-SHA-256', 'wrong') } }), /SaslAuthenticationException/);
  // The validator names no reason, only the status: an expired token (the Java login module
  // takes a negative lifetime and sends it anyway) and one without `sub` (librdkafka names the
  // principal claim `user` instead) are both just invalid.
  const expiredToken = { ...javaOauth, ...oauth(`unsecuredLoginStringClaim_sub="${SASL_USER}" unsecuredLoginLifetimeSeconds="-60"`) };
  await refused('an expired OAUTHBEARER token', readWithJava(at.SASL_PLAINTEXT, topic, { ...java, config: expiredToken }), /SaslAuthenticationException: \{"status":"invalid_token"\}/);
  const noSubToken = { ...kcatOauthPlaintext, 'sasl.oauthbearer.config': `principalClaimName=user principal=${SASL_USER}` };
  await refused('an OAUTHBEARER token without sub', produceWithKcat(at.SASL_PLAINTEXT, topic, once, { config: noSubToken }), /SASL authentication error: \{"status":"invalid_token"\}/);
  await refused('trusting another CA', produceWithKcat(at.SSL, topic, once, { config: { ...ssl, 'ssl.ca.location': tls.otherCaFile } }), /certificate verify failed/);
  await refused('no client certificate on MTLS', produceWithKcat(at.MTLS, topic, once, { config: ssl }), /alert bad certificate|alert certificate required/);
  assert.equal((await readWithKcat(cluster.bootstrap, topic)).length, expected.length, 'nothing refused was written');
});
