/**
 * The test harness itself, against real brokers: starting is idempotent, stopping leaves nothing
 * behind, failures are one clear line, and the two independent readers return exactly the bytes
 * another client (kcat) wrote.
 *
 * The start/stop tests use clusters of their own (named `harness-test-*`), never the shared
 * broker the other test files run against.
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
  stopCluster,
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
