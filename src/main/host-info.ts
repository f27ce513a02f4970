/**
 * Who this host is and how its apps are doing, for `GET /api/host` and the status page's header:
 * the probe ID, version, uptime, plugins root, and per Scope app its publishing and its control
 * connection.
 */
import type { AppStats } from './publish/app-client.js';

/** A control connection to an app, as its owner reports it. */
export interface AppControlState {
  readonly url: string;
  readonly connected: boolean;
  readonly connectedSince: number | null;
  readonly lastError: string | null;
}

export interface HostInfoSources {
  readonly probeId: string;
  readonly version: string;
  readonly pluginsRoot: string;
  readonly workers: number;
  /** Epoch ms. */
  readonly startedAt: number;
  publishStats(): readonly AppStats[];
  /** The apps' control websockets; absent while the host keeps none, and each app's `control` is then null. */
  appControls?(): readonly AppControlState[];
}

export type PublishState = 'ok' | 'failing' | 'waiting';

export interface AppInfo {
  url: string;
  publish: {
    /** `ok`: the last publish was accepted; `failing`: the last one failed; `waiting`: none finished yet. */
    state: PublishState;
    lastOkAt: string | null;
    lastError: string | null;
    consecutiveFailures: number;
    sent: number;
    queued: number;
  };
  /** null when this host keeps no control connection to the app. */
  control: { connected: boolean; since: string | null; lastError: string | null } | null;
}

export interface HostInfo {
  probeId: string;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  /** `""`: plugins disabled. */
  pluginsRoot: string;
  workers: number;
  apps: AppInfo[];
}

export function hostInfo(s: HostInfoSources, now = Date.now()): HostInfo {
  const controls = s.appControls?.();
  return {
    probeId: s.probeId,
    version: s.version,
    startedAt: new Date(s.startedAt).toISOString(),
    uptimeSeconds: Math.max(0, Math.round((now - s.startedAt) / 1000)),
    pluginsRoot: s.pluginsRoot,
    workers: s.workers,
    apps: s.publishStats().map((app) => {
      return {
        url: app.url,
        publish: {
          state: app.consecutiveFailures > 0 ? 'failing' : app.lastOkAt !== null ? 'ok' : 'waiting',
          lastOkAt: app.lastOkAt === null ? null : new Date(app.lastOkAt).toISOString(),
          lastError: app.lastError,
          consecutiveFailures: app.consecutiveFailures,
          sent: app.sent,
          queued: app.queued,
        },
        control: controlOf(app.url, controls),
      };
    }),
  };
}

function controlOf(url: string, controls: readonly AppControlState[] | undefined): AppInfo['control'] {
  if (controls === undefined) return null;
  const c = controls.find((state) => state.url === url);
  if (c === undefined) return { connected: false, since: null, lastError: null };
  return { connected: c.connected, since: c.connectedSince === null ? null : new Date(c.connectedSince).toISOString(), lastError: c.lastError };
}
