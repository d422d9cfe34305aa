/**
 * The Sender's view of the cluster's brokers: one connection per broker (Java's NetworkClient
 * keeps one too), opened on demand, with the ApiVersions handshake done first on each, and the
 * negotiated version of every API remembered per broker.
 *
 * Brokers are known by node id once metadata names them; before that, the bootstrap servers
 * stand in as nodes -1, -2, ... (as in Java), used only to fetch the first metadata.
 */
import {
  ApiKey,
  ApiVersions,
  Produce,
  SaslAuthenticate,
  SaslHandshake,
  UNSUPPORTED_VERSION_ERROR_CODE,
  apiVersionsRetryVersion,
  decodeResponse,
  encodeProduceFrame,
  encodeRequest,
  kafkaErrorByCode,
  negotiateVersions,
  type ApiDefinition,
  type ApiVersionsResponse,
  type ProduceRequest,
  type ProduceResponse,
  type UnsupportedApi,
} from '@tandem/protocol';
import type { OAuthBearerToken, SaslSettings, SecuritySettings } from '@tandem/shared-memory';
import { BrokerConnection, NetworkError } from './broker-connection.js';
import { SaslMechanismError, startSaslExchange } from './sasl-mechanisms.js';

/** A broker address. */
export interface NodeAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** Options of the {@link NetworkClient}. */
export interface NetworkClientOptions {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  /** socket.connection.setup.timeout.ms: the first attempt's connect timeout. */
  readonly connectTimeoutMs: number;
  /**
   * socket.connection.setup.timeout.max.ms: after consecutive failures the timeout doubles per
   * failure (with +-20% jitter), up to this.
   */
  readonly connectTimeoutMaxMs: number;
  /** connections.max.idle.ms: a connection with nothing in flight for this long is closed; -1 never. */
  readonly connectionsMaxIdleMs: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** The producer is transactional (caps Produce at v11 without transaction.version 2). */
  readonly transactional: boolean;
  /** security.protocol with its TLS and SASL settings. Default: PLAINTEXT. */
  readonly security?: SecuritySettings;
  /** SASL/OAUTHBEARER: a token for a new connection (the application thread's token source). */
  readonly oauthToken?: () => Promise<OAuthBearerToken>;
}

/** A connection with its handshake done. */
export interface ReadyConnection {
  readonly nodeId: number;
  readonly connection: BrokerConnection;
  /** Negotiated version per API key. */
  readonly versions: ReadonlyMap<number, number>;
  readonly unsupported: readonly UnsupportedApi[];
  /** The cluster's finalized transaction.version, as this broker reported it. */
  readonly transactionVersion: number;
  /**
   * When to authenticate again (ms since the epoch; Infinity if never): the broker ends a SASL
   * session after the lifetime its SaslAuthenticate reply gave (KIP-368: the token's expiry for
   * OAUTHBEARER, connections.max.reauth.ms for any mechanism), closing the connection at the
   * next request after it.
   */
  readonly reauthenticateAt: number;
}

/** An API the broker does not speak in any version we do. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UNSUPPORTED_VERSION';
}

const SOFTWARE_NAME = 'tandem';
const SOFTWARE_VERSION = '0.1.0';

interface NodeState {
  address: NodeAddress;
  ready: ReadyConnection | null;
  connecting: Promise<ReadyConnection> | null;
  failures: number;
  /** No new connection attempt before this time (reconnect backoff). */
  blockedUntil: number;
  /** No new request before this time: the broker asked the client to back off (KIP-219). */
  throttledUntil: number;
}

export class NetworkClient {
  private readonly nodes = new Map<number, NodeState>();
  private closed = false;

  constructor(
    bootstrap: readonly string[],
    private readonly options: NetworkClientOptions,
  ) {
    let id = -1;
    for (const server of bootstrap) {
      const { host, port } = parseHostPort(server);
      this.nodes.set(id, this.newState({ nodeId: id, host, port }));
      id--;
    }
  }

  private newState(address: NodeAddress): NodeState {
    return { address, ready: null, connecting: null, failures: 0, blockedUntil: 0, throttledUntil: 0 };
  }

  /** Records brokers from metadata; a broker whose address changed is reconnected. */
  updateNodes(brokers: readonly NodeAddress[]): void {
    for (const b of brokers) {
      const known = this.nodes.get(b.nodeId);
      if (known === undefined) {
        this.nodes.set(b.nodeId, this.newState(b));
      } else if (known.address.host !== b.host || known.address.port !== b.port) {
        known.ready?.connection.close();
        this.nodes.set(b.nodeId, this.newState(b));
      }
    }
  }

  /**
   * The connection to `nodeId` if its handshake is done, else null. Null too while it
   * re-authenticates: once its SASL session is near its end, no new request goes out on it
   * until that is done (see {@link reauthenticate}).
   */
  readyConnection(nodeId: number): ReadyConnection | null {
    const s = this.nodes.get(nodeId);
    if (s === undefined || s.ready === null || s.ready.connection.closed) return null;
    // (Infinity first: no clock read for connections without a SASL session lifetime.)
    if (s.ready.reauthenticateAt !== Infinity && Date.now() >= s.ready.reauthenticateAt) {
      this.reauthenticate(s, s.ready);
      return null;
    }
    return s.ready;
  }

  /** Connections opened (handshake done), for metrics: Java's connection-creation-total. */
  connectionsCreated = 0;
  /** SASL sessions renewed on an open connection: Java's successful-reauthentication-total. */
  reauthentications = 0;

  /**
   * Renews the SASL session of `ready` on the same connection, as Java does (KIP-368): once the
   * requests in flight on it are answered, SaslHandshake and SaslAuthenticate again (with a
   * fresh token for OAUTHBEARER). Meanwhile the node counts as connecting, so requests wait for
   * it rather than open a second connection, which could reorder a partition's batches. A
   * failure closes the connection; the next request reconnects.
   */
  private reauthenticate(s: NodeState, ready: ReadyConnection): void {
    const sasl = this.options.security?.sasl;
    s.ready = null;
    const attempt = (async (): Promise<ReadyConnection> => {
      if (sasl === null || sasl === undefined) throw new NetworkError('re-authentication without SASL', 'authentication');
      await ready.connection.idle();
      const lifetimeMs = await this.authenticate(ready.connection, ready.versions, sasl);
      this.reauthentications++;
      return { ...ready, reauthenticateAt: reauthenticationTime(Date.now(), lifetimeMs, Math.random()) };
    })().then(
      (renewed) => {
        s.connecting = null;
        if (!renewed.connection.closed) s.ready = renewed;
        return renewed;
      },
      (err: unknown) => {
        s.connecting = null;
        ready.connection.close();
        throw err;
      },
    );
    attempt.catch(() => {}); // whoever waits on it sees the failure; none may
    s.connecting = attempt;
  }

  /** Whether a connection attempt to `nodeId` may start now (not in reconnect backoff). */
  canConnect(nodeId: number, nowMs: number): boolean {
    const s = this.nodes.get(nodeId);
    return s !== undefined && s.connecting === null && nowMs >= s.blockedUntil;
  }

  /**
   * The broker answered with a throttle time: a KIP-219 broker answers at once and expects the
   * client to send it nothing more until the time is up (Java's ClusterConnectionStates.throttle).
   */
  throttle(nodeId: number, untilMs: number): void {
    const s = this.nodes.get(nodeId);
    if (s !== undefined && untilMs > s.throttledUntil) s.throttledUntil = untilMs;
  }

  /** Until when `nodeId` must not be sent requests (ms); in the past when it may. */
  throttledUntil(nodeId: number): number {
    return this.nodes.get(nodeId)?.throttledUntil ?? 0;
  }

  /** When the reconnect backoff of `nodeId` ends (ms), or 0. */
  blockedUntil(nodeId: number): number {
    return this.nodes.get(nodeId)?.blockedUntil ?? 0;
  }

  /** Connects (or returns the connection) to `nodeId`, with the ApiVersions handshake done. */
  connect(nodeId: number): Promise<ReadyConnection> {
    const s = this.nodes.get(nodeId);
    if (s === undefined) return Promise.reject(new NetworkError(`unknown broker id ${nodeId}`, 'connect'));
    if (this.closed) return Promise.reject(new NetworkError('the producer is closing', 'disconnected'));
    const ready = this.readyConnection(nodeId);
    if (ready !== null) return Promise.resolve(ready);
    if (s.connecting !== null) return s.connecting;
    const attempt = this.handshake(s).then(
      (r) => {
        s.connecting = null;
        s.ready = r;
        s.failures = 0;
        this.connectionsCreated++;
        r.connection.onClose(() => {
          if (s.ready === r) s.ready = null;
        });
        return r;
      },
      (err: unknown) => {
        s.connecting = null;
        s.failures++;
        // Exponential reconnect backoff with +-20% jitter, as Java's reconnect.backoff.ms.
        const base = Math.min(this.options.reconnectBackoffMaxMs, this.options.reconnectBackoffMs * 2 ** (s.failures - 1));
        s.blockedUntil = Date.now() + base * (0.8 + Math.random() * 0.4);
        throw err;
      },
    );
    s.connecting = attempt;
    return attempt;
  }

  private async handshake(s: NodeState): Promise<ReadyConnection> {
    const { host, port, nodeId } = s.address;
    const security = this.options.security;
    const connection = await BrokerConnection.connect({
      host,
      port,
      connectTimeoutMs: this.setupTimeout(s.failures),
      requestTimeoutMs: this.options.requestTimeoutMs,
      tls: security?.tls ?? null,
    });
    try {
      let version = ApiVersions.maxVersion;
      let reply = await this.apiVersions(connection, version);
      if (reply.errorCode === UNSUPPORTED_VERSION_ERROR_CODE) {
        // The broker is older than us: it says which ApiVersions versions it speaks.
        version = apiVersionsRetryVersion(reply);
        reply = await this.apiVersions(connection, version);
      }
      checkApiVersions(reply, connection);
      const sasl = security?.sasl ?? null;
      let reauthenticateAt = Infinity;
      if (sasl !== null) {
        const lifetimeMs = await this.authenticate(connection, negotiateVersions(reply).versions, sasl);
        reauthenticateAt = reauthenticationTime(Date.now(), lifetimeMs, Math.random());
        // As Java does: ask again once authenticated. The answer before authentication may
        // leave out what only an authenticated client is told (finalized features such as
        // transaction.version).
        reply = await this.apiVersions(connection, version);
        checkApiVersions(reply, connection);
      }
      const negotiated = negotiateVersions(reply, { transactional: this.options.transactional });
      return {
        nodeId,
        connection,
        versions: negotiated.versions,
        unsupported: negotiated.unsupported,
        transactionVersion: negotiated.transactionVersion,
        reauthenticateAt,
      };
    } catch (err) {
      connection.close();
      throw err;
    }
  }

  /**
   * SASL authentication (KIP-152): SaslHandshake v1 names the mechanism, then SaslAuthenticate
   * carries the mechanism's tokens until it is done. Any refusal is a NetworkError with reason
   * 'authentication' that says what the broker said. Returns the session's lifetime in ms
   * (SaslAuthenticate v1+, KIP-368), 0 for none.
   */
  private async authenticate(connection: BrokerConnection, versions: ReadonlyMap<number, number>, sasl: SaslSettings): Promise<number> {
    const where = connection.address;
    const handshakeVersion = versions.get(ApiKey.SaslHandshake);
    const authenticateVersion = versions.get(ApiKey.SaslAuthenticate);
    if (handshakeVersion === undefined || handshakeVersion < 1 || authenticateVersion === undefined) {
      throw new NetworkError(`${where} does not speak SaslHandshake v1 and SaslAuthenticate (Kafka 1.0+): cannot authenticate`, 'authentication');
    }
    const handshake = await this.request(connection, SaslHandshake, 1, { mechanism: sasl.mechanism });
    if (handshake.errorCode !== 0) {
      const enabled = handshake.mechanisms.length > 0 ? handshake.mechanisms.join(', ') : 'none';
      throw new NetworkError(
        `${where} refused SASL mechanism ${sasl.mechanism} (${kafkaErrorByCode(handshake.errorCode).name}); this listener enables: ${enabled}. Check 'sasl.mechanism' and 'security.protocol'.`,
        'authentication',
      );
    }
    const exchange = startSaslExchange(sasl, sasl.mechanism === 'OAUTHBEARER' ? { token: await this.bearerToken(where) } : {});
    const who = sasl.mechanism === 'OAUTHBEARER' ? 'with the OAuth bearer token' : `of user '${sasl.username}'`;
    let token: Buffer | null = exchange.first();
    let lifetimeMs = 0;
    while (token !== null) {
      const reply = await this.request(connection, SaslAuthenticate, authenticateVersion, { authBytes: token });
      lifetimeMs = reply.sessionLifetimeMs;
      if (reply.errorCode !== 0) {
        const challenge = exchange.serverError ? ` (the broker said: ${exchange.serverError})` : '';
        throw new NetworkError(
          `SASL ${sasl.mechanism} authentication ${who} to ${where} failed (${kafkaErrorByCode(reply.errorCode).name}): ${reply.errorMessage ?? 'no reason given'}${challenge}`,
          'authentication',
        );
      }
      try {
        token = exchange.next(reply.authBytes);
      } catch (err) {
        if (err instanceof SaslMechanismError) throw new NetworkError(`SASL ${sasl.mechanism} with ${where}: ${err.message}`, 'authentication');
        throw err;
      }
    }
    return lifetimeMs;
  }

  /** A token for OAUTHBEARER from the application's token source; failing to get one is an authentication failure. */
  private async bearerToken(where: string): Promise<OAuthBearerToken> {
    const source = this.options.oauthToken;
    if (source === undefined) throw new NetworkError('SASL OAUTHBEARER: no token source', 'authentication');
    try {
      return await source();
    } catch (err) {
      throw new NetworkError(`SASL OAUTHBEARER with ${where}: no token: ${(err as Error).message}`, 'authentication');
    }
  }

  /** One request at a given version on a connection that is not ready yet (the handshake's). */
  private async request<Req, Res>(connection: BrokerConnection, api: ApiDefinition<Req, Res, Req, unknown>, version: number, request: Req): Promise<Res> {
    const payload = await connection.request((correlationId) => encodeRequest(api, version, correlationId, this.options.clientId, request));
    return decodeResponse(api, version, payload).body;
  }

  private setupTimeout(failures: number): number {
    return connectionSetupTimeout(failures, this.options.connectTimeoutMs, this.options.connectTimeoutMaxMs, Math.random());
  }

  /**
   * Closes connections that have had nothing in flight for connections.max.idle.ms (as Java's
   * Selector does; a later request reconnects). Returns when to look again (ms), or Infinity.
   */
  closeIdle(nowMs: number): number {
    const maxIdle = this.options.connectionsMaxIdleMs;
    if (maxIdle < 0) return Infinity;
    let next = Infinity;
    for (const s of this.nodes.values()) {
      const c = s.ready?.connection;
      if (c === undefined || c.closed) continue;
      if (c.inFlightCount > 0) {
        next = Math.min(next, nowMs + maxIdle);
        continue;
      }
      const idleUntil = c.lastActivityMs + maxIdle;
      if (nowMs >= idleUntil) c.close();
      else next = Math.min(next, idleUntil);
    }
    return next;
  }

  private apiVersions(connection: BrokerConnection, version: number): Promise<ApiVersionsResponse> {
    return this.request(connection, ApiVersions, version, { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION });
  }

  /**
   * Sends one request at the negotiated version (or `version` if given) and decodes the reply.
   */
  async send<Req, Res>(nodeId: number, api: ApiDefinition<Req, Res, Req, unknown>, request: Req): Promise<Res> {
    const ready = await this.connect(nodeId);
    const version = ready.versions.get(api.apiKey);
    if (version === undefined) {
      throw new UnsupportedVersionError(`broker ${nodeId} speaks no version of ${api.name} that Tandem does`);
    }
    return this.request(ready.connection, api, version, request);
  }

  /**
   * Sends a Produce request on a ready connection without copying the batches. Resolves with
   * the response, or with null for acks=0 once the request is written.
   */
  async produce(ready: ReadyConnection, request: ProduceRequest): Promise<{ response: ProduceResponse | null; version: number }> {
    const version = ready.versions.get(ApiKey.Produce);
    if (version === undefined) {
      throw new UnsupportedVersionError(`broker ${ready.nodeId} speaks no Produce version Tandem does (need 3+)`);
    }
    let expectResponse = true;
    const payload = await ready.connection.request((correlationId) => {
      const frame = encodeProduceFrame(version, correlationId, this.options.clientId, request);
      expectResponse = frame.expectResponse;
      return frame.chunks;
    }, request.acks !== 0);
    if (!expectResponse) return { response: null, version };
    return { response: decodeResponse(Produce, version, payload).body, version };
  }

  /**
   * A broker to send a request that any broker can answer (metadata, InitProducerId): one that
   * is connected with the fewest requests in flight, else any known broker not in backoff. A
   * broker that asked for a throttle (KIP-219) is not chosen until it is over, as Java's
   * leastLoadedNode passes over throttled connections; null if every broker is out.
   */
  leastLoadedNode(nowMs: number): number | null {
    let best: number | null = null;
    let bestLoad = Infinity;
    for (const [id, s] of this.nodes) {
      const r = s.ready;
      if (r !== null && !r.connection.closed && nowMs >= s.throttledUntil && r.connection.inFlightCount < bestLoad) {
        best = id;
        bestLoad = r.connection.inFlightCount;
      }
    }
    if (best !== null) return best;
    // Prefer real brokers over bootstrap stand-ins once metadata named them.
    const candidates = [...this.nodes.values()]
      .filter((s) => nowMs >= s.throttledUntil)
      .sort((a, b) => b.address.nodeId - a.address.nodeId);
    for (const s of candidates) if (s.connecting !== null) return s.address.nodeId;
    for (const s of candidates) if (nowMs >= s.blockedUntil) return s.address.nodeId;
    return null;
  }

  /** Closes every connection; pending requests fail. */
  close(): void {
    this.closed = true;
    for (const s of this.nodes.values()) s.ready?.connection.close();
  }
}

/**
 * The connect timeout after `failures` consecutive failed attempts to a broker: Java's
 * exponential connection setup timeout. socket.connection.setup.timeout.ms (`baseMs`) for the
 * first attempt, doubling per failure with +-20% jitter (`random` in [0, 1)), capped at
 * socket.connection.setup.timeout.max.ms (`maxMs`): a broker that swallows connection attempts
 * is not waited on at full length every time, nor given up on too soon after a few failures.
 */
export function connectionSetupTimeout(failures: number, baseMs: number, maxMs: number, random: number): number {
  if (failures === 0) return Math.min(baseMs, maxMs);
  return Math.round(Math.min(maxMs, baseMs * 2 ** failures) * (0.8 + random * 0.4));
}

/** Fails the handshake on an ApiVersions error other than the version retry. */
function checkApiVersions(reply: ApiVersionsResponse, connection: BrokerConnection): void {
  if (reply.errorCode !== 0) {
    throw new NetworkError(`ApiVersions to ${connection.address} failed with error code ${reply.errorCode}`, 'protocol');
  }
}

/**
 * When to renew a SASL session that the broker said lasts `lifetimeMs` from `nowMs` (0: no
 * limit, Infinity): at 85-95% of it (`random` in [0, 1) picks where), as Java's client does,
 * so that connections authenticated together do not all renew at once, and a request sent just
 * before renewal still reaches the broker inside the session.
 */
export function reauthenticationTime(nowMs: number, lifetimeMs: number, random: number): number {
  return lifetimeMs > 0 ? nowMs + lifetimeMs * (0.85 + random * 0.1) : Infinity;
}

/** Parses `host:port` or `[v6]:port`. */
export function parseHostPort(server: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server);
  if (m === null) throw new Error(`bootstrap server "${server}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}
