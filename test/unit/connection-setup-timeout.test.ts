/**
 * The connect timeout's exponential growth per consecutive failure (Java's
 * socket.connection.setup.timeout.ms / .max.ms).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionSetupTimeout } from '@tandem/sender';

test('the first attempt waits socket.connection.setup.timeout.ms, without jitter', () => {
  assert.equal(connectionSetupTimeout(0, 10_000, 30_000, 0.99), 10_000);
});

test('each failure doubles it, within +-20% jitter, up to socket.connection.setup.timeout.max.ms', () => {
  assert.equal(connectionSetupTimeout(1, 10_000, 30_000, 0.5), 20_000);
  assert.equal(connectionSetupTimeout(1, 10_000, 30_000, 0), 16_000);
  assert.equal(connectionSetupTimeout(1, 10_000, 30_000, 1), 24_000);
  assert.equal(connectionSetupTimeout(2, 10_000, 30_000, 0.5), 30_000);
  assert.equal(connectionSetupTimeout(12, 10_000, 30_000, 0.5), 30_000);
  assert.equal(connectionSetupTimeout(5, 100, 30_000, 0.5), 3_200);
});

test('a max below the base caps the first attempt too', () => {
  assert.equal(connectionSetupTimeout(0, 10_000, 5_000, 0.5), 5_000);
});
