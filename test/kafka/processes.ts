import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * Processes the harness started, found again by pid in a later run. A pid alone is not proof:
 * after a reboot or a long time it may belong to someone else. So the harness only ever signals
 * a pid whose command line still names the broker's own properties file.
 */

/** The command line of `pid`, or undefined when no such process exists (or it is a zombie). */
export function commandLineOf(pid: number): string | undefined {
  try {
    // /proc/<pid>/stat's third field is the state; a zombie has exited, only its entry remains.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/s.test(stat)) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && isLinux()) return undefined;
  }
  // No /proc (macOS): ask ps.
  try {
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function isLinux(): boolean {
  return process.platform === 'linux';
}

/** True when `pid` runs and its command line contains `marker` (the broker's properties file). */
export function isOurProcess(pid: number | null | undefined, marker: string): pid is number {
  if (pid === null || pid === undefined || pid <= 0) return false;
  return commandLineOf(pid)?.includes(marker) ?? false;
}

/** Signals the process group of `pid` (the broker runs as a group leader), or the pid alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    try {
      process.kill(pid, signal);
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code !== 'ESRCH') throw inner;
    }
  }
}

/** Resolves true once `pid` no longer runs `marker`, false if it still does at `timeoutMs`. */
export async function waitForExit(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isOurProcess(pid, marker)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How {@link terminate} ended the process. */
export type TerminateOutcome = 'not-running' | 'terminated' | 'killed';

/**
 * Stops the process `pid` if it still is ours: SIGTERM (Kafka shuts down cleanly, which takes a
 * second or two), then SIGKILL after `graceMs`; or SIGKILL at once when `graceMs` is 0 (a
 * simulated crash). Never signals a pid whose command line lacks `marker`.
 */
export async function terminate(pid: number | null | undefined, marker: string, graceMs: number): Promise<TerminateOutcome> {
  if (!isOurProcess(pid, marker)) return 'not-running';
  if (graceMs > 0) {
    signalGroup(pid, 'SIGTERM');
    if (await waitForExit(pid, marker, graceMs)) return 'terminated';
  }
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, marker, 10_000);
  return 'killed';
}

/**
 * Pids of every Java process whose command line contains `marker`. Used as a sweep after a stop
 * (a JVM whose pid was never recorded, because its starter was killed at the wrong moment, still
 * names its cluster's directory) and by tests that check nothing of ours is left. Reads /proc
 * where there is one (minimal CI images may lack `ps`), else asks `ps`.
 */
export function pidsMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const [pid, commandLine] of listProcesses()) {
    // Not ourselves, and not a shell or tool whose own arguments happen to contain the marker.
    if (pid !== process.pid && commandLine.includes(marker) && /(^|\/)java\s/.test(commandLine)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

function listProcesses(): Array<[number, string]> {
  if (existsSync('/proc/self/cmdline')) {
    const found: Array<[number, string]> = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const commandLine = commandLineOf(Number(entry));
      if (commandLine !== undefined) found.push([Number(entry), commandLine]);
    }
    return found;
  }
  let listing: string;
  try {
    // `ww`: never truncate the command line, or the marker could be cut off.
    listing = execFileSync('ps', ['-e', '-ww', '-o', 'pid=,args='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return [];
  }
  const found: Array<[number, string]> = [];
  for (const line of listing.split('\n')) {
    const match = line.match(/^\s*(\d+)\s+(.*)$/);
    if (match !== null) found.push([Number(match[1]), match[2]!]);
  }
  return found;
}
