/**
 * NetworkClient.leastLoadedNode, the broker that metadata and InitProducerId requests go to,
 * before any connection exists (no sockets: bootstrap brokers only): a broker that asked for a
 * throttle (KIP-219) is passed over until the throttle is over, as in Java.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkClient } from '@tandem/sender';

function client(): NetworkClient {
  return new NetworkClient(['127.0.0.1:1', '127.0.0.1:2'], {
    clientId: 'test',
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    connectTimeoutMaxMs: 30_000,
    connectionsMaxIdleMs: 540_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1_000,
    transactional: false,
  });
}

test('leastLoadedNode passes over a throttled broker until its throttle is over', () => {
  const network = client();
  const now = 1_000_000;
  // Bootstrap brokers get ids -1, -2; with nothing connected the first candidate is -1.
  assert.equal(network.leastLoadedNode(now), -1);
  network.throttle(-1, now + 500);
  assert.equal(network.leastLoadedNode(now), -2, 'the throttled broker is passed over');
  network.throttle(-2, now + 200);
  assert.equal(network.leastLoadedNode(now), null, 'every broker throttled: none now');
  assert.equal(network.leastLoadedNode(now + 200), -2, 'the shorter throttle ends first');
  assert.equal(network.leastLoadedNode(now + 500), -1);
});
