/**
 * Who this host is and how its apps are doing, for `GET /api/host` and the status page's header:
 * the probe ID, version, uptime, plugins root, and per configured Scope app URL its publishing
 * and its control websocket.
 */
import type { PublishAppStats } from './publish/publisher.js';

/** A control connection to an app, as its owner reports it (src/main/app-control). */
export interface AppControlState {
  readonly url: string;
  readonly appId: string;
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
  publishStats(): readonly PublishAppStats[];
  /** The apps' control websockets (one per app, opened once the app said who it is). */
  appControls(): readonly AppControlState[];
}

export type PublishState = 'ok' | 'failing' | 'waiting';

export interface AppInfo {
  url: string;
  /** The app's ID from its `GET /api`; null until it answered. */
  appId: string | null;
  /** Another configured URL is the same app: published to and controlled through that one. */
  sameAppAs: string | null;
  publish: {
    /** `ok`: the last publish was accepted; `failing`: the last one failed; `waiting`: none finished yet. */
    state: PublishState;
    lastOkAt: string | null;
    lastError: string | null;
    consecutiveFailures: number;
    sent: number;
    queued: number;
  };
  /** The control websocket to the app; null while there is none (the app's identity is not known yet, or it is another URL's app). */
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
  const controls = s.appControls();
  return {
    probeId: s.probeId,
    version: s.version,
    startedAt: new Date(s.startedAt).toISOString(),
    uptimeSeconds: Math.max(0, Math.round((now - s.startedAt) / 1000)),
    pluginsRoot: s.pluginsRoot,
    workers: s.workers,
    apps: s.publishStats().map((app) => ({
      url: app.url,
      appId: app.appId,
      sameAppAs: app.sameAppAs,
      publish: {
        state: app.consecutiveFailures > 0 ? 'failing' : app.lastOkAt !== null ? 'ok' : 'waiting',
        lastOkAt: app.lastOkAt === null ? null : new Date(app.lastOkAt).toISOString(),
        lastError: app.lastError,
        consecutiveFailures: app.consecutiveFailures,
        sent: app.sent,
        queued: app.queued,
      },
      control: controlOf(app, controls),
    })),
  };
}

/** The websocket of this URL, or of the app it identified as (unless another URL owns that app). */
function controlOf(app: PublishAppStats, controls: readonly AppControlState[]): AppInfo['control'] {
  let c = controls.find((state) => state.url === app.url);
  if (c === undefined && app.appId !== null && app.sameAppAs === null) c = controls.find((state) => state.appId === app.appId);
  if (c === undefined) return null;
  return { connected: c.connected, since: c.connectedSince === null ? null : new Date(c.connectedSince).toISOString(), lastError: c.lastError };
}
