/**
 * Sends that could not be appended yet: their topic's metadata has not arrived, or buffer
 * memory is full. Java's send() blocks its caller for these, up to max.block.ms; Tandem must
 * never block the event loop, so they wait here and fail with a TimeoutError when max.block.ms
 * passes.
 *
 * Two kinds of queue, because they wait for different things:
 * - one queue for memory, in send order across all topics: buffer.memory is shared, so the
 *   first to wait is the first to get it;
 * - one queue per topic whose metadata is not known yet. A topic that never appears must not
 *   hold back sends to healthy topics for max.block.ms (an async app sends every record from
 *   the same thread, unlike Java's callers, which each block alone). Order within a topic is
 *   kept: while a topic waits for metadata, all its sends wait with it, and when its metadata
 *   arrives they move, in order, to the back of the memory queue.
 *
 * Under a sustained overload (the app outruns the network) every send passes through the memory
 * queue, so it is O(1) per send: a deque with a head index, and one timer per queue for its
 * oldest entry (max.block.ms is the same for all, so deadlines are in queue order).
 */
import type { ProducerRecord } from './record.js';
import type { Settler } from './accumulator/delivery-tracker.js';

/** One waiting send. */
export interface WaitingSend {
  readonly record: ProducerRecord;
  readonly success: Settler;
  readonly failure: ((err: Error) => void) | null;
  /** When it fails with a TimeoutError (ms since the epoch). */
  readonly deadline: number;
  /** What it waits for now, for the timeout's message. */
  reason: 'metadata' | 'memory';
}

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A FIFO of waiting sends with one timer for its oldest entry's deadline. */
class DeadlineQueue {
  private items: Array<WaitingSend | undefined> = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly onExpire: (entry: WaitingSend) => void) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(entry: WaitingSend): void {
    this.items.push(entry);
    if (this.timer === null) this.arm();
  }

  peek(): WaitingSend | undefined {
    return this.items[this.head];
  }

  shift(): WaitingSend | undefined {
    if (this.head >= this.items.length) return undefined;
    const entry = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      this.disarm();
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  /** Removes and returns the entries `match` selects, keeping the others in order. */
  removeWhere(match: (entry: WaitingSend) => boolean): WaitingSend[] {
    const removed: WaitingSend[] = [];
    const kept: WaitingSend[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const e = this.items[i]!;
      (match(e) ? removed : kept).push(e);
    }
    this.items = kept;
    this.head = 0;
    if (kept.length === 0) this.disarm();
    else if (removed.length > 0) this.arm();
    return removed;
  }

  /** Removes the entries whose deadline is not after `now`, calling onExpire for each. */
  expire(now: number): void {
    for (let e = this.peek(); e !== undefined && e.deadline <= now; e = this.peek()) {
      this.shift();
      this.onExpire(e);
    }
  }

  private arm(): void {
    this.disarm();
    const first = this.peek();
    if (first === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire(Date.now());
      if (this.timer === null && this.length > 0) this.arm();
    }, Math.min(MAX_TIMER_MS, Math.max(0, first.deadline - Date.now())));
    // The producer holds the process alive while sends wait; the timer need not.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class WaitingSends {
  private readonly memory: DeadlineQueue;
  private readonly metadata = new Map<string, DeadlineQueue>();
  private metadataCount = 0;

  /** @param onExpire - called for each entry whose deadline passed, after it left its queue. */
  constructor(private readonly onExpire: (entry: WaitingSend) => void) {
    this.memory = new DeadlineQueue(onExpire);
  }

  /** Every waiting send, for memory or for metadata. */
  get length(): number {
    return this.memory.length + this.metadataCount;
  }

  /** Sends waiting for memory. While there are any, a new send to a known topic queues behind them. */
  get memoryLength(): number {
    return this.memory.length;
  }

  /** Queues a send to a known topic until memory frees up. */
  pushForMemory(entry: WaitingSend): void {
    entry.reason = 'memory';
    this.memory.push(entry);
  }

  /** Queues a send until its topic's metadata arrives. */
  pushForMetadata(entry: WaitingSend): void {
    entry.reason = 'metadata';
    const topic = entry.record.topic;
    let queue = this.metadata.get(topic);
    if (queue === undefined) {
      queue = new DeadlineQueue((e) => {
        this.forgetOne(topic);
        this.onExpire(e);
      });
      this.metadata.set(topic, queue);
    }
    queue.push(entry);
    this.metadataCount++;
  }

  /** The oldest send waiting for memory, or undefined. */
  peekMemory(): WaitingSend | undefined {
    return this.memory.peek();
  }

  /** Removes the oldest send waiting for memory. */
  shiftMemory(): WaitingSend | undefined {
    return this.memory.shift();
  }

  /** Whether sends wait for `topic`'s metadata. */
  waitsForMetadata(topic: string): boolean {
    return this.metadata.has(topic);
  }

  /** The oldest deadline among the sends waiting for `topic`'s metadata, or undefined. */
  metadataDeadline(topic: string): number | undefined {
    return this.metadata.get(topic)?.peek()?.deadline;
  }

  /**
   * Moves the sends waiting for `topic`'s metadata, in order, to the back of the memory queue
   * (its metadata has arrived). Returns how many moved.
   */
  metadataArrived(topic: string): number {
    const moved = this.takeMetadataWaits(topic);
    for (const e of moved) this.pushForMemory(e);
    return moved.length;
  }

  /** Removes and returns every send waiting for `topic`'s metadata. */
  takeMetadataWaits(topic: string): WaitingSend[] {
    const queue = this.metadata.get(topic);
    if (queue === undefined) return [];
    const taken = queue.removeWhere(() => true);
    this.metadata.delete(topic);
    this.metadataCount -= taken.length;
    return taken;
  }

  /** Fails (through onExpire) the sends waiting for `topic`'s metadata whose deadline passed. */
  expireMetadataWaits(topic: string, now: number): void {
    this.metadata.get(topic)?.expire(now);
  }

  /** Removes and returns the sends `match` selects, from every queue. */
  removeWhere(match: (entry: WaitingSend) => boolean): WaitingSend[] {
    const removed = this.memory.removeWhere(match);
    for (const [topic, queue] of [...this.metadata]) {
      const gone = queue.removeWhere(match);
      this.metadataCount -= gone.length;
      if (queue.length === 0) this.metadata.delete(topic);
      removed.push(...gone);
    }
    return removed;
  }

  /** Removes and returns every waiting send. */
  clear(): WaitingSend[] {
    return this.removeWhere(() => true);
  }

  /** An entry of `topic` left its metadata queue by expiring. */
  private forgetOne(topic: string): void {
    this.metadataCount--;
    if (this.metadata.get(topic)?.length === 0) this.metadata.delete(topic);
  }
}
