/**
 * A tiny raw-socket Kafka client for integration tests of the protocol codecs: one TCP
 * connection, Kafka framing (int32 size + payload), correlation ids, and nothing else. It does not
 * negotiate, retry or reconnect, so that a test sees exactly what the broker answers.
 *
 * Responses come back in request order on a connection; each is still matched by correlation id,
 * and a response nobody waits for fails the connection (it would mean our framing is wrong).
 *
 * @example
 * const conn = await RawKafkaConnection.connect('127.0.0.1:9092');
 * const { body } = await conn.request(ApiVersions, 3, { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0' });
 * conn.close();
 */
import * as net from 'node:net';
import {
  decodeResponse,
  encodeProduceFrame,
  encodeRequest,
  type ApiDefinition,
  type ProduceRequest,
} from '@tandem/protocol';

interface Waiter {
  resolve(payload: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** A response as received: the decoded body, and the raw payload (header + body) for fixtures. */
export interface RawResponse<Res> {
  readonly correlationId: number;
  readonly body: Res;
  /** The frame's payload: everything after the size prefix. */
  readonly payload: Buffer;
}

/** Splits `host:port` (the first of a comma-separated bootstrap list). */
export function parseBootstrap(bootstrap: string): { host: string; port: number } {
  const first = bootstrap.split(',')[0]!.trim();
  const colon = first.lastIndexOf(':');
  if (colon < 0) throw new Error(`bootstrap "${bootstrap}" has no port`);
  return { host: first.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(first.slice(colon + 1)) };
}

/** One raw connection to one broker. */
export class RawKafkaConnection {
  private readonly waiters = new Map<number, Waiter>();
  private nextCorrelationId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  private failed: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    /** client.id sent in every request header. */
    readonly clientId: string | null,
    /** How long a request may wait for its response. */
    readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects to `host:port`. */
  static connect(
    bootstrap: string,
    options: { clientId?: string | null; timeoutMs?: number } = {},
  ): Promise<RawKafkaConnection> {
    const { host, port } = parseBootstrap(bootstrap);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${bootstrap} timed out`));
      }, options.timeoutMs ?? 10_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawKafkaConnection(socket, options.clientId ?? 'tandem-protocol-test', options.timeoutMs ?? 30_000));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Takes the next correlation id. */
  correlationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    return id;
  }

  /**
   * Writes a whole frame (one buffer or chunks) and, unless `expectResponse` is false, resolves
   * with the payload of the response carrying `correlationId`.
   */
  send(frame: Buffer | readonly Uint8Array[], correlationId: number, expectResponse = true): Promise<Buffer> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise<Buffer>((resolve, reject) => {
      if (expectResponse) {
        const timer = setTimeout(() => {
          this.waiters.delete(correlationId);
          reject(new Error(`no response to correlation id ${correlationId} within ${this.timeoutMs} ms`));
        }, this.timeoutMs);
        this.waiters.set(correlationId, { resolve, reject, timer });
      }
      const done = (err?: Error | null): void => {
        if (err) reject(err);
        else if (!expectResponse) resolve(Buffer.alloc(0));
      };
      if (Buffer.isBuffer(frame)) {
        this.socket.write(frame, done);
      } else {
        this.socket.cork();
        for (let i = 0; i < frame.length - 1; i++) this.socket.write(frame[i]!);
        this.socket.write(frame[frame.length - 1]!, done);
        this.socket.uncork();
      }
    });
  }

  /** Encodes a request for `api` at `version`, sends it and decodes the response. */
  async request<Req, Res, ReqIn>(
    api: ApiDefinition<Req, Res, ReqIn, unknown>,
    version: number,
    request: ReqIn,
  ): Promise<RawResponse<Res>> {
    const correlationId = this.correlationId();
    const payload = await this.send(encodeRequest(api, version, correlationId, this.clientId, request), correlationId);
    const { body } = decodeResponse(api, version, payload);
    return { correlationId, body, payload };
  }

  /**
   * Sends a Produce request as chunks (the batches uncopied). Resolves with the raw payload, or
   * with null for acks=0, once the frame is written.
   */
  async produce(version: number, request: ProduceRequest): Promise<Buffer | null> {
    const correlationId = this.correlationId();
    const frame = encodeProduceFrame(version, correlationId, this.clientId, request);
    const payload = await this.send(frame.chunks, correlationId, frame.expectResponse);
    return frame.expectResponse ? payload : null;
  }

  /** Closes the socket; waiting requests fail. */
  close(): void {
    this.fail(new Error('connection closed by the test'));
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (size < 4) {
        this.fail(new Error(`response frame of ${size} bytes`));
        return;
      }
      if (this.buffered.length < 4 + size) return;
      const payload = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = payload.readInt32BE(0);
      const waiter = this.waiters.get(correlationId);
      if (waiter === undefined) {
        this.fail(new Error(`response with unexpected correlation id ${correlationId}`));
        return;
      }
      this.waiters.delete(correlationId);
      clearTimeout(waiter.timer);
      waiter.resolve(payload);
    }
  }

  private fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    this.socket.destroy();
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }
}
