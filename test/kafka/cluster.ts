import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatStorage, launchBroker, type LaunchedBroker, waitUntilAnswering, writeNodeConfig } from './broker.js';
import { BrokerStartError, HarnessError } from './errors.js';
import { checkJava } from './java.js';
import { withLock } from './lock.js';
import { kafkaClasspath } from './maven.js';
import { probeMetadata } from './metadata-probe.js';
import { assertPortFree, freePort } from './ports.js';
import { isOurProcess, pidsMentioning, terminate, type TerminateOutcome } from './processes.js';
import { type BrokerRecord, type ClusterState, listClusterNames, readState, writeState } from './state.js';
import { caFingerprint, tlsMaterial } from './tls.js';
import { type ClusterOptions, clusterDir, type ClusterSpec, needsTls, newClusterId, type NodePlan, planNode, resolveSpec } from './topology.js';
import { defaultKafkaVersion } from './versions.js';

/**
 * Harness clusters: start one (or find the one already running), stop it, and stop or restart
 * single brokers of it. State lives in `.kafka/clusters/<name>/`; see state.ts.
 */

/** A broker of a running cluster, as tests see it. */
export interface BrokerInfo {
  nodeId: number;
  host: string;
  /** Port of the first (bootstrap) listener. */
  port: number;
  /** Pid of the broker's JVM, null while it is stopped. */
  pid: number | null;
  /** The broker's log.dirs: `<dataDir>/<topic>-<partition>/` holds a partition's segments. */
  dataDir: string;
  /** log4j's INFO log. */
  serverLog: string;
  /** The JVM's stdout and stderr. */
  stdoutLog: string;
  propertiesFile: string;
}

/** A Kafka cluster tests can use: started by the harness, reused, or given by KAFKA_BOOTSTRAP. */
export interface KafkaCluster {
  /** `host:port,...` to give a client: every broker's first (PLAINTEXT) listener. */
  bootstrap: string;
  /**
   * `host:port,...` of every listener, by listener name (`ListenerSpec.name`), over all brokers:
   * `listenerBootstrap.SASL_SSL` for a cluster started with a SASL_SSL listener of that name.
   * The first listener's entry equals {@link bootstrap}. Empty for an external cluster, whose
   * listeners the harness does not know.
   */
  listenerBootstrap: Record<string, string>;
  /** Kafka version of the brokers (for an external cluster: KAFKA_VERSION, or the default). */
  version: string;
  /** The harness cluster's name (its directory under `.kafka/clusters/`); undefined if external. */
  name: string | undefined;
  /** Brokers with their directories and pids; empty for an external cluster. */
  brokers: BrokerInfo[];
  /** True when this call started the cluster (so the caller may want to stop it). */
  started: boolean;
  /** True when the cluster is not one of the harness's (KAFKA_BOOTSTRAP pointed elsewhere). */
  external: boolean;
}

/** Time a stopping broker gets for its clean shutdown before SIGKILL. */
const STOP_GRACE_MS = 15_000;

/**
 * Starts the cluster `options` describes, or returns the one already running under the same
 * name: a running cluster is reused only if every recorded pid is still its broker's JVM AND
 * every broker answers Metadata listing all brokers. A half-dead one is stopped and started
 * afresh, with empty data directories.
 *
 * @throws BrokerStartError with a `reason` (port-in-use, broker-exited, broker-timeout, ...),
 *   HarnessError for a missing Java or Maven. Never hangs: every wait is bounded.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<KafkaCluster> {
  const spec = resolveSpec(options);
  await checkJava(spec.version);
  // Before the brokers read it, and before the reuse check compares the CA with the running one.
  if (needsTls(spec)) await tlsMaterial();
  return withLock(join(clusterDir(spec.name), 'lock'), spec.startTimeoutMs + 60_000, async () => {
    const existing = await readState(spec.name);
    if (existing !== undefined) {
      const reused = await reuseIfHealthy(spec, existing);
      if (reused !== undefined) return reused;
    }
    return startFresh(spec);
  });
}

async function reuseIfHealthy(spec: ClusterSpec, state: ClusterState): Promise<KafkaCluster | undefined> {
  const alive = state.brokers.filter((b) => isOurProcess(b.pid, b.propertiesFile));
  if (alive.length === 0) return undefined;
  // Patient: a broker that runs but is slow to answer (a loaded CI machine, a long GC) may be
  // serving another process's tests right now, and restarting it would wipe their topics.
  const healthy =
    alive.length === state.brokers.length &&
    (await Promise.all(state.brokers.map((b) => answers(state.spec.host, b.listeners[0]!.port, state.brokers.length, 20_000)))).every(Boolean);
  if (healthy) {
    const mismatch = shapeMismatch(spec, state);
    if (mismatch !== undefined) {
      throw new BrokerStartError(
        'already-running',
        `cluster "${state.name}" already runs (${mismatch}) at ${state.bootstrap}: stop it first with kafka:stop --name ${state.name}`,
      );
    }
    // Unless the TLS material was generated afresh since it started (a file was deleted): then
    // its brokers present a certificate the current CA did not sign, which no client accepts.
    if (!needsTls(spec) || state.tlsCaFingerprint === caFingerprint()) return toCluster(state, false);
  }
  // Ours but sick (some brokers gone, not answering, or with stale TLS material): clear it
  // away and start again.
  await Promise.all(state.brokers.map((b) => terminate(b.pid, b.propertiesFile, 5_000)));
  return undefined;
}

/** Whether the broker answers Metadata listing `expected` brokers, retrying for up to `patienceMs`. */
async function answers(host: string, port: number, expected: number, patienceMs: number): Promise<boolean> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      if ((await probeMetadata(host, port, 5_000)).brokers.length >= expected) return true;
    } catch {
      // not yet: try again until the deadline
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** How a running cluster differs from the one asked for, or undefined if it fits. */
function shapeMismatch(spec: ClusterSpec, state: ClusterState): string | undefined {
  if (state.version !== spec.version) return `Kafka ${state.version}, asked for ${spec.version}`;
  if (state.brokers.length !== spec.brokers) return `${state.brokers.length} broker(s), asked for ${spec.brokers}`;
  const port = state.brokers[0]!.listeners[0]!.port;
  if (spec.port !== undefined && port !== spec.port) return `on port ${port}, asked for ${spec.port}`;
  if (JSON.stringify(state.spec.brokerProperties) !== JSON.stringify(spec.brokerProperties)) return 'with other broker properties';
  if (JSON.stringify(state.spec.listeners) !== JSON.stringify(spec.listeners)) return 'with other listeners';
  return undefined;
}

async function startFresh(spec: ClusterSpec): Promise<KafkaCluster> {
  const classpath = await kafkaClasspath(spec.version);
  const nodes = await planNodes(spec);

  // A JVM still running from this directory without being in the state file (the file was
  // deleted, or written by an incompatible harness) must not find its data wiped under it.
  const marker = join(clusterDir(spec.name), 'broker-');
  for (const pid of pidsMentioning(marker)) await terminate(pid, marker, 5_000);
  // A fresh start means fresh data: no topics left over from an earlier run. The previous
  // run's log is kept beside it, for whoever wonders why that run ended.
  for (const node of nodes) {
    if (existsSync(node.serverLog)) await rename(node.serverLog, `${node.dir}.previous-server.log`);
    await rm(node.dir, { recursive: true, force: true });
  }
  const clusterId = newClusterId();
  const tlsCaFingerprint = needsTls(spec) ? caFingerprint() : undefined;
  await Promise.all(nodes.map((node) => writeNodeConfig(spec, node, nodes)));
  await Promise.all(nodes.map((node) => formatStorage(spec, node, clusterId, classpath)));

  const launched = new Map<number, LaunchedBroker>();
  const state: ClusterState = {
    stateVersion: 1,
    name: spec.name,
    version: spec.version,
    clusterId,
    spec,
    bootstrap: nodes.map((n) => `${spec.host}:${n.listeners[0]!.port}`).join(','),
    brokers: nodes.map((node) => ({ ...node, pid: null })),
    startedAt: new Date().toISOString(),
    ...(tlsCaFingerprint !== undefined ? { tlsCaFingerprint } : {}),
  };
  try {
    for (const record of state.brokers) {
      const broker = launchBroker(spec, record, classpath);
      launched.set(record.nodeId, broker);
      record.pid = broker.pid;
    }
  } finally {
    // Recorded before the wait: a start interrupted here still leaves pids for kafka:stop.
    await writeState(state);
  }

  const deadline = Date.now() + spec.startTimeoutMs;
  try {
    await Promise.all(state.brokers.map((b) => waitUntilAnswering(spec, b, launched.get(b.nodeId), spec.brokers, deadline)));
  } catch (error) {
    // Leave nothing half-started behind: the error already says where the log is.
    await Promise.all(state.brokers.map((b) => terminate(b.pid, b.propertiesFile, 2_000)));
    for (const b of state.brokers) b.pid = null;
    await writeState(state);
    throw error;
  }
  return toCluster(state, true);
}

/** Ports for every node's listeners and controller: the fixed ones checked, the rest chosen free. */
async function planNodes(spec: ClusterSpec): Promise<NodePlan[]> {
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    // The kernel may hand back a port we just released; ask until it is a new one.
    for (;;) {
      const port = await freePort(spec.host);
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const nodes: NodePlan[] = [];
  let fixed = spec.port;
  for (let nodeId = 1; nodeId <= spec.brokers; nodeId++) {
    const ports: number[] = [];
    for (let i = 0; i < spec.listeners.length; i++) {
      if (fixed !== undefined) {
        await assertPortFree(spec.host, fixed, nodeId === 1 && i === 0 ? 'the requested' : `broker ${nodeId}'s`);
        taken.add(fixed);
        ports.push(fixed++);
      } else {
        ports.push(await pick());
      }
    }
    nodes.push(planNode(spec, nodeId, ports, await pick()));
  }
  return nodes;
}

function toCluster(state: ClusterState, started: boolean): KafkaCluster {
  const listenerBootstrap: Record<string, string> = {};
  for (const listener of state.spec.listeners) {
    listenerBootstrap[listener.name] = state.brokers
      .map((b) => `${state.spec.host}:${b.listeners.find((l) => l.name === listener.name)!.port}`)
      .join(',');
  }
  return {
    bootstrap: state.bootstrap,
    listenerBootstrap,
    version: state.version,
    name: state.name,
    brokers: state.brokers.map((b) => toBrokerInfo(state, b)),
    started,
    external: false,
  };
}

function toBrokerInfo(state: ClusterState, b: BrokerRecord): BrokerInfo {
  return {
    nodeId: b.nodeId,
    host: state.spec.host,
    port: b.listeners[0]!.port,
    pid: b.pid,
    dataDir: b.dataDir,
    serverLog: b.serverLog,
    stdoutLog: b.stdoutLog,
    propertiesFile: b.propertiesFile,
  };
}

/** What {@link stopCluster} did to each broker. */
export interface StopReport {
  name: string;
  brokers: Array<{ nodeId: number; pid: number | null; outcome: TerminateOutcome }>;
  /** JVMs that named the cluster's directory without being recorded, and were killed too. */
  strays: number[];
}

/**
 * Stops the harness cluster `name` (or the one `options` would start): every recorded broker,
 * SIGTERM then SIGKILL after a grace period, and any unrecorded JVM still running from its
 * directory. Leaves the directory (logs, data) for inspection; the next start wipes it. Stops
 * nothing else: a pid is signalled only if its command line names this cluster's broker config.
 */
export async function stopCluster(nameOrOptions: string | ClusterOptions = {}): Promise<StopReport> {
  const name = typeof nameOrOptions === 'string' ? nameOrOptions : resolveSpec(nameOrOptions).name;
  return withLock(join(clusterDir(name), 'lock'), 180_000, async () => {
    const state = await readState(name);
    const report: StopReport = { name, brokers: [], strays: [] };
    if (state !== undefined) {
      report.brokers = await Promise.all(
        state.brokers.map(async (b) => ({ nodeId: b.nodeId, pid: b.pid, outcome: await terminate(b.pid, b.propertiesFile, STOP_GRACE_MS) })),
      );
      for (const b of state.brokers) b.pid = null;
      await writeState(state);
    }
    const marker = join(clusterDir(name), 'broker-');
    for (const pid of pidsMentioning(marker)) {
      report.strays.push(pid);
      await terminate(pid, marker, 5_000);
    }
    return report;
  });
}

/** Stops every harness cluster under `.kafka/clusters/`. */
export async function stopAllClusters(): Promise<StopReport[]> {
  const reports: StopReport[] = [];
  for (const name of await listClusterNames()) reports.push(await stopCluster(name));
  return reports;
}

/**
 * The harness cluster `name` if it runs and answers, else undefined. Starts nothing.
 */
export async function findRunningCluster(nameOrOptions: string | ClusterOptions = {}): Promise<KafkaCluster | undefined> {
  const name = typeof nameOrOptions === 'string' ? nameOrOptions : resolveSpec(nameOrOptions).name;
  const state = await readState(name);
  if (state === undefined) return undefined;
  if (!state.brokers.every((b) => isOurProcess(b.pid, b.propertiesFile))) return undefined;
  const ok = await Promise.all(state.brokers.map((b) => answers(state.spec.host, b.listeners[0]!.port, 1, 5_000)));
  return ok.every(Boolean) ? toCluster(state, false) : undefined;
}

/**
 * A cluster for a test. With KAFKA_BOOTSTRAP set, that cluster is used and nothing is started
 * (if it is a harness cluster, its broker directories are found, so that dumpLogSegments works
 * on it); otherwise the harness cluster `options` describes is started or reused.
 *
 * @example
 * ```ts
 * import { ensureKafka, createTopic } from '../kafka/index.js';
 * const kafka = await ensureKafka();
 * await createTopic(kafka.bootstrap, 'orders', { partitions: 3 });
 * ```
 */
export async function ensureKafka(options: ClusterOptions = {}): Promise<KafkaCluster> {
  const bootstrap = process.env['KAFKA_BOOTSTRAP'];
  if (bootstrap === undefined || bootstrap.trim() === '') return startCluster(options);
  for (const name of await listClusterNames()) {
    const state = await readState(name);
    if (state?.bootstrap === bootstrap.trim() && state.brokers.every((b) => isOurProcess(b.pid, b.propertiesFile))) {
      return toCluster(state, false);
    }
  }
  return {
    bootstrap: bootstrap.trim(),
    listenerBootstrap: {},
    version: options.version ?? defaultKafkaVersion(),
    name: undefined,
    brokers: [],
    started: false,
    external: true,
  };
}

/** Options of {@link stopBroker}. */
export interface StopBrokerOptions {
  /** SIGTERM (clean shutdown, the default) or SIGKILL (a crash: no controlled shutdown). */
  signal?: 'SIGTERM' | 'SIGKILL';
}

/**
 * Stops one broker of a harness cluster, for fault tests: the others keep running. With
 * SIGKILL the broker gets no controlled shutdown; the controller fences it once its session
 * times out (broker.session.timeout.ms, 9 s by default).
 */
export async function stopBroker(cluster: KafkaCluster, nodeId: number, options: StopBrokerOptions = {}): Promise<void> {
  const name = requireLocal(cluster);
  await withLock(join(clusterDir(name), 'lock'), 180_000, async () => {
    const state = await readState(name);
    const broker = state?.brokers.find((b) => b.nodeId === nodeId);
    if (state === undefined || broker === undefined) throw new HarnessError('not-local', `cluster "${name}" has no broker ${nodeId}`);
    await terminate(broker.pid, broker.propertiesFile, options.signal === 'SIGKILL' ? 0 : STOP_GRACE_MS);
    broker.pid = null;
    await writeState(state);
    updatePid(cluster, nodeId, null);
  });
}

/**
 * Starts a stopped broker of a harness cluster again, with its data and ports, and waits until
 * it answers Metadata listing every broker of the cluster.
 */
export async function restartBroker(cluster: KafkaCluster, nodeId: number): Promise<void> {
  const name = requireLocal(cluster);
  await withLock(join(clusterDir(name), 'lock'), 180_000, async () => {
    const state = await readState(name);
    const broker = state?.brokers.find((b) => b.nodeId === nodeId);
    if (state === undefined || broker === undefined) throw new HarnessError('not-local', `cluster "${name}" has no broker ${nodeId}`);
    if (isOurProcess(broker.pid, broker.propertiesFile)) return;
    const launched = launchBroker(state.spec, broker, await kafkaClasspath(state.version));
    broker.pid = launched.pid;
    await writeState(state);
    updatePid(cluster, nodeId, launched.pid);
    await waitUntilAnswering(state.spec, broker, launched, state.brokers.length, Date.now() + state.spec.startTimeoutMs);
  });
}

function requireLocal(cluster: KafkaCluster): string {
  if (cluster.name === undefined) {
    throw new HarnessError('not-local', `the cluster at ${cluster.bootstrap} is external (KAFKA_BOOTSTRAP): the harness cannot stop or restart its brokers`);
  }
  return cluster.name;
}

function updatePid(cluster: KafkaCluster, nodeId: number, pid: number | null): void {
  const info = cluster.brokers.find((b) => b.nodeId === nodeId);
  if (info !== undefined) info.pid = pid;
}
