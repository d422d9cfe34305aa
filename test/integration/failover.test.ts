/**
 * Delivery guarantees through broker failures, on a three-broker KRaft cluster of its own
 * (`failover`: RF 3, min.insync.replicas 2, stopped at the end if this file started it).
 *
 * A numbered stream: record n goes to partition n % 6 with the value `<label> <n>`, so the
 * readers' output says which record it is and the send order within each partition is known.
 * While a producer sends it, the test kills -9 the leader of a partition, restarts that broker
 * once every partition flows again, waits until it is back in every ISR, and kills another
 * broker. Then kcat reads the whole topic back and every record is accounted for by its
 * contents:
 *
 * - the failover tests (idempotent, acks=all, three kill timings: at the first acknowledgement,
 *   mid-stream, right after a burst of lingering records, the last with a delivery.timeout.ms
 *   short enough that records caught in the outage expire): every record whose send resolved
 *   is in the log exactly once, at the offset RecordMetadata gave, in send order within its
 *   partition; every record whose send failed failed with one of Tandem's errors, naming its
 *   topic-partition and the reason (Kafka's error name, or the setting that ran out);
 * - the loss/duplication table: the same stream under a leader kill for acks=0, 1 and all
 *   without idempotence and acks=all with it, side by side; it asserts what each promises
 *   (idempotent acks=all: nothing acknowledged lost, nothing twice; acks=all: nothing
 *   acknowledged lost) and prints what the others lost or duplicated.
 *
 * Nothing here depends on timing to pass: the faults are triggered by the stream's progress
 * (acknowledgements counted per partition), every wait is bounded, and the assertions are on
 * what was read back.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { KafkaError, KafkaProducer, type ProducerConfigInput, type RecordMetadata } from '@tandem/producer';
import {
  createTopic,
  readWithKcat,
  restartBroker,
  startCluster,
  stopBroker,
  stopCluster,
  uniqueTopicName,
  type KafkaCluster,
  type ReadRecord,
} from '../kafka/index.js';
import { leaderOf as leaderOfPartition, liveBootstrap, partitionsOf, probeCluster } from '../support/cluster-probe.js';
import { failIfHeldOpen, sleep } from '../support/producer-readback.js';

/** A producer's settings apart from bootstrap.servers (the live brokers, given by the test). */
type ProducerConfig = Omit<ProducerConfigInput<string, string>, 'bootstrap.servers'>;

const CLUSTER = 'failover';
const PARTITIONS = 6;

let cluster: KafkaCluster;
const producers = new Set<KafkaProducer<string, string>>();
/** Every test's topic, created at once up front (one AdminClient JVM each, in parallel). */
const topics = new Map<string, string>();
const TOPICS = ['early', 'mid', 'burst', 'table0', 'table1', 'table2', 'table3'];

before(async () => {
  cluster = await startCluster({ brokers: 3, name: CLUSTER });
  await Promise.all(
    TOPICS.map(async (label) => {
      const topic = uniqueTopicName(`failover-${label}`);
      await createTopic(live(), topic, { partitions: PARTITIONS });
      topics.set(label, topic);
    }),
  );
});

after(async () => {
  for (const p of producers) await p.close({ timeout: 5000 }).catch(() => {});
  if (cluster?.started === true) await stopCluster(CLUSTER);
  failIfHeldOpen('failover.test.ts');
});

// ------------------------------------------------------------------ the cluster

/** A bootstrap string of the brokers that are up. */
const live = (): string => liveBootstrap(cluster);

/** The node id of the leader of `topic`-`partition`. */
const leaderOf = (topic: string, partition: number): Promise<number> => leaderOfPartition(cluster, topic, partition);

/** Waits until every partition of `topic` has a leader and all three replicas in its ISR. */
function fullIsr(topic: string): Promise<true> {
  return probeCluster(cluster, `every replica of ${topic} in sync`, async (conn) => {
    const parts = await partitionsOf(conn, topic);
    const full = parts.length === PARTITIONS && parts.every((p) => p.leaderId >= 0 && p.isrNodes.length === 3);
    return full ? true : undefined;
  });
}

/** Restarts every stopped broker. */
async function restartStopped(): Promise<void> {
  for (const b of cluster.brokers.filter((x) => x.pid === null)) await restartBroker(cluster, b.nodeId);
}

// ------------------------------------------------------------------ the numbered stream

/** One record of the stream and what became of its send. */
interface Sent {
  readonly n: number;
  readonly partition: number;
  readonly value: string;
  /** Set when the send resolved. */
  metadata?: RecordMetadata;
  /** Set when the send failed. */
  error?: unknown;
}

/** How the stream paces itself. */
interface Pace {
  /** Records sent back to back... */
  readonly chunk: number;
  /** ...then a pause of this long. */
  readonly pauseMs: number;
}

/**
 * Sends `<label> <n>` to partition n % 6 for n = 0, 1, ... until stopped, `chunk` records at a
 * time. Counts acknowledgements per partition so that faults can wait for progress, and never
 * lets more than `maxPending` sends be unsettled (a stalled cluster must not fill the heap).
 */
class NumberedStream {
  readonly sent: Sent[] = [];
  readonly ackedBy = new Array<number>(PARTITIONS).fill(0);
  acked = 0;
  settled = 0;
  private stopped = false;
  private running: Promise<void> | undefined;
  private progress: Array<() => void> = [];
  private chunks = 0;

  constructor(
    private readonly producer: KafkaProducer<string, string>,
    private readonly topic: string,
    private readonly label: string,
    private readonly pace: Pace,
    private readonly maxPending = 30_000,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.sent.length - this.settled < this.maxPending) {
        for (let i = 0; i < this.pace.chunk; i++) this.sendOne();
        this.chunks++;
        this.notify();
      }
      await sleep(this.pace.pauseMs);
    }
  }

  private sendOne(): void {
    const n = this.sent.length;
    const s: Sent = { n, partition: n % PARTITIONS, value: `${this.label} ${n}` };
    this.sent.push(s);
    this.producer.send({ topic: this.topic, partition: s.partition, key: String(n), value: s.value }).then(
      (m) => {
        s.metadata = m;
        this.acked++;
        this.ackedBy[m.partition]!++;
        this.settled++;
        this.notify();
      },
      (err: unknown) => {
        s.error = err;
        this.settled++;
        this.notify();
      },
    );
  }

  private notify(): void {
    for (const wake of this.progress.splice(0)) wake();
  }

  /** Resolves once `done()` holds (checked at every acknowledgement and chunk); fails after `ms`. */
  async until(what: string, done: () => boolean, ms = 90_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) assert.fail(`${this.label}: gave up waiting for ${what} after ${ms / 1000} s (${this.describe()})`);
      await new Promise<void>((resolve) => {
        this.progress.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  /** Resolves right after the next chunk went out. */
  nextChunk(): Promise<void> {
    const at = this.chunks;
    return this.until('the next chunk', () => this.chunks > at);
  }

  /**
   * Resolves once every partition has had `n` more acknowledgements than now (so the stream
   * flows again everywhere after a fault: leaders moved and the producer followed).
   */
  async progressEverywhere(what: string, n: number): Promise<void> {
    const base = [...this.ackedBy];
    await this.until(what, () => this.ackedBy.every((a, p) => a >= base[p]! + n));
  }

  /** Stops sending, then waits until every send has settled (flush). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await this.producer.flush();
    await this.until('every send to settle', () => this.settled === this.sent.length, 150_000);
  }

  describe(): string {
    return `${this.sent.length} sent, ${this.acked} acknowledged, ${this.settled - this.acked} failed, acks per partition [${this.ackedBy.join(' ')}]`;
  }
}

function newProducer(config: ProducerConfig): KafkaProducer<string, string> {
  const p = new KafkaProducer<string, string>({
    'bootstrap.servers': live(),
    // A dead broker's requests are given up sooner than the default 30 s.
    'request.timeout.ms': 10_000,
    ...config,
  });
  producers.add(p);
  return p;
}

async function closeProducer(p: KafkaProducer<string, string>): Promise<void> {
  await p.close({ timeout: 30_000 });
  producers.delete(p);
}

// ------------------------------------------------------------------ accounting

/** What the read-back log says about a stream. */
interface Audit {
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  /** Acknowledged, not in the log. */
  readonly lost: number[];
  /** In the log more than once (acknowledged or not). */
  readonly duplicated: number[];
  /** Failed, yet in the log (a failure does not mean "not written"). */
  readonly failedButWritten: number;
  /** Everything else that is wrong: wrong partition, offset, contents, order, strangers. */
  readonly problems: string[];
}

/**
 * Accounts for every record of `stream` in `read` (the whole topic), by contents: the value
 * names the record, and key, value and partition must be what was sent.
 */
function audit(label: string, sent: readonly Sent[], read: readonly ReadRecord[], opts: { offsets: boolean; order: boolean }): Audit {
  const copies = new Map<number, ReadRecord[]>();
  const problems: string[] = [];
  for (const r of read) {
    const value = r.value?.toString('utf8') ?? '<null>';
    const m = /^(\S+) (\d+)$/.exec(value);
    const n = m !== null && m[1] === label ? Number(m[2]) : -1;
    const s = sent[n];
    if (s === undefined) {
      problems.push(`p${r.partition}@${r.offset}: a record that was never sent: ${JSON.stringify(value)}`);
      continue;
    }
    if (r.partition !== s.partition) problems.push(`record ${n} read from partition ${r.partition}, sent to ${s.partition}`);
    if (r.key?.toString('utf8') !== String(n)) problems.push(`record ${n} at p${r.partition}@${r.offset}: key ${r.key?.toString('utf8')}, sent ${n}`);
    let list = copies.get(n);
    if (list === undefined) copies.set(n, (list = []));
    list.push(r);
  }
  const lost: number[] = [];
  const duplicated: number[] = [];
  let failedButWritten = 0;
  const lastOffset = new Array<number>(PARTITIONS).fill(-1);
  for (const s of sent) {
    const found = copies.get(s.n) ?? [];
    if (found.length > 1) duplicated.push(s.n);
    if (s.metadata === undefined) {
      if (found.length > 0) failedButWritten++;
      continue;
    }
    if (found.length === 0) {
      lost.push(s.n);
      continue;
    }
    // (Of a duplicated record, the copy whose offset RecordMetadata gave.)
    const r = found.find((c) => c.offset === s.metadata!.offset) ?? found[0]!;
    if (opts.offsets && s.metadata.offset >= 0 && s.metadata.offset !== r.offset) {
      problems.push(`record ${s.n}: RecordMetadata said offset ${s.metadata.offset}, read at ${found.map((c) => c.offset).join(', ')} (p${r.partition})`);
    }
    if (opts.order) {
      // Send order within the partition: each acknowledged record lies after the one sent before it.
      if (r.offset <= lastOffset[s.partition]!) {
        problems.push(`record ${s.n} at p${s.partition}@${r.offset} lies before a record sent earlier (at ${lastOffset[s.partition]})`);
      }
      lastOffset[s.partition] = r.offset;
    }
  }
  const acknowledged = sent.filter((s) => s.metadata !== undefined).length;
  return { sent: sent.length, acknowledged, failed: sent.length - acknowledged, lost, duplicated, failedButWritten, problems };
}

/** Every failed send failed with one of Tandem's errors that names the topic-partition and says why. */
function assertFailuresExplained(topic: string, sent: readonly Sent[]): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const s of sent) {
    if (s.metadata !== undefined) continue;
    const err = s.error;
    assert.ok(err instanceof KafkaError, `record ${s.n} failed with something other than a KafkaError: ${String(err)}`);
    assert.ok(err.message.includes(`${topic}-${s.partition}`), `record ${s.n}: the error does not name ${topic}-${s.partition}: ${err.message}`);
    // Why: Kafka's error name, or for local failures the setting that ran out.
    const why = err.kafkaErrorName ?? err.code;
    assert.ok(
      (err.kafkaErrorName !== undefined && err.message.includes(err.kafkaErrorName)) || /delivery\.timeout\.ms|request\.timeout\.ms|closed/.test(err.message),
      `record ${s.n}: the error does not say why: ${err.message}`,
    );
    const key = `${err.name}/${why}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  return kinds;
}

function short(list: readonly number[]): string {
  return list.length <= 12 ? `[${list.join(', ')}]` : `[${list.slice(0, 12).join(', ')}, ... ${list.length} in all]`;
}

// ------------------------------------------------------------------ the failover tests

/**
 * One failover run: its own topic, an idempotent acks=all producer (the defaults) sending the
 * stream; `firstKill` decides when the first fault strikes. Faults: kill -9 the leader of
 * `victim`, wait until every partition flows again, restart it and wait until it is back in
 * every ISR, kill another broker, wait until every partition flows again. Then stop, read back,
 * account.
 */
async function failover(label: string, config: ProducerConfig, pace: Pace, victim: number, firstKill: (s: NumberedStream) => Promise<void>): Promise<void> {
  await restartStopped();
  const topic = topics.get(label)!;
  await fullIsr(topic);
  const producer = newProducer(config);
  const stream = new NumberedStream(producer, topic, label, pace);
  stream.start();

  const began = Date.now();
  const steps: string[] = [];
  const step = (what: string): void => void steps.push(`${what} ${((Date.now() - began) / 1000).toFixed(1)} s`);
  await firstKill(stream);
  const first = await leaderOf(topic, victim);
  const before = stream.describe();
  await stopBroker(cluster, first, { signal: 'SIGKILL' });
  step(`killed ${first}`);
  await stream.progressEverywhere(`every partition to flow again after broker ${first} was killed`, 50);
  step('flowing');
  await restartBroker(cluster, first);
  step(`restarted ${first}`);
  await fullIsr(topic);
  await stream.progressEverywhere(`every partition to flow with broker ${first} back`, 50);
  step('in sync');
  const leaders = await Promise.all([...Array(PARTITIONS).keys()].map((p) => leaderOf(topic, p)));
  const second = leaders.find((l) => l !== first) ?? cluster.brokers.find((b) => b.nodeId !== first)!.nodeId;
  await stopBroker(cluster, second, { signal: 'SIGKILL' });
  step(`killed ${second}`);
  await stream.progressEverywhere(`every partition to flow again after broker ${second} was killed`, 50);
  step('flowing');
  await stream.stop();
  await closeProducer(producer);
  step('closed');

  // The second broker restarts (for the next run) while kcat reads from the other two.
  const restarting = restartBroker(cluster, second);
  restarting.catch(() => {});
  const read = await readWithKcat(live(), topic, { timeoutMs: 90_000 });
  step('read');
  await restarting;
  step(`restarted ${second}`);
  const a = audit(label, stream.sent, read, { offsets: true, order: true });
  const kinds = assertFailuresExplained(topic, stream.sent);
  console.log(
    `failover ${label}: killed broker ${first} (leader of p${victim}) at "${before}", restarted it, killed broker ${second}; ` +
      `${a.sent} sent, ${a.acknowledged} acknowledged, ${a.failed} failed ${JSON.stringify(Object.fromEntries(kinds))} ` +
      `(${a.failedButWritten} of them written), ${read.length} read back; ${steps.join(', ')}`,
  );
  assert.deepEqual(a.problems, [], `${label}: ${a.problems.slice(0, 10).join('; ')}`);
  assert.equal(a.lost.length, 0, `${label}: acknowledged but not in the log: ${short(a.lost)}`);
  assert.equal(a.duplicated.length, 0, `${label}: in the log more than once: ${short(a.duplicated)}`);
  // The faults happened while records were flowing: the test saw the stream before and after.
  assert.ok(a.acknowledged > 300, `${label}: only ${a.acknowledged} records acknowledged`);
}

test('failover, first kill at the first acknowledgement: every acknowledged record exactly once, in order', { timeout: 240_000 }, async () => {
  await failover('early', {}, { chunk: 30, pauseMs: 50 }, 0, (s) => s.until('the first acknowledgement', () => s.acked > 0));
});

test('failover, first kill mid-stream: every acknowledged record exactly once, in order', { timeout: 240_000 }, async () => {
  await failover('mid', {}, { chunk: 30, pauseMs: 50 }, 3, (s) => s.until('3000 acknowledgements', () => s.acked >= 3000));
});

test('failover, first kill during a burst of lingering records, short delivery timeout: every acknowledged record exactly once, in order; the expired ones fail with a TimeoutError', { timeout: 240_000 }, async () => {
  // Bursts of 1200 records every 500 ms with linger.ms 100: the kill lands while a burst sits
  // in the accumulator and in flight, in batches of up to 64 KiB. With delivery.timeout.ms at
  // 5 s, records whose leader is dead for longer (the controller fences a killed broker after
  // 4.5 s) may expire: they must fail with a TimeoutError naming their partition, and the
  // producer goes on, under a bumped epoch for the partitions where a sent batch expired.
  const config: ProducerConfig = { 'linger.ms': 100, 'batch.size': 65_536, 'request.timeout.ms': 3000, 'delivery.timeout.ms': 5000 };
  await failover('burst', config, { chunk: 1200, pauseMs: 500 }, 1, async (s) => {
    await s.until('the first acknowledgement', () => s.acked > 0);
    await s.nextChunk();
  });
});

// ------------------------------------------------------------------ loss and duplication by setting

test('loss and duplication under a leader kill, by acks and idempotence (table)', { timeout: 240_000 }, async () => {
  await restartStopped();
  const rows: Array<{ name: string; config: ProducerConfig; must: { noLoss: boolean; noDuplicates: boolean } }> = [
    { name: 'acks=all, idempotent', config: { acks: 'all', 'enable.idempotence': true }, must: { noLoss: true, noDuplicates: true } },
    { name: 'acks=all, not idempotent', config: { acks: 'all', 'enable.idempotence': false }, must: { noLoss: true, noDuplicates: false } },
    { name: 'acks=1, not idempotent', config: { acks: '1', 'enable.idempotence': false }, must: { noLoss: false, noDuplicates: false } },
    { name: 'acks=0, not idempotent', config: { acks: '0', 'enable.idempotence': false }, must: { noLoss: false, noDuplicates: false } },
  ];
  // All four side by side, each on a topic of its own, through the same kill.
  const runs = rows.map((row, i) => ({ row, topic: topics.get(`table${i}`)!, label: `table${i}` }));
  for (const r of runs) await fullIsr(r.topic);
  const streams = runs.map((r) => {
    const producer = newProducer(r.row.config);
    const stream = new NumberedStream(producer, r.topic, r.label, { chunk: 30, pauseMs: 30 });
    stream.start();
    return { ...r, producer, stream };
  });
  await Promise.all(streams.map((s) => s.stream.until('2000 acknowledgements', () => s.stream.acked >= 2000)));
  // The victim: the broker that leads partitions of every topic (the most, in the topic where it
  // leads the fewest), so that each setting meets a leader kill.
  const leaders = await Promise.all(streams.map((s) => Promise.all([...Array(PARTITIONS).keys()].map((p) => leaderOf(s.topic, p)))));
  const led = (node: number): number[] => leaders.map((ls) => ls.filter((l) => l === node).length);
  const victim = cluster.brokers.map((b) => b.nodeId).sort((a, b) => Math.min(...led(b)) - Math.min(...led(a)))[0]!;
  await stopBroker(cluster, victim, { signal: 'SIGKILL' });
  await Promise.all(streams.map((s) => s.stream.progressEverywhere(`every partition of ${s.topic} to flow again after broker ${victim} was killed`, 50)));
  await Promise.all(streams.map((s) => s.stream.stop()));
  for (const s of streams) await closeProducer(s.producer);

  const table = ['| setting | sent | acknowledged | failed | lost (acknowledged, not in the log) | duplicated | failed but written |', '|---|---|---|---|---|---|---|'];
  const failures: string[] = [];
  for (const s of streams) {
    const read = await readWithKcat(live(), s.topic, { timeoutMs: 90_000 });
    // Send order is promised only with idempotence (retries without it may reorder batches).
    const a = audit(s.label, s.stream.sent, read, { offsets: true, order: s.row.config['enable.idempotence'] === true });
    assertFailuresExplained(s.topic, s.stream.sent);
    table.push(`| ${s.row.name} | ${a.sent} | ${a.acknowledged} | ${a.failed} | ${a.lost.length} | ${a.duplicated.length} | ${a.failedButWritten} |`);
    if (a.problems.length > 0) failures.push(`${s.row.name}: ${a.problems.slice(0, 5).join('; ')}`);
    if (s.row.must.noLoss && a.lost.length > 0) failures.push(`${s.row.name}: acknowledged but lost: ${short(a.lost)}`);
    if (s.row.must.noDuplicates && a.duplicated.length > 0) failures.push(`${s.row.name}: duplicated: ${short(a.duplicated)}`);
  }
  console.log(`loss and duplication, broker ${victim} killed -9 mid-stream (it led [${led(victim).join(', ')}] of the 6 partitions of each topic):\n${table.join('\n')}`);
  assert.deepEqual(failures, []);
});
