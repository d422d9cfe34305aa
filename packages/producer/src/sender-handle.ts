/**
 * Starts the Sender worker and holds the control channel to it: a Worker running
 * `@tandem/sender/worker`, a MessageChannel carrying comlink calls, and the rules for keeping
 * the process alive (only while the producer has work in progress: an idle producer must not
 * hold the event loop open by itself).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { AppEventMessage, LayoutBuffers, SenderConfig, SenderControl } from '@tandem/shared-memory';

/** Where the worker entry lives: resolved, not imported (producer and sender meet only in shared memory). */
function workerUrl(): URL {
  return new URL(import.meta.resolve('@tandem/sender/worker'));
}

/**
 * The parent's Node options, less those that only make sense for the main script: a worker
 * inherits process.execArgv, and `node --input-type=module -e ...` (or --eval, --print) would
 * make the worker refuse to load its file.
 */
function workerExecArgv(): string[] | undefined {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--input-type')) {
      if (a === '--input-type') i++;
      continue;
    }
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
      i++;
      continue;
    }
    if (a.startsWith('--eval=') || a.startsWith('--print=')) continue;
    out.push(a);
  }
  // Unchanged: let the worker inherit (Node then drops per-process flags such as --trace-gc
  // itself; given explicitly, they would be refused).
  return out.length === argv.length ? undefined : out;
}

/** Starts the worker; options a worker refuses are dropped rather than failing the producer. */
function startWorker(options: import('node:worker_threads').WorkerOptions): Worker {
  const execArgv = workerExecArgv();
  try {
    return new Worker(workerUrl(), execArgv === undefined ? options : { ...options, execArgv });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(workerUrl(), { ...options, execArgv: [] });
  }
}

export class SenderHandle {
  readonly worker: Worker;
  readonly control: Comlink.Remote<SenderControl>;
  private readonly port: import('node:worker_threads').MessagePort;
  private refs = 0;
  /** Why the worker stopped, once it has. */
  exitReason: string | null = null;
  private readonly onExit: (reason: string) => void;

  private readonly eventsPort: import('node:worker_threads').MessagePort;

  constructor(onEvent: (event: AppEventMessage) => void, onExit: (reason: string) => void) {
    this.onExit = onExit;
    const { port1, port2 } = new MessageChannel();
    const events = new MessageChannel();
    this.port = port1;
    this.eventsPort = events.port1;
    this.worker = startWorker({
      workerData: { port: port2, eventsPort: events.port2 },
      transferList: [port2, events.port2],
      name: 'tandem-sender',
    });
    events.port1.on('message', (msg: AppEventMessage) => onEvent(msg));
    events.port1.unref();
    this.control = Comlink.wrap<SenderControl>(port1 as unknown as Comlink.Endpoint);
    // The port and the worker are ref'd only while work is in progress (see hold/release).
    port1.unref();
    this.worker.unref();
    this.worker.on('error', (err: Error) => this.exited(`the Sender worker failed: ${err.stack ?? err.message}`));
    this.worker.on('exit', (code: number) => this.exited(`the Sender worker exited (code ${code})`));
  }

  private exited(reason: string): void {
    if (this.exitReason !== null) return;
    this.exitReason = reason;
    this.onExit(reason);
  }

  /** Starts the Sender (connects nothing yet: it fetches metadata as topics are used). */
  start(config: SenderConfig, layout: LayoutBuffers): Promise<void> {
    return this.control.start(config, layout);
  }

  /** Keeps the process alive: a send or control call is in progress. */
  hold(): void {
    if (this.refs++ === 0) this.worker.ref();
  }

  /** Undoes one {@link hold}. */
  release(): void {
    if (--this.refs === 0) this.worker.unref();
  }

  /** Stops the worker and closes the channel. */
  async terminate(): Promise<void> {
    this.control[Comlink.releaseProxy]();
    this.port.close();
    this.eventsPort.close();
    await this.worker.terminate();
  }
}
