import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateRoot } from './paths.js';
import { clusterDir, type ClusterSpec, type NodePlan } from './topology.js';

/**
 * The cluster state file, `.kafka/clusters/<name>/cluster.json`: what `kafka:start` started, so
 * that a later `kafka:start` can reuse it and `kafka:stop` can stop exactly it.
 */

/** A broker as recorded: its plan plus the pid of its JVM (null once stopped). */
export interface BrokerRecord extends NodePlan {
  pid: number | null;
}

/** A cluster as recorded. */
export interface ClusterState {
  /** Format of this file; bumped when a change makes old files unreadable. */
  stateVersion: 1;
  name: string;
  version: string;
  clusterId: string;
  spec: ClusterSpec;
  /** `host:port,...` of every broker's first listener. */
  bootstrap: string;
  brokers: BrokerRecord[];
  startedAt: string;
  /**
   * SHA-256 fingerprint of the test CA the brokers' certificates came from (tls.ts), for a
   * cluster with TLS listeners; absent otherwise.
   */
  tlsCaFingerprint?: string;
}

/** Path of the state file of cluster `name`. */
export function stateFile(name: string): string {
  return join(clusterDir(name), 'cluster.json');
}

/** The recorded state of cluster `name`, or undefined if there is none (or it is unreadable). */
export async function readState(name: string): Promise<ClusterState | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile(name), 'utf8')) as ClusterState;
    return state.stateVersion === 1 ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Records `state`, atomically (a reader never sees half a file). */
export async function writeState(state: ClusterState): Promise<void> {
  const file = stateFile(state.name);
  await mkdir(clusterDir(state.name), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

/** Names of every cluster with a state directory. */
export async function listClusterNames(): Promise<string[]> {
  const dir = join(stateRoot, 'clusters');
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}
