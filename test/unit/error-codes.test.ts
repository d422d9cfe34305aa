/**
 * Kafka's error codes as data: complete, unique, and retriable exactly where the Java client's
 * exception extends RetriableException (org.apache.kafka.common.protocol.Errors and
 * org.apache.kafka.common.errors, checked against the source; reference §8 for the Produce
 * codes).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KAFKA_ERRORS,
  KafkaErrorCodes,
  UNKNOWN_ERROR_CODE_NAME,
  findKafkaError,
  isRetriableErrorCode,
  kafkaErrorByCode,
  kafkaErrorByName,
} from '@tandem/protocol';

describe('Kafka error codes', () => {
  test('cover every code from -1 to 133, once, in order', () => {
    assert.deepEqual(
      KAFKA_ERRORS.map((e) => e.code),
      Array.from({ length: 135 }, (_, i) => i - 1),
    );
    assert.equal(new Set(KAFKA_ERRORS.map((e) => e.name)).size, KAFKA_ERRORS.length);
  });

  test('carry Java\'s names', () => {
    const spot: [number, string][] = [
      [-1, 'UNKNOWN_SERVER_ERROR'],
      [0, 'NONE'],
      [2, 'CORRUPT_MESSAGE'],
      [6, 'NOT_LEADER_OR_FOLLOWER'],
      [10, 'MESSAGE_TOO_LARGE'],
      [18, 'RECORD_LIST_TOO_LARGE'],
      [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
      [47, 'INVALID_PRODUCER_EPOCH'],
      [59, 'UNKNOWN_PRODUCER_ID'],
      [76, 'UNSUPPORTED_COMPRESSION_TYPE'],
      [87, 'INVALID_RECORD'],
      [90, 'PRODUCER_FENCED'],
      [100, 'UNKNOWN_TOPIC_ID'],
      [120, 'TRANSACTION_ABORTABLE'],
    ];
    for (const [code, name] of spot) {
      assert.equal(kafkaErrorByCode(code).name, name);
      assert.equal(kafkaErrorByName(name)!.code, code);
      assert.equal((KafkaErrorCodes as Record<string, number>)[name], code);
    }
    assert.equal(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, 6);
  });

  test('are retriable exactly where Java\'s exception is a RetriableException', () => {
    // Every code whose exception class extends RetriableException, directly or through
    // InvalidMetadataException (clients/src/main/java/org/apache/kafka/common/errors/).
    const retriable = [
      2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103, 106,
      122, 123, 133,
    ];
    assert.deepEqual(
      KAFKA_ERRORS.filter((e) => e.retriable).map((e) => e.code),
      retriable,
    );
    // Those through InvalidMetadataException: the Sender refreshes metadata on them.
    assert.deepEqual(
      KAFKA_ERRORS.filter((e) => e.invalidMetadata).map((e) => e.code),
      [3, 5, 6, 9, 13, 56, 72, 74, 80, 83, 84, 100, 103],
    );
  });

  test('agree with the reference on the Produce errors (§8)', () => {
    for (const code of [2, 3, 5, 6, 7, 13, 19, 20, 56, 74, 75, 100]) assert.equal(isRetriableErrorCode(code), true, `${code}`);
    for (const code of [10, 18, 21, 29, 31, 32, 35, 43, 44, 45, 46, 47, 59, 76, 87, 90, 120]) {
      assert.equal(isRetriableErrorCode(code), false, `${code}`);
    }
  });

  test('give an entry that keeps the number for a code they do not know', () => {
    const e = kafkaErrorByCode(999);
    assert.equal(e.code, 999);
    assert.equal(e.name, UNKNOWN_ERROR_CODE_NAME);
    assert.equal(e.retriable, false);
    assert.match(e.message, /999/);
    assert.equal(findKafkaError(999), undefined);
    assert.equal(isRetriableErrorCode(-2), false);
    assert.equal(kafkaErrorByName('NO_SUCH_ERROR'), undefined);
  });

  test('have a message for every code, and are frozen', () => {
    for (const e of KAFKA_ERRORS) {
      assert.ok(e.message.length >= 9 && e.message.endsWith('.'), `${e.name}: ${e.message}`);
      assert.ok(Object.isFrozen(e));
    }
    assert.ok(Object.isFrozen(KAFKA_ERRORS));
    assert.ok(Object.isFrozen(KafkaErrorCodes));
  });
});
