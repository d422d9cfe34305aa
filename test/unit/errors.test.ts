/**
 * Errors: stable codes and classes a user can match on, Kafka's names and numbers, retriable and
 * fatal as in the Java client, and messages that name the topic-partition and the setting.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AuthorizationError,
  ConfigError,
  InvalidTopicError,
  KafkaError,
  OutOfOrderSequenceError,
  ProducerClosedError,
  ProducerFencedError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
  kafkaErrorFromCode,
} from '@tandem/producer';
import { findKafkaError } from '@tandem/protocol';

describe('error classes', () => {
  test('all extend KafkaError and Error, with a name and a stable code', () => {
    const cases: [KafkaError, string, string][] = [
      [new ConfigError('linger.ms', -1, 'an integer of at least 0'), 'ConfigError', 'ERR_TANDEM_CONFIG'],
      [new TimeoutError('late', { setting: 'max.block.ms', timeoutMs: 60000 }), 'TimeoutError', 'ERR_TANDEM_TIMEOUT'],
      [RecordTooLargeError.forRecord('t', 2000000, 'max.request.size', 1048576), 'RecordTooLargeError', 'ERR_TANDEM_RECORD_TOO_LARGE'],
      [new SerializationError('t', 'key', 'bad'), 'SerializationError', 'ERR_TANDEM_SERIALIZATION'],
      [new AuthorizationError('no', { resource: 'topic', resourceName: 't' }), 'AuthorizationError', 'ERR_TANDEM_AUTHORIZATION'],
      [new InvalidTopicError('bad topic'), 'InvalidTopicError', 'ERR_TANDEM_INVALID_TOPIC'],
      [new ProducerFencedError('fenced'), 'ProducerFencedError', 'ERR_TANDEM_PRODUCER_FENCED'],
      [new OutOfOrderSequenceError('gap'), 'OutOfOrderSequenceError', 'ERR_TANDEM_OUT_OF_ORDER_SEQUENCE'],
      [new ProducerClosedError(), 'ProducerClosedError', 'ERR_TANDEM_PRODUCER_CLOSED'],
    ];
    for (const [err, name, code] of cases) {
      assert.ok(err instanceof KafkaError, name);
      assert.ok(err instanceof Error, name);
      assert.equal(err.name, name);
      assert.equal(err.code, code);
      assert.ok(String(err).startsWith(`${name}: `), String(err));
      assert.ok(err.stack?.includes(name));
    }
  });

  test('ConfigError carries the key, the value and what is allowed, and says them', () => {
    const err = new ConfigError('linger.ms', 'soon', 'an integer of at least 0');
    assert.equal(err.key, 'linger.ms');
    assert.equal(err.value, 'soon');
    assert.equal(err.allowed, 'an integer of at least 0');
    assert.equal(err.message, `Invalid value "soon" for configuration 'linger.ms': expected an integer of at least 0.`);
  });

  test('RecordTooLargeError.forRecord names the topic, the size and the limit broken', () => {
    const err = RecordTooLargeError.forRecord('orders', 2000000, 'buffer.memory', 1048576);
    assert.equal(err.setting, 'buffer.memory');
    assert.equal(err.limit, 1048576);
    assert.equal(err.size, 2000000);
    assert.equal(err.topic, 'orders');
    assert.match(err.message, /'orders' is 2000000 bytes.*buffer\.memory = 1048576/);
    assert.equal(err.retriable, false);
  });

  test('ProducerFencedError and ProducerClosedError are always fatal and not retriable', () => {
    for (const err of [new ProducerFencedError('x', { retriable: true, fatal: false }), new ProducerClosedError()]) {
      assert.equal(err.fatal, true);
      assert.equal(err.retriable, false);
    }
  });

  test('a TimeoutError is retriable by default and says which setting ran out', () => {
    const err = new TimeoutError("Topic 'x' not present in metadata after 60000 ms", { setting: 'max.block.ms', timeoutMs: 60000 });
    assert.equal(err.retriable, true);
    assert.equal(err.setting, 'max.block.ms');
  });

  test('keeps the cause', () => {
    const cause = new Error('root');
    assert.equal(new KafkaError('ERR_TANDEM_KAFKA', 'x', { cause }).cause, cause);
    assert.equal(new SerializationError('t', 'value', 'bad', cause).cause, cause);
  });
});

describe('kafkaErrorFromCode', () => {
  test('NONE (0) is no error', () => {
    assert.equal(kafkaErrorFromCode(0), undefined);
  });

  test('carries Kafka name and number, and the topic-partition, in fields and message', () => {
    const err = kafkaErrorFromCode(6, { topic: 'orders', partition: 3 })!;
    assert.equal(err.kafkaErrorName, 'NOT_LEADER_OR_FOLLOWER');
    assert.equal(err.kafkaErrorCode, 6);
    assert.equal(err.topic, 'orders');
    assert.equal(err.partition, 3);
    assert.equal(err.code, 'ERR_TANDEM_KAFKA');
    assert.match(err.message, /NOT_LEADER_OR_FOLLOWER \(6\) for orders-3/);
  });

  test("retriable follows Java's RetriableException for the codes a Produce can return", () => {
    for (const code of [2, 3, 5, 6, 7, 13, 19, 20, 56, 74, 75, 100]) {
      assert.equal(kafkaErrorFromCode(code, { topic: 't', partition: 0 })!.retriable, true, `code ${code}`);
    }
    for (const code of [10, 18, 21, 29, 31, 32, 35, 43, 44, 45, 46, 47, 59, 76, 87, 90, 120]) {
      assert.equal(kafkaErrorFromCode(code, { topic: 't', partition: 0 })!.retriable, false, `code ${code}`);
    }
  });

  test('maps codes to the classes users catch', () => {
    assert.ok(kafkaErrorFromCode(7, { topic: 't', partition: 0 }) instanceof TimeoutError);
    assert.ok(kafkaErrorFromCode(10, { topic: 't', partition: 0 }) instanceof RecordTooLargeError);
    assert.ok(kafkaErrorFromCode(18, { topic: 't', partition: 0 }) instanceof RecordTooLargeError);
    assert.ok(kafkaErrorFromCode(17, { topic: 't' }) instanceof InvalidTopicError);
    assert.ok(kafkaErrorFromCode(29, { topic: 't' }) instanceof AuthorizationError);
    assert.ok(kafkaErrorFromCode(45, { topic: 't', partition: 0 }) instanceof OutOfOrderSequenceError);
    assert.ok(kafkaErrorFromCode(90, { transactionalId: 'tx' }) instanceof ProducerFencedError);
  });

  test('TOPIC_AUTHORIZATION_FAILED names the topic and what to grant; it is not fatal', () => {
    const err = kafkaErrorFromCode(29, { topic: 'orders', partition: 1 }) as AuthorizationError;
    assert.equal(err.resource, 'topic');
    assert.equal(err.resourceName, 'orders');
    assert.equal(err.fatal, false);
    assert.match(err.message, /'orders'.*WRITE/);
  });

  test('cluster and transactional-id authorization failures are fatal, as in Java', () => {
    const cluster = kafkaErrorFromCode(31, { api: 'InitProducerId' }) as AuthorizationError;
    assert.equal(cluster.resource, 'cluster');
    assert.equal(cluster.fatal, true);
    assert.match(cluster.message, /enable\.idempotence/);
    const txn = kafkaErrorFromCode(53, { transactionalId: 'tx-1' }) as AuthorizationError;
    assert.equal(txn.resource, 'transactional-id');
    assert.equal(txn.resourceName, 'tx-1');
    assert.equal(txn.fatal, true);
  });

  test('INVALID_PRODUCER_EPOCH is fatal fencing from a coordinator, not on Produce (KIP-588)', () => {
    const onProduce = kafkaErrorFromCode(47, { topic: 't', partition: 0, api: 'Produce' })!;
    assert.ok(!(onProduce instanceof ProducerFencedError));
    assert.equal(onProduce.fatal, false);
    const onEndTxn = kafkaErrorFromCode(47, { transactionalId: 'tx', api: 'EndTxn' })!;
    assert.ok(onEndTxn instanceof ProducerFencedError);
    assert.equal(onEndTxn.fatal, true);
  });

  test('messages point at the setting to look at', () => {
    assert.match(kafkaErrorFromCode(10, { topic: 't', partition: 0 })!.message, /message\.max\.bytes.*'batch\.size'.*'max\.request\.size'/);
    assert.match(kafkaErrorFromCode(7, { topic: 't', partition: 0 })!.message, /'request\.timeout\.ms'/);
    assert.match(kafkaErrorFromCode(19, { topic: 't', partition: 0 })!.message, /min\.insync\.replicas/);
    assert.match(kafkaErrorFromCode(50, { transactionalId: 'tx' })!.message, /'transaction\.timeout\.ms'/);
    assert.match(kafkaErrorFromCode(76, { topic: 't', partition: 0 })!.message, /'compression\.type'/);
  });

  test("includes the broker's own message when there is one", () => {
    assert.match(kafkaErrorFromCode(87, { topic: 't', partition: 0, brokerMessage: 'Compacted topic cannot accept message without key' })!.message,
      /The broker said: Compacted topic/);
  });

  test('an unknown code still gives a KafkaError with its number', () => {
    const err = kafkaErrorFromCode(9999, { topic: 't', partition: 2 })!;
    assert.equal(err.code, 'ERR_TANDEM_KAFKA');
    assert.equal(err.kafkaErrorCode, 9999);
    assert.equal(err.kafkaErrorName, 'UNKNOWN_ERROR_CODE');
    assert.match(err.message, /9999/);
    assert.equal(err.retriable, false);
  });

  test("knows every code of the protocol's table, and uses another lookup if given one", () => {
    assert.equal(kafkaErrorFromCode(133, {})!.kafkaErrorName, findKafkaError(133)?.name);
    const err = kafkaErrorFromCode(9999, {}, (code) =>
      code === 9999 ? { code, name: 'FUTURE_ERROR', retriable: true, message: 'From the future.' } : findKafkaError(code))!;
    assert.equal(err.kafkaErrorName, 'FUTURE_ERROR');
    assert.equal(err.retriable, true);
    assert.match(err.message, /From the future/);
  });
});
