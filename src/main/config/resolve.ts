/**
 * Builds the frozen `HostConfig` from three layers, highest first: command-line flags, the config
 * file, `DEFAULTS` (plus the two start-up values, probe ID and worker count). Both inputs are
 * already checked one key at a time; this adds the checks that span keys.
 */
import { DEFAULTS, MAX_WORKERS, deepFreeze } from './schema.js';
import type { ConfigFile, HostConfig } from './schema.js';
import { parseListen } from './address.js';
import { handshakeBoundIssue, type ConfigIssue } from './validate.js';

/** Values given as flags; each already validated by the flag parser. */
export interface ConfigOverrides {
  pluginsRoot?: string;
  listen?: { host: string; port: number };
  probeId?: string;
  logLevel?: string;
  /** All `--app` values, in order; replaces `publish.apps` from the file when present. */
  apps?: string[];
}

/** Start-up values used when neither flag nor file sets them. */
export interface ComputedDefaults {
  probeId: string;
  /** `os.availableParallelism()`; clamped to 1..MAX_WORKERS here. */
  availableParallelism: number;
}

export type Resolved = { ok: true; config: Readonly<HostConfig> } | { ok: false; issue: ConfigIssue };

export function resolveConfig(file: ConfigFile, flags: ConfigOverrides, computed: ComputedDefaults): Resolved {
  let listen: { host: string; port: number } = { ...DEFAULTS.listen };
  if (file.listen !== undefined) {
    const parsed = parseListen(file.listen);
    // validateConfigFile has already refused a bad address; this only narrows the type.
    if (parsed.ok) listen = { host: parsed.host, port: parsed.port };
  }
  if (flags.listen !== undefined) listen = { ...flags.listen };

  const config: HostConfig = {
    pluginsRoot: flags.pluginsRoot ?? file.pluginsRoot ?? DEFAULTS.pluginsRoot,
    listen,
    probeId: flags.probeId ?? file.probeId ?? computed.probeId,
    apiVersion: file.apiVersion ?? DEFAULTS.apiVersion,
    pollIntervalMs: file.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    timeoutMs: file.timeoutMs ?? DEFAULTS.timeoutMs,
    maxResponseBytes: file.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
    maxNodesPerReport: file.maxNodesPerReport ?? DEFAULTS.maxNodesPerReport,
    pollSlotMs: file.pollSlotMs ?? DEFAULTS.pollSlotMs,
    rescanIntervalMs: file.rescanIntervalMs ?? DEFAULTS.rescanIntervalMs,
    maxWatchedDirs: file.maxWatchedDirs ?? DEFAULTS.maxWatchedDirs,
    workers: file.workers ?? clamp(Math.floor(computed.availableParallelism), 1, MAX_WORKERS),
    pluginsPerWorker: file.pluginsPerWorker ?? DEFAULTS.pluginsPerWorker,
    maxConcurrentPollsPerWorker: file.maxConcurrentPollsPerWorker ?? DEFAULTS.maxConcurrentPollsPerWorker,
    backgroundNice: file.backgroundNice ?? DEFAULTS.backgroundNice,
    handshake: {
      retryInitialMs: file.handshake?.retryInitialMs ?? DEFAULTS.handshake.retryInitialMs,
      retryMaxMs: file.handshake?.retryMaxMs ?? DEFAULTS.handshake.retryMaxMs,
    },
    failureBackoffMaxMs: file.failureBackoffMaxMs ?? DEFAULTS.failureBackoffMaxMs,
    logLevel: flags.logLevel ?? file.logLevel ?? DEFAULTS.logLevel,
    publish: {
      apps: [...(flags.apps ?? file.publish?.apps ?? DEFAULTS.publish.apps)],
      intervalMs: file.publish?.intervalMs ?? DEFAULTS.publish.intervalMs,
      token: file.publish?.token ?? DEFAULTS.publish.token,
      timeoutMs: file.publish?.timeoutMs ?? DEFAULTS.publish.timeoutMs,
      queueSize: file.publish?.queueSize ?? DEFAULTS.publish.queueSize,
      besideProbe: file.publish?.besideProbe ?? DEFAULTS.publish.besideProbe,
    },
    metrics: { perPlugin: file.metrics?.perPlugin ?? DEFAULTS.metrics.perPlugin },
  };

  const bound = handshakeBoundIssue(file.handshake ?? {});
  if (bound !== null) return { ok: false, issue: bound };
  return { ok: true, config: deepFreeze(config) };
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : lo;
}
