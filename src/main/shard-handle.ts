/**
 * Main thread's handle on one shard worker: starts it, restarts it when it dies (with a guard
 * against crash loops) and hands a new worker the plugins the table assigns to it, and turns
 * comlink calls into promises that reject with a coded error when the worker dies or stalls
 * (comlink alone would leave them pending forever).
 *
 * Owns: the Worker and its comlink proxy. Which plugins it hosts is the plugin table's to say.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { portEndpoint } from '../shared/port-endpoint.js';
import { ErrorCode, HostError, assertNever } from '../shared/errors.js';
import {
  PROTOCOL_VERSION,
  ShardEventKind,
  type LogEvent,
  type PluginAssignment,
  type PluginState,
  type ShardApi,
  type ShardConfig,
  type ShardConfigChange,
  type ShardEvent,
  type ShardWorkerData,
  type StatsEvent,
} from '../shared/protocol.js';
import { workerTarget } from '../shared/worker-url.js';

export interface ShardListener {
  /** The plugins this shard hosts, for a (re)started worker to resume. */
  assignments(shard: number): PluginAssignment[];
  states(shard: number, states: readonly PluginState[]): void;
  log(shard: number, event: LogEvent): void;
  stats(shard: number, event: StatsEvent): void;
  /** The worker died; it will be restarted after `restartInMs`. */
  crashed(shard: number, error: string, restartInMs: number): void;
  restarted(shard: number): void;
}

/** Crashes within this window count towards the restart backoff. */
const CRASH_WINDOW_MS = 60_000;
const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 30_000;

/**
 * A shard's young generation, capped at 8 MB semi-spaces (what Node 20's default grows to for a
 * poll's garbage): Node 24's default grows them to 32 MB and keeps them committed
 * (docs/decisions/067-young-generations-node-24.md).
 */
export const SHARD_YOUNG_GENERATION_MB = 24;

export class ShardHandle {
  readonly index: number;
  #config: ShardConfig;
  readonly #listener: ShardListener;
  #worker: Worker | null = null;
  #port: MessagePort | null = null;
  #api: Comlink.Remote<ShardApi> | null = null;
  /**
   * How to fail each call in flight, when the worker dies. Not a race against a "death" promise:
   * a promise that stays pending keeps every reaction ever added to it, and with it every call's
   * answer (a snapshot's specs, each publish) for the life of the worker.
   */
  readonly #inFlight = new Set<(err: HostError) => void>();
  #ready = false;
  #closing = false;
  #crashTimes: number[] = [];
  #restartTimer: NodeJS.Timeout | null = null;
  #restarts = 0;

  constructor(index: number, config: ShardConfig, listener: ShardListener) {
    this.index = index;
    this.#config = config;
    this.#listener = listener;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Resolves once the worker said Ready with our protocol version. */
  start(): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const target = workerTarget('shard');
    const data: ShardWorkerData & Record<string, unknown> = {
      protocolVersion: PROTOCOL_VERSION,
      config: this.#config,
      api: port2,
      ...target.extraWorkerData,
    };
    const worker = new Worker(target.file, {
      workerData: data,
      transferList: [port2],
      name: `shard-${this.index}`,
      resourceLimits: { maxYoungGenerationSizeMb: SHARD_YOUNG_GENERATION_MB },
    });
    this.#worker = worker;
    this.#port = port1;
    this.#api = Comlink.wrap<ShardApi>(portEndpoint(port1));
    let lastError = 'exited';

    return new Promise((resolve, reject) => {
      worker.on('message', (event: ShardEvent) => {
        switch (event.kind) {
          case ShardEventKind.Ready:
            if (event.protocolVersion !== PROTOCOL_VERSION) {
              reject(new HostError(ErrorCode.INTERNAL, `shard ${this.index} speaks protocol ${event.protocolVersion}`));
              void worker.terminate();
              return;
            }
            this.#ready = true;
            this.#resume();
            resolve();
            return;
          case ShardEventKind.PluginStates:
            this.#listener.states(this.index, event.states);
            return;
          case ShardEventKind.Log:
            this.#listener.log(this.index, event);
            return;
          case ShardEventKind.Stats:
            this.#listener.stats(this.index, event);
            return;
          default:
            assertNever(event, 'shard event');
        }
      });
      worker.on('error', (err) => {
        lastError = err instanceof Error ? err.message : String(err);
      });
      worker.on('exit', (code) => {
        const wasReady = this.#ready;
        this.#ready = false;
        port1.close();
        const death = new HostError(ErrorCode.WORKER_CRASHED, `worker thread of shard ${this.index} ${lastError} (exit code ${code})`);
        for (const fail of [...this.#inFlight]) fail(death);
        if (!wasReady) reject(new HostError(ErrorCode.WORKER_CRASHED, `shard ${this.index} failed to start: ${lastError}`));
        if (!this.#closing) this.#scheduleRestart(lastError);
      });
    });
  }

  /** A (re)started worker takes up every plugin this shard hosts. */
  #resume(): void {
    const assigned = this.#listener.assignments(this.index);
    if (assigned.length > 0) void this.#api!.addPlugins(assigned);
  }

  /** Start actors for these plugins, if the worker is up; a worker that is restarting gets them from `assignments`. */
  add(plugins: readonly PluginAssignment[]): void {
    if (this.#ready && plugins.length > 0) void this.call((api) => api.addPlugins(plugins)).catch(() => {});
  }

  /** New live settings: kept for a restarted worker, and sent to the running one. */
  configure(change: ShardConfigChange): Promise<void> {
    this.#config = { ...this.#config, ...change };
    return this.#ready ? this.call((api) => api.configure(change)) : Promise.resolve();
  }

  remove(keys: readonly string[]): void {
    if (this.#ready && keys.length > 0) void this.call((api) => api.removePlugins(keys)).catch(() => {});
  }

  /**
   * One control-plane call, failing with HOST_WORKER_CRASHED if the worker is down or dies, and
   * with HOST_INTERNAL if it does not answer within `timeoutMs`.
   */
  call<T>(fn: (api: Comlink.Remote<ShardApi>) => Promise<T>, timeoutMs = 5_000): Promise<T> {
    if (!this.#ready || !this.#api) {
      return Promise.reject(new HostError(ErrorCode.WORKER_CRASHED, `shard ${this.index} is restarting`));
    }
    const api = this.#api;
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.#inFlight.delete(fail);
      };
      // What comlink rejects with is the worker's error, as thrown there.
      const fail = (err: unknown): void => {
        settle();
        reject(err as Error);
      };
      const timer = setTimeout(() => fail(new HostError(ErrorCode.INTERNAL, `shard ${this.index} did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.#inFlight.add(fail);
      fn(api).then((value) => {
        settle();
        resolve(value);
      }, fail);
    });
  }

  /** Stop polling, close every plugin connection and end the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => {
      if (!this.#ready && worker.threadId === -1) resolve();
      worker.once('exit', () => resolve());
    });
    if (this.#ready) await this.call((api) => api.shutdown(), 1_000).catch(() => {});
    // The worker exits by itself once its ports close; don't wait for a stuck one.
    const forced = setTimeout(() => void worker.terminate(), 500);
    await exited;
    clearTimeout(forced);
    this.#port?.close();
  }

  #scheduleRestart(reason: string): void {
    const now = Date.now();
    this.#crashTimes = this.#crashTimes.filter((t) => now - t < CRASH_WINDOW_MS);
    this.#crashTimes.push(now);
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (this.#crashTimes.length - 1));
    this.#listener.crashed(this.index, reason, delay);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.start().then(
        () => {
          this.#restarts++;
          this.#listener.restarted(this.index);
        },
        () => {}, // its exit handler already scheduled the next attempt
      );
    }, delay);
  }
}
