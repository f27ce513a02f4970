/**
 * `check-plugin`'s output: one labelled line per fact, the status first after the plugin's name,
 * so a reader sees at once whether the host would list the plugin `ok`.
 */
import type { CheckResult, Exchange, TopologySummary } from './check.js';

const WIDTH = 11;

function line(label: string, value: string): string {
  return `${label.padEnd(WIDTH)}${value}\n`;
}

export function formatCheck(socket: string, r: CheckResult): string {
  let out = line('socket', socket);
  out += line('plugin', pluginLine(r));
  out += line('status', r.status);
  if (r.errorCode !== undefined) out += line('code', r.errorCode);
  out += line('era', eraLine(r));
  if (r.handshake !== undefined) out += line('handshake', exchangeLine('GET /', r.handshake));
  if (r.poll !== undefined) out += line('poll', exchangeLine('GET /report', r.poll));
  out += line('spec', JSON.stringify(r.spec));
  if (r.topologies !== undefined) out += topologyLines(r.topologies);
  return out;
}

function pluginLine(r: CheckResult): string {
  const { spec } = r;
  const label = spec.label === r.id ? '' : ` (${JSON.stringify(spec.label)})`;
  const interfaces = spec.interfaces === null || spec.interfaces.length === 0 ? 'none' : spec.interfaces.join(', ');
  return `${r.id}${label}, interfaces ${interfaces}, api_version ${JSON.stringify(spec.api_version ?? '')}`;
}

function eraLine(r: CheckResult): string {
  switch (r.era) {
    case 'report':
      return 'report (GET / is no handshake: the spec comes with every report)';
    case 'handshake':
      return 'handshake (2016: GET / answered the spec; reports need no Plugins section)';
    case null:
      return 'undecided (GET / failed; the host asks again with backoff)';
  }
}

function exchangeLine(what: string, e: Exchange): string {
  const latency = `${e.latencyMs.toFixed(1)} ms`;
  if (e.statusCode === null) return `${what}: no answer after ${latency}`;
  return `${what}: HTTP ${e.statusCode} in ${latency}, ${e.bytes} bytes${what === 'GET /report' ? ' (after gunzip)' : ''}`;
}

function topologyLines(topologies: TopologySummary[]): string {
  if (topologies.length === 0) return line('nodes', 'none (the report adds nothing to any topology)');
  let out = line('nodes', topologies.map((t) => `${t.key} ${t.nodes}`).join(', '));
  const metrics = topologies.flatMap((t) => t.metrics.map(([id, n]) => `${t.key}: ${id} on ${n} ${n === 1 ? 'node' : 'nodes'}`));
  out += line('metrics', metrics.length === 0 ? 'none' : metrics[0]!);
  for (const more of metrics.slice(1)) out += line('', more);
  const controls = topologies.flatMap((t) =>
    t.controls.map((c) => `${t.key}: ${c.id} ${JSON.stringify(c.human)}, active on ${c.activeOn} ${c.activeOn === 1 ? 'node' : 'nodes'}`),
  );
  out += line('controls', controls.length === 0 ? 'none' : controls[0]!);
  for (const more of controls.slice(1)) out += line('', more);
  return out;
}
