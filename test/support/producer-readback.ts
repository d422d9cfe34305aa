/**
 * What the producer integration tests (test/integration/producer-*.test.ts) share: the records
 * they sent, normalised to the bytes a reader must find, and the comparison of those with what
 * kcat or the Java consumer read back.
 *
 * The comparison is the point of those tests: every record's key, value, headers and timestamp
 * byte for byte, its partition and offset as RecordMetadata reported them, and the order within
 * each partition (the order of the sends). Counting is never enough: a producer that loses one
 * record and duplicates another counts right.
 */
import { strict as assert } from 'node:assert';
import type { ProducerRecord, RecordMetadata } from '@tandem/producer';
import { readWithKcat, type ReadRecord } from '../kafka/index.js';

/** A record as a reader must find it: bytes, not strings. */
export interface ExpectedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer | null]>;
  /** The timestamp given to send(), if one was. */
  readonly timestamp: number | undefined;
}

/** A record that was sent, what it must read back as, and what the producer said about it. */
export interface Delivery {
  readonly expected: ExpectedRecord;
  readonly metadata: RecordMetadata;
}

type Bytes = string | Uint8Array | null | undefined;

function bytes(v: Bytes): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The bytes a reader must find for a record given to send() with the default serializers:
 * strings as UTF-8, bytes as they are, headers in their given order (an object's in key order).
 */
export function expectedOf(record: ProducerRecord<Bytes, Bytes>): ExpectedRecord {
  const h = record.headers;
  const headers: Array<[string, Buffer | null]> = [];
  if (Array.isArray(h)) for (const [k, v] of h as ReadonlyArray<readonly [string, Bytes]>) headers.push([k, bytes(v)]);
  else if (h !== undefined) for (const [k, v] of Object.entries(h as Record<string, Bytes>)) headers.push([k, bytes(v)]);
  return { key: bytes(record.key), value: bytes(record.value), headers, timestamp: record.timestamp };
}

/** Options of {@link assertReadBack}. */
export interface ReadBackOptions {
  /** The topic stamps LogAppendTime: timestamps are the broker's, as RecordMetadata says. */
  readonly logAppendTime?: boolean;
  /** acks=0: RecordMetadata has no offsets (-1); order and contents are still compared. */
  readonly noOffsets?: boolean;
  /**
   * Don't compare RecordMetadata's timestamp with the stored one (the stored one is still
   * compared with the timestamp given to send(), which must then be given). For retried
   * batches the broker found it already had: it answers a duplicate with the stored batch's
   * max timestamp as its LogAppendTime even on a CreateTime topic, and the producer, as Java's,
   * reports that.
   */
  readonly duplicatesAnswered?: boolean;
}

function show(b: Buffer | null): string {
  if (b === null) return 'null';
  const head = b.length > 48 ? `${b.subarray(0, 48).toString('hex')}...` : b.toString('hex');
  return `${b.length} bytes ${head}`;
}

function describe(r: { key: Buffer | null; value: Buffer | null; headers: ReadonlyArray<readonly [string, Buffer | null]> }): string {
  return `key ${show(r.key)}, value ${show(r.value)}, headers [${r.headers.map(([k, v]) => `${k}=${show(v)}`).join(', ')}]`;
}

/**
 * Asserts that `read` (all records of the topic, in (partition, offset) order, as the harness
 * readers return them) holds exactly the `deliveries`, in send order within each partition, at
 * the partitions and offsets RecordMetadata reported, with every byte and timestamp as sent.
 * `deliveries` must be in send order.
 */
export function assertReadBack(read: readonly ReadRecord[], deliveries: readonly Delivery[], options: ReadBackOptions = {}): void {
  const sentBy = new Map<number, Delivery[]>();
  for (const d of deliveries) {
    let list = sentBy.get(d.metadata.partition);
    if (list === undefined) sentBy.set(d.metadata.partition, (list = []));
    list.push(d);
  }
  const readBy = new Map<number, ReadRecord[]>();
  for (const r of read) {
    let list = readBy.get(r.partition);
    if (list === undefined) readBy.set(r.partition, (list = []));
    list.push(r);
  }
  const counts = (m: Map<number, unknown[]>): string =>
    [...m].sort(([a], [b]) => a - b).map(([p, l]) => `p${p}:${l.length}`).join(' ');
  assert.equal(
    read.length,
    deliveries.length,
    `read back ${read.length} record(s), sent ${deliveries.length} (read ${counts(readBy)}; sent ${counts(sentBy)})`,
  );
  for (const [partition, sent] of sentBy) {
    const got = readBy.get(partition) ?? [];
    assert.equal(got.length, sent.length, `partition ${partition}: read ${got.length} record(s), sent ${sent.length}`);
    for (let i = 0; i < sent.length; i++) {
      const { expected, metadata } = sent[i]!;
      const r = got[i]!;
      const where = `partition ${partition}, record ${i} in send order (offset ${r.offset})`;
      if (!options.noOffsets) assert.equal(r.offset, metadata.offset, `${where}: RecordMetadata said offset ${metadata.offset}`);
      const same =
        equalBytes(r.key, expected.key) &&
        equalBytes(r.value, expected.value) &&
        r.headers.length === expected.headers.length &&
        r.headers.every(([k, v], j) => k === expected.headers[j]![0] && equalBytes(v, expected.headers[j]![1]));
      if (!same) assert.fail(`${where}:\n  read ${describe(r)}\n  sent ${describe(expected)}`);
      if (options.logAppendTime) {
        assert.equal(r.timestampType, 'LogAppendTime', `${where}: timestamp type`);
        assert.equal(r.timestamp, metadata.timestamp, `${where}: RecordMetadata's timestamp is the broker's LogAppendTime`);
      } else {
        assert.equal(r.timestampType, 'CreateTime', `${where}: timestamp type`);
        assert.equal(r.timestamp, expected.timestamp ?? metadata.timestamp, `${where}: timestamp`);
        if (!options.duplicatesAnswered) assert.equal(metadata.timestamp, r.timestamp, `${where}: RecordMetadata's timestamp`);
      }
      assert.equal(metadata.serializedKeySize, expected.key === null ? -1 : expected.key.length, `${where}: serializedKeySize`);
      assert.equal(metadata.serializedValueSize, expected.value === null ? -1 : expected.value.length, `${where}: serializedValueSize`);
    }
  }
}

function equalBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/**
 * Sends every record (without waiting between sends, so they batch), then waits for all of
 * them; returns the deliveries in send order. Any failed send fails the caller with its error.
 */
export async function sendAll<P extends { send(r: ProducerRecord<Bytes, Bytes>): Promise<RecordMetadata> }>(
  producer: P,
  records: ReadonlyArray<ProducerRecord<Bytes, Bytes>>,
): Promise<Delivery[]> {
  const pending = records.map((r) => producer.send(r));
  const metadata = await Promise.all(pending);
  return metadata.map((m, i) => ({ expected: expectedOf(records[i]!), metadata: m }));
}

/** A small seeded generator (mulberry32): the same records on every run, so a failure reproduces. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `n` bytes from a seeded generator. */
export function randomBytes(next: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

/**
 * `promise`'s value, or `timedOut` if it has not settled within `ms`. The timer is cleared
 * either way (a bare `Promise.race` with a sleep leaves the sleep holding the process open).
 */
export async function within<T, U>(promise: Promise<T>, ms: number, timedOut: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<U>((resolve) => (timer = setTimeout(() => resolve(timedOut), ms)));
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Call last in a test file's `after` hook, once every producer is closed: if anything still
 * holds the event loop open `graceMs` later, the file fails (exit code 1) instead of hanging the
 * test run. A closed or idle producer must not keep a process alive; a CI job that waits on one
 * forever reports nothing at all. The timer is unref'd: a process that can exit, exits.
 */
export function failIfHeldOpen(file: string, graceMs = 15_000): void {
  const timer = setTimeout(() => {
    const resources = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
    process.stderr.write(
      `${file}: the process was still running ${graceMs / 1000} s after its tests ended, held open by ${JSON.stringify(resources)}. ` +
        'A closed producer must let the process exit.\n',
    );
    process.exit(1);
  }, graceMs);
  timer.unref();
}

/**
 * Reads `topic` with a read_committed reader (kcat) until at least `expected` records are
 * there, or `timeoutMs` has passed (then returns what it read). commitTransaction() resolves
 * once the coordinator has the commit; it writes the commit markers to the partitions after
 * that, and until a partition has its marker, a read_committed reader's end of it (the last
 * stable offset) stops before the transaction. Every read takes the whole topic, so a
 * duplicate or an aborted record still shows.
 */
export async function readCommitted(bootstrap: string, topic: string, expected: number, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const giveUpAt = Date.now() + timeoutMs;
  let read = await readWithKcat(bootstrap, topic, { isolation: 'read_committed', timeoutMs });
  while (read.length < expected && Date.now() < giveUpAt) {
    await sleep(500);
    read = await readWithKcat(bootstrap, topic, { isolation: 'read_committed', timeoutMs });
  }
  return read;
}
