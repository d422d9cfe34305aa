/**
 * resolveProducerConfig: Java 4.x defaults, type and range checks, Java's combination rules, and
 * errors that name the key, the value and what is allowed.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ConfigError,
  KeyHashPartitioner,
  RoundRobinPartitioner,
  bytesSerializer,
  defaultSerializer,
  jsonSerializer,
  resolveProducerConfig,
  stringSerializer,
  toSenderConfig,
  type ProducerConfigInput,
} from '@tandem/producer';

const base = { 'bootstrap.servers': 'localhost:9092' } as const;

/** Resolves a config that must fail, checks it fails with a ConfigError on `key`, returns it. */
function rejects(config: unknown, key: string, pattern?: RegExp): ConfigError {
  let caught: unknown;
  try {
    resolveProducerConfig(config as ProducerConfigInput);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${key}, got ${String(caught)}`);
  assert.equal(caught.key, key);
  assert.equal(caught.code, 'ERR_TANDEM_CONFIG');
  assert.ok(caught.message.includes(`'${key}'`), `message names '${key}': ${caught.message}`);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

const resolve = (extra: Record<string, unknown>) => resolveProducerConfig({ ...base, ...extra } as ProducerConfigInput);

describe('defaults', () => {
  test("are the Java 4.x producer's", () => {
    const c = resolveProducerConfig(base);
    const expected: Record<string, unknown> = {
      acks: -1,
      'linger.ms': 5,
      'batch.size': 16384,
      'buffer.memory': 33554432,
      'compression.type': 'none',
      'compression.gzip.level': -1,
      'compression.lz4.level': 9,
      'compression.zstd.level': 3,
      'max.block.ms': 60000,
      'max.request.size': 1048576,
      'request.timeout.ms': 30000,
      'delivery.timeout.ms': 120000,
      retries: 2147483647,
      'retry.backoff.ms': 100,
      'retry.backoff.max.ms': 1000,
      'max.in.flight.requests.per.connection': 5,
      'enable.idempotence': true,
      'transactional.id': null,
      'transaction.timeout.ms': 60000,
      'metadata.max.age.ms': 300000,
      'metadata.max.idle.ms': 300000,
      'partitioner.class': null,
      'partitioner.adaptive.partitioning.enable': true,
      'partitioner.availability.timeout.ms': 0,
      'partitioner.ignore.keys': false,
      'send.buffer.bytes': 131072,
      'receive.buffer.bytes': 32768,
      'connections.max.idle.ms': 540000,
      'reconnect.backoff.ms': 50,
      'reconnect.backoff.max.ms': 1000,
      'socket.connection.setup.timeout.ms': 10000,
      'socket.connection.setup.timeout.max.ms': 30000,
      'security.protocol': 'PLAINTEXT',
    };
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual((c as unknown as Record<string, unknown>)[key], value, key);
    }
    assert.equal(c['key.serializer'], defaultSerializer);
    assert.equal(c['value.serializer'], defaultSerializer);
    assert.deepEqual(c.interceptors, []);
    assert.deepEqual([...c.explicitKeys], ['bootstrap.servers']);
  });

  test('client.id is producer-N, N growing per producer in the process', () => {
    const a = Number(/^producer-(\d+)$/.exec(resolveProducerConfig(base)['client.id'])?.[1]);
    const b = Number(/^producer-(\d+)$/.exec(resolveProducerConfig(base)['client.id'])?.[1]);
    assert.ok(a >= 1);
    assert.equal(b, a + 1);
  });

  test('client.id is producer-<transactional.id> for a transactional producer, unless set', () => {
    assert.equal(resolve({ 'transactional.id': 'orders-tx' })['client.id'], 'producer-orders-tx');
    assert.equal(resolve({ 'transactional.id': 'orders-tx', 'client.id': 'mine' })['client.id'], 'mine');
    assert.equal(resolve({ 'client.id': '' })['client.id'], '');
  });

  test('the result is frozen', () => {
    const c = resolveProducerConfig(base);
    assert.ok(Object.isFrozen(c));
    assert.throws(() => {
      (c as unknown as Record<string, unknown>)['linger.ms'] = 0;
    }, TypeError);
  });
});

describe('bootstrap.servers', () => {
  test('is required', () => {
    rejects({}, 'bootstrap.servers', /required/);
    rejects({ 'linger.ms': 5 }, 'bootstrap.servers');
  });

  test('takes a comma-separated string or a list, trimmed; IPv6 in brackets', () => {
    assert.deepEqual(resolveProducerConfig({ 'bootstrap.servers': ' a:9092 ,b.example.com:19092' })['bootstrap.servers'], [
      { host: 'a', port: 9092 },
      { host: 'b.example.com', port: 19092 },
    ]);
    assert.deepEqual(resolveProducerConfig({ 'bootstrap.servers': ['[::1]:9092', '10.0.0.1:9093'] })['bootstrap.servers'], [
      { host: '::1', port: 9092 },
      { host: '10.0.0.1', port: 9093 },
    ]);
  });

  test('refuses empty lists, empty entries, missing or bad ports', () => {
    for (const bad of ['', [], 'a:9092,,b:9092', 'localhost', 'localhost:', 'localhost:70000', 'localhost:0', 'local host:1', 42, [42]]) {
      rejects({ 'bootstrap.servers': bad }, 'bootstrap.servers');
    }
  });
});

describe('unknown and unsupported keys', () => {
  test('an unknown key is refused, with the nearest known key suggested', () => {
    rejects({ ...base, lingerMs: 5 }, 'lingerMs', /Did you mean 'linger\.ms'\?/);
    rejects({ ...base, 'linger.msec': 5 }, 'linger.msec', /Did you mean 'linger\.ms'\?/);
    rejects({ ...base, batchSize: 5 }, 'batchSize', /Did you mean 'batch\.size'\?/);
    rejects({ ...base, brokers: ['a:1'] }, 'brokers', /Did you mean 'bootstrap\.servers'\?/);
    rejects({ ...base, idempotent: true }, 'idempotent', /Did you mean 'enable\.idempotence'\?/);
    const err = rejects({ ...base, zzzzzzzzzz: 1 }, 'zzzzzzzzzz');
    assert.doesNotMatch(err.message, /Did you mean/);
  });

  test('Java keys Tandem does not implement are refused with the reason', () => {
    rejects({ ...base, 'interceptor.classes': 'x.Y' }, 'interceptor.classes', /'interceptors'/);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256' }, 'ssl.cipher.suites', /OpenSSL/);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.keymanager.algorithm': 'SunX509' }, 'ssl.keymanager.algorithm', /JSSE/);
    rejects({ ...base, 'sasl.kerberos.service.name': 'kafka' }, 'sasl.kerberos.service.name', /Kerberos/);
    rejects({ ...base, 'metric.reporters': '' }, 'metric.reporters');
  });

  test("security.protocol takes Kafka's four protocols, in any case", () => {
    assert.equal(resolve({ 'security.protocol': 'plaintext' })['security.protocol'], 'PLAINTEXT');
    assert.equal(resolve({ 'security.protocol': 'ssl' })['security.protocol'], 'SSL');
    rejects({ ...base, 'security.protocol': 'HTTPS' }, 'security.protocol');
  });

  test('a key set to undefined counts as not set', () => {
    const c = resolve({ 'linger.ms': undefined, bogus: undefined });
    assert.equal(c['linger.ms'], 5);
    assert.ok(!c.explicitKeys.has('linger.ms'));
  });
});

describe('types and ranges', () => {
  test('numbers may be given as strings of digits, as in a properties file', () => {
    const c = resolve({ 'linger.ms': ' 20 ', 'batch.size': '65536', retries: '3', 'compression.zstd.level': '-5' });
    assert.equal(c['linger.ms'], 20);
    assert.equal(c['batch.size'], 65536);
    assert.equal(c.retries, 3);
    assert.equal(c['compression.zstd.level'], -5);
  });

  test('anything else that is not an integer is refused', () => {
    for (const bad of ['abc', '1.5', '1e3', '0x10', '', '20ms', 1.5, Number.NaN, Infinity, true, null, {}, [5]]) {
      const err = rejects({ ...base, 'linger.ms': bad }, 'linger.ms', /an integer of at least 0/);
      assert.deepEqual(err.value, bad);
    }
  });

  test('out-of-range values are refused with the range', () => {
    rejects({ ...base, 'linger.ms': -1 }, 'linger.ms');
    rejects({ ...base, 'batch.size': -1 }, 'batch.size');
    rejects({ ...base, 'batch.size': 2147483648 }, 'batch.size', /from 0 to 2147483647/);
    rejects({ ...base, retries: -1 }, 'retries');
    rejects({ ...base, 'max.in.flight.requests.per.connection': 0 }, 'max.in.flight.requests.per.connection');
    rejects({ ...base, 'metadata.max.idle.ms': 4999 }, 'metadata.max.idle.ms', /at least 5000/);
    rejects({ ...base, 'compression.gzip.level': 0 }, 'compression.gzip.level', /from 1 to 9 or -1/);
    rejects({ ...base, 'compression.lz4.level': 18 }, 'compression.lz4.level', /from 1 to 17/);
    rejects({ ...base, 'compression.zstd.level': 23 }, 'compression.zstd.level');
    rejects({ ...base, 'compression.zstd.level': -131073 }, 'compression.zstd.level');
    rejects({ ...base, 'send.buffer.bytes': -2 }, 'send.buffer.bytes');
    rejects({ ...base, 'transaction.timeout.ms': 0 }, 'transaction.timeout.ms');
  });

  test('settings Node.js or lz4-napi cannot honour are refused, not ignored', () => {
    rejects({ ...base, 'compression.lz4.level': 12 }, 'compression.lz4.level', /fast compressor/);
    rejects({ ...base, 'send.buffer.bytes': 131072 }, 'send.buffer.bytes', /operating system/);
    rejects({ ...base, 'receive.buffer.bytes': 65536 }, 'receive.buffer.bytes', /operating system/);
    const c = resolve({ 'compression.lz4.level': 9, 'send.buffer.bytes': -1 });
    assert.equal(c['compression.lz4.level'], 9);
    assert.equal(c['send.buffer.bytes'], -1);
  });

  test('boundary values are accepted', () => {
    const c = resolve({
      'batch.size': 0,
      'compression.gzip.level': 9,
      'compression.zstd.level': -131072,
      'metadata.max.idle.ms': 5000,
      'send.buffer.bytes': -1,
      'receive.buffer.bytes': -1,
    });
    assert.equal(c['batch.size'], 0);
    assert.equal(c['compression.zstd.level'], -131072);
  });

  test('booleans accept true/false and their strings in any case', () => {
    assert.equal(resolve({ 'partitioner.ignore.keys': 'TRUE' })['partitioner.ignore.keys'], true);
    assert.equal(resolve({ 'partitioner.ignore.keys': ' false ' })['partitioner.ignore.keys'], false);
    rejects({ ...base, 'partitioner.ignore.keys': 'yes' }, 'partitioner.ignore.keys', /true or false/);
    rejects({ ...base, 'partitioner.ignore.keys': 1 }, 'partitioner.ignore.keys');
  });

  test('compression.type is one of Java five, exactly', () => {
    for (const type of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      assert.equal(resolve({ 'compression.type': type })['compression.type'], type);
    }
    rejects({ ...base, 'compression.type': 'LZ4' }, 'compression.type', /'none', 'gzip', 'snappy', 'lz4', 'zstd'/);
    rejects({ ...base, 'compression.type': 'brotli' }, 'compression.type');
  });
});

describe('acks', () => {
  test("accepts 'all', -1, 0, 1 and the strings '-1', '0', '1' (trimmed)", () => {
    assert.equal(resolve({ acks: 'all' }).acks, -1);
    assert.equal(resolve({ acks: ' all ' }).acks, -1);
    assert.equal(resolve({ acks: -1 }).acks, -1);
    assert.equal(resolve({ acks: '-1' }).acks, -1);
    assert.equal(resolve({ acks: 0 }).acks, 0);
    assert.equal(resolve({ acks: '0' }).acks, 0);
    assert.equal(resolve({ acks: 1 }).acks, 1);
    assert.equal(resolve({ acks: ' 1' }).acks, 1);
  });

  test("refuses anything else, including 'ALL' and 2 (as Java)", () => {
    for (const bad of ['ALL', 2, '2', 'one', -2, true, null]) rejects({ ...base, acks: bad }, 'acks');
  });
});

describe('idempotence rules (Java ProducerConfig.postProcessAndValidateIdempotenceConfigs, 4.x)', () => {
  test('acks other than all silently turns default idempotence off', () => {
    assert.equal(resolve({ acks: 1 })['enable.idempotence'], false);
    assert.equal(resolve({ acks: 0 })['enable.idempotence'], false);
  });

  test('acks other than all with enable.idempotence=true is a ConfigError on acks', () => {
    rejects({ ...base, acks: 1, 'enable.idempotence': true }, 'acks', /'enable\.idempotence' is true/);
    rejects({ ...base, acks: '0', 'enable.idempotence': 'true' }, 'acks');
  });

  test('retries=0 silently turns default idempotence off', () => {
    assert.equal(resolve({ retries: 0 })['enable.idempotence'], false);
  });

  test('retries=0 with enable.idempotence=true is a ConfigError on retries', () => {
    rejects({ ...base, retries: 0, 'enable.idempotence': true }, 'retries', /at least 1/);
  });

  test('retries is checked before acks, as in Java', () => {
    rejects({ ...base, retries: 0, acks: 1, 'enable.idempotence': true }, 'retries');
  });

  test('max.in.flight > 5 is a ConfigError even when idempotence is only on by default (4.0)', () => {
    rejects({ ...base, 'max.in.flight.requests.per.connection': 6 }, 'max.in.flight.requests.per.connection', /at most 5/);
    // Even though acks=1 would have turned default idempotence off (KAFKA-17927).
    rejects({ ...base, 'max.in.flight.requests.per.connection': 10, acks: 1 }, 'max.in.flight.requests.per.connection');
    rejects({ ...base, 'max.in.flight.requests.per.connection': 6, retries: 0 }, 'max.in.flight.requests.per.connection');
  });

  test('max.in.flight > 5 is fine with idempotence off', () => {
    const c = resolve({ 'max.in.flight.requests.per.connection': 10, 'enable.idempotence': false });
    assert.equal(c['max.in.flight.requests.per.connection'], 10);
    assert.equal(c['enable.idempotence'], false);
  });

  test('5 in flight with idempotence is fine', () => {
    assert.equal(resolve({ 'max.in.flight.requests.per.connection': 5, 'enable.idempotence': true })['enable.idempotence'], true);
  });

  test('transactional.id needs idempotence', () => {
    rejects({ ...base, 'transactional.id': 'tx', 'enable.idempotence': false }, 'transactional.id', /idempotent/);
    rejects({ ...base, 'transactional.id': 'tx', acks: 1 }, 'transactional.id', /'acks' is 1/);
    rejects({ ...base, 'transactional.id': 'tx', retries: '0' }, 'transactional.id', /'retries' is 0/);
    const c = resolve({ 'transactional.id': 'tx' });
    assert.equal(c['transactional.id'], 'tx');
    assert.equal(c['enable.idempotence'], true);
  });

  test('transactional.id must be a non-empty string (null means none)', () => {
    rejects({ ...base, 'transactional.id': '' }, 'transactional.id', /non-empty/);
    rejects({ ...base, 'transactional.id': 7 }, 'transactional.id');
    assert.equal(resolve({ 'transactional.id': null })['transactional.id'], null);
  });
});

describe('delivery.timeout.ms (Java KafkaProducer.configureDeliveryTimeout)', () => {
  test('set below linger.ms + request.timeout.ms is a ConfigError naming both', () => {
    rejects({ ...base, 'delivery.timeout.ms': 30004 }, 'delivery.timeout.ms', /'linger\.ms' \+ 'request\.timeout\.ms' \(5 \+ 30000 = 30005\)/);
  });

  test('exactly the sum is accepted', () => {
    assert.equal(resolve({ 'delivery.timeout.ms': 30005 })['delivery.timeout.ms'], 30005);
  });

  test('left at its default, it is raised to the sum', () => {
    assert.equal(resolve({ 'request.timeout.ms': 200000 })['delivery.timeout.ms'], 200005);
    assert.equal(resolve({ 'linger.ms': 100000, 'request.timeout.ms': 30000 })['delivery.timeout.ms'], 130000);
  });

  test('the sum is capped at the largest int, with a huge linger.ms', () => {
    assert.equal(resolve({ 'linger.ms': 9999999999999 })['delivery.timeout.ms'], 2147483647);
  });
});

describe("Tandem's own rules", () => {
  test('buffer.memory must hold at least one batch.size slab', () => {
    rejects({ ...base, 'buffer.memory': 1000, 'batch.size': 16384 }, 'buffer.memory', /at least 'batch\.size' \(16384\)/);
    assert.equal(resolve({ 'buffer.memory': 16384 })['buffer.memory'], 16384);
  });

  test('reconnect.backoff.ms set without a max fixes the backoff (Java postProcessReconnectBackoffConfigs)', () => {
    const fixed = resolve({ 'reconnect.backoff.ms': 500 });
    assert.equal(fixed['reconnect.backoff.max.ms'], 500);
    const both = resolve({ 'reconnect.backoff.ms': 500, 'reconnect.backoff.max.ms': 8000 });
    assert.equal(both['reconnect.backoff.max.ms'], 8000);
  });
});

describe('partitioner.class', () => {
  test('null or default is the built-in behaviour', () => {
    assert.equal(resolve({ 'partitioner.class': 'default' })['partitioner.class'], null);
    assert.equal(resolve({ 'partitioner.class': null })['partitioner.class'], null);
  });

  test("'round-robin' and Java's class name give a RoundRobinPartitioner per producer", () => {
    const a = resolve({ 'partitioner.class': 'round-robin' })['partitioner.class'];
    const b = resolve({ 'partitioner.class': 'org.apache.kafka.clients.producer.RoundRobinPartitioner' })['partitioner.class'];
    assert.ok(a instanceof RoundRobinPartitioner);
    assert.ok(b instanceof RoundRobinPartitioner);
    assert.notEqual(a, b);
  });

  test('librdkafka names give a key-hash partitioner', () => {
    const p = resolve({ 'partitioner.class': 'consistent_random' })['partitioner.class'];
    assert.ok(p instanceof KeyHashPartitioner);
    assert.equal(p.name, 'consistent_random');
  });

  test('a Partitioner object is kept; a function becomes one', () => {
    const object = { partition: () => 0 };
    assert.equal(resolve({ 'partitioner.class': object })['partitioner.class'], object);
    const fn = () => 1;
    assert.equal(resolve({ 'partitioner.class': fn })['partitioner.class']?.partition, fn);
  });

  test("Java's removed partitioners and anything else are refused", () => {
    rejects({ ...base, 'partitioner.class': 'org.apache.kafka.clients.producer.internals.DefaultPartitioner' }, 'partitioner.class', /removed in Kafka 4\.0/);
    rejects({ ...base, 'partitioner.class': 'sticky' }, 'partitioner.class');
    rejects({ ...base, 'partitioner.class': {} }, 'partitioner.class');
    rejects({ ...base, 'partitioner.class': { partition: () => 0, close: 'no' } }, 'partitioner.class');
  });
});

describe('serializers and interceptors', () => {
  test('serializers by name, by Java class name, as objects or functions', () => {
    assert.equal(resolve({ 'key.serializer': 'string' })['key.serializer'], stringSerializer);
    assert.equal(resolve({ 'value.serializer': 'json' })['value.serializer'], jsonSerializer);
    assert.equal(resolve({ 'value.serializer': 'bytes' })['value.serializer'], bytesSerializer);
    assert.equal(resolve({ 'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer' })['key.serializer'], stringSerializer);
    assert.equal(resolve({ 'value.serializer': 'org.apache.kafka.common.serialization.ByteArraySerializer' })['value.serializer'], bytesSerializer);
    const custom = { serialize: () => null };
    assert.equal(resolve({ 'value.serializer': custom })['value.serializer'], custom);
    const fn = () => new Uint8Array(1);
    assert.equal(resolve({ 'value.serializer': fn })['value.serializer'].serialize, fn);
  });

  test('unknown serializers are refused', () => {
    rejects({ ...base, 'value.serializer': 'avro' }, 'value.serializer', /'string', 'bytes', 'json', 'auto'/);
    rejects({ ...base, 'key.serializer': 'org.apache.kafka.common.serialization.LongSerializer' }, 'key.serializer');
    rejects({ ...base, 'key.serializer': {} }, 'key.serializer');
  });

  test('interceptors are objects with at least one of onSend, onAcknowledgement, close', () => {
    const interceptor = { onSend: (r: never) => r };
    assert.deepEqual(resolve({ interceptors: [interceptor] }).interceptors, [interceptor]);
    rejects({ ...base, interceptors: {} }, 'interceptors');
    rejects({ ...base, interceptors: [{}] }, 'interceptors', /Entry 0/);
    rejects({ ...base, interceptors: [interceptor, { onSend: 'x' }] }, 'interceptors', /Entry 1/);
  });
});

describe('a Java producer.properties, every value a string', () => {
  test('resolves to the same settings as Java would use', () => {
    const c = resolveProducerConfig({
      'bootstrap.servers': 'kafka-1:9092,kafka-2:9092',
      acks: 'all',
      'linger.ms': '20',
      'batch.size': '65536',
      'compression.type': 'zstd',
      'enable.idempotence': 'true',
      'max.in.flight.requests.per.connection': '5',
      'delivery.timeout.ms': '180000',
      'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
      'value.serializer': 'org.apache.kafka.common.serialization.ByteArraySerializer',
      'partitioner.class': 'org.apache.kafka.clients.producer.RoundRobinPartitioner',
    } as ProducerConfigInput);
    assert.equal(c['linger.ms'], 20);
    assert.equal(c['batch.size'], 65536);
    assert.equal(c['enable.idempotence'], true);
    assert.equal(c['delivery.timeout.ms'], 180000);
    assert.equal(c['key.serializer'], stringSerializer);
    assert.ok(c['partitioner.class'] instanceof RoundRobinPartitioner);
  });

  test('and the rules apply to string values too', () => {
    rejects({ ...base, 'max.in.flight.requests.per.connection': '6' }, 'max.in.flight.requests.per.connection');
    rejects({ ...base, acks: '1', 'enable.idempotence': 'true' }, 'acks');
  });
});

describe('every ConfigError names the key, the value and what is allowed', () => {
  test('for a sample of bad configs', () => {
    const cases: [Record<string, unknown>, string, unknown][] = [
      [{ 'linger.ms': 'soon' }, 'linger.ms', 'soon'],
      [{ acks: 'ALL' }, 'acks', 'ALL'],
      [{ 'compression.type': 'LZ4' }, 'compression.type', 'LZ4'],
      [{ 'enable.idempotence': 'maybe' }, 'enable.idempotence', 'maybe'],
      [{ 'max.in.flight.requests.per.connection': 6 }, 'max.in.flight.requests.per.connection', 6],
    ];
    for (const [extra, key, value] of cases) {
      const err = rejects({ ...base, ...extra }, key);
      assert.deepEqual(err.value, value);
      assert.ok(err.allowed.length > 0);
      assert.ok(err.message.includes(err.allowed), `message includes what is allowed: ${err.message}`);
      assert.ok(err.message.includes(JSON.stringify(value)) || err.message.includes(String(value)), err.message);
    }
  });
});

describe('toSenderConfig', () => {
  test('carries the Sender settings as plain data', () => {
    const s = toSenderConfig(resolve({ 'bootstrap.servers': '[::1]:9092,h:1', 'compression.type': 'zstd', acks: 1, 'client.id': 'c' }));
    assert.deepEqual(s.bootstrapServers, ['[::1]:9092', 'h:1']);
    assert.equal(s.compressionId, 4);
    assert.equal(s.compressionLevel, undefined, 'default zstd level');
    assert.equal(s.acks, 1);
    assert.equal(s.enableIdempotence, false);
    assert.equal(s.clientId, 'c');
    assert.deepEqual(structuredClone(s), s, 'cloneable for the worker');
  });

  test('passes a non-default compression level', () => {
    assert.equal(toSenderConfig(resolve({ 'compression.type': 'gzip', 'compression.gzip.level': 6 })).compressionLevel, 6);
    assert.equal(toSenderConfig(resolve({ 'compression.type': 'lz4' })).compressionId, 3);
  });
});

describe('security: TLS and SASL settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, CERT);
  const keystoreFile = join(dir, 'client.pem');
  writeFileSync(keystoreFile, KEY + CERT);
  const plain = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr\\"et";';
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=bob password="pw";';

  test('PLAINTEXT has neither TLS nor SASL, and refuses ssl.* and sasl.* settings it would ignore', () => {
    assert.deepEqual(resolve({}).security, { protocol: 'PLAINTEXT', tls: null, sasl: null });
    rejects({ ...base, 'ssl.truststore.location': caFile }, 'ssl.truststore.location', /security\.protocol.*SSL/);
    rejects({ ...base, 'sasl.mechanism': 'PLAIN' }, 'sasl.mechanism', /SASL_SSL/);
    rejects({ ...base, 'security.protocol': 'SSL', 'sasl.jaas.config': plain }, 'sasl.jaas.config', /SASL/);
    rejects({ ...base, 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': plain, 'ssl.protocol': 'TLSv1.3' }, 'ssl.protocol', /TLS/);
  });

  test('SASL credentials come from sasl.jaas.config, quoted values unescaped, the login module matching the mechanism', () => {
    const c = resolve({ 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': plain });
    assert.deepEqual(c.security.sasl, { mechanism: 'PLAIN', username: 'alice', password: 's3cr"et' });
    assert.equal(c.security.protocol, 'SASL_SSL');
    const s = resolve({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': scram });
    assert.deepEqual(s.security, { protocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'pw' } });
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': plain }, 'sasl.jaas.config', /ScramLoginModule/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'PlainLoginModule username="a";' }, 'sasl.jaas.config', /control flag/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': plain.replace(';', '') }, 'sasl.jaas.config', /';'/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a";' }, 'sasl.jaas.config', /password/);
  });

  test('an error about a secret (the JAAS string, a password, a private key) never shows its value', () => {
    const secret = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="hunter2"';
    const err = rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': secret }, 'sasl.jaas.config', /';'/);
    assert.doesNotMatch(err.message, /hunter2/);
    assert.equal(err.value, '[hidden]');
    const pw = rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'u', 'sasl.password': 42 }, 'sasl.password');
    assert.doesNotMatch(pw.message, /42/);
    const key = rejects({ ...base, 'security.protocol': 'SSL', 'ssl.keystore.certificate.chain': 'x', 'ssl.keystore.key': 987654321 }, 'ssl.keystore.key', /a string/);
    assert.doesNotMatch(key.message, /987654321/);
  });

  test("sasl.username and sasl.password (librdkafka's keys) are an alternative to the JAAS string, not an addition", () => {
    const c = resolve({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.username': 'u', 'sasl.password': 'p' });
    assert.deepEqual(c.security.sasl, { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' });
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': plain, 'sasl.username': 'u' }, 'sasl.username', /once/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN' }, 'sasl.jaas.config', /sasl\.username/);
  });

  test('sasl.mechanism is required with SASL (GSSAPI, Java\'s default, is not implemented) and must be PLAIN, SCRAM or OAUTHBEARER', () => {
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': plain }, 'sasl.mechanism', /GSSAPI/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'GSSAPI', 'sasl.jaas.config': plain }, 'sasl.mechanism', /Kerberos/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.jaas.config': plain }, 'sasl.jaas.config', /OAuthBearerLoginModule/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'scram-sha-256', 'sasl.jaas.config': scram }, 'sasl.mechanism', /SCRAM-SHA-256/);
  });

  test("TLS trusts Node's CA list by default, checks host names, and offers TLS 1.2 and 1.3", () => {
    assert.deepEqual(resolve({ 'security.protocol': 'SSL' }).security.tls, {
      ca: undefined, cert: undefined, key: undefined, pfx: undefined, passphrase: undefined,
      verifyHostname: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3',
    });
  });

  test('a PEM trust store is read at construction; JKS, a password, a missing file or a file without certificates are refused', () => {
    const c = resolve({ 'security.protocol': 'SSL', 'ssl.truststore.location': caFile, 'ssl.truststore.type': 'PEM' });
    assert.equal(c.security.tls!.ca, CERT);
    assert.equal(resolve({ 'security.protocol': 'SSL', 'ssl.truststore.certificates': CERT }).security.tls!.ca, CERT);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': caFile }, 'ssl.truststore.type', /JKS/);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.truststore.location': caFile, 'ssl.truststore.password': 'x' }, 'ssl.truststore.password');
    const missing = join(dir, 'nope.pem');
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.truststore.location': missing }, 'ssl.truststore.location', /nope\.pem/);
    writeFileSync(join(dir, 'empty.pem'), 'nothing here');
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.truststore.location': join(dir, 'empty.pem') }, 'ssl.truststore.location', /holds none/);
  });

  test('the client identity: a PEM keystore file (key and chain), PEM text, or PKCS#12; JKS and half an identity are refused', () => {
    const pemFile = resolve({ 'security.protocol': 'SSL', 'ssl.keystore.location': keystoreFile, 'ssl.key.password': 'kp' }).security.tls!;
    assert.equal(pemFile.cert, KEY + CERT);
    assert.equal(pemFile.key, KEY + CERT);
    assert.equal(pemFile.passphrase, 'kp');
    const inline = resolve({ 'security.protocol': 'SSL', 'ssl.keystore.certificate.chain': CERT, 'ssl.keystore.key': KEY }).security.tls!;
    assert.equal(inline.cert, CERT);
    assert.equal(inline.key, KEY);
    const p12 = resolve({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': keystoreFile, 'ssl.keystore.password': 'sp' }).security.tls!;
    assert.deepEqual(Buffer.from(p12.pfx!), Buffer.from(KEY + CERT));
    assert.equal(p12.passphrase, 'sp');
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': keystoreFile }, 'ssl.keystore.type', /JKS/);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.keystore.key': KEY }, 'ssl.keystore.certificate.chain', /together/);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.keystore.location': caFile }, 'ssl.keystore.location', /no private key/);
  });

  test('ssl.endpoint.identification.algorithm "" turns the host name check off; TLS versions follow ssl.protocol and ssl.enabled.protocols', () => {
    assert.equal(resolve({ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': '' }).security.tls!.verifyHostname, false);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': 'http' }, 'ssl.endpoint.identification.algorithm');
    const only12 = resolve({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1.2' }).security.tls!;
    assert.deepEqual([only12.minVersion, only12.maxVersion], ['TLSv1.2', 'TLSv1.2']);
    const only13 = resolve({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': ['TLSv1.3'] }).security.tls!;
    assert.deepEqual([only13.minVersion, only13.maxVersion], ['TLSv1.3', 'TLSv1.3']);
    assert.equal(resolve({ 'security.protocol': 'SSL', 'ssl.protocol': 'TLSv1.2' }).security.tls!.maxVersion, 'TLSv1.2');
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1.1,TLSv1.2' }, 'ssl.enabled.protocols', /TLSv1\.1/);
    rejects({ ...base, 'security.protocol': 'SSL', 'ssl.protocol': 'SSLv3' }, 'ssl.protocol');
  });

  test('OAUTHBEARER takes one token source: a function, a token endpoint with client credentials, or unsecured claims', () => {
    const provider = async () => 'token';
    const viaFunction = resolve({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.provider': provider });
    assert.deepEqual(viaFunction.security.sasl, { mechanism: 'OAUTHBEARER' });
    assert.deepEqual(viaFunction.oauthBearer, { kind: 'provider', provide: provider });
    const oauthModule = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
    const viaEndpoint = resolve({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.jaas.config': `${oauthModule} required clientId="app" clientSecret="s" scope="kafka" extension_logicalCluster="lkc-1";`,
    });
    assert.deepEqual(viaEndpoint.oauthBearer, {
      kind: 'clientCredentials', url: 'https://idp.example/token', clientId: 'app', clientSecret: 's', scope: 'kafka', extensions: { logicalCluster: 'lkc-1' },
    });
    const unsecured = resolve({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config': `${oauthModule} required unsecuredLoginStringClaim_sub="alice" unsecuredLoginNumberClaim_n="2" unsecuredLoginLifetimeSeconds="60";`,
    });
    assert.deepEqual(unsecured.oauthBearer, { kind: 'unsecured', claims: { sub: 'alice', n: 2 }, lifetimeSeconds: 60, extensions: {} });
    assert.equal(resolve({}).oauthBearer, null);
    assert.deepEqual(structuredClone(toSenderConfig(viaFunction).security), viaFunction.security, 'the function stays on this thread');
  });

  test('OAUTHBEARER refuses a missing or doubled token source, passwords, and Java classes it cannot run', () => {
    const oauth = { ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER' };
    const oauthModule = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
    rejects(oauth, 'sasl.jaas.config', /token source/);
    rejects({ ...oauth, 'sasl.oauthbearer.token.provider': 'not a function' }, 'sasl.oauthbearer.token.provider', /function/);
    rejects({ ...oauth, 'sasl.oauthbearer.token.provider': () => 't', 'sasl.jaas.config': `${oauthModule} required;` }, 'sasl.jaas.config', /one source/);
    rejects({ ...oauth, 'sasl.oauthbearer.token.provider': () => 't', 'sasl.password': 'p' }, 'sasl.password', /token/);
    rejects({ ...oauth, 'sasl.jaas.config': `${oauthModule} required;` }, 'sasl.jaas.config', /unsecuredLoginStringClaim_sub/);
    rejects({ ...oauth, 'sasl.oauthbearer.token.endpoint.url': 'https://idp/token', 'sasl.jaas.config': `${oauthModule} required clientId="a";` }, 'sasl.jaas.config', /clientSecret/);
    rejects({ ...oauth, 'sasl.oauthbearer.token.endpoint.url': 'ftp://idp', 'sasl.jaas.config': `${oauthModule} required clientId="a" clientSecret="b";` }, 'sasl.oauthbearer.token.endpoint.url', /http/);
    rejects({ ...oauth, 'sasl.login.callback.handler.class': 'com.example.Handler', 'sasl.jaas.config': `${oauthModule} required unsecuredLoginStringClaim_sub="a";` }, 'sasl.login.callback.handler.class', /callback handler/);
    rejects({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'u', 'sasl.password': 'p', 'sasl.oauthbearer.token.provider': () => 't' }, 'sasl.oauthbearer.token.provider', /OAUTHBEARER/);
    rejects({ ...oauth, 'sasl.oauthbearer.jwks.endpoint.url': 'https://idp/jwks' }, 'sasl.oauthbearer.jwks.endpoint.url', /validation/);
  });

  test('toSenderConfig carries the security settings to the worker', () => {
    const c = resolve({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': plain, 'ssl.truststore.location': caFile });
    assert.deepEqual(toSenderConfig(c).security, c.security);
    assert.deepEqual(structuredClone(toSenderConfig(c).security), c.security, 'plain data: it crosses to the worker by structured clone');
  });
});
