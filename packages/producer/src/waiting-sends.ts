/**
 * Sends that could not be appended yet: their topic's metadata has not arrived, or buffer
 * memory is full. Java's send() blocks its caller for these, up to max.block.ms; Tandem must
 * never block the event loop, so they wait here, in order, and fail with a TimeoutError when
 * max.block.ms passes.
 *
 * Under a sustained overload (the app outruns the network) every send passes through here, so
 * it is O(1) per send: a ring-free deque with a head index, and one timer for the oldest entry
 * (max.block.ms is the same for all, so deadlines are in queue order).
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
  /** What it last waited for, for the timeout's message. */
  reason: 'metadata' | 'memory';
}

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WaitingSends {
  private items: Array<WaitingSend | undefined> = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  /** @param onExpire - called for each entry whose deadline passed, after it left the queue. */
  constructor(private readonly onExpire: (entry: WaitingSend) => void) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(entry: WaitingSend): void {
    this.items.push(entry);
    if (this.timer === null) this.arm();
  }

  /** The oldest entry, or undefined. */
  peek(): WaitingSend | undefined {
    return this.items[this.head];
  }

  /** Removes the oldest entry. */
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

  /** Removes and returns every entry. */
  clear(): WaitingSend[] {
    return this.removeWhere(() => true);
  }

  private arm(): void {
    this.disarm();
    const first = this.peek();
    if (first === undefined) return;
    this.timer = setTimeout(() => this.expire(), Math.min(MAX_TIMER_MS, Math.max(0, first.deadline - Date.now())));
    // The producer holds the process alive while sends wait; the timer need not.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private expire(): void {
    this.timer = null;
    const now = Date.now();
    for (let e = this.peek(); e !== undefined && e.deadline <= now; e = this.peek()) {
      this.shift();
      this.onExpire(e);
    }
    if (this.timer === null && this.length > 0) this.arm();
  }
}
