/**
 * Metrics for the descriptor budget (fd-budget.ts): the plugins left unpolled by the open-file
 * limit, the shares, and what the API's connection cap did. The process's own descriptor count
 * and limit are prom-client's default `process_open_fds` / `process_max_fds`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionStats } from '../api/http-limits.js';
import type { DescriptorPlan } from '../fd-budget.js';
import type { PluginAdmission } from '../plugin-admission.js';

const PREFIX = 'scope_plugin_host_';

export function registerDescriptorMetrics(
  registry: Registry,
  sources: { plan: DescriptorPlan; admission: PluginAdmission | null; apiConnections: () => ConnectionStats },
): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}plugins_not_polled_fd_limit`,
    help: 'Plugins not polled because the open-file limit leaves no descriptor for them (status PLUGIN_FD_LIMIT).',
    registers,
    collect() {
      this.set(sources.admission?.refusedCount ?? 0);
    },
  });
  const plan = new Gauge({
    name: `${PREFIX}descriptor_budget`,
    help: 'How the open-file limit is shared out at start: plugins (polled at most), api_connections, host_reserve.',
    labelNames: ['use'],
    registers,
  });
  if (sources.plan.plugins !== Infinity) plan.set({ use: 'plugins' }, sources.plan.plugins);
  plan.set({ use: 'api_connections' }, sources.plan.apiConnections);
  plan.set({ use: 'host_reserve' }, sources.plan.hostReserve);
  new Gauge({
    name: `${PREFIX}api_connections`,
    help: 'HTTP API client connections open now.',
    registers,
    collect() {
      this.set(sources.apiConnections().open);
    },
  });
  new Counter({
    name: `${PREFIX}api_connections_dropped_total`,
    help: 'HTTP API connections the cap closed since start: evicted (the longest idle, to make room) or refused (a newcomer, all busy).',
    labelNames: ['reason'],
    registers,
    collect() {
      const s = sources.apiConnections();
      this.reset();
      this.inc({ reason: 'evicted' }, s.evicted);
      this.inc({ reason: 'refused' }, s.refused);
    },
  });
}
