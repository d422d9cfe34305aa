/**
 * What the Sender knows of the cluster: brokers, and for each topic it has been asked about,
 * its partitions and their leaders. Topics get a small index the first time they are asked
 * for; slabs carry that index instead of the name.
 *
 * Mirrors the Java client's Metadata/MetadataCache: refreshed on demand (unknown topic, leader
 * change errors) and at least every metadata.max.age.ms; a topic neither asked for nor produced
 * to for metadata.max.idle.ms is left out of the requests (Java forgets it), so a topic that was
 * tried once and never appeared is not asked for forever.
 */
import type { MetadataResponse } from '@tandem/protocol';
import type { TopicView } from '@tandem/shared-memory';

/** One partition's leader as last seen. */
export interface PartitionLeader {
  /** Node id of the leader, -1 if none. */
  leaderId: number;
  leaderEpoch: number;
}

/** A topic the producer uses. */
export class TopicMetadata {
  /** Partition leaders, by partition index; empty until the topic is known. */
  partitions: PartitionLeader[] = [];
  /** Last topic-level error code from metadata (0 = none). */
  errorCode = 0;
  /** Last time the topic was asked for or produced to (for metadata.max.idle.ms). */
  lastUsedMs = Date.now();

  constructor(
    readonly name: string,
    readonly index: number,
  ) {}

  get known(): boolean {
    return this.partitions.length > 0;
  }

  /** The view the application thread partitions with. */
  view(): TopicView {
    const availablePartitions: number[] = [];
    for (let p = 0; p < this.partitions.length; p++) if (this.partitions[p]!.leaderId >= 0) availablePartitions.push(p);
    return { topic: this.name, topicIndex: this.index, partitionCount: this.partitions.length, availablePartitions };
  }
}

/** What changed in an update, for the Sender to act on. */
export interface MetadataChanges {
  /** Topics whose partition count or availability changed (to push to the app). */
  readonly changedTopics: TopicMetadata[];
}

export class ClusterMetadata {
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byIndex: TopicMetadata[] = [];
  /** Last successful update, ms. */
  lastRefreshMs = 0;
  /** An update was asked for (unknown topic, stale leader). */
  updateRequested = true;
  clusterId: string | null = null;

  /**
   * The topic, registered if new, as the app asks for it: it counts as used now (and if it had
   * gone idle, it is asked for again).
   */
  topic(name: string, nowMs = Date.now()): TopicMetadata {
    let t = this.byName.get(name);
    if (t === undefined) {
      t = new TopicMetadata(name, this.byIndex.length);
      this.byName.set(name, t);
      this.byIndex.push(t);
      this.updateRequested = true;
    }
    t.lastUsedMs = nowMs;
    return t;
  }

  /** The topic with this index (slabs carry indexes). */
  topicAt(index: number): TopicMetadata | undefined {
    return this.byIndex[index];
  }

  /**
   * Names of the topics a metadata request asks for: those asked for or produced to within
   * metadata.max.idle.ms (`maxIdleMs`). `producing(index)` says whether a topic has batches in
   * the accumulator: those count as used now. An idle topic keeps its index and last metadata
   * (slabs may still name it); it is only no longer refreshed.
   */
  topicNames(nowMs: number, maxIdleMs: number, producing: (topicIndex: number) => boolean): string[] {
    const names: string[] = [];
    for (const t of this.byIndex) {
      if (producing(t.index)) t.lastUsedMs = nowMs;
      else if (nowMs - t.lastUsedMs > maxIdleMs) continue;
      names.push(t.name);
    }
    return names;
  }

  /** The current leader of a partition, or -1. */
  leaderOf(topicIndex: number, partition: number): number {
    const t = this.byIndex[topicIndex];
    if (t === undefined) return -1;
    return t.partitions[partition]?.leaderId ?? -1;
  }

  /** Sets a partition's leader from a produce response's KIP-951 hint; true if it moved. */
  updateLeader(topicIndex: number, partition: number, leaderId: number, leaderEpoch: number): boolean {
    const p = this.byIndex[topicIndex]?.partitions[partition];
    if (p === undefined || leaderEpoch < p.leaderEpoch) return false;
    const moved = p.leaderId !== leaderId;
    p.leaderId = leaderId;
    p.leaderEpoch = leaderEpoch;
    return moved;
  }

  /** Applies a Metadata response. */
  update(response: MetadataResponse, nowMs: number): MetadataChanges {
    this.clusterId = response.clusterId;
    const changedTopics: TopicMetadata[] = [];
    for (const rt of response.topics) {
      if (rt.name === null) continue;
      const t = this.byName.get(rt.name);
      if (t === undefined) continue;
      t.errorCode = rt.errorCode;
      if (rt.errorCode !== 0 && rt.partitions.length === 0) continue;
      const before = t.partitions;
      const next: PartitionLeader[] = new Array(rt.partitions.length);
      for (const p of rt.partitions) {
        if (p.partitionIndex < 0 || p.partitionIndex >= rt.partitions.length) continue;
        const old = before[p.partitionIndex];
        // A response from a broker with older metadata must not undo a newer leader.
        if (old !== undefined && p.leaderEpoch >= 0 && p.leaderEpoch < old.leaderEpoch) next[p.partitionIndex] = old;
        else next[p.partitionIndex] = { leaderId: p.errorCode === 0 || p.leaderId >= 0 ? p.leaderId : -1, leaderEpoch: p.leaderEpoch };
      }
      for (let i = 0; i < next.length; i++) if (next[i] === undefined) next[i] = { leaderId: -1, leaderEpoch: -1 };
      let changed = next.length !== before.length;
      for (let i = 0; !changed && i < next.length; i++) {
        if ((next[i]!.leaderId >= 0) !== (before[i]!.leaderId >= 0)) changed = true;
      }
      t.partitions = next;
      if (changed) changedTopics.push(t);
    }
    this.lastRefreshMs = nowMs;
    this.updateRequested = false;
    return { changedTopics };
  }
}
