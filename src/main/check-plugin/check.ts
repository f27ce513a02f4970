/**
 * One look at one plugin, the way the host's actor looks at it: the same client, the same `GET /`
 * era decision, the same `GET /report` validation and, for a controller, the same control rewrite.
 * Nothing here judges a plugin on its own; it only gathers what those functions decide.
 */
import { statusOf, type ErrorData } from '../../shared/errors.js';
import { NO_LIMITS, contributionOf, nowTimestamp, rewriteControls, type PluginSpec, type Report } from '../../shared/report/index.js';
import { interpretHandshake } from '../../workers/handshake.js';
import { isController } from '../../workers/plugin-actor.js';
import type { PluginClient } from '../../workers/plugin-client.js';
import { validatePoll } from '../../workers/poll-validation.js';

export type Era = 'report' | 'handshake';

export interface Exchange {
  /** HTTP status, or null when there was no answer (transport error, deadline). */
  statusCode: number | null;
  latencyMs: number;
  /** Body bytes after gunzip (0 without an answer). */
  bytes: number;
}

export interface TopologySummary {
  /** Wire key in the report, e.g. `Host`. */
  key: string;
  nodes: number;
  /** Metric id → how many nodes carry it. */
  metrics: [string, number][];
  /** Control id as the merged report carries it (controllers: `<pluginId>~<id>`), label, active on how many nodes. */
  controls: { id: string; human: string; activeOn: number }[];
}

export interface CheckResult {
  id: string;
  /** What the host lists: the spec with its `status` (`ok` or `error: ...`). */
  spec: PluginSpec;
  status: string;
  /** The stable error code (`src/shared/errors.ts`), absent when ok. */
  errorCode?: string;
  /** Decided by `GET /`; null when the handshake failed and the host would ask again later. */
  era: Era | null;
  handshake?: Exchange;
  poll?: Exchange;
  /** Only for an ok report: the topologies with nodes or controls, in the report's order. */
  topologies?: TopologySummary[];
}

export interface CheckContext {
  pluginId: string;
  apiVersion: string;
  maxNodesPerReport: number;
}

/** Era and handshake spec carried from one check to the next, as the actor keeps them. */
export interface EraState {
  era: Era | null;
  handshakeSpec?: PluginSpec;
}

/**
 * Handshakes (unless `state` already has the era) and polls once. Updates `state` like the actor:
 * the era is decided once, by the first clean answer to `GET /`.
 */
export async function checkOnce(client: PluginClient, ctx: CheckContext, state: EraState): Promise<CheckResult> {
  let storedSpec: PluginSpec = state.handshakeSpec ?? { id: ctx.pluginId, label: ctx.pluginId, interfaces: null };
  let handshake: Exchange | undefined;
  if (state.era === null) {
    const answer = await client.get('/');
    handshake = exchangeOf(answer);
    const outcome = interpretHandshake(answer, { pluginId: ctx.pluginId, apiVersion: ctx.apiVersion });
    if (outcome.kind === 'failed') {
      return failed(ctx.pluginId, outcome.spec ?? storedSpec, outcome.error, null, { handshake });
    }
    state.era = outcome.kind === 'handshake' ? 'handshake' : 'report';
    if (outcome.kind === 'handshake') {
      state.handshakeSpec = outcome.spec;
      storedSpec = outcome.spec;
    }
  }

  const answer = await client.get('/report');
  const poll = exchangeOf(answer);
  const outcome = validatePoll(answer, {
    pluginId: ctx.pluginId,
    apiVersion: ctx.apiVersion,
    storedSpec,
    maxNodes: ctx.maxNodesPerReport,
    ...(state.handshakeSpec ? { handshakeSpec: state.handshakeSpec } : {}),
  });
  const exchanges = handshake === undefined ? { poll } : { handshake, poll };
  if (!outcome.ok) return failed(ctx.pluginId, outcome.spec, outcome.error, state.era, exchanges);

  const report = isController(outcome.spec) ? rewriteControls(outcome.report, ctx.pluginId, nowTimestamp()).report : outcome.report;
  return {
    id: ctx.pluginId,
    spec: outcome.spec,
    status: outcome.spec.status ?? 'ok',
    era: state.era,
    ...exchanges,
    topologies: summarize(report),
  };
}

function failed(id: string, spec: PluginSpec, error: ErrorData, era: Era | null, exchanges: { handshake?: Exchange; poll?: Exchange }): CheckResult {
  const status = statusOf(error);
  return { id, spec: { ...spec, status }, status, errorCode: error.code, era, ...exchanges };
}

function exchangeOf(result: Awaited<ReturnType<PluginClient['get']>>): Exchange {
  return result.answered
    ? { statusCode: result.statusCode, latencyMs: result.latencyMs, bytes: result.body.length }
    : { statusCode: null, latencyMs: result.latencyMs, bytes: 0 };
}

/** Nodes, metrics and controls per topology, as they go into the merged report (all of them: no limits here). */
export function summarize(report: Report): TopologySummary[] {
  return contributionOf(report, NO_LIMITS).map((t) => ({
    key: t.key,
    nodes: t.nodes,
    metrics: t.metrics.map((m): [string, number] => [m.id, m.nodes]),
    controls: t.controls.map((c) => ({ id: c.id, human: c.human, activeOn: c.activeOn })),
  }));
}
