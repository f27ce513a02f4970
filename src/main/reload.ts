/**
 * Config reload (SIGHUP, `POST /-/reload`): the config loader reads the file again into a new
 * HostConfig, `planReload` says which keys changed, the service applies the live ones through
 * their owners (shards, discovery, publisher, logger, metrics) and the others keep their old values
 * until a restart, named in one log line. A file the loader refuses changes nothing
 * (docs/configuration.md#reloading-the-config).
 */
import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import type { HostConfig } from './config/schema.js';
import type { ShardConfig, ShardConfigChange } from '../shared/protocol.js';

/**
 * Keys fixed for the life of the process: sockets, threads and identities are set up with them at
 * start (`maxWatchedDirs` sizes discovery's watches; `publish.besideProbe` names the controls in every
 * published report, set in the core).
 */
export const RESTART_KEYS = ['pluginsRoot', 'listen', 'probeId', 'apiVersion', 'workers', 'backgroundNice', 'maxWatchedDirs', 'publish.besideProbe'] as const;

export interface ReloadPlan {
  /** The config to run with: the loaded one, with every restart-only key kept at its running value. */
  readonly next: HostConfig;
  /** Changed keys applied now, as dotted paths (`publish.apps`, `handshake.retryMaxMs`). */
  readonly live: readonly string[];
  /** Changed keys that keep their old value until a restart. */
  readonly restart: readonly string[];
}

export type ReloadResult =
  | { readonly ok: true; readonly changed: readonly string[]; readonly restartRequired: readonly string[] }
  /** `errors`: one line per problem, as the command prints them at start (without its name). */
  | { readonly ok: false; readonly errors: readonly string[] };

/** Dotted paths of the keys whose values differ; `listen` and `publish.apps` compare as one value each. */
export function changedKeys(a: HostConfig, b: HostConfig): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(a) as (keyof HostConfig)[]) {
    const x: unknown = a[key];
    const y: unknown = b[key];
    if (key !== 'listen' && isPlainObject(x) && isPlainObject(y)) {
      for (const sub of Object.keys(x)) if (!same(x[sub], y[sub])) keys.push(`${key}.${sub}`);
    } else if (!same(x, y)) keys.push(key);
  }
  return keys;
}

export function planReload(current: HostConfig, loaded: HostConfig): ReloadPlan {
  const restartOnly = new Set<string>(RESTART_KEYS);
  const changed = changedKeys(current, loaded);
  const restart = changed.filter((k) => restartOnly.has(k));
  const next = structuredClone(loaded) as unknown as Record<string, unknown>;
  const running = current as unknown as Record<string, unknown>;
  for (const path of restart) {
    const [top, sub] = path.split('.') as [string, string | undefined];
    if (sub === undefined) next[top] = running[top];
    else (next[top] as Record<string, unknown>)[sub] = (running[top] as Record<string, unknown>)[sub];
  }
  return { next: next as unknown as HostConfig, live: changed.filter((k) => !restartOnly.has(k)), restart };
}

/**
 * Reports a plugin keeps between two publishes: every poll of one interval, and one more so that a
 * publish a little late loses nothing. A publish later than that (its build still running) drops
 * the oldest: what a plugin holds stays bounded however far the builds fall behind.
 */
export function accumulationLimit(config: HostConfig): number {
  if (config.publish.apps.length === 0) return 0;
  return Math.ceil(config.publish.intervalMs / config.pollIntervalMs) + 1;
}

/** The shard settings a HostConfig gives. */
export function liveShardConfig(config: HostConfig): Required<ShardConfigChange> {
  return {
    pollIntervalMs: config.pollIntervalMs,
    pollSlotMs: config.pollSlotMs,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    maxNodesPerReport: config.maxNodesPerReport,
    maxConcurrentPolls: config.maxConcurrentPollsPerWorker,
    handshakeRetryInitialMs: config.handshake.retryInitialMs,
    handshakeRetryMaxMs: config.handshake.retryMaxMs,
    failureBackoffMaxMs: config.failureBackoffMaxMs,
    accumulate: accumulationLimit(config),
  };
}

export function shardConfig(config: HostConfig): Omit<ShardConfig, 'shardIndex'> {
  return { probeId: config.probeId, apiVersion: config.apiVersion, backgroundNice: config.backgroundNice, ...liveShardConfig(config) };
}

export interface ReloaderOptions {
  readonly initial: HostConfig;
  /** Reads the config again; throws a ConfigError (one line per problem) when the file is refused. */
  load(): Promise<HostConfig>;
  /** Applies the live keys of `plan` (the owners' job). */
  apply(plan: ReloadPlan): Promise<void>;
  readonly logger: Logger;
}

/** Owns the running config; reloads run one at a time, in the order asked. */
export class ConfigReloader {
  readonly #options: ReloaderOptions;
  readonly #log: Logger;
  #current: HostConfig;
  #chain: Promise<unknown> = Promise.resolve();
  #lastOk = true;
  #lastSuccessAt = Date.now();

  constructor(options: ReloaderOptions) {
    this.#options = options;
    this.#current = options.initial;
    this.#log = options.logger.child({ component: 'config' });
  }

  get current(): HostConfig {
    return this.#current;
  }

  /** Whether the last reload was applied, and when the config last changed successfully (epoch ms). */
  get lastReload(): { ok: boolean; successAt: number } {
    return { ok: this.#lastOk, successAt: this.#lastSuccessAt };
  }

  reload(trigger: string): Promise<ReloadResult> {
    const run = this.#chain.then(() => this.#reload(trigger));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #reload(trigger: string): Promise<ReloadResult> {
    let loaded: HostConfig;
    try {
      loaded = await this.#options.load();
    } catch (err) {
      const errors = err instanceof ConfigError ? err.lines.map(oneLine) : [oneLine(err instanceof Error ? err.message : String(err))];
      this.#lastOk = false;
      for (const error of errors) this.#log.error({ trigger, error }, 'config reload refused; the running config stays');
      return { ok: false, errors };
    }
    const plan = planReload(this.#current, loaded);
    if (plan.restart.length > 0) {
      this.#log.warn({ trigger, keys: plan.restart }, `config reload: ${plan.restart.join(', ')} change only at restart; keeping the running values`);
    }
    try {
      await this.#options.apply(plan);
    } catch (err) {
      this.#lastOk = false;
      this.#current = plan.next;
      this.#log.error({ trigger, err, keys: plan.live }, 'config reload: applying the new settings failed');
      return { ok: false, errors: [`applying ${plan.live.join(', ')} failed: ${oneLine(String(err))}`] };
    }
    this.#current = plan.next;
    this.#lastOk = true;
    this.#lastSuccessAt = Date.now();
    this.#log.info({ trigger, changed: plan.live }, plan.live.length > 0 ? 'config reloaded' : 'config reloaded; nothing to change');
    return { ok: true, changed: plan.live, restartRequired: plan.restart };
  }
}

function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
