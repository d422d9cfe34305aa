/**
 * A TCP proxy in front of a real single-broker cluster that a test can stall: while held, the
 * requests clients send are kept in the proxy instead of reaching the broker, so nothing they
 * carry is written and no response comes back, as with a broker that has stopped answering.
 * Released, the kept requests go on in order and everything flows again. It can also cut every
 * connection at once, as a network failure would.
 *
 * The broker's Metadata responses are rewritten to advertise the proxy's address, so that a
 * client bootstrapped through the proxy keeps talking through it. One upstream broker only (the
 * harness's default cluster): every broker in a Metadata response is pointed at this proxy.
 *
 * This is how the producer tests get records that are buffered or in flight and can neither
 * succeed nor fail on their own (close with a timeout, delivery.timeout.ms, a worker dying),
 * without stopping the broker other tests share.
 *
 * @example
 * ```ts
 * const proxy = await StallProxy.start(kafka.bootstrap);
 * const producer = new KafkaProducer({ 'bootstrap.servers': proxy.bootstrap });
 * await producer.partitionsFor(topic);   // metadata through the proxy
 * proxy.hold();                           // from now on nothing reaches the broker
 * ```
 */
import * as net from 'node:net';
import { ApiKey, Metadata, Produce, decodeResponse, encodeResponse, type MetadataResponse } from '@tandem/protocol';
import { parseBootstrap } from './raw-kafka-connection.js';

/** Splits a stream into Kafka frames (int32 size + payload); returns the whole frames. */
class FrameSplitter {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) break;
      frames.push(this.buffered.subarray(0, 4 + size));
      this.buffered = this.buffered.subarray(4 + size);
    }
    return frames;
  }
}

export class StallProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly held: Array<() => void> = [];
  private holding = false;
  private holdingResponses = false;
  /** Requests forwarded to the broker so far, by API key (what the client really sent). */
  readonly forwarded = new Map<number, number>();
  /** When each Produce request reached the proxy from the client (performance.now()). */
  readonly produceRequestTimes: number[] = [];
  /** Each Produce response with a throttle time: when it went to the client, and the time. */
  readonly produceThrottles: Array<{ at: number; throttleTimeMs: number }> = [];
  /** Client connections accepted so far. */
  accepted = 0;
  /** Client connections open now. */
  openConnections = 0;

  private constructor(
    server: net.Server,
    private readonly upstream: { host: string; port: number },
  ) {
    this.server = server;
  }

  /** Starts a proxy on a free loopback port in front of `bootstrap` (one broker). */
  static async start(bootstrap: string): Promise<StallProxy> {
    const upstream = parseBootstrap(bootstrap);
    const server = net.createServer();
    const proxy = new StallProxy(server, upstream);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The address to bootstrap through. */
  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  private get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /**
   * From now on, requests stay in the proxy (in order) until {@link release}: the broker never
   * sees them. With `'responses'`, requests reach the broker (and are handled: records are
   * written) but its responses stay in the proxy: a client that loses the connection then cannot
   * know what was written.
   */
  hold(what: 'requests' | 'responses' = 'requests'): void {
    if (what === 'requests') this.holding = true;
    else this.holdingResponses = true;
  }

  /** Sends what was kept on, in order, and stops holding. */
  release(): void {
    this.holding = false;
    this.holdingResponses = false;
    for (const send of this.held.splice(0)) send();
  }

  /**
   * Drops every open connection at once, as a network failure would: requests in flight get no
   * response (the broker may or may not have handled them). New connections are accepted.
   */
  cut(): void {
    this.held.length = 0;
    for (const s of this.sockets) s.destroy();
  }

  /** Closes the listener and every connection (kept requests are dropped). */
  async close(): Promise<void> {
    this.held.length = 0;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const broker = net.connect(this.upstream);
    this.sockets.add(client);
    this.sockets.add(broker);
    this.accepted++;
    this.openConnections++;
    let ended = false;
    const end = (): void => {
      if (!ended) this.openConnections--;
      ended = true;
      client.destroy();
      broker.destroy();
      this.sockets.delete(client);
      this.sockets.delete(broker);
    };
    client.on('error', end);
    client.on('close', end);
    broker.on('error', end);
    broker.on('close', end);

    // Metadata requests in flight on this connection: correlation id -> version.
    const metadataVersions = new Map<number, number>();
    // Produce requests in flight: correlation id -> version (for their throttle times).
    const produceVersions = new Map<number, number>();
    const requests = new FrameSplitter();
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const apiKey = frame.readInt16BE(4);
        const version = frame.readInt16BE(6);
        const correlationId = frame.readInt32BE(8);
        if (apiKey === ApiKey.Metadata) metadataVersions.set(correlationId, version);
        if (apiKey === ApiKey.Produce) {
          this.produceRequestTimes.push(performance.now());
          produceVersions.set(correlationId, version);
        }
        const send = (): void => {
          this.forwarded.set(apiKey, (this.forwarded.get(apiKey) ?? 0) + 1);
          broker.write(frame);
        };
        // Once one request is kept, the later ones queue behind it: order is the protocol's.
        if (this.holding || this.held.length > 0) this.held.push(send);
        else send();
      }
    });
    const responses = new FrameSplitter();
    broker.on('data', (chunk: Buffer) => {
      for (const frame of responses.push(chunk)) {
        const correlationId = frame.readInt32BE(4);
        const produceVersion = produceVersions.get(correlationId);
        if (produceVersion !== undefined) {
          produceVersions.delete(correlationId);
          const { throttleTimeMs } = decodeResponse(Produce, produceVersion, frame.subarray(4)).body;
          if (throttleTimeMs > 0) this.produceThrottles.push({ at: performance.now(), throttleTimeMs });
        }
        const version = metadataVersions.get(correlationId);
        metadataVersions.delete(correlationId);
        const out = version === undefined ? frame : this.rewriteMetadata(frame, version, correlationId);
        if (this.holdingResponses) this.held.push(() => client.write(out));
        else client.write(out);
      }
    });
  }

  /** A Metadata response with every broker's address replaced by the proxy's. */
  private rewriteMetadata(frame: Buffer, version: number, correlationId: number): Buffer {
    const { body } = decodeResponse(Metadata, version, frame.subarray(4));
    const rewritten: MetadataResponse = {
      ...body,
      brokers: body.brokers.map((b) => ({ ...b, host: '127.0.0.1', port: this.port })),
    };
    return encodeResponse(Metadata, version, correlationId, rewritten);
  }
}
