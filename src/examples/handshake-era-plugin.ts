/**
 * The handshake-era example: a plugin as it had to be written for the first plugin support in
 * Scope (March 2016, docs/spec/plugin-protocol.md#handshake-era), which never shipped in a
 * release but is what the host's era detection is tested against. It answers `GET /` with a handshake
 * (`{name, description, interfaces, api_version}`), and its `/report` has no `Plugins` section:
 * in that era the probe added the spec from the handshake itself.
 *
 * The report mimics the 2016 iowait plugin's shape (test/fixtures/upstream/iowait-plugin-report-seed.json):
 * one Host node with one metric, one sample, dates without fractions and no `min`/`max`. That is
 * faithful, not recommended: hosts decode the missing bounds as 0.
 */
import { loadavg, hostname as osHostname } from 'node:os';
import { hostNodeId, servePlugin, type PluginServer } from '../kit/index.js';

export const HANDSHAKE_ERA_ID = 'handshake-era';

/** The seed-era report for one host: the 1-minute load average as a metric (pure). */
export function handshakeEraReport(hostname: string, load1: number, date: Date = new Date()): object {
  const seconds = `${date.toISOString().slice(0, 19)}Z`; // 2016 plugins used RFC3339 without fractions
  return {
    Host: {
      metric_templates: { seed_load1: { format: '', id: 'seed_load1', label: 'Load (1m, seed plugin)', priority: 0.2 } },
      nodes: { [hostNodeId(hostname)]: { metrics: { seed_load1: { samples: [{ date: seconds, value: Math.round(load1 * 100) / 100 }] } } } },
    },
  };
}

export interface HandshakeEraOptions {
  readonly root?: string;
  readonly socketPath?: string;
  readonly hostname?: string;
}

/** Starts the seed-era plugin. */
export function startHandshakeEraPlugin(options: HandshakeEraOptions = {}): Promise<PluginServer> {
  const hostname = options.hostname ?? osHostname();
  return servePlugin({
    id: HANDSHAKE_ERA_ID,
    root: options.root,
    socketPath: options.socketPath,
    handshake: true,
    spec: { label: HANDSHAKE_ERA_ID, description: 'A 2016-style plugin: handshake on GET /, no spec in reports' },
    report: () => handshakeEraReport(hostname, loadavg()[0] ?? 0),
  });
}
