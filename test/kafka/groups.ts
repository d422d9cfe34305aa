import { runJava } from './java.js';

/** A committed offset of a consumer group, as the Java AdminClient reports it. */
export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

/** Options of {@link readGroupOffsets}. */
export interface GroupOffsetsOptions {
  /**
   * Ask for stable offsets only (OffsetFetch RequireStable, KIP-447): the broker then holds the
   * answer while a transaction has offsets of the group pending. Default false: pending
   * transactional offsets are simply not shown.
   */
  requireStable?: boolean;
  /** Kafka version whose AdminClient runs. Default: KAFKA_VERSION, else 4.4.0. */
  version?: string;
  timeoutMs?: number;
}

/**
 * A consumer group's committed offsets, read with Kafka's own AdminClient
 * (test/kafka/java/GroupOffsets.java), sorted by topic and partition; empty for a group with no
 * commits. Offsets sent to a transaction appear only once it commits. Costs one JVM start.
 *
 * @example
 * ```ts
 * assert.deepEqual(await readGroupOffsets(kafka.bootstrap, 'etl'), [{ topic: 'in', partition: 0, offset: 42, metadata: '' }]);
 * ```
 */
export async function readGroupOffsets(bootstrap: string, group: string, options: GroupOffsetsOptions = {}): Promise<GroupOffset[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = ['--bootstrap', bootstrap, '--group', group, '--timeout-ms', String(timeoutMs)];
  if (options.requireStable === true) args.push('--require-stable', 'true');
  const result = await runJava('GroupOffsets', args, { ...(options.version !== undefined ? { version: options.version } : {}), timeoutMs: timeoutMs + 30_000 });
  return result.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as GroupOffset);
}
