/**
 * Which topics the Sender's metadata requests ask for: metadata.max.idle.ms (a topic neither
 * asked for nor produced to for that long is no longer refreshed, as Java forgets it).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterMetadata } from '@tandem/sender';

const IDLE = 300_000;
const none = (): boolean => false;

test('a topic asked for is requested until it has been idle for metadata.max.idle.ms', () => {
  const md = new ClusterMetadata();
  md.topic('orders', 1_000);
  md.topic('typo', 1_000);
  assert.deepEqual(md.topicNames(1_000 + IDLE, IDLE, none), ['orders', 'typo']);
  assert.deepEqual(md.topicNames(1_001 + IDLE, IDLE, none), []);
});

test('a topic with batches in the accumulator counts as used at each request', () => {
  const md = new ClusterMetadata();
  const orders = md.topic('orders', 0);
  md.topic('typo', 0);
  const producing = (index: number): boolean => index === orders.index;
  assert.deepEqual(md.topicNames(2 * IDLE, IDLE, producing), ['orders']);
  // It stopped producing at 2 x IDLE: still requested until IDLE later.
  assert.deepEqual(md.topicNames(3 * IDLE, IDLE, none), ['orders']);
  assert.deepEqual(md.topicNames(3 * IDLE + 1, IDLE, none), []);
});

test('an idle topic asked for again is requested again, under the same index', () => {
  const md = new ClusterMetadata();
  const first = md.topic('orders', 0);
  assert.deepEqual(md.topicNames(IDLE + 1, IDLE, none), []);
  const again = md.topic('orders', IDLE + 2);
  assert.equal(again.index, first.index);
  assert.deepEqual(md.topicNames(IDLE + 3, IDLE, none), ['orders']);
});
