/**
 * CPU time and memory of another process, from Linux's /proc: how the orchestrator measures the
 * Java producer's JVM, which cannot report its own process.cpuUsage().
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One reading of a process. */
export interface ProcessSample {
  /** User + system CPU seconds of every thread of the process so far. */
  cpuSeconds: number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRssBytes: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 on every Linux we know). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * Reads `/proc/<pid>/stat` (utime, stime: fields 14 and 15, counted after the command name,
 * which may itself hold spaces and parentheses) and `/proc/<pid>/status` (VmHWM). Undefined once
 * the process is gone, or where there is no /proc.
 */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return { cpuSeconds: ticks / clockTicks(), peakRssBytes: hwm === null ? 0 : Number(hwm[1]) * 1024 };
  } catch {
    return undefined;
  }
}
