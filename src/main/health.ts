/**
 * What `/healthz`, `/readyz`, the status page and the metrics say about the host, decided in one
 * place from the plugins root's condition and the plugin table (docs/production.md#health-checks).
 *
 * Liveness (`/healthz`) is 200 whenever the process answers: no state of the root or the plugins
 * is fixed by restarting the host, so none of them may get it killed. Readiness (`/readyz`) is 200
 * once the first scan is applied and the root can be read (or plugins are disabled): a host with
 * no plugins root serves nothing, and saying so takes it out of rotation where someone sees it.
 */
import type { RootCondition, RootStatus } from './discovery/discovery.js';
import type { PluginTableView } from './core/plugin-table.js';

export type PluginStatusKind = 'ok' | 'error' | 'pending';
export const PLUGIN_STATUS_KINDS: readonly PluginStatusKind[] = ['ok', 'error', 'pending'];
export const PLUGIN_ERAS = ['handshake', 'report', 'unknown'] as const;
export const ROOT_CONDITIONS: readonly RootCondition[] = ['disabled', 'unknown', 'present', 'missing', 'not-a-directory', 'unreadable'];

export type HealthStatus = 'starting' | 'ok' | 'no-plugins-root' | 'plugins-failing';

export interface PluginCounts {
  total: number;
  ok: number;
  error: number;
  pending: number;
}

export interface Health {
  status: HealthStatus;
  /** One line for people: what is wrong, with the path or the count. */
  summary: string;
  ready: boolean;
  root: RootStatus;
  /** Plugins listed (every discovered socket). */
  plugins: number;
  pluginsOk: number;
  pluginsFailing: number;
  pluginsPending: number;
}

export function statusKind(status: string | undefined): PluginStatusKind {
  return status === undefined ? 'pending' : status === 'ok' ? 'ok' : 'error';
}

export function countPlugins(table: PluginTableView): PluginCounts {
  const counts: PluginCounts = { total: 0, ok: 0, error: 0, pending: 0 };
  for (const record of table.values()) {
    counts.total++;
    counts[statusKind(record.state.spec.status)]++;
  }
  return counts;
}

const ROOT_PROBLEM: Partial<Record<RootCondition, string>> = {
  missing: 'does not exist',
  'not-a-directory': 'is not a directory',
  unreadable: 'cannot be read',
};

/** `started`: the first discovery scan has been applied (or plugins are disabled). */
export function healthOf(started: boolean, root: RootStatus, counts: PluginCounts): Health {
  const plugins = { plugins: counts.total, pluginsOk: counts.ok, pluginsFailing: counts.error, pluginsPending: counts.pending };
  const problem = ROOT_PROBLEM[root.state];
  if (!started || root.state === 'unknown') {
    return { status: 'starting', summary: 'starting: the first scan of the plugins root is not done', ready: false, root, ...plugins };
  }
  if (problem !== undefined) {
    const reason = root.error === undefined ? '' : ` (${root.error})`;
    return { status: 'no-plugins-root', summary: `plugins root ${root.path} ${problem}${reason}`, ready: false, root, ...plugins };
  }
  if (counts.error > 0) {
    return { status: 'plugins-failing', summary: `${counts.error} of ${counts.total} plugins failing`, ready: true, root, ...plugins };
  }
  const summary = root.state === 'disabled' ? 'serving; plugins disabled (pluginsRoot is "")' : `serving; polling ${counts.total} plugins`;
  return { status: 'ok', summary, ready: true, root, ...plugins };
}
