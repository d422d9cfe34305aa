/**
 * Asking a multi-broker test cluster what it looks like while brokers are being killed and
 * restarted: which brokers are up, who leads a partition, whether every replica is in sync.
 * Shared by the failover tests (test/integration/failover.test.ts, transactions-failover.test.ts).
 */
import { strict as assert } from 'node:assert';
import { Metadata } from '@tandem/protocol';
import type { KafkaCluster } from '../kafka/index.js';
import { sleep } from './producer-readback.js';
import { RawKafkaConnection } from './raw-kafka-connection.js';

/** A bootstrap string of the cluster's brokers that are up. */
export function liveBootstrap(cluster: KafkaCluster): string {
  return cluster.brokers
    .filter((b) => b.pid !== null)
    .map((b) => `${b.host}:${b.port}`)
    .join(',');
}

/**
 * Asks the live brokers, over raw connections, until `ask` gives an answer (leaders move during
 * failover, brokers come and go). Fails the test, naming `what`, after 60 s.
 */
export async function probeCluster<T>(cluster: KafkaCluster, what: string, ask: (conn: RawKafkaConnection) => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (const b of cluster.brokers.filter((x) => x.pid !== null)) {
      const conn = await RawKafkaConnection.connect(`${b.host}:${b.port}`).catch(() => null);
      if (conn === null) continue;
      try {
        const answer = await ask(conn).catch(() => undefined);
        if (answer !== undefined) return answer;
      } finally {
        conn.close();
      }
    }
    if (Date.now() > deadline) assert.fail(`the cluster did not answer within 60 s: ${what}`);
    await sleep(250);
  }
}

/** The partitions of `topic` as a broker's Metadata (v9) reports them. */
export async function partitionsOf(conn: RawKafkaConnection, topic: string) {
  const { body } = await conn.request(Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  return body.topics[0]?.partitions ?? [];
}

/** The node id of the leader of `topic`-`partition`, once it has one. */
export function leaderOf(cluster: KafkaCluster, topic: string, partition: number): Promise<number> {
  return probeCluster(cluster, `the leader of ${topic}-${partition}`, async (conn) => {
    const leader = (await partitionsOf(conn, topic)).find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
    return leader >= 0 ? leader : undefined;
  });
}
