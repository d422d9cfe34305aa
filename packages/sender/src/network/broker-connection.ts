/**
 * One TCP connection to one broker: Kafka framing (int32 size + payload), correlation ids,
 * pipelining and request timeouts. It knows nothing of API schemas: callers encode the request
 * (header included) for the correlation id they are given, and decode the response payload.
 *
 * Kafka answers requests on a connection in the order they were sent, so responses are matched
 * first-in-first-out and checked against the expected correlation id (a mismatch means the
 * stream is corrupt: the connection is closed). Requests that expect no response (Produce with
 * acks=0) complete once written.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsSettings } from '@tandem/shared-memory';

/** Why a request on a connection failed without a response. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    /**
     * 'timeout' (request.timeout.ms passed), 'disconnected', 'connect', 'protocol', or
     * 'authentication': TLS refused the broker's certificate (or the broker ours), or SASL
     * authentication failed. Java's AuthenticationException: retrying with the same settings
     * will not help, so it is reported to whoever waits rather than retried until a timeout.
     */
    readonly reason: 'timeout' | 'disconnected' | 'connect' | 'protocol' | 'authentication',
  ) {
    super(message);
  }
}

interface InFlight {
  readonly correlationId: number;
  readonly deadline: number;
  resolve(payload: Buffer): void;
  reject(err: Error): void;
}

/** Options of a {@link BrokerConnection}. */
export interface BrokerConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** socket.connection.setup.timeout.ms */
  readonly connectTimeoutMs: number;
  /** request.timeout.ms */
  readonly requestTimeoutMs: number;
  /** Largest response frame accepted (guards against a corrupt size prefix). */
  readonly maxResponseBytes?: number;
  /** TLS settings (security.protocol SSL or SASL_SSL), or null for a plain TCP connection. */
  readonly tls?: TlsSettings | null;
}

const DEFAULT_MAX_RESPONSE = 100 * 1024 * 1024;

/** A connection to one broker. Create with {@link BrokerConnection.connect}. */
export class BrokerConnection {
  private readonly socket: net.Socket;
  private readonly inFlight: InFlight[] = [];
  private inFlightHead = 0;
  private nextCorrelationId = 1;
  private closedError: NetworkError | null = null;
  private readonly timer: NodeJS.Timeout;
  /** Bytes received but not yet a whole frame. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxResponseBytes: number;
  private readonly closeListeners: Array<(err: NetworkError) => void> = [];
  /** Resolved when nothing is in flight any more (see {@link idle}). */
  private idleWaiters: Array<() => void> = [];

  private constructor(
    socket: net.Socket,
    readonly options: BrokerConnectionOptions,
  ) {
    this.socket = socket;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => {
      const reason = socketErrorReason(err, 'disconnected');
      // TLS 1.3 finishes the client's handshake before the broker has checked the client's
      // certificate: a refusal arrives as an alert on the first read, after 'secureConnect'.
      const what = reason === 'authentication' ? `the broker at ${this.address} refused the TLS connection` : `connection to ${this.address} failed`;
      this.fail(new NetworkError(`${what}: ${tlsErrorText(err)}`, reason));
    });
    socket.on('close', () => this.fail(new NetworkError(`connection to ${this.address} closed`, 'disconnected')));
    // One coarse timer checks request deadlines; a timer per request would cost more than it buys.
    const tick = Math.max(10, Math.min(1000, Math.floor(options.requestTimeoutMs / 10)));
    this.timer = setInterval(() => this.checkTimeouts(), tick);
    this.timer.unref();
  }

  /** host:port, for messages. */
  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** When a request was last sent or a response last received (ms since the epoch). */
  lastActivityMs = Date.now();

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.length - this.inFlightHead;
  }

  /** True once the connection has failed or been closed. */
  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Opens a connection, failing with a 'connect' NetworkError after connectTimeoutMs. */
  static connect(options: BrokerConnectionOptions): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const settings = options.tls ?? null;
      const socket = settings === null ? net.connect({ host: options.host, port: options.port }) : connectTls(options.host, options.port, settings);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NetworkError(`connecting to ${options.host}:${options.port} timed out after ${options.connectTimeoutMs} ms`, 'connect'));
      }, options.connectTimeoutMs);
      // A TLS connection is usable once its handshake is done, a plain one once connected.
      socket.once(settings === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new BrokerConnection(socket, options));
      });
      socket.once('error', (err: Error) => {
        clearTimeout(timer);
        const reason = socketErrorReason(err, 'connect');
        const what = reason === 'authentication' ? `TLS handshake with ${options.host}:${options.port} failed` : `cannot connect to ${options.host}:${options.port}`;
        reject(new NetworkError(`${what}: ${tlsErrorText(err)}`, reason));
      });
    });
  }

  /**
   * Resolves once no request is in flight (at once if none is), or rejects if the connection
   * fails first: what re-authentication waits for, as the broker must not see a request
   * interleaved with the SASL exchange.
   */
  idle(): Promise<void> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.idleWaiters.push(resolve);
      this.onClose(reject);
    });
  }

  /** Called once when the connection fails or closes. */
  onClose(listener: (err: NetworkError) => void): void {
    if (this.closedError !== null) listener(this.closedError);
    else this.closeListeners.push(listener);
  }

  /**
   * Sends one request. `encode` gets the correlation id and returns the whole frame (size prefix
   * included) as one buffer or a list of chunks, written with one writev. Resolves with the
   * response payload (from the correlation id on), or with an empty buffer once written when
   * `expectResponse` is false.
   */
  request(encode: (correlationId: number) => Buffer | readonly Uint8Array[], expectResponse = true): Promise<Buffer> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const frame = encode(correlationId);
    this.lastActivityMs = Date.now();
    return new Promise<Buffer>((resolve, reject) => {
      if (expectResponse) {
        this.inFlight.push({ correlationId, deadline: Date.now() + this.options.requestTimeoutMs, resolve, reject });
      }
      const done = expectResponse
        ? undefined
        : (err?: Error | null) => (err ? reject(new NetworkError(`write to ${this.address} failed: ${err.message}`, 'disconnected')) : resolve(EMPTY));
      if (Buffer.isBuffer(frame)) {
        this.socket.write(frame, done);
      } else {
        this.socket.cork();
        const last = frame.length - 1;
        for (let i = 0; i < last; i++) this.socket.write(frame[i]!);
        this.socket.write(frame[last]!, done);
        this.socket.uncork();
      }
    });
  }

  /** Closes the connection; in-flight requests fail with a 'disconnected' NetworkError. */
  close(): void {
    this.fail(new NetworkError(`connection to ${this.address} closed by the client`, 'disconnected'));
  }

  private onData(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 4) {
      const head = this.pending.length === 1 ? this.pending[0]! : this.coalesce();
      const size = head.readInt32BE(0);
      if (size < 4 || size > this.maxResponseBytes) {
        this.fail(new NetworkError(`response frame of ${size} bytes from ${this.address}`, 'protocol'));
        return;
      }
      if (this.pendingBytes < 4 + size) return;
      const all = this.pending.length === 1 ? head : this.coalesce();
      const payload = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      this.onFrame(payload);
      if (this.closedError !== null) return;
    }
  }

  private coalesce(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all;
  }

  private onFrame(payload: Buffer): void {
    const req = this.inFlightHead < this.inFlight.length ? this.inFlight[this.inFlightHead] : undefined;
    const correlationId = payload.readInt32BE(0);
    if (req === undefined || req.correlationId !== correlationId) {
      this.fail(new NetworkError(`unexpected correlation id ${correlationId} from ${this.address}`, 'protocol'));
      return;
    }
    this.inFlightHead++;
    this.lastActivityMs = Date.now();
    if (this.inFlightHead > 64 && this.inFlightHead * 2 > this.inFlight.length) {
      this.inFlight.splice(0, this.inFlightHead);
      this.inFlightHead = 0;
    }
    req.resolve(payload);
    if (this.idleWaiters.length > 0 && this.inFlightCount === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private checkTimeouts(): void {
    if (this.inFlightHead >= this.inFlight.length) return;
    const oldest = this.inFlight[this.inFlightHead]!;
    if (Date.now() >= oldest.deadline) {
      // Java closes the connection on a request timeout: the broker may still answer later,
      // and a late answer must not be matched to a newer request.
      this.fail(new NetworkError(`no response from ${this.address} within request.timeout.ms (${this.options.requestTimeoutMs} ms)`, 'timeout'));
    }
  }

  private fail(err: NetworkError): void {
    if (this.closedError !== null) return;
    this.closedError = err;
    clearInterval(this.timer);
    this.socket.destroy();
    const waiting = this.inFlight.slice(this.inFlightHead);
    this.inFlight.length = 0;
    this.inFlightHead = 0;
    for (const req of waiting) req.reject(err);
    for (const listener of this.closeListeners.splice(0)) listener(err);
  }
}

const EMPTY = Buffer.alloc(0);

/** Opens a TLS connection with the producer's ssl.* settings. */
function connectTls(host: string, port: number, settings: TlsSettings): tls.TLSSocket {
  return tls.connect({
    host,
    port,
    // SNI takes a host name, never an IP address.
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ca: settings.ca,
    cert: settings.cert,
    key: settings.key,
    // Structured cloning into the worker turned the Buffer into a plain Uint8Array.
    pfx: settings.pfx === undefined ? undefined : Buffer.from(settings.pfx.buffer, settings.pfx.byteOffset, settings.pfx.byteLength),
    passphrase: settings.passphrase,
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    // ssl.endpoint.identification.algorithm='': the chain is still verified, the name is not.
    ...(settings.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  });
}

/**
 * OpenSSL's certificate verification codes that Node.js passes on as `err.code`
 * (X509_V_ERR_* without the prefix), and Node's own name check.
 */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * An error's text without OpenSSL's internals: OpenSSL errors carry the readable part in
 * `reason` ("sslv3 alert bad certificate") and a library dump in `message`. A broker's alert
 * about a certificate most often means it wanted one from the client (ssl.keystore.*).
 */
function tlsErrorText(err: Error): string {
  const reason = (err as { reason?: unknown }).reason;
  if (typeof reason !== 'string' || !(err as NodeJS.ErrnoException).code?.startsWith('ERR_SSL_')) return err.message.trim();
  return /certificate/.test(reason) ? `${reason} (if the listener requires client certificates, set ssl.keystore.*)` : reason;
}

/**
 * Whether a socket error is TLS refusing a certificate (ours or the broker's) or the handshake,
 * which reconnecting will not cure: 'authentication' (Java's SslAuthenticationException).
 */
function socketErrorReason<R extends NetworkError['reason']>(err: Error, otherwise: R): R | 'authentication' {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined) return otherwise;
  return CERTIFICATE_ERRORS.has(code) || code.startsWith('ERR_SSL_') ? 'authentication' : otherwise;
}
