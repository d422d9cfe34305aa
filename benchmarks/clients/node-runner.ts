/**
 * Runs a Node.js client's workload in a child process of its own (clients/child.ts), so that
 * the CPU time, memory and event loop it reports are that client's alone, and no client's
 * leftovers (JIT state, sockets, native threads) reach the next one.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { distDir } from '../paths.js';
import type { ClientName, PerfResult, Workload } from '../perf/workload.js';
import type { ChildMessage, RunMessage } from './child-protocol.js';
import type { RunHooks, RunOptions } from './runner.js';

/** Lines of the child's output kept to explain a failure. */
const TAIL_LINES = 20;

export function runNodeClient(client: Exclude<ClientName, 'java'>, workload: Workload, options: RunOptions, hooks: RunHooks): Promise<PerfResult> {
  const execArgv = options.cpuProfileDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const child = fork(join(distDir, 'clients', 'child.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv });
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') tail.push(line);
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  return new Promise<PerfResult>((resolve, reject) => {
    let result: PerfResult | undefined;
    let failure: string | undefined;
    const timer = setTimeout(() => {
      failure = `${client} did not finish in ${Math.round(options.timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'started':
          hooks.onStart?.();
          break;
        case 'progress':
          hooks.onProgress?.(message.acked);
          break;
        case 'result':
          result = message.result;
          break;
        case 'error':
          failure = message.message;
          break;
      }
    });
    child.on('error', (error) => {
      failure ??= error.message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else {
        const why = failure ?? `the ${client} child process exited (${code ?? signal}) without a result`;
        const context = failure === undefined && tail.length > 0 ? `\n  ${tail.join('\n  ')}` : '';
        reject(new Error(`${why}${context}`));
      }
    });
    const run: RunMessage = { type: 'run', client, workload };
    child.send(run);
  });
}
