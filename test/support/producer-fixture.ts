/**
 * The fixture the producer integration tests (test/integration/producer-*.test.ts) share: the
 * harness broker, the producers and stall proxies a test makes against it (closed after the
 * file's tests, whatever the tests did to them), and the outcome of a send watched without
 * awaiting it. What they send is compared with what is read back by producer-readback.ts.
 *
 * A file calls {@link setUpProducerTests} once, at its top level; from its `before` hook on,
 * {@link kafka} is the cluster, and {@link producer} and {@link proxy} make what the tests use.
 * Each test file runs in a process of its own (node --test), so this module's state is that
 * file's alone.
 *
 * @example
 * ```ts
 * import { kafka, producer, setUpProducerTests } from '../support/producer-fixture.js';
 *
 * setUpProducerTests('producer-batching.test');
 *
 * test('linger.ms ...', async () => {
 *   await createTopic(kafka.bootstrap, topic, { partitions: 1 });
 *   const p = producer({ 'linger.ms': 400 });
 *   ...
 * });
 * ```
 */
import { after, before } from 'node:test';
import { KafkaProducer, type ProducerRecord, type RecordMetadata } from '@tandem/producer';
import { ensureKafka, type KafkaCluster } from '../kafka/index.js';
import { failIfHeldOpen } from './producer-readback.js';
import { StallProxy } from './stall-proxy.js';

/** A record of strings or bytes, as the default serializers take it. */
export type Rec = ProducerRecord<string | Uint8Array | null, string | Uint8Array | null>;

/**
 * The harness cluster (started, or found running, by `ensureKafka`), set by the `before` hook
 * of {@link setUpProducerTests}: read it inside tests and hooks, not at a file's top level.
 */
export let kafka: KafkaCluster;

/** Options of {@link setUpProducerTests}. */
export interface ProducerTestOptions {
  /**
   * The timeout given to each producer's close() after the tests (default 5000 ms). Files
   * whose producers may be stuck behind a held {@link proxy} use a shorter one.
   */
  readonly closeTimeoutMs?: number;
}

const producers: Array<Pick<KafkaProducer, 'close'>> = [];
const proxies: StallProxy[] = [];
let setUp = false;

/**
 * Registers the file's `before` hook (the harness broker, as {@link kafka}) and its `after` hook:
 * every producer and proxy made here is closed (a close that fails is ignored: the test that
 * broke the producer has already reported it), then the file fails if anything still holds the
 * process open (`failIfHeldOpen(file)`). Call once, at the file's top level.
 *
 * @param file - the test file's name as the held-open report gives it, e.g. `'producer-errors.test'`
 */
export function setUpProducerTests(file: string, options: ProducerTestOptions = {}): void {
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  setUp = true;
  before(async () => {
    kafka = await ensureKafka();
  });
  after(async () => {
    await Promise.all(producers.map((p) => p.close({ timeout: closeTimeoutMs }).catch(() => {})));
    await Promise.all(proxies.map((p) => p.close()));
    failIfHeldOpen(file);
  });
}

/**
 * A KafkaProducer with `config` over `bootstrap.servers` (the harness broker's, or `bootstrap`,
 * e.g. a {@link proxy}'s), closed after the file's tests.
 */
export function producer<K = unknown, V = unknown>(config: Record<string, unknown>, bootstrap = kafka.bootstrap): KafkaProducer<K, V> {
  if (!setUp) throw new Error('producer(): call setUpProducerTests() first, or nothing closes it');
  const p = new KafkaProducer<K, V>({ 'bootstrap.servers': bootstrap, ...config } as never);
  producers.push(p);
  return p;
}

/** A {@link StallProxy} in front of the harness broker, closed after the file's tests (after its producers). */
export async function proxy(): Promise<StallProxy> {
  if (!setUp) throw new Error('proxy(): call setUpProducerTests() first, or nothing closes it');
  const p = await StallProxy.start(kafka.bootstrap);
  proxies.push(p);
  return p;
}

/** The outcome of a send, captured without awaiting it: filled in when the send settles. */
export interface Outcome {
  /** When it settled (performance.now()), or null while it is pending. */
  settledAt: number | null;
  error: Error | null;
  metadata: RecordMetadata | null;
}

/** Watches a send: the returned {@link Outcome} is filled in when `promise` settles. */
export function watch(promise: Promise<RecordMetadata>): Outcome {
  const o: Outcome = { settledAt: null, error: null, metadata: null };
  promise.then(
    (md) => Object.assign(o, { settledAt: performance.now(), metadata: md }),
    (err: Error) => Object.assign(o, { settledAt: performance.now(), error: err }),
  );
  return o;
}

/** Resolves on the event loop's next turn (setImmediate): what settles "at once" has settled by then. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
