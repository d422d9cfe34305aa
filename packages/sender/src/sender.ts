/**
 * The Sender: the worker thread's loop that turns sealed slabs into Produce requests and their
 * responses into completions. Read the Java client's Sender#runOnce for the shape: ready check,
 * drain per leader, send, handle responses (retry, split, fail), expire, refresh metadata.
 *
 * The loop is event driven: it runs when the application rings the doorbell (a slab opened or
 * filled, a flush), when a response or connection arrives, and when the earliest linger or
 * backoff deadline passes. It never blocks: it waits with Atomics.waitAsync and timers, so its
 * own sockets keep flowing.
 */
import {
  ControlWord,
  LocalErrorCode,
  SenderState,
  SharedLayout,
  type AppEvents,
  type ConsumerGroupMetadata,
  type LayoutBuffers,
  type OAuthBearerToken,
  type OAuthBearerTokenResult,
  type PartitionInfo,
  type SenderConfig,
  type SenderControl,
  type TopicView,
  type TransactionOffset,
} from '@tandem/shared-memory';
import {
  InitProducerId,
  Metadata,
  buildRecordBatch,
  codecFor,
  decodeRecords,
  isRetriableErrorCode,
  kafkaErrorByCode,
  writeBatchHeader,
  writeBatchHeaderForRecords,
  crc32c,
  type BatchHeader,
  type PartitionProduceData,
  type ProduceResponse,
} from '@tandem/protocol';
import { BatchState, ProducerBatch } from './accumulator/producer-batch.js';
import { PartitionQueue, RecordAccumulator } from './accumulator/record-accumulator.js';
import { ClusterMetadata } from './metadata/cluster-metadata.js';
import { NetworkError } from './network/broker-connection.js';
import { NetworkClient, UnsupportedVersionError, type ReadyConnection } from './network/network-client.js';
import { bumpedEpoch, mayNumberNewBatch, restartSequences, sequenceErrorVerdict } from './transactions/idempotence.js';
import { TransactionManager } from './transactions/transaction-manager.js';

/**
 * While the application keeps announcing batches, the Sender looks at the announce ring every
 * POLL_MS instead of arming its doorbell, so the application does not ring it: a ring that wakes
 * the Sender is a cross-thread notify that costs the application thread microseconds
 * (benchmarks/micro/send.js prints their count and time), about one per batch at 100,000
 * records/s. Only with linger.ms of
 * at least POLL_MS: a full batch may then wait up to POLL_MS for the Sender's next look, inside
 * the delay linger.ms already allows. With linger.ms 0 every new batch rings, as in Java.
 */
const POLL_MS = 1;
/** The Sender keeps polling until it has seen no announcement for this long, then arms. */
const POLL_IDLE_MS = 3;

/** Kafka error codes the Sender reacts to by name. */
const Err = {
  UNKNOWN_SERVER_ERROR: -1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  NETWORK_EXCEPTION: 13,
  INVALID_TOPIC_EXCEPTION: 17,
  TOPIC_AUTHORIZATION_FAILED: 29,
  UNSUPPORTED_VERSION: 35,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  UNKNOWN_PRODUCER_ID: 59,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNKNOWN_TOPIC_ID: 100,
} as const;

/** Errors after which the partition's leader may have moved: refresh metadata. */
const INVALID_METADATA = new Set<number>([
  Err.UNKNOWN_TOPIC_OR_PARTITION,
  Err.LEADER_NOT_AVAILABLE,
  Err.NOT_LEADER_OR_FOLLOWER,
  Err.NETWORK_EXCEPTION,
  Err.REQUEST_TIMED_OUT,
  Err.FENCED_LEADER_EPOCH,
  Err.UNKNOWN_LEADER_EPOCH,
  Err.UNKNOWN_TOPIC_ID,
]);

/** Topic errors that no amount of waiting fixes: a waiting send fails at once. */
const FATAL_TOPIC_ERRORS = new Set<number>([Err.INVALID_TOPIC_EXCEPTION, Err.TOPIC_AUTHORIZATION_FAILED]);

/** The timeout a Java idempotent producer sends with InitProducerId (Integer.MAX_VALUE). */
const IDEMPOTENT_TXN_TIMEOUT = 2147483647;

interface TopicWaiter {
  resolve(view: TopicView): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface FlushWaiter {
  /** Every batch with an id up to this must be done. */
  readonly mark: number;
  resolve(): void;
}

/** A failure of a control call, carried by comlink as an Error with this `name`. */
function controlError(code: string, message: string): Error {
  const err = new Error(message);
  err.name = code;
  return err;
}

/** Counters behind metrics(); Java's names where one exists. */
class SenderMetrics {
  recordSendTotal = 0;
  recordErrorTotal = 0;
  recordRetryTotal = 0;
  batchSplitTotal = 0;
  requestTotal = 0;
  responseTotal = 0;
  outgoingByteTotal = 0;
  requestLatencyTotalMs = 0;
  requestLatencyMaxMs = 0;
  batchSizeTotal = 0;
  batchSizeMax = 0;
  batches = 0;
  compressedBytes = 0;
  uncompressedBytes = 0;
  metadataRefreshTotal = 0;
  produceThrottleTotalMs = 0;
  produceThrottleMaxMs = 0;
}

export class Sender implements SenderControl {
  private config!: SenderConfig;
  private layout!: SharedLayout;
  private accumulator!: RecordAccumulator;
  private network!: NetworkClient;
  private readonly metadata = new ClusterMetadata();
  private readonly metricsData = new SenderMetrics();

  private producerId = -1n;
  private producerEpoch = -1;
  private pidState: 'disabled' | 'none' | 'pending' | 'ready' = 'disabled';
  private pidRetryAtMs = 0;
  /**
   * Idempotence (not transactional): partitions whose sequence can no longer be trusted, because
   * a batch that may or may not have been written failed (expired, retries spent). No new batch
   * of theirs is numbered; once none of their numbered batches is left to finish, they ask for
   * an epoch bump (Java's partitionsWithUnresolvedSequences).
   */
  private readonly unresolved = new Set<PartitionQueue>();
  /**
   * KIP-360: partitions that restart at sequence 0 under the next epoch (Java's
   * partitionsToRewriteSequences). They send nothing meanwhile; once none of them has a request
   * in flight, the epoch is bumped locally (transactions/idempotence.ts).
   */
  private readonly epochBumpFor = new Set<PartitionQueue>();
  /** A transactional producer's coordinator requests and state (transactions/transaction-manager.ts). */
  private transactions: TransactionManager | null = null;

  private runScheduled = false;
  private doorbellArmed = false;
  /** When a run last found announcements (see {@link POLL_MS}). */
  private lastAnnouncementMs = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private metadataInFlight = false;
  private metadataRetryAtMs = 0;
  private readonly topicWaiters = new Map<string, TopicWaiter[]>();
  /** OAuth bearer token requests to the application thread, by request id. */
  private readonly tokenRequests = new Map<number, { resolve(token: OAuthBearerToken): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private lastTokenRequest = 0;
  private readonly flushWaiters: FlushWaiter[] = [];
  private closing = false;
  private stopped = false;
  private closeWaiter: { resolve(): void; deadline: number } | null = null;

  /** @param events - where metadata changes and fatal failures are pushed to the app. */
  constructor(private readonly events: AppEvents) {}

  /** {@inheritDoc SenderControl.start} */
  async start(config: SenderConfig, buffers: LayoutBuffers): Promise<void> {
    this.config = config;
    this.layout = SharedLayout.attach(buffers);
    this.accumulator = new RecordAccumulator(this.layout, {
      lingerMs: config.lingerMs,
      guaranteeOrder: config.maxInFlightRequestsPerConnection === 1,
      idempotent: config.enableIdempotence,
    });
    this.network = new NetworkClient(config.bootstrapServers, {
      clientId: config.clientId,
      requestTimeoutMs: config.requestTimeoutMs,
      connectTimeoutMs: config.socketConnectionSetupTimeoutMs,
      connectTimeoutMaxMs: config.socketConnectionSetupTimeoutMaxMs,
      connectionsMaxIdleMs: config.connectionsMaxIdleMs,
      reconnectBackoffMs: config.reconnectBackoffMs,
      reconnectBackoffMaxMs: config.reconnectBackoffMaxMs,
      transactional: config.transactionalId !== null,
      security: config.security,
      oauthToken: () => this.requestOAuthToken(),
    });
    if (config.enableIdempotence) this.pidState = 'none';
    // A transactional producer gets its producer id from initTransactions(), not here.
    if (config.transactionalId !== null) {
      this.pidState = 'pending';
      this.transactions = this.newTransactionManager(config.transactionalId);
    }
    Atomics.store(this.layout.control, ControlWord.STATE, SenderState.RUNNING);
    this.armDoorbell();
    this.scheduleRun();
  }

  // ---------------------------------------------------------------- control calls

  /** {@inheritDoc SenderControl.waitForTopic} */
  waitForTopic(topic: string, timeoutMs: number): Promise<TopicView> {
    if (this.closing) return Promise.reject(controlError('CLOSED', 'the producer is closing'));
    const t = this.metadata.topic(topic);
    t.lastUsedMs = Date.now();
    if (t.known) return Promise.resolve(t.view());
    return new Promise<TopicView>((resolve, reject) => {
      const waiter: TopicWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.removeTopicWaiter(topic, waiter);
          const detail = t.errorCode !== 0 ? ` (last error: ${kafkaErrorByCode(t.errorCode).name})` : '';
          reject(controlError('TIMEOUT', `Topic ${topic} not present in metadata after ${timeoutMs} ms${detail}`));
        }, Math.min(timeoutMs, 2 ** 31 - 1)),
      };
      let list = this.topicWaiters.get(topic);
      if (list === undefined) this.topicWaiters.set(topic, (list = []));
      list.push(waiter);
      this.metadata.updateRequested = true;
      this.scheduleRun();
    });
  }

  private removeTopicWaiter(topic: string, waiter: TopicWaiter): void {
    const list = this.topicWaiters.get(topic);
    if (list === undefined) return;
    const i = list.indexOf(waiter);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.topicWaiters.delete(topic);
  }

  /** {@inheritDoc SenderControl.partitionsFor} */
  async partitionsFor(topic: string, timeoutMs: number): Promise<PartitionInfo[]> {
    await this.waitForTopic(topic, timeoutMs);
    return this.metadata.topic(topic).partitions.map((p, partition) => ({
      topic,
      partition,
      leader: p.leaderId,
      leaderEpoch: p.leaderEpoch,
    }));
  }

  /** {@inheritDoc SenderControl.oauthToken} */
  async oauthToken(requestId: number, result: OAuthBearerTokenResult): Promise<void> {
    const waiter = this.tokenRequests.get(requestId);
    if (waiter === undefined) return; // timed out meanwhile
    this.tokenRequests.delete(requestId);
    clearTimeout(waiter.timer);
    if ('token' in result) waiter.resolve(result.token);
    else waiter.reject(new Error(result.error));
  }

  /**
   * Asks the application thread for an OAuth bearer token (its token source caches and
   * refreshes it); gives up after request.timeout.ms, as a token that never comes must not hold
   * a connection attempt forever.
   */
  private requestOAuthToken(): Promise<OAuthBearerToken> {
    const requestId = ++this.lastTokenRequest;
    return new Promise<OAuthBearerToken>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.tokenRequests.delete(requestId);
        reject(new Error(`the token source gave no token within request.timeout.ms (${this.config.requestTimeoutMs} ms)`));
      }, this.config.requestTimeoutMs);
      this.tokenRequests.set(requestId, { resolve, reject, timer });
      this.events.oauthTokenNeeded(requestId);
    });
  }

  /** {@inheritDoc SenderControl.flush} */
  flush(): Promise<void> {
    this.accumulator.pollAnnouncements();
    this.accumulator.beginFlush(false);
    const mark = this.accumulator.lastBatchId;
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ mark, resolve });
      this.checkFlushWaiters();
      this.scheduleRun();
    });
  }

  /** {@inheritDoc SenderControl.close} */
  close(timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.closing = true;
    this.transactions?.beginClose();
    this.accumulator.pollAnnouncements();
    this.accumulator.beginFlush(true);
    this.failTopicWaiters(controlError('CLOSED', 'the producer was closed while waiting for metadata'));
    return new Promise<void>((resolve) => {
      this.closeWaiter = { resolve, deadline: Date.now() + timeoutMs };
      this.scheduleRun();
    });
  }

  /** {@inheritDoc SenderControl.initTransactions} */
  initTransactions(timeoutMs: number): Promise<void> {
    return this.transactional('initTransactions').initTransactions(timeoutMs);
  }

  /** {@inheritDoc SenderControl.beginTransaction} */
  beginTransaction(): Promise<void> {
    return this.transactional('beginTransaction').beginTransaction();
  }

  /** {@inheritDoc SenderControl.sendOffsetsToTransaction} */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata, timeoutMs: number): Promise<void> {
    return this.transactional('sendOffsetsToTransaction').sendOffsetsToTransaction(offsets, group, timeoutMs);
  }

  /** {@inheritDoc SenderControl.commitTransaction} */
  commitTransaction(timeoutMs: number): Promise<void> {
    return this.transactional('commitTransaction').commitTransaction(timeoutMs);
  }

  /** {@inheritDoc SenderControl.abortTransaction} */
  abortTransaction(timeoutMs: number): Promise<void> {
    return this.transactional('abortTransaction').abortTransaction(timeoutMs);
  }

  /** {@inheritDoc SenderControl.metrics} */
  async metrics(): Promise<Record<string, number>> {
    const m = this.metricsData;
    return {
      'record-send-total': m.recordSendTotal,
      'record-error-total': m.recordErrorTotal,
      'record-retry-total': m.recordRetryTotal,
      'batch-split-total': m.batchSplitTotal,
      'request-total': m.requestTotal,
      'response-total': m.responseTotal,
      'outgoing-byte-total': m.outgoingByteTotal,
      'request-latency-avg': m.responseTotal === 0 ? 0 : m.requestLatencyTotalMs / m.responseTotal,
      'request-latency-max': m.requestLatencyMaxMs,
      'produce-throttle-time-avg': m.responseTotal === 0 ? 0 : m.produceThrottleTotalMs / m.responseTotal,
      'produce-throttle-time-max': m.produceThrottleMaxMs,
      'batch-size-avg': m.batches === 0 ? 0 : m.batchSizeTotal / m.batches,
      'batch-size-max': m.batchSizeMax,
      'records-per-batch-avg': m.batches === 0 ? 0 : m.recordSendTotal / m.batches,
      'compression-rate-avg': m.uncompressedBytes === 0 ? 1 : m.compressedBytes / m.uncompressedBytes,
      'metadata-refresh-total': m.metadataRefreshTotal,
      'metadata-age': this.metadata.lastRefreshMs === 0 ? -1 : (Date.now() - this.metadata.lastRefreshMs) / 1000,
      'batches-incomplete': this.accumulator.incomplete,
      'connection-creation-total': this.network.connectionsCreated,
      'successful-reauthentication-total': this.network.reauthentications,
    };
  }

  // ---------------------------------------------------------------- the loop

  /**
   * Waits for the application's doorbell without blocking this thread's event loop. Armed at
   * the end of each run, so that while a run is pending the app need not ring (see
   * ControlWord.SENDER_ARMED).
   */
  private armDoorbell(): void {
    if (this.stopped || this.doorbellArmed) return;
    const control = this.layout.control;
    const value = this.layout.arm(ControlWord.SENDER_DOORBELL);
    if (this.layout.announce.size() > 0) {
      this.scheduleRun();
      return;
    }
    const wait = Atomics.waitAsync(control, ControlWord.SENDER_DOORBELL, value);
    if (!wait.async) {
      this.scheduleRun();
      return;
    }
    this.doorbellArmed = true;
    void wait.value.then(() => {
      this.doorbellArmed = false;
      this.scheduleRun();
    });
  }

  private scheduleRun(): void {
    if (this.runScheduled || this.stopped) return;
    this.runScheduled = true;
    setImmediate(() => this.run());
  }

  private wakeAt(at: number): void {
    if (at === Infinity || this.stopped) return;
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    }, Math.max(0, at - Date.now()));
  }

  private run(): void {
    this.runScheduled = false;
    if (this.stopped) return;
    try {
      this.runOnce(Date.now());
    } catch (err) {
      this.die(err);
    }
  }

  private runOnce(now: number): void {
    const acc = this.accumulator;
    if (acc.pollAnnouncements() > 0) this.lastAnnouncementMs = now;
    let nextWake = this.maybeUpdateMetadata(now);
    nextWake = Math.min(nextWake, this.expireBatches(now));
    nextWake = Math.min(nextWake, this.network.closeIdle(now));
    // Idempotence: nothing is drained until the producer id is known (as in Java).
    this.maybeResolveSequences();
    this.maybeBumpEpoch();
    this.maybeInitProducerId(now);
    if (this.transactions !== null) nextWake = Math.min(nextWake, this.transactions.run(now));
    if (this.pidState === 'ready' || this.pidState === 'disabled') {
      nextWake = Math.min(nextWake, this.drain(now));
    } else if (acc.incomplete > 0 && this.pidState === 'none') {
      // Waiting to retry InitProducerId. ('pending' waits for a response, which schedules a
      // run: a timer here would wake the loop every millisecond.)
      nextWake = Math.min(nextWake, Math.max(now + 1, this.pidRetryAtMs));
    }
    acc.publishCompletions();
    this.checkFlushWaiters();
    this.checkClose(now);
    // While the app is busy announcing, look again soon rather than have it ring (see POLL_MS).
    const polling = this.config.lingerMs >= POLL_MS && now - this.lastAnnouncementMs < POLL_IDLE_MS && !this.closing;
    this.wakeAt(polling ? Math.min(nextWake, now + POLL_MS) : nextWake);
    if (!polling) this.armDoorbell();
  }

  /** Sends what is ready; returns when to look again. */
  private drain(now: number): number {
    const acc = this.accumulator;
    let nextWake = Infinity;
    const byNode = new Map<number, PartitionQueue[]>();
    for (const q of acc.partitionQueues()) {
      const at = acc.readyAt(q, now);
      if (at === Infinity) continue;
      if (at > now) {
        nextWake = Math.min(nextWake, at);
        continue;
      }
      // Transactions: not before the partition is in the transaction (AddPartitionsToTxn).
      if (this.transactions !== null && !this.transactions.mayDrain(q)) continue;
      // KIP-360: a partition about to restart its sequences waits for its requests in flight.
      if (this.epochBumpFor.has(q)) continue;
      const leader = this.metadata.leaderOf(q.topicIndex, q.partition);
      if (leader < 0) {
        this.metadata.updateRequested = true;
        continue;
      }
      let list = byNode.get(leader);
      if (list === undefined) byNode.set(leader, (list = []));
      list.push(q);
    }
    for (const [node, queues] of byNode) {
      const ready = this.network.readyConnection(node);
      if (ready === null) {
        if (this.network.canConnect(node, now)) {
          this.network.connect(node).then(
            () => this.scheduleRun(),
            () => {
              this.metadata.updateRequested = true;
              this.wakeAt(this.network.blockedUntil(node));
            },
          );
        } else {
          nextWake = Math.min(nextWake, Math.max(now + 1, this.network.blockedUntil(node)));
        }
        continue;
      }
      const throttledUntil = this.network.throttledUntil(node);
      if (now < throttledUntil) {
        // The broker's quota: nothing more to it until the throttle time is up (KIP-219).
        nextWake = Math.min(nextWake, throttledUntil);
        continue;
      }
      this.sendReady(ready, queues, now);
    }
    return nextWake;
  }

  /** Builds and sends Produce requests to one broker while in-flight room lasts. */
  private sendReady(ready: ReadyConnection, queues: PartitionQueue[], now: number): void {
    const acc = this.accumulator;
    const maxInFlight = this.config.maxInFlightRequestsPerConnection;
    while (ready.connection.inFlightCount < maxInFlight && !ready.connection.closed) {
      const batches: ProducerBatch[] = [];
      let size = 0;
      for (const q of queues) {
        if (acc.readyAt(q, now) > now) continue;
        const batch = acc.nextSendable(q);
        if (batch === undefined) continue;
        // Idempotence: a new batch is numbered only under the current producer id and epoch, and
        // not while its partition's sequence is unresolved.
        if (batch.baseSequence < 0 && this.pidState === 'ready' && (this.unresolved.has(q) || !mayNumberNewBatch(q, this.producerId, this.producerEpoch))) continue;
        this.prepare(batch, q);
        const bytes = batch.encoded!.length;
        // The first batch always goes, even if it alone exceeds max.request.size (the broker
        // then says MESSAGE_TOO_LARGE and the batch is split), as in Java's drain.
        if (batches.length > 0 && size + bytes > this.config.maxRequestSize) continue;
        batches.push(batch);
        size += bytes;
        batch.state = BatchState.IN_FLIGHT;
        q.inFlight++;
      }
      if (batches.length === 0) return;
      this.sendProduce(ready, batches, size);
      if (this.config.acks === 0) continue;
    }
  }

  /** Seals a batch and writes its header (first attempt only; retries resend the same bytes). */
  private prepare(batch: ProducerBatch, q: PartitionQueue): void {
    const acc = this.accumulator;
    acc.seal(batch);
    if (batch.encoded !== null) {
      if (batch.sequenceStale) {
        // Renumbered while it waited (an earlier batch failed, or a new producer id): the
        // header changes, and the CRC with it. Never done while the bytes may be on the wire.
        rewriteProducerState(batch.encoded, batch.producerId, batch.producerEpoch, batch.baseSequence);
        batch.sequenceStale = false;
      }
      return;
    }
    if (this.pidState === 'ready') {
      batch.producerId = q.producerId;
      batch.producerEpoch = q.producerEpoch;
      batch.baseSequence = q.nextSequence;
      q.nextSequence = (q.nextSequence + batch.recordCount) % 0x80000000;
    }
    const header: BatchHeader = {
      compression: this.config.compressionId as BatchHeader['compression'],
      lastOffsetDelta: batch.recordCount - 1,
      baseTimestamp: batch.baseTimestamp,
      maxTimestamp: batch.maxTimestamp,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      recordCount: batch.recordCount,
      isTransactional: this.config.transactionalId !== null,
    };
    const slab = acc.slabBytes(batch);
    const m = this.metricsData;
    if (this.config.compressionId === 0) {
      writeBatchHeader(slab, 0, slab.length, header);
      batch.encoded = slab;
    } else {
      const codec = codecFor(this.config.compressionId);
      const records = slab.subarray(61);
      const out = codec.compress(records, this.config.compressionLevel, { headroom: 61 });
      writeBatchHeaderForRecords(out, 0, header, out.subarray(61));
      batch.encoded = out;
      m.uncompressedBytes += records.length;
      m.compressedBytes += out.length - 61;
    }
    m.batches++;
    m.batchSizeTotal += batch.encoded.length;
    if (batch.encoded.length > m.batchSizeMax) m.batchSizeMax = batch.encoded.length;
  }

  private sendProduce(ready: ReadyConnection, batches: ProducerBatch[], size: number): void {
    const byTopic = new Map<string, PartitionProduceData[]>();
    for (const b of batches) {
      b.attempts++;
      const name = this.metadata.topicAt(b.topicIndex)!.name;
      let list = byTopic.get(name);
      if (list === undefined) byTopic.set(name, (list = []));
      list.push({ index: b.partition, records: b.encoded });
    }
    const topicData = [...byTopic].map(([name, partitionData]) => ({ name, partitionData }));
    const sentAt = Date.now();
    this.metricsData.requestTotal++;
    this.metricsData.outgoingByteTotal += size;
    this.network
      .produce(ready, {
        transactionalId: this.config.transactionalId,
        acks: this.config.acks,
        timeoutMs: this.config.requestTimeoutMs,
        topicData,
      })
      .then(
        ({ response, version }) => {
          // From Produce v6 the broker answers at once and leaves the waiting to the client.
          if (response !== null && response.throttleTimeMs > 0) this.onThrottle(ready.nodeId, response.throttleTimeMs, version >= 6);
          this.onProduceResponse(batches, response, sentAt);
        },
        (err: unknown) => this.onProduceFailure(batches, err),
      )
      .catch((err: unknown) => this.die(err))
      .finally(() => this.scheduleRun());
  }

  /** A Produce response carried a throttle time: counted, and honoured when the client must wait. */
  private onThrottle(nodeId: number, throttleMs: number, clientWaits: boolean): void {
    const m = this.metricsData;
    m.produceThrottleTotalMs += throttleMs;
    if (throttleMs > m.produceThrottleMaxMs) m.produceThrottleMaxMs = throttleMs;
    if (clientWaits) this.network.throttle(nodeId, Date.now() + throttleMs);
  }

  private onProduceResponse(batches: ProducerBatch[], response: ProduceResponse | null, sentAt: number): void {
    const now = Date.now();
    const latency = now - sentAt;
    const m = this.metricsData;
    m.responseTotal++;
    m.requestLatencyTotalMs += latency;
    if (latency > m.requestLatencyMaxMs) m.requestLatencyMaxMs = latency;
    for (const b of batches) this.accumulator.queue(b.topicIndex, b.partition).inFlight--;
    if (response === null) {
      // acks=0: written is all we will ever know.
      for (const b of batches) if (b.state !== BatchState.DONE) this.finish(b, 0, -1, -1);
      return;
    }
    for (const b of batches) {
      if (b.state === BatchState.DONE) continue; // expired (or failed by close) while in flight
      const name = this.metadata.topicAt(b.topicIndex)!.name;
      const tr = response.responses.find((t) => t.name === name);
      const pr = tr?.partitionResponses.find((p) => p.index === b.partition);
      if (pr === undefined) {
        this.retryOrFail(b, Err.UNKNOWN_SERVER_ERROR, now, false, false);
        continue;
      }
      if (pr.errorCode === 0) {
        this.confirmSequence(b);
        this.finish(b, 0, Number(pr.baseOffset), pr.logAppendTimeMs);
      } else if (pr.errorCode === Err.DUPLICATE_SEQUENCE_NUMBER) {
        // The broker already has this batch: it was written by an earlier attempt.
        this.confirmSequence(b);
        this.finish(b, 0, -1, -1);
      } else if (pr.errorCode === Err.MESSAGE_TOO_LARGE && b.recordCount > 1) {
        this.split(b);
      } else {
        if (
          (pr.errorCode === Err.NOT_LEADER_OR_FOLLOWER || pr.errorCode === Err.FENCED_LEADER_EPOCH) &&
          pr.currentLeader.leaderId >= 0 &&
          pr.currentLeader.leaderEpoch >= 0
        ) {
          // KIP-951: the broker says who leads now; if that is news, retry at once.
          this.network.updateNodes(response.nodeEndpoints);
          if (this.metadata.updateLeader(b.topicIndex, b.partition, pr.currentLeader.leaderId, pr.currentLeader.leaderEpoch)) {
            this.retryOrFail(b, pr.errorCode, now, true);
            continue;
          }
        }
        this.retryOrFail(b, pr.errorCode, now, false, true, pr.logStartOffset);
      }
    }
  }

  private onProduceFailure(batches: ProducerBatch[], err: unknown): void {
    const now = Date.now();
    let code: number = Err.NETWORK_EXCEPTION;
    if (err instanceof NetworkError && err.reason === 'timeout') code = Err.REQUEST_TIMED_OUT;
    else if (err instanceof UnsupportedVersionError) code = Err.UNSUPPORTED_VERSION;
    else if (!(err instanceof NetworkError)) throw err;
    for (const b of batches) {
      this.accumulator.queue(b.topicIndex, b.partition).inFlight--;
      if (b.state !== BatchState.DONE) this.retryOrFail(b, code, now, false, false);
    }
  }

  /**
   * Retries a batch if its error and budget allow, else completes it with the error.
   * `fromBroker`: the code is the broker's answer for this batch (not a lost connection).
   * `logStartOffset`: the partition's, from the response (UNKNOWN_PRODUCER_ID needs it).
   */
  private retryOrFail(batch: ProducerBatch, code: number, now: number, immediately = false, fromBroker = true, logStartOffset = -1n): void {
    if (INVALID_METADATA.has(code)) this.metadata.updateRequested = true;
    const sequenceVerdict =
      fromBroker && batch.baseSequence >= 0
        ? sequenceErrorVerdict({
            code,
            transactional: this.config.transactionalId !== null,
            gapIsOurs: code === Err.OUT_OF_ORDER_SEQUENCE_NUMBER && this.sequenceGapIsOurs(batch),
            sequenceReset: batch.sequenceReset,
            logStartOffset,
          })
        : null;
    const retriable = sequenceVerdict?.retry ?? isRetriableErrorCode(code);
    if (sequenceVerdict?.bumpEpoch === true) this.requestEpochBump(batch);
    const canRetry =
      retriable &&
      batch.attempts <= this.config.retries &&
      !batch.expired(now, this.config.deliveryTimeoutMs) &&
      !(this.closing && this.closeWaiter !== null && now >= this.closeWaiter.deadline);
    if (!canRetry) {
      // The broker refused the batch's only attempt for a reason of its own: it wrote none of
      // it, and the batches behind it move down by its size. Otherwise it may have written it.
      const refused =
        fromBroker && batch.attempts === 1 && !isRetriableErrorCode(code) && code !== Err.OUT_OF_ORDER_SEQUENCE_NUMBER && code !== Err.UNKNOWN_PRODUCER_ID;
      this.failSequenced(batch, !refused);
      this.finish(batch, code, -1, -1);
      return;
    }
    this.metricsData.recordRetryTotal += batch.recordCount;
    batch.state = BatchState.READY;
    const backoff = Math.min(this.config.retryBackoffMaxMs, this.config.retryBackoffMs * 2 ** (batch.attempts - 1));
    batch.retryAtMs = immediately ? now : now + backoff * (0.8 + Math.random() * 0.4);
  }

  /**
   * OUT_OF_ORDER_SEQUENCE_NUMBER is ours to fix, and the batch to retry, when an earlier batch
   * of the partition is still to be written (it failed, or was split, and the broker saw this
   * one first), or when the batch was renumbered after it was sent (Java's
   * TransactionManager#canRetry: the batch is not the next in sequence).
   */
  private sequenceGapIsOurs(batch: ProducerBatch): boolean {
    if (batch.baseSequence < 0) return false;
    return batch.sequenceStale || this.accumulator.queue(batch.topicIndex, batch.partition).batches[0] !== batch;
  }

  /** Whether a batch's sequence belongs to its partition's current producer id and epoch. */
  private numberedUnderCurrent(batch: ProducerBatch, q: PartitionQueue): boolean {
    return batch.baseSequence >= 0 && batch.producerId === q.producerId && batch.producerEpoch === q.producerEpoch;
  }

  /**
   * KIP-360: the batch's partition restarts at sequence 0 under a bumped epoch (unless it has
   * moved on from the batch's epoch already). Idempotent producers only; a transactional one
   * bumps through its coordinator when it aborts.
   */
  private requestEpochBump(batch: ProducerBatch): void {
    const q = this.accumulator.queue(batch.topicIndex, batch.partition);
    if (this.config.transactionalId !== null || !this.numberedUnderCurrent(batch, q)) return;
    this.epochBumpFor.add(q);
  }

  /**
   * Unresolved partitions whose numbered batches are all done (none in flight, none waiting to
   * be retried) ask for an epoch bump: nobody knows whether the failed batch was written, so
   * the partition's sequence starts over. (Java first checks whether a later batch's success
   * proved the failed one written; bumping regardless costs one epoch and is always safe.)
   */
  private maybeResolveSequences(): void {
    for (const q of this.unresolved) {
      if (q.inFlight > 0 || q.batches.some((b) => b.baseSequence >= 0)) continue;
      this.unresolved.delete(q);
      this.epochBumpFor.add(q);
    }
  }

  /**
   * Bumps an idempotent producer's epoch locally (KIP-360, as Java's
   * bumpIdempotentProducerEpoch) once the partitions that asked for it have nothing in flight:
   * same producer id, epoch + 1, those partitions restart at sequence 0; the others move to the
   * new epoch when they next number a batch. At epoch 32767 the producer id itself is replaced
   * (InitProducerId), and the partitions restart when it arrives.
   */
  private maybeBumpEpoch(): void {
    if (this.epochBumpFor.size === 0 || this.pidState !== 'ready') return;
    for (const q of this.epochBumpFor) if (q.inFlight > 0) return;
    const next = bumpedEpoch(this.producerEpoch);
    if (next === null) {
      this.producerId = -1n;
      this.producerEpoch = -1;
      this.pidState = 'none';
      return;
    }
    this.producerEpoch = next;
    this.restartBumpedPartitions();
  }

  private restartBumpedPartitions(): void {
    for (const q of this.epochBumpFor) {
      restartSequences(q, this.producerId, this.producerEpoch);
      this.unresolved.delete(q);
    }
    this.epochBumpFor.clear();
  }

  /**
   * Keeps an idempotent producer's sequence numbers right when a numbered batch fails. If the
   * broker refused the batch itself (`maybeWritten` false), it wrote none of it: the later
   * batches of its partition move down by its record count, as Java's
   * adjustSequencesDueToFailedBatch. If the broker may have written it (expired, retries spent,
   * connection lost, a sequence gap not of our making), nobody knows where the partition's
   * sequence stands: the partition is unresolved, and restarts under a bumped epoch once its
   * numbered batches are done (maybeResolveSequences). Without this, every later batch of the
   * partition failed with OUT_OF_ORDER_SEQUENCE_NUMBER.
   */
  private failSequenced(batch: ProducerBatch, maybeWritten: boolean): void {
    if (this.config.transactionalId !== null) return;
    const q = this.accumulator.queue(batch.topicIndex, batch.partition);
    if (!this.numberedUnderCurrent(batch, q)) return;
    if (maybeWritten) {
      this.unresolved.add(q);
      return;
    }
    const count = batch.recordCount;
    for (let i = q.batches.indexOf(batch) + 1; i > 0 && i < q.batches.length; i++) {
      const later = q.batches[i]!;
      if (later.baseSequence < 0) continue;
      later.baseSequence = (later.baseSequence - count + 0x80000000) % 0x80000000;
      later.sequenceStale = true;
    }
    q.nextSequence = (q.nextSequence - count + 0x80000000) % 0x80000000;
  }

  /** The broker acknowledged a numbered batch: its partition's sequence is established. */
  private confirmSequence(batch: ProducerBatch): void {
    const q = this.accumulator.queue(batch.topicIndex, batch.partition);
    if (this.numberedUnderCurrent(batch, q)) q.sequenceConfirmed = true;
  }

  /**
   * Numbers every queued batch afresh under a producer id and epoch the transaction coordinator
   * gave (initTransactions, an epoch bump, TV2's new epoch after EndTxn). Called between
   * transactions, with nothing in flight.
   */
  private renumberAll(): void {
    for (const q of this.accumulator.partitionQueues()) restartSequences(q, this.producerId, this.producerEpoch);
    this.unresolved.clear();
    this.epochBumpFor.clear();
  }

  /**
   * Completes a batch (the records' outcome goes to the application thread). In-flight counts
   * are the caller's business: they drop when a response or failure lands.
   */
  private finish(batch: ProducerBatch, error: number, baseOffset: number, logAppendTime: number): void {
    if (error !== 0) this.transactions?.batchFailed(error);
    if (error === 0) this.metricsData.recordSendTotal += batch.recordCount;
    else this.metricsData.recordErrorTotal += batch.recordCount;
    this.accumulator.complete(batch, error, baseOffset, logAppendTime);
  }

  /**
   * MESSAGE_TOO_LARGE on a batch of several records: cut it into pieces of at most batch.size
   * (the slab size) and send them in its place, as Java's RecordAccumulator#splitAndReenqueue.
   * Not counted as a retry. Each piece is re-encoded (offset deltas restart at 0) and completes
   * its own range of the slab's records.
   */
  private split(batch: ProducerBatch): void {
    const acc = this.accumulator;
    // A piece of an earlier split carries its records: the slab holds the whole original batch.
    const records =
      batch.records ?? decodeRecords(acc.slabBytes(batch).subarray(61), batch.recordCount, { baseTimestamp: batch.baseTimestamp });
    const limit = Math.max(1, Math.floor((this.layout.slabSize - 61) / 2));
    const pieces: ProducerBatch[] = [];
    let start = 0;
    while (start < records.length) {
      let end = start;
      let bytes = 0;
      while (end < records.length && (end === start || bytes + approximateSize(records[end]!) <= limit)) {
        bytes += approximateSize(records[end]!);
        end++;
      }
      if (end - start === records.length) end = start + Math.ceil(records.length / 2);
      const piece = new ProducerBatch(
        batch.slab,
        batch.generation,
        batch.topicIndex,
        batch.partition,
        records[start]!.timestamp,
        batch.createdMs,
        batch.firstRecord + start,
      );
      piece.id = batch.id;
      piece.state = BatchState.READY;
      piece.recordCount = end - start;
      piece.producerId = batch.producerId;
      piece.producerEpoch = batch.producerEpoch;
      piece.baseSequence = batch.baseSequence < 0 ? -1 : (batch.baseSequence + start) % 0x80000000;
      piece.records = records.slice(start, end);
      piece.encoded = buildRecordBatch(
        piece.records.map((r) => ({
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          headers: r.headers.map((h) => ({ key: h.key, value: h.value })),
        })),
        {
          compression: this.config.compressionId as BatchHeader['compression'] & number,
          ...(this.config.compressionLevel !== undefined ? { compressionLevel: this.config.compressionLevel } : {}),
          producerId: piece.producerId,
          producerEpoch: piece.producerEpoch,
          baseSequence: piece.baseSequence,
          isTransactional: this.config.transactionalId !== null,
        },
      );
      pieces.push(piece);
      start = end;
    }
    acc.replace(batch, pieces);
    this.metricsData.batchSplitTotal++;
  }

  /** Fails batches whose delivery.timeout.ms passed; returns the next expiry time. */
  private expireBatches(now: number): number {
    const timeout = this.config.deliveryTimeoutMs;
    let next = Infinity;
    for (const q of this.accumulator.partitionQueues()) {
      for (let i = 0; i < q.batches.length; ) {
        const b = q.batches[i]!;
        if (b.expired(now, timeout)) {
          // An in-flight batch keeps its in-flight count until its response or failure lands.
          this.failSequenced(b, true);
          this.accumulator.complete(b, LocalErrorCode.DELIVERY_TIMEOUT, -1, -1);
          this.transactions?.batchFailed(LocalErrorCode.DELIVERY_TIMEOUT);
          this.metricsData.recordErrorTotal += b.recordCount;
          continue; // complete() removed it from the queue
        }
        next = Math.min(next, b.createdMs + timeout);
        i++;
      }
    }
    return next;
  }

  // ---------------------------------------------------------------- metadata and producer id

  /** Starts a metadata request if one is due; returns when one will be due. */
  private maybeUpdateMetadata(now: number): number {
    const md = this.metadata;
    const dueAt = md.updateRequested ? Math.max(this.metadataRetryAtMs, 0) : md.lastRefreshMs + this.config.metadataMaxAgeMs;
    if (this.metadataInFlight) return Infinity;
    if (now < dueAt) return dueAt;
    const node = this.network.leastLoadedNode(now);
    if (node === null) return now + this.config.reconnectBackoffMs;
    this.metadataInFlight = true;
    this.metricsData.metadataRefreshTotal++;
    const producing = new Set<number>();
    for (const q of this.accumulator.partitionQueues()) if (q.batches.length > 0) producing.add(q.topicIndex);
    const names = md.topicNames(now, this.config.metadataMaxIdleMs, (index) => producing.has(index));
    this.network
      .send(node, Metadata, { topics: names.map((name) => ({ name })), allowAutoTopicCreation: true })
      .then(
        (res) => {
          this.network.updateNodes(res.brokers);
          const changes = md.update(res, Date.now());
          for (const t of changes.changedTopics) this.events.topicChanged(t.view());
          this.settleTopicWaiters();
        },
        (err: unknown) => {
          this.metadataRetryAtMs = Date.now() + this.config.retryBackoffMs;
          // Java fails the sends waiting for metadata at once with the AuthenticationException
          // rather than let them wait out max.block.ms: the same settings will fail again.
          if (err instanceof NetworkError && err.reason === 'authentication') this.failTopicWaiters(controlError('AUTHENTICATION_FAILED', err.message));
        },
      )
      .finally(() => {
        this.metadataInFlight = false;
        this.scheduleRun();
      });
    return Infinity;
  }

  /** Fails every send waiting for a topic's metadata with `err`. */
  private failTopicWaiters(err: Error): void {
    for (const list of this.topicWaiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    }
    this.topicWaiters.clear();
  }

  private settleTopicWaiters(): void {
    let stillWaiting = false;
    for (const [name, list] of this.topicWaiters) {
      const t = this.metadata.topic(name);
      if (t.known) {
        for (const w of list) {
          clearTimeout(w.timer);
          w.resolve(t.view());
        }
        this.topicWaiters.delete(name);
      } else if (FATAL_TOPIC_ERRORS.has(t.errorCode)) {
        const info = kafkaErrorByCode(t.errorCode);
        for (const w of list) {
          clearTimeout(w.timer);
          w.reject(controlError(info.name, `Topic ${name}: ${info.message}`));
        }
        this.topicWaiters.delete(name);
      } else {
        stillWaiting = true;
      }
    }
    if (stillWaiting) {
      // Auto-creation or leader election in progress: ask again after the retry backoff.
      this.metadata.updateRequested = true;
      this.metadataRetryAtMs = Date.now() + this.config.retryBackoffMs;
    }
  }

  /** The TransactionManager, or a failure naming `operation` for a producer without transactional.id. */
  private transactional(operation: string): TransactionManager {
    if (this.transactions !== null) return this.transactions;
    throw controlError('ILLEGAL_STATE:NOT_TRANSACTIONAL', `Cannot call ${operation}() on a producer without 'transactional.id': set it to use transactions.`);
  }

  private newTransactionManager(transactionalId: string): TransactionManager {
    const c = this.config;
    return new TransactionManager(
      { transactionalId, transactionTimeoutMs: c.transactionTimeoutMs, retryBackoffMs: c.retryBackoffMs, reconnectBackoffMs: c.reconnectBackoffMs },
      {
        network: this.network,
        accumulator: this.accumulator,
        topicName: (topicIndex) => this.metadata.topicAt(topicIndex)?.name,
        adoptProducerId: (producerId, producerEpoch) => {
          this.producerId = producerId;
          this.producerEpoch = producerEpoch;
          this.pidState = 'ready';
          this.renumberAll();
        },
        failBatch: (batch, code) => this.finish(batch, code, -1, -1),
        scheduleRun: () => this.scheduleRun(),
      },
    );
  }

  private maybeInitProducerId(now: number): void {
    if (this.pidState !== 'none' || now < this.pidRetryAtMs) return;
    const node = this.network.leastLoadedNode(now);
    if (node === null) {
      this.pidRetryAtMs = now + this.config.reconnectBackoffMs;
      return;
    }
    this.pidState = 'pending';
    this.network
      .send(node, InitProducerId, { transactionalId: null, transactionTimeoutMs: IDEMPOTENT_TXN_TIMEOUT })
      .then(
        (res) => {
          if (res.errorCode === 0) {
            this.producerId = res.producerId;
            this.producerEpoch = res.producerEpoch;
            this.pidState = 'ready';
            // A new producer id after the epoch ran out: the partitions waiting for a bump restart under it.
            this.restartBumpedPartitions();
            return;
          }
          this.pidState = 'none';
          this.pidRetryAtMs = Date.now() + this.config.retryBackoffMs;
          if (!isRetriableErrorCode(res.errorCode)) {
            // Java fails the queued batches and stays uninitialized, so a later send retries.
            for (const q of this.accumulator.partitionQueues()) {
              for (const b of [...q.batches]) if (b.state !== BatchState.IN_FLIGHT) this.finish(b, res.errorCode, -1, -1);
            }
          }
        },
        () => {
          this.pidState = 'none';
          this.pidRetryAtMs = Date.now() + this.config.retryBackoffMs;
        },
      )
      .finally(() => this.scheduleRun());
  }

  // ---------------------------------------------------------------- flush, close, death

  private checkFlushWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.accumulator.oldestIncompleteId();
    const published = this.accumulator.unpublished === 0;
    for (let i = 0; i < this.flushWaiters.length; ) {
      const w = this.flushWaiters[i]!;
      if (published && oldest > w.mark) {
        this.flushWaiters.splice(i, 1);
        w.resolve();
      } else {
        i++;
      }
    }
  }

  private checkClose(now: number): void {
    const cw = this.closeWaiter;
    if (cw === null) return;
    const acc = this.accumulator;
    // (A transactional producer also waits for its coordinator requests: the abort of an open transaction.)
    if ((acc.incomplete > 0 || this.transactions?.busy === true) && now < cw.deadline) {
      this.wakeAt(cw.deadline);
      return;
    }
    this.transactions?.close();
    // Time is up (or all is sent): fail what is left, in flight or not.
    for (const q of acc.partitionQueues()) {
      for (const b of [...q.batches]) {
        acc.complete(b, LocalErrorCode.CLOSED_BEFORE_SENT, -1, -1);
      }
    }
    if (acc.unpublished > 0) {
      // The app has not drained the ring yet; look again shortly.
      this.wakeAt(now + 5);
      return;
    }
    this.stop();
    for (const w of this.flushWaiters.splice(0)) w.resolve();
    this.closeWaiter = null;
    cw.resolve();
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.network.close();
    Atomics.store(this.layout.control, ControlWord.STATE, SenderState.STOPPED);
    this.layout.wakeApp();
  }

  /** An invariant broke: fail everything loudly rather than hang. */
  private die(err: unknown): void {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    try {
      this.events.fatal(`Sender failed: ${message}`);
    } finally {
      this.stop();
    }
  }
}

/** Bytes a decoded record takes in a batch, near enough to cut a split into pieces. */
function approximateSize(r: { key: Uint8Array | null; value: Uint8Array | null; headers: readonly { key: string; value: Uint8Array | null }[] }): number {
  let size = 16 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) size += 8 + h.key.length * 3 + (h.value?.length ?? 0);
  return size;
}

/**
 * Writes a new producer id, epoch and base sequence into an encoded batch and its CRC (which
 * covers them: attributes to the end). The batch is header then records, in one buffer.
 */
function rewriteProducerState(encoded: Uint8Array, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  view.setBigInt64(43, producerId);
  view.setInt16(51, producerEpoch);
  view.setInt32(53, baseSequence);
  view.setUint32(17, crc32c(encoded.subarray(21)));
}
