import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BrokerStartError } from './errors.js';
import { stateRoot } from './paths.js';
import { listenerSecurityProperties, usesTls } from './security.js';
import { defaultKafkaVersion } from './versions.js';

/**
 * The shape of a harness cluster, and the broker configuration that follows from it.
 *
 * Every cluster runs KRaft in combined mode: each node is both broker and controller, and the
 * nodes form the controller quorum themselves. That is one JVM per node (no separate controller
 * process), which is what a two-core CI machine can afford, and with three nodes the quorum
 * survives one node being killed, so tests can stop and restart any single broker.
 */

/** A security protocol of a listener (Kafka's names). */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** Whether an SSL or SASL_SSL listener asks clients for a certificate (Kafka's `ssl.client.auth`). */
export type ClientAuth = 'none' | 'requested' | 'required';

/**
 * A client-facing listener. The first one of a cluster is the inter-broker listener and the one
 * `bootstrap` points at (and the harness probes); it must be PLAINTEXT. The others may be SSL,
 * SASL_PLAINTEXT or SASL_SSL: security.ts adds their TLS stores and SASL settings, with the
 * material of tls.ts.
 */
export interface ListenerSpec {
  /**
   * Listener name, upper case, e.g. `PLAINTEXT`, `SSL`, `SASL_PLAIN`. Each listener's port is
   * in `KafkaCluster.listenerBootstrap` under this name.
   */
  name: string;
  protocol: SecurityProtocol;
  /**
   * SSL and SASL_SSL only: `required` refuses a client without a certificate the test CA
   * signed, `requested` asks for one but lets a client without one in. Default `none`.
   */
  clientAuth?: ClientAuth;
}

/** What a caller asks for. Every field has a default. */
export interface ClusterOptions {
  /** Kafka version. Default: KAFKA_VERSION, else 4.4.0. */
  version?: string;
  /** Number of nodes: 1, or 3 for replication tests (RF 3, min.insync.replicas 2). Default 1. */
  brokers?: number;
  /**
   * A fixed port for the first broker's first listener (the others take the next ones). Default:
   * free ports chosen by the kernel. A taken port fails the start with `port-in-use`.
   */
  port?: number;
  /** Loopback address to bind and advertise. Default 127.0.0.1. */
  host?: string;
  /** Client-facing listeners, the first one PLAINTEXT. Default: one PLAINTEXT listener. */
  listeners?: readonly ListenerSpec[];
  /**
   * Name of the cluster's state directory under `.kafka/clusters/`. Default: derived from the
   * version and the broker count (`4.4.0-1broker`), so each version and shape gets its own.
   * Tests that must not disturb the shared broker (start/stop tests) use a name of their own.
   */
  name?: string;
  /** Extra broker properties, applied last (they win). */
  brokerProperties?: Record<string, string | number | boolean>;
  /** How long a start may wait for the cluster to answer. Default 90 s. */
  startTimeoutMs?: number;
}

/** {@link ClusterOptions} with every default filled in. */
export interface ClusterSpec {
  version: string;
  brokers: number;
  port: number | undefined;
  host: string;
  listeners: ListenerSpec[];
  name: string;
  brokerProperties: Record<string, string | number | boolean>;
  startTimeoutMs: number;
}

/** Fills in defaults and rejects what the harness cannot run (yet). */
export function resolveSpec(options: ClusterOptions = {}): ClusterSpec {
  const version = options.version ?? defaultKafkaVersion();
  const brokers = options.brokers ?? 1;
  if (brokers !== 1 && brokers !== 3) {
    throw new BrokerStartError('unsupported', `--brokers ${brokers}: the harness runs 1 or 3 brokers`);
  }
  const listeners = resolveListeners(options.listeners ?? [{ name: 'PLAINTEXT', protocol: 'PLAINTEXT' }]);
  const name = options.name ?? `${version}-${brokers === 1 ? '1broker' : `${brokers}brokers`}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new BrokerStartError('unsupported', `cluster name "${name}" must be letters, digits, ".", "_" or "-"`);
  return {
    version,
    brokers,
    port: options.port,
    host: options.host ?? '127.0.0.1',
    listeners,
    name,
    brokerProperties: options.brokerProperties ?? {},
    startTimeoutMs: options.startTimeoutMs ?? 90_000,
  };
}

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const CLIENT_AUTHS: readonly ClientAuth[] = ['none', 'requested', 'required'];

/**
 * Checks the listeners and writes each in one canonical form: `{ name, protocol }`, plus
 * `clientAuth` (default `none`) for TLS listeners only. The reuse check compares the recorded
 * listeners with the asked-for ones as JSON, so equal specs must serialize equally; and a
 * default cluster's listeners serialize exactly as they did before TLS and SASL existed.
 */
function resolveListeners(asked: readonly ListenerSpec[]): ListenerSpec[] {
  if (asked.length === 0) throw new BrokerStartError('unsupported', 'a cluster needs at least one listener');
  const seen = new Set<string>();
  const listeners = asked.map((listener): ListenerSpec => {
    const { name, protocol, clientAuth } = listener;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || name === 'CONTROLLER') {
      throw new BrokerStartError('unsupported', `listener name "${name}" must be upper-case letters, digits and "_", and not CONTROLLER`);
    }
    if (seen.has(name)) throw new BrokerStartError('unsupported', `listener name ${name} is given twice`);
    seen.add(name);
    if (!PROTOCOLS.includes(protocol)) throw new BrokerStartError('unsupported', `listener ${name}: unknown security protocol "${String(protocol)}"`);
    if (!usesTls(protocol)) {
      if (clientAuth !== undefined) throw new BrokerStartError('unsupported', `listener ${name} (${protocol}): clientAuth needs an SSL or SASL_SSL listener`);
      return { name, protocol };
    }
    if (clientAuth !== undefined && !CLIENT_AUTHS.includes(clientAuth)) {
      throw new BrokerStartError('unsupported', `listener ${name}: clientAuth "${String(clientAuth)}" is not one of ${CLIENT_AUTHS.join(', ')}`);
    }
    return { name, protocol, clientAuth: clientAuth ?? 'none' };
  });
  // The first listener carries the brokers' own traffic to each other and the harness's
  // readiness probe (a bare Metadata request over a socket): neither is set up for TLS or SASL.
  if (listeners[0]!.protocol !== 'PLAINTEXT') {
    throw new BrokerStartError('unsupported', `listener ${listeners[0]!.name} (${listeners[0]!.protocol}): the first listener is the inter-broker one and must be PLAINTEXT`);
  }
  return listeners;
}

/** Whether any listener of `spec` speaks TLS, so that the cluster needs tls.ts's material. */
export function needsTls(spec: ClusterSpec): boolean {
  return spec.listeners.some((l) => usesTls(l.protocol));
}

/** The directory holding a cluster's state file, brokers' configs, data and logs. */
export function clusterDir(name: string): string {
  return join(stateRoot, 'clusters', name);
}

/** One node of a planned cluster: where it listens and where it keeps things. */
export interface NodePlan {
  nodeId: number;
  /** Client-facing listeners, in the order of the spec, with their ports. */
  listeners: Array<ListenerSpec & { port: number }>;
  controllerPort: number;
  /** The node's directory: server.properties, stdout.log, server.log, data/. */
  dir: string;
  dataDir: string;
  propertiesFile: string;
  /** log4j's log (INFO and up). */
  serverLog: string;
  /** The JVM's own stdout and stderr (crashes before logging starts). */
  stdoutLog: string;
}

/** Lays out node `nodeId` of `spec` in `dir`. */
export function planNode(spec: ClusterSpec, nodeId: number, ports: number[], controllerPort: number): NodePlan {
  const dir = join(clusterDir(spec.name), `broker-${nodeId}`);
  return {
    nodeId,
    listeners: spec.listeners.map((listener, i) => ({ ...listener, port: ports[i]! })),
    controllerPort,
    dir,
    dataDir: join(dir, 'data'),
    propertiesFile: join(dir, 'server.properties'),
    serverLog: join(dir, 'server.log'),
    stdoutLog: join(dir, 'stdout.log'),
  };
}

/**
 * server.properties of one node. Replication settings follow the broker count: with one broker
 * everything is RF 1; with three, RF 3 and min.insync.replicas 2, so acks=all survives one
 * broker down, as in a production cluster.
 */
export function serverProperties(spec: ClusterSpec, node: NodePlan, nodes: readonly NodePlan[]): string {
  const host = spec.host;
  const rf = spec.brokers >= 3 ? 3 : 1;
  const minIsr = spec.brokers >= 3 ? 2 : 1;
  const listeners = node.listeners.map((l) => `${l.name}://${host}:${l.port}`);
  const protocolMap = [...node.listeners.map((l) => `${l.name}:${l.protocol}`), 'CONTROLLER:PLAINTEXT'];
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    'controller.quorum.voters': nodes.map((n) => `${n.nodeId}@${host}:${n.controllerPort}`).join(','),
    listeners: [...listeners, `CONTROLLER://${host}:${node.controllerPort}`].join(','),
    'advertised.listeners': listeners.join(','),
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': protocolMap.join(','),
    'inter.broker.listener.name': node.listeners[0]!.name,
    'log.dirs': node.dataDir,
    'num.partitions': 1,
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': minIsr,
    // 50 partitions each (the defaults) cost seconds when the first transactional producer or
    // group appears; 5 keeps coordinator lookups realistic (more than one partition) and cheap.
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.num.partitions': 5,
    // Consumers in tests join at once; the 3 s default delay only slows them down.
    'group.initial.rebalance.delay.ms': 0,
    // With several brokers, fault tests kill one and wait for the controller to fence it; the
    // defaults (2 s heartbeats, 9 s session) make every such test wait 9 s. Half of that still
    // tolerates a JVM stalled for seconds on a loaded two-core CI machine.
    ...(spec.brokers > 1 ? { 'broker.heartbeat.interval.ms': 1000, 'broker.session.timeout.ms': 4500 } : {}),
    // Stores and SASL settings of SSL and SASL listeners; nothing for PLAINTEXT ones.
    ...Object.assign({}, ...node.listeners.map(listenerSecurityProperties)),
    ...spec.brokerProperties,
  };
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${String(value)}`);
  return `# Written by test/kafka/topology.ts for harness cluster "${spec.name}" (Kafka ${spec.version}).\n${lines.join('\n')}\n`;
}

/** A new KRaft cluster id: 16 random bytes in URL-safe base64 without padding (22 characters). */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // An id starting with "-" would be read as an option by kafka-storage's argument parser.
    if (!id.startsWith('-')) return id;
  }
}
