/**
 * KafkaProducer: the application-thread API. It serializes, partitions and appends each record
 * into the shared accumulator; the Sender worker does everything else. Named and shaped after
 * the Java client's KafkaProducer.
 *
 * The per-record path is {@link KafkaProducer.send} down to RecordAppender.append: no message
 * is posted per record, and with a callback no promise is created either.
 */
import {
  BATCH_HEADER_SIZE,
  SharedLayout,
  LocalErrorCode,
  type AppEventMessage,
  type OAuthBearerTokenResult,
  type PartitionInfo,
  type TopicView,
} from '@tandem/shared-memory';
import { ControlWord } from '@tandem/shared-memory';
import { preloadCodec } from '@tandem/protocol';
import { PartitionLoad } from './accumulator/partition-load.js';
import { AppendResult, RecordAppender, toRecordHeaders, type AppendTarget } from './accumulator/record-appender.js';
import { DeliveryTracker, type Settler } from './accumulator/delivery-tracker.js';
import { resolveProducerConfig, toSenderConfig } from './config/index.js';
import type { ProducerConfigInput, ProducerInterceptor, ResolvedProducerConfig } from './config/index.js';
import {
  AuthenticationError,
  InvalidTopicError,
  KafkaError,
  ProducerClosedError,
  RecordTooLargeError,
  IllegalStateError,
  TimeoutError,
  TransactionAbortedError,
  kafkaErrorFromCode,
} from './errors.js';
import { BuiltInPartitioner, RecordPartitioner, UNKNOWN_PARTITION } from './partitioner/index.js';
import type { ProducerRecord, RecordMetadata, SendCallback } from './record.js';
import { runSerializer, type Serializer } from './serializers.js';
import { OAuthBearerTokens } from './oauth-bearer-tokens.js';
import { SenderHandle } from './sender-handle.js';
import { WaitingSends, type WaitingSend } from './waiting-sends.js';
import {
  ProducerTransactions,
  type ConsumerGroupMetadata,
  type TransactionOffset,
  type TransactionOperation,
} from './transactions/producer-transactions.js';

/** Options of {@link KafkaProducer.close}. */
export interface CloseOptions {
  /**
   * How long to wait for buffered records to be sent, in ms. Records still unsent when it
   * passes fail with a ProducerClosedError. Default: no limit (as Java's close()).
   */
  readonly timeout?: number;
}

/** What the application thread knows of a topic. */
interface TopicState extends AppendTarget {
  readonly name: string;
  view: TopicView;
  readonly sticky: BuiltInPartitioner;
}

// The promise path without a closure per send: the executor is one shared function that
// leaves the resolving functions here, read right after `new Promise` returns.
let capturedResolve: (value: RecordMetadata) => void = () => {};
let capturedReject: (err: Error) => void = () => {};
function capture(resolve: (value: RecordMetadata) => void, reject: (err: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

const State = { OPEN: 0, CLOSING: 1, CLOSED: 2 } as const;

/** setTimeout's longest delay; longer Kafka timeouts are clamped to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A Kafka producer.
 *
 * @example
 * ```ts
 * const producer = new KafkaProducer({ 'bootstrap.servers': 'localhost:9092' });
 * const md = await producer.send({ topic: 'orders', key: 'customer-42', value: '{"total":12}' });
 * producer.send({ topic: 'events', value: 'clicked' }, (err, md) => { if (err) console.error(err); });
 * await producer.close();
 * ```
 */
export class KafkaProducer<K = unknown, V = unknown> {
  /** The resolved configuration (Java's defaults filled in, presets applied). */
  readonly config: ResolvedProducerConfig<K, V>;
  private readonly layout: SharedLayout;
  private readonly appender: RecordAppender;
  private readonly tracker: DeliveryTracker;
  private readonly partitioner: RecordPartitioner;
  private readonly sender: SenderHandle;
  private readonly started: Promise<void>;
  private readonly topics = new Map<string, TopicState>();
  /**
   * The topic of the last append: most sends go to the topic of the send before, and comparing
   * the name costs less than a Map lookup. TopicState objects live as long as the producer.
   */
  private lastTopic: TopicState | null = null;
  private readonly topicsByIndex: TopicState[] = [];
  private readonly topicFetches = new Set<string>();
  private readonly waiting = new WaitingSends((entry) => this.expireWaiting(entry));
  private readonly interceptors: readonly ProducerInterceptor<K, V>[];
  private readonly keySerializer: Serializer<K>;
  private readonly valueSerializer: Serializer<V>;
  /**
   * Which keys and values skip the serializer call because it would return them unchanged:
   * strings (written as UTF-8 straight into the slab) and bytes, for the built-in serializers.
   */
  private readonly keyStrings: boolean;
  private readonly keyBytes: boolean;
  private readonly valueStrings: boolean;
  private readonly valueBytes: boolean;
  private readonly maxRequestSize: number;
  /** partitioner.adaptive.partitioning.enable, with the built-in partitioner in use. */
  private readonly adaptivePartitioning: boolean;
  /** partitioner.availability.timeout.ms. */
  private readonly availabilityTimeoutMs: number;
  private readonly bufferMemory: number;
  /** A producer with transactional.id: this thread's half of transactions, else null. */
  private readonly transactions: ProducerTransactions | null;
  /** SASL/OAUTHBEARER: the token source the Sender asks for each new connection; else null. */
  private readonly oauthTokens: OAuthBearerTokens | null;
  private state: number = State.OPEN;
  private fatalError: KafkaError | null = null;
  private holding = false;
  private controlCalls = 0;
  private closePromise: Promise<void> | null = null;
  private readonly workerGone: Promise<never>;
  private rejectWorkerGone!: (err: Error) => void;
  private waitingDrained: Array<() => void> = [];
  /**
   * A cached wall clock for record timestamps: Date.now() costs about as much as encoding a
   * small record. It is read at most once per 64 sends, and forgotten at the end of each
   * synchronous burst (a microtask), so a timestamp is never older than the burst it is in.
   */
  private clock = 0;
  private clockUses = 0;
  private readonly forgetClock = (): void => {
    this.clockUses = 0;
  };

  /**
   * Validates the configuration (a ConfigError names any bad key) and starts the Sender worker.
   * Connecting to the cluster happens in the background: the first send to a topic waits for its
   * metadata, up to max.block.ms.
   */
  constructor(config: ProducerConfigInput<K, V>) {
    this.config = resolveProducerConfig(config);
    const c = this.config;
    // Slabs are batch.size bytes; a batch.size too small to hold a header still gets workable
    // slabs (each record then takes the one-record-batch path, see RecordAppender).
    const slabSize = Math.max(c['batch.size'], 1024);
    this.layout = SharedLayout.create({ slabSize, slabCount: Math.max(1, Math.floor(c['buffer.memory'] / slabSize)) });
    // A batch never exceeds max.request.size either, so every record over it takes the
    // one-record path, where its size is checked.
    this.appender = new RecordAppender(this.layout, Math.min(c['batch.size'], c['max.request.size']));
    this.tracker = new DeliveryTracker(
      this.layout,
      this.appender,
      (index) => this.topicsByIndex[index]?.name ?? `topic#${index}`,
      (code, topic, partition, count) => this.errorForCode(code, topic, partition, count),
      () => this.processWaiting(),
    );
    this.partitioner = new RecordPartitioner({
      partitioner: c['partitioner.class'] as never,
      ignoreKeys: c['partitioner.ignore.keys'],
      batchSize: c['batch.size'],
      adaptive: c['partitioner.adaptive.partitioning.enable'],
    });
    this.interceptors = c.interceptors;
    this.keySerializer = c['key.serializer'];
    this.valueSerializer = c['value.serializer'];
    this.keyStrings = takesStrings(this.keySerializer);
    this.keyBytes = takesBytes(this.keySerializer);
    this.valueStrings = takesStrings(this.valueSerializer);
    this.valueBytes = takesBytes(this.valueSerializer);
    this.maxRequestSize = c['max.request.size'];
    this.adaptivePartitioning = c['partitioner.adaptive.partitioning.enable'];
    this.availabilityTimeoutMs = c['partitioner.availability.timeout.ms'];
    this.bufferMemory = c['buffer.memory'];
    const transactionalId = c['transactional.id'];
    this.transactions = transactionalId === null ? null : new ProducerTransactions(transactionalId, c['max.block.ms']);
    this.oauthTokens = c.oauthBearer === null ? null : new OAuthBearerTokens(c.oauthBearer);
    // Load the codec's native addon on this thread too, before the worker does: a failure to
    // load it surfaces here, at construction, and an addon first loaded by a worker thread can
    // crash the process when that thread exits (@napi-rs/snappy does: SIGSEGV at close).
    if (c['compression.type'] !== 'none') preloadCodec(c['compression.type']);
    this.workerGone = new Promise<never>((_, reject) => {
      this.rejectWorkerGone = reject;
    });
    this.workerGone.catch(() => {});
    this.sender = new SenderHandle(
      (event) => this.onSenderEvent(event),
      (reason) => this.onSenderExit(reason),
    );
    this.started = this.sender.start(toSenderConfig(c), this.layout.buffers);
    this.started.catch((err: unknown) => this.onSenderExit(`the Sender failed to start: ${String(err)}`));
    this.armCompletions();
  }

  // ------------------------------------------------------------------ send

  /**
   * Sends a record. Returns a promise of its RecordMetadata, settled when the broker
   * acknowledges it (per `acks`) or it fails for good.
   *
   * @throws never: every failure (serialization, size, closed producer, timeout) rejects.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  /**
   * Sends a record and calls `callback` once with its outcome; creates no promise (the fast
   * path for high rates).
   */
  send(record: ProducerRecord<K, V>, callback: SendCallback): void;
  send(record: ProducerRecord<K, V>, callback?: SendCallback): Promise<RecordMetadata> | void {
    let promise: Promise<RecordMetadata> | undefined;
    let success: Settler;
    let failure: ((err: Error) => void) | null;
    if (callback === undefined) {
      promise = new Promise<RecordMetadata>(capture);
      success = capturedResolve;
      failure = capturedReject;
    } else {
      success = callback;
      failure = null;
    }
    if (this.state !== State.OPEN) {
      fail(success, failure, this.fatalError ?? new ProducerClosedError());
      return promise;
    }
    if (this.transactions !== null && this.transactions.state !== 'IN_TRANSACTION') {
      // A transactional producer sends only inside a transaction (Java's failIfNotReadyForSend).
      fail(success, failure, this.transactions.sendError(record.topic)!);
      return promise;
    }
    if (this.interceptors.length > 0) {
      record = this.runOnSend(record);
      [success, failure] = this.withAcknowledgement(success, failure);
    }
    if (this.waiting.memoryLength === 0) {
      const last = this.lastTopic;
      const topic = last !== null && last.name === record.topic ? last : this.topics.get(record.topic);
      if (topic !== undefined) {
        this.lastTopic = topic;
        try {
          if (this.tryAppend(topic, record as ProducerRecord, success, failure)) return promise;
        } catch (err) {
          fail(success, failure, err as Error);
          return promise;
        }
        this.enqueue(record as ProducerRecord, success, failure);
        return promise;
      }
    }
    // Behind the sends waiting for memory (order is kept), or the topic is new.
    this.enqueue(record as ProducerRecord, success, failure);
    return promise;
  }

  /**
   * Serializes, partitions and appends. Returns false when buffer memory is exhausted (the
   * caller queues the send); throws for a record that can never be sent.
   */
  private tryAppend(
    topic: TopicState,
    record: ProducerRecord,
    success: Settler,
    failure: ((err: Error) => void) | null,
  ): boolean {
    const name = topic.name;
    const k = record.key;
    let key: Uint8Array | null;
    if (k === undefined || k === null) key = null;
    else if (this.keyStrings && typeof k === 'string') key = Buffer.from(k, 'utf8');
    else if (this.keyBytes && k instanceof Uint8Array) key = k;
    else key = runSerializer(this.keySerializer, name, k as K, record.headers, 'key');

    const v = record.value;
    let value: Uint8Array | string | null;
    if (this.valueStrings && typeof v === 'string') value = v;
    else if (this.valueBytes && v instanceof Uint8Array) value = v;
    else value = runSerializer(this.valueSerializer, name, v as V, record.headers, 'value');

    let partition = this.partitioner.choose(name, record.partition, key, 0, key === null ? 0 : key.length, topic.view, record);
    let sticky: BuiltInPartitioner | null = null;
    if (partition === UNKNOWN_PARTITION) {
      sticky = topic.sticky;
      partition = sticky.partition(topic.view);
      if (topic.openSlab[partition] === -1) {
        // A new batch: where the partitioner may switch, so it gets fresh load statistics.
        if (this.adaptivePartitioning) topic.load.feed(sticky, topic.view, this.availabilityTimeoutMs, this.now());
        partition = sticky.onNewBatch(topic.view);
      }
    }
    const timestamp = record.timestamp ?? this.now();
    if (!(timestamp >= 0)) throw new RangeError(`Invalid timestamp ${String(timestamp)} for a record to topic '${name}': must be ms since the epoch, >= 0.`);

    const headers = record.headers === undefined ? null : toRecordHeaders(record.headers);
    const result = this.appender.append(topic, partition, timestamp, key, value, headers);
    if (result === AppendResult.APPENDED) {
      this.tracker.track(this.appender.lastSlab, this.appender.lastRecordIndex, success, failure);
      if (!this.holding) this.updateHold();
      if (sticky !== null) sticky.afterAppend(this.appender.lastRecordSize, false, topic.view);
      return true;
    }
    if (result === AppendResult.TOO_LARGE_FOR_SLAB) {
      // As Java's ensureValidRecordSize: the record's one-record batch, header included, must
      // fit max.request.size and buffer.memory.
      const size = this.appender.lastRecordSize + BATCH_HEADER_SIZE;
      if (size > this.maxRequestSize) throw RecordTooLargeError.forRecord(name, size, 'max.request.size', this.maxRequestSize);
      if (size > this.bufferMemory) throw RecordTooLargeError.forRecord(name, size, 'buffer.memory', this.bufferMemory);
      if (!this.appender.appendLarge(topic, partition, timestamp, key, value, headers)) return false;
      this.tracker.track(this.appender.lastSlab, 0, success, failure);
      if (!this.holding) this.updateHold();
      return true;
    }
    return false; // NO_MEMORY
  }

  /** The current time for a record timestamp (see {@link clock}). */
  private now(): number {
    const uses = this.clockUses++;
    if (uses === 0) {
      this.clock = Date.now();
      queueMicrotask(this.forgetClock);
    } else if ((uses & 63) === 0) {
      this.clock = Date.now();
    }
    return this.clock;
  }

  // ------------------------------------------------------------------ waiting sends

  /**
   * Queues a send that cannot be appended now: for memory if its topic is known (it resumes
   * when a completion frees a slab, onMemoryFreed), else for its topic's metadata, which does
   * not hold back sends to other topics.
   */
  private enqueue(record: ProducerRecord, success: Settler, failure: ((err: Error) => void) | null): void {
    const entry: WaitingSend = { record, success, failure, reason: 'memory', deadline: Date.now() + this.config['max.block.ms'] };
    if (this.topics.has(record.topic)) {
      this.waiting.pushForMemory(entry);
    } else {
      this.waiting.pushForMetadata(entry);
      this.fetchTopic(record.topic);
    }
    this.updateHold();
  }

  private expireWaiting(entry: WaitingSend): void {
    const maxBlock = this.config['max.block.ms'];
    const topic = entry.record.topic;
    const err =
      entry.reason === 'metadata' || !this.topics.has(topic)
        ? new TimeoutError(`Topic ${topic} not present in metadata after ${maxBlock} ms.`, { topic, setting: 'max.block.ms', timeoutMs: maxBlock })
        : new TimeoutError(
            `Failed to allocate memory for a record to topic '${topic}' within max.block.ms (${maxBlock} ms): buffer.memory (${this.bufferMemory} bytes) is full. ` +
              'Raise buffer.memory or max.block.ms, or send less.',
            { topic, setting: 'max.block.ms', timeoutMs: maxBlock },
          );
    fail(entry.success, entry.failure, err);
    this.afterWaitingChange();
  }

  /** Appends the sends waiting for memory, in order, as far as memory allows. */
  private processWaiting(): void {
    while (this.waiting.memoryLength > 0 && this.state !== State.CLOSED) {
      const head = this.waiting.peekMemory()!;
      // Known: only sends to known topics wait for memory, and topics are never forgotten.
      const topic = this.topics.get(head.record.topic)!;
      let appended: boolean;
      try {
        appended = this.tryAppend(topic, head.record, head.success, head.failure);
      } catch (err) {
        fail(head.success, head.failure, err as Error);
        appended = true;
      }
      if (!appended) break;
      this.waiting.shiftMemory();
    }
    this.afterWaitingChange();
  }

  private afterWaitingChange(): void {
    if (this.waiting.length === 0) for (const resolve of this.waitingDrained.splice(0)) resolve();
    this.updateHold();
  }

  /**
   * Asks the Sender for a topic's metadata (once at a time per topic), for as long as the
   * oldest send waiting for it may still wait.
   */
  private fetchTopic(name: string): void {
    if (this.topicFetches.has(name) || this.state === State.CLOSED) return;
    const deadline = this.waiting.metadataDeadline(name);
    if (deadline === undefined) return;
    this.topicFetches.add(name);
    void this.control(this.sender.control.waitForTopic(name, Math.max(0, deadline - Date.now()))).then(
      (view) => {
        this.topicFetches.delete(name);
        this.addTopic(view);
      },
      (err: Error) => {
        this.topicFetches.delete(name);
        if (err.name === 'TIMEOUT') {
          // The oldest sends' max.block.ms is over (their own timers fail them, if not yet);
          // younger ones keep waiting, each for its own max.block.ms.
          this.waiting.expireMetadataWaits(name, Date.now());
          this.fetchTopic(name);
          this.afterWaitingChange();
        } else {
          const error = this.topicError(name, err);
          for (const w of this.waiting.takeMetadataWaits(name)) fail(w.success, w.failure, error);
          this.afterWaitingChange();
        }
      },
    );
  }

  private topicError(topic: string, err: Error): Error {
    switch (err.name) {
      case 'TIMEOUT':
        return new TimeoutError(err.message, { topic, setting: 'max.block.ms', timeoutMs: this.config['max.block.ms'] });
      case 'INVALID_TOPIC_EXCEPTION':
        return new InvalidTopicError(`Invalid topic name '${topic}': ${err.message}`, { topic, kafkaErrorCode: 17, kafkaErrorName: err.name });
      case 'CLOSED':
        return new ProducerClosedError(`The producer was closed before metadata for topic '${topic}' arrived.`);
      case 'AUTHENTICATION_FAILED':
        return new AuthenticationError(`Fetching metadata for topic '${topic}' failed: ${err.message}`, { topic });
      default: {
        const code = { TOPIC_AUTHORIZATION_FAILED: 29 }[err.name];
        return (code !== undefined ? kafkaErrorFromCode(code, { topic }) : undefined) ?? err;
      }
    }
  }

  private addTopic(view: TopicView): TopicState {
    let t = this.topics.get(view.topic);
    if (t === undefined) {
      const openSlab = new Int32Array(view.partitionCount).fill(-1);
      t = {
        name: view.topic,
        topicIndex: view.topicIndex,
        openSlab,
        load: new PartitionLoad(view.partitionCount),
        view,
        sticky: this.partitioner.builtIn(view.topic),
      };
      this.topics.set(view.topic, t);
      this.topicsByIndex[view.topicIndex] = t;
      // Its sends that waited for metadata go first: later sends to it now queue behind them.
      if (this.waiting.metadataArrived(view.topic) > 0) this.processWaiting();
    } else {
      if (view.partitionCount > t.openSlab.length) {
        const grown = new Int32Array(view.partitionCount).fill(-1);
        grown.set(t.openSlab);
        t.openSlab = grown;
        t.load.grow(view.partitionCount);
      }
      t.view = view;
    }
    return t;
  }

  // ------------------------------------------------------------------ completions

  /**
   * Waits for the Sender's doorbell without blocking; settles what it reports. Re-armed after
   * each drain, so the Sender rings once per drain, not once per completion.
   */
  private armCompletions(): void {
    if (this.state === State.CLOSED) return;
    const control = this.layout.control;
    for (;;) {
      const value = this.layout.arm(ControlWord.APP_DOORBELL);
      if (this.layout.completions.size() > 0) {
        this.drainCompletions();
        continue;
      }
      const wait = Atomics.waitAsync(control, ControlWord.APP_DOORBELL, value);
      if (wait.async) void wait.value.then(() => this.armCompletions());
      else setImmediate(() => this.armCompletions());
      return;
    }
  }

  private drainCompletions(): void {
    if (this.tracker.drain() > 0) this.updateHold();
  }

  /** Keeps the process alive exactly while work is in progress. */
  private updateHold(): void {
    const busy = this.tracker.pending > 0 || this.waiting.length > 0 || this.controlCalls > 0;
    if (busy === this.holding || this.sender.exitReason !== null) return;
    this.holding = busy;
    if (busy) this.sender.hold();
    else this.sender.release();
  }

  /** Runs a control call, holding the process alive and failing fast if the worker dies. */
  private async control<T>(call: Promise<T>): Promise<T> {
    this.controlCalls++;
    this.updateHold();
    try {
      return await Promise.race([call, this.workerGone]);
    } finally {
      this.controlCalls--;
      this.updateHold();
    }
  }

  private errorForCode(code: number, topic: string, partition: number, count: number): Error {
    switch (code) {
      case LocalErrorCode.DELIVERY_TIMEOUT: {
        const ms = this.config['delivery.timeout.ms'];
        return new TimeoutError(
          `Expiring ${count} record(s) for ${topic}-${partition}: ${ms} ms has passed since batch creation (delivery.timeout.ms).`,
          { topic, partition, setting: 'delivery.timeout.ms', timeoutMs: ms },
        );
      }
      case LocalErrorCode.CLOSED_BEFORE_SENT:
        return new ProducerClosedError(
          `The producer was closed before ${count} record(s) for ${topic}-${partition} could be sent (close timeout).`,
          { topic, partition },
        );
      case LocalErrorCode.TRANSACTION_ABORTED:
        return new TransactionAbortedError(
          `${count} record(s) for ${topic}-${partition} were not sent: their transaction was aborted, or failed and must be aborted, first.`,
          { topic, partition },
        );
      case LocalErrorCode.RECORD_TOO_LARGE:
        return new RecordTooLargeError(`A batch for ${topic}-${partition} is larger than the broker accepts and cannot be split.`, {
          topic,
          partition,
          setting: 'message.max.bytes',
        });
      case LocalErrorCode.SENDER_FATAL: {
        // The transaction manager failed fatally with no broker error to name (Java's
        // abortBatches with its lastError); the transactional call says why, if it knows.
        const cause = this.transactions?.state === 'FATAL_ERROR' ? this.transactions.sendError(topic) : null;
        return new KafkaError(
          'ERR_TANDEM_KAFKA',
          `${count} record(s) for ${topic}-${partition} failed: the producer hit an error it cannot recover from` +
            `${cause !== null ? ` (${cause.message})` : ''}. Close it and create a new one.`,
          { topic, partition, fatal: true, cause: cause ?? undefined },
        );
      }
      default:
        return (
          kafkaErrorFromCode(code, { topic, partition, api: 'Produce' }) ??
          new KafkaError('ERR_TANDEM_KAFKA', `Sending to ${topic}-${partition} failed with code ${code}.`, { topic, partition })
        );
    }
  }

  // ------------------------------------------------------------------ control plane

  /**
   * Sends every buffered record now (ignoring linger.ms) and resolves when all records sent
   * before this call have completed, successfully or not.
   */
  async flush(): Promise<void> {
    if (this.state === State.CLOSED) return;
    await this.control(this.started);
    if (this.waiting.length > 0) await this.control(new Promise<void>((resolve) => this.waitingDrained.push(resolve)));
    for (const t of this.topics.values()) this.appender.sealAll(t);
    await this.control(this.sender.control.flush());
    this.drainCompletions();
  }

  /**
   * Sends what is buffered, then stops the Sender worker. With a `timeout`, records still unsent
   * when it passes fail with a ProducerClosedError. A send after close fails at once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closePromise === null) this.closePromise = this.doClose(options.timeout ?? Infinity);
    return this.closePromise;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    if (!(timeoutMs >= 0)) throw new RangeError(`close timeout must be >= 0 ms, got ${timeoutMs}`);
    const deadline = Date.now() + timeoutMs;
    this.state = State.CLOSING;
    this.controlCalls++;
    this.updateHold();
    try {
      // After a fatal failure the worker is being torn down: nothing is left to send.
      if (this.sender.exitReason === null && this.fatalError === null) {
        await this.control(this.started).catch(() => {});
        if (this.waiting.length > 0) {
          const drained = new Promise<void>((resolve) => this.waitingDrained.push(resolve));
          const left = deadline - Date.now();
          // The timer must not outlive the race: with no timeout it would hold the process
          // alive for 24.8 days after close().
          let timer: NodeJS.Timeout | undefined;
          const timedOut = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.min(Math.max(0, left), MAX_TIMER_MS));
          });
          await Promise.race([drained, timedOut]);
          clearTimeout(timer);
        }
        for (const w of this.waiting.clear()) {
          fail(w.success, w.failure, new ProducerClosedError('The producer was closed before the record could be buffered (close timeout).'));
        }
        for (const t of this.topics.values()) this.appender.sealAll(t);
        const left = Math.min(Math.max(0, deadline - Date.now()), MAX_TIMER_MS);
        await this.control(this.sender.control.close(left)).catch(() => {});
        this.drainCompletions();
      }
      this.tracker.failAll(this.fatalError ?? new ProducerClosedError('The producer was closed before the record was acknowledged.'));
      this.state = State.CLOSED;
      await this.sender.terminate().catch(() => {});
      for (const i of this.interceptors) await safely(() => i.close?.());
      await safely(() => this.keySerializer.close?.());
      await safely(() => this.valueSerializer.close?.());
    } finally {
      this.state = State.CLOSED;
      this.controlCalls--;
      this.updateHold();
    }
  }

  /** The partitions of a topic and their leaders, waiting up to max.block.ms for metadata. */
  async partitionsFor(topic: string): Promise<PartitionInfo[]> {
    if (this.state !== State.OPEN) throw this.fatalError ?? new ProducerClosedError();
    try {
      // Learn the topic on this side too, as Java's partitionsFor fills the metadata cache that
      // send() then uses.
      this.addTopic(await this.control(this.sender.control.waitForTopic(topic, this.config['max.block.ms'])));
      return await this.control(this.sender.control.partitionsFor(topic, this.config['max.block.ms']));
    } catch (err) {
      throw this.topicError(topic, err as Error);
    }
  }

  // ------------------------------------------------------------------ transactions

  /**
   * Readies a producer with `transactional.id` for transactions: finds its transaction
   * coordinator and gets a producer id and epoch. This fences every older producer with the same
   * transactional.id (its open transaction is aborted, its later calls fail with
   * ProducerFencedError). Call it once, before the first beginTransaction(). Bounded by
   * max.block.ms: after a TimeoutError the work goes on, and calling initTransactions() again
   * waits for it.
   *
   * @throws IllegalStateError without transactional.id, or when called twice;
   *   ProducerFencedError or another fatal KafkaError (close the producer); TimeoutError.
   *
   * @example
   * ```ts
   * const producer = new KafkaProducer({ 'bootstrap.servers': 'localhost:9092', 'transactional.id': 'orders-1' });
   * await producer.initTransactions();
   * await producer.beginTransaction();
   * producer.send({ topic: 'orders', value: 'a' });
   * producer.send({ topic: 'audit', value: 'a' });
   * await producer.commitTransaction(); // read_committed consumers see both records, or neither
   * ```
   */
  async initTransactions(): Promise<void> {
    const tx = this.transactional('initTransactions');
    await this.control(this.started);
    await tx.call('initTransactions', tx.state === 'UNINITIALIZED' ? 'INITIALIZING' : null, 'READY', () =>
      this.control(this.sender.control.initTransactions(this.config['max.block.ms'])),
    );
  }

  /**
   * Starts a transaction: every record sent until commitTransaction() or abortTransaction()
   * belongs to it. Local (nothing is sent); sends made right after the call, before its promise
   * settles, already belong to the transaction.
   *
   * @throws IllegalStateError before initTransactions() or while a transaction is open;
   *   TransactionAbortableError, ProducerFencedError.
   */
  async beginTransaction(): Promise<void> {
    const tx = this.transactional('beginTransaction');
    await tx.call('beginTransaction', tx.state === 'READY' ? 'IN_TRANSACTION' : null, 'IN_TRANSACTION', () =>
      this.control(this.sender.control.beginTransaction()),
    );
  }

  /**
   * Adds consumed offsets to the transaction (consume-transform-produce): the group's offsets are
   * committed if, and only if, the transaction commits. Each offset is the next one to consume
   * from its partition: the last processed record's offset + 1. Give the consumer's group
   * metadata (group id, generation, member id) so the coordinator can fence a zombie consumer,
   * or only the group id. Resolves once the group coordinator has the offsets; bounded by
   * max.block.ms.
   *
   * @throws IllegalStateError outside a transaction; TransactionAbortableError (e.g. the group's
   *   generation moved on: abort), ProducerFencedError, TimeoutError; TypeError for bad arguments.
   *
   * @example
   * ```ts
   * await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: lastOffset + 1 }], { groupId: 'etl' });
   * ```
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], groupMetadata: ConsumerGroupMetadata | string): Promise<void> {
    const tx = this.transactional('sendOffsetsToTransaction');
    const args = ProducerTransactions.offsetsArgument(offsets, groupMetadata);
    await tx.call('sendOffsetsToTransaction', null, 'IN_TRANSACTION', () =>
      this.control(this.sender.control.sendOffsetsToTransaction(args.offsets, args.group, this.config['max.block.ms'])),
    );
  }

  /**
   * Commits the transaction: sends every record of it (ignoring linger.ms), waits until each is
   * acknowledged, then commits. When it resolves, every record of the transaction has settled and
   * read_committed consumers can read them. Bounded by max.block.ms: after a TimeoutError the
   * commit goes on, and calling commitTransaction() again waits for it.
   *
   * @throws TransactionAbortableError when a record or an offset of the transaction failed: call
   *   abortTransaction(); ProducerFencedError (close the producer); IllegalStateError with no
   *   transaction in progress; TimeoutError.
   */
  async commitTransaction(): Promise<void> {
    const tx = this.transactional('commitTransaction');
    await tx.call('commitTransaction', tx.state === 'IN_TRANSACTION' ? 'COMMITTING_TRANSACTION' : null, 'READY', async () => {
      await this.sealForTransaction();
      await this.control(this.sender.control.commitTransaction(this.config['max.block.ms']));
    });
    this.drainCompletions();
  }

  /**
   * Aborts the transaction: records not sent yet fail with TransactionAbortedError, those in
   * flight are waited for, and read_committed consumers never see any of them. The way out of a
   * TransactionAbortableError. Bounded by max.block.ms.
   *
   * @throws ProducerFencedError or another fatal error; IllegalStateError with no transaction in
   *   progress; TimeoutError.
   */
  async abortTransaction(): Promise<void> {
    const tx = this.transactional('abortTransaction');
    const aborting = tx.state === 'IN_TRANSACTION' || tx.state === 'ABORTABLE_ERROR';
    if (aborting) {
      const err = new TransactionAbortedError('The record was not sent: its transaction was aborted first.');
      for (const w of this.waiting.clear()) fail(w.success, w.failure, err);
      this.afterWaitingChange();
    }
    // Open batches are left to the Sender, which fails them unsent; sealing them here would
    // make them ready, and the Sender could send them before it sees the abort.
    await tx.call('abortTransaction', aborting ? 'ABORTING_TRANSACTION' : null, 'READY', () =>
      this.control(this.sender.control.abortTransaction(this.config['max.block.ms'])),
    );
    this.drainCompletions();
  }

  /** This producer's transactions, or an IllegalStateError for `operation` without transactional.id. */
  private transactional(operation: TransactionOperation): ProducerTransactions {
    if (this.state !== State.OPEN) throw this.fatalError ?? new ProducerClosedError();
    if (this.transactions === null) {
      throw new IllegalStateError(
        `Cannot call ${operation}() on a producer without 'transactional.id': set it (idempotence stays on) to use transactions.`,
        { state: 'NOT_TRANSACTIONAL', operation },
      );
    }
    return this.transactions;
  }

  /** Every record sent so far joins its batch: waiting sends are appended, open batches sealed. */
  private async sealForTransaction(): Promise<void> {
    if (this.waiting.length > 0) await this.control(new Promise<void>((resolve) => this.waitingDrained.push(resolve)));
    for (const t of this.topics.values()) this.appender.sealAll(t);
  }

  /**
   * A snapshot of the producer's metrics, with the Java client's names where one exists
   * (totals since construction; times in ms unless said):
   * - records: `record-send-total` (acknowledged), `record-error-total`, `record-retry-total`,
   *   `records-pending` (sent, not yet settled), `waiting-threads` (sends waiting for metadata
   *   or memory: Java's count of threads blocked in send());
   * - requests: `request-total`, `response-total`, `outgoing-byte-total`,
   *   `request-latency-avg`/`-max`, `produce-throttle-time-avg`/`-max` (broker quotas);
   * - batches: `batch-size-avg`/`-max` (bytes), `records-per-batch-avg`, `batch-split-total`,
   *   `compression-rate-avg` (compressed / uncompressed), `batches-incomplete`;
   * - connections: `connection-creation-total` (broker connections opened, handshakes done),
   *   `successful-reauthentication-total` (SASL sessions renewed in place, KIP-368);
   * - memory: `buffer-total-bytes`, `buffer-available-bytes`;
   * - metadata: `metadata-refresh-total`, `metadata-age` (seconds since the last refresh, -1
   *   before the first).
   * After close() only the application thread's own metrics are left.
   */
  async metrics(): Promise<Record<string, number>> {
    const sender = this.state === State.CLOSED ? {} : await this.control(this.sender.control.metrics());
    return {
      ...sender,
      'buffer-total-bytes': this.layout.slabCount * this.layout.slabSize,
      'buffer-available-bytes': this.appender.freeSlabs * this.layout.slabSize,
      'waiting-threads': this.waiting.length,
      'records-pending': this.tracker.pending,
    };
  }

  // ------------------------------------------------------------------ worker events

  private onSenderEvent(event: AppEventMessage): void {
    if (event.type === 'topicChanged') this.addTopic(event.view);
    else if (event.type === 'oauthTokenNeeded') this.giveOAuthToken(event.requestId);
    else this.die(event.message);
  }

  /** Answers the Sender's request for an OAuth bearer token: one, or why there is none. */
  private giveOAuthToken(requestId: number): void {
    const answer = (result: OAuthBearerTokenResult): void => {
      // The worker may be gone (closing); its connection attempt then does not matter.
      this.sender.control.oauthToken(requestId, result).catch(() => {});
    };
    if (this.oauthTokens === null) {
      answer({ error: 'no OAUTHBEARER token source is configured' });
      return;
    }
    this.oauthTokens.get().then(
      (token) => answer({ token }),
      (err: unknown) => answer({ error: err instanceof Error ? err.message : String(err) }),
    );
  }

  private onSenderExit(reason: string): void {
    if (this.state === State.CLOSED && this.closePromise !== null) return;
    this.die(reason);
  }

  /** The Sender is gone: every pending and future send fails at once. */
  private die(reason: string): void {
    if (this.fatalError !== null) return;
    const err = new ProducerClosedError(`The producer can no longer send: ${reason}`, { fatal: true });
    this.fatalError = err;
    this.state = State.CLOSED;
    this.rejectWorkerGone(err);
    for (const w of this.waiting.clear()) fail(w.success, w.failure, err);
    this.tracker.failAll(err);
    this.holding = false;
    void this.sender.terminate().catch(() => {});
  }

  // ------------------------------------------------------------------ interceptors

  private runOnSend(record: ProducerRecord<K, V>): ProducerRecord<K, V> {
    for (const i of this.interceptors) {
      if (i.onSend === undefined) continue;
      try {
        record = i.onSend(record);
      } catch (err) {
        // As Java: an interceptor that throws is logged and skipped.
        process.emitWarning(`Tandem: interceptor onSend threw, skipped: ${String(err)}`, 'TandemInterceptorWarning');
      }
    }
    return record;
  }

  private withAcknowledgement(
    success: Settler,
    failure: ((err: Error) => void) | null,
  ): [Settler, ((err: Error) => void) | null] {
    const acknowledge = (metadata: RecordMetadata | null, error: Error | null): void => {
      for (const i of this.interceptors) {
        if (i.onAcknowledgement === undefined) continue;
        try {
          i.onAcknowledgement(metadata, error);
        } catch (err) {
          process.emitWarning(`Tandem: interceptor onAcknowledgement threw, skipped: ${String(err)}`, 'TandemInterceptorWarning');
        }
      }
    };
    if (failure === null) {
      const cb = success as unknown as SendCallback;
      const wrapped: SendCallback = (error, metadata) => {
        acknowledge(metadata, error);
        cb(error, metadata);
      };
      return [wrapped as Settler, null];
    }
    const resolve = success as unknown as (md: RecordMetadata) => void;
    return [
      ((md: RecordMetadata) => {
        acknowledge(md, null);
        resolve(md);
      }) as Settler,
      (err: Error) => {
        acknowledge(null, err);
        failure(err);
      },
    ];
  }
}

function takesStrings(s: Serializer<unknown>): boolean {
  return s.kind === 'auto' || s.kind === 'string';
}

function takesBytes(s: Serializer<unknown>): boolean {
  return s.kind === 'auto' || s.kind === 'bytes';
}

/** Fails one send: a callback (failure null) or a promise's reject. */
function fail(success: Settler, failure: ((err: Error) => void) | null, err: Error): void {
  if (failure !== null) {
    failure(err);
    return;
  }
  try {
    (success as unknown as SendCallback)(err, null);
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown;
    });
  }
}


async function safely(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch {
    // close() of a user's interceptor or serializer: nothing useful to do with its failure.
  }
}
