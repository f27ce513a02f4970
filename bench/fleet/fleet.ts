/**
 * The fake plugin fleet: one process serving N fake Scope plugins, each on its own unix socket at
 * `<root>/<id>/<id>.sock`, built on the plugin kit. The benchmark runs it beside the host so the
 * plugins' CPU competes with the host's the way real plugins would.
 *
 * Two ways to drive it:
 * - forked by `client.ts` (IPC, `serialization: 'advanced'`): plugins are added/removed with
 *   `ToFleet` messages, request logs come back as Float64Arrays; the fleet exits when its parent
 *   goes away, so a crashed bench leaves no 10 000 sockets behind;
 * - by hand: `node fleet.js --scenario FILE|JSON` starts the scenario's plugins, prints one
 *   `ready {...}` JSON line and serves until SIGINT/SIGTERM.
 * Either way, SIGUSR2 writes every plugin's request log to the scenario's `logFile` (JSON).
 *
 * Scale: every plugin is one `http.Server` sharing the kit's single request listener; a plugin's
 * state is a pre-rendered report template and a flat request log. Sockets are opened 64 at a time.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname as osHostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { servePlugin, type ControlRequest, type PluginServer, type RequestContext } from '../../src/kit/index.js';
import { buildReportTemplate, fakeSpecWire, renderReport, type ReportTemplate } from './fake-report.js';
import type { AddResult, FleetStats, FromFleet, RemoveResult, ToFleet } from './protocol.js';
import { RequestLog, entriesOf, type RequestLogEntry } from './request-log.js';
import { DEFAULT_LOG_BUDGET, isErrorRequest, resolveSpec, scenarioPlugins, type PluginSpec, type ResolvedSpec, type Scenario } from './scenario.js';

const LISTEN_CONCURRENCY = 64;
const now = (): number => performance.timeOrigin + performance.now();

interface FakePlugin {
  readonly spec: ResolvedSpec;
  readonly template: ReportTemplate;
  readonly log: RequestLog;
  /** `/report` requests so far; decides which ones fail (`isErrorRequest`). */
  reportRequests: number;
  server: PluginServer | null;
}

class FakeFleet {
  readonly #root: string;
  readonly #hostname: string;
  readonly #logBudget: number;
  readonly #plugins = new Map<string, FakePlugin>();
  readonly #cpuAtStart = process.cpuUsage();
  #nextIndex = 0;

  constructor(scenario: Scenario) {
    this.#root = scenario.root;
    this.#hostname = scenario.hostname ?? osHostname();
    this.#logBudget = scenario.logBudget ?? DEFAULT_LOG_BUDGET;
    mkdirSync(this.#root, { recursive: true });
  }

  get size(): number {
    return this.#plugins.size;
  }

  async add(specs: readonly PluginSpec[]): Promise<AddResult> {
    const resolved = specs.map(resolveSpec); // validate the whole batch before opening anything
    const fresh = resolved.filter((s) => !this.#plugins.has(s.id));
    const failed: { id: string; message: string }[] = resolved.filter((s) => this.#plugins.has(s.id)).map((s) => ({ id: s.id, message: 'already served' }));
    // Each plugin keeps its share of the global log budget, fixed when it is created.
    const cap = Math.max(64, Math.floor(this.#logBudget / Math.max(1, this.#plugins.size + fresh.length)));
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < fresh.length; i += LISTEN_CONCURRENCY) {
      await Promise.all(
        fresh.slice(i, i + LISTEN_CONCURRENCY).map(async (spec) => {
          try {
            await this.#start(spec, cap);
            ids.push(spec.id);
          } catch (err) {
            this.#plugins.delete(spec.id);
            failed.push({ id: spec.id, message: (err as Error).message });
          }
        }),
      );
    }
    return { ids, failed, listenMs: performance.now() - started, stats: this.stats() };
  }

  async #start(spec: ResolvedSpec, logCap: number): Promise<void> {
    const index = /^fake-(\d+)$/.exec(spec.id) ? Number(spec.id.slice(5)) : this.#nextIndex;
    this.#nextIndex = Math.max(this.#nextIndex, index + 1);
    const plugin: FakePlugin = {
      spec,
      template: buildReportTemplate(spec, this.#hostname, index),
      log: new RequestLog(logCap),
      reportRequests: 0,
      server: null,
    };
    this.#plugins.set(spec.id, plugin);
    const wire = fakeSpecWire(spec);
    plugin.server = await servePlugin({
      id: spec.id,
      root: this.#root,
      spec: { label: wire.label, description: wire.description, interfaces: wire.interfaces },
      handshake: spec.era === 'handshake',
      gzip: spec.gzip,
      report: (ctx) => this.#report(plugin, ctx),
      control: spec.controller ? (req, ctx) => this.#control(plugin, req, ctx) : undefined,
      onRequest: (e) => plugin.log.push(e.arrive, e.finish, e.path, e.status),
    });
  }

  async #report(plugin: FakePlugin, ctx: RequestContext): Promise<string> {
    const n = plugin.reportRequests++;
    const { spec } = plugin;
    // A hung plugin holds the request until the client gives up (then the kit drops it).
    if (spec.hang) await untilAborted(ctx.signal);
    if (spec.latencyMs > 0) await delay(spec.latencyMs, undefined, { signal: ctx.signal });
    if (isErrorRequest(n, spec.errorRate)) throw new Error(`injected failure (request ${n})`);
    return renderReport(plugin.template, now());
  }

  async #control(plugin: FakePlugin, req: ControlRequest, ctx: RequestContext): Promise<{ value: string }> {
    if (plugin.spec.hang) await untilAborted(ctx.signal);
    if (plugin.spec.latencyMs > 0) await delay(plugin.spec.latencyMs, undefined, { signal: ctx.signal });
    // The echo of upstream's registry test (docs/spec/plugin-protocol.md#uc-20).
    return { value: `${req.NodeID},${req.Control}` };
  }

  async remove(ids: readonly string[]): Promise<RemoveResult> {
    const removed: string[] = [];
    const missing: string[] = [];
    const closing: Promise<void>[] = [];
    for (const id of ids) {
      const plugin = this.#plugins.get(id);
      if (plugin === undefined) {
        missing.push(id);
        continue;
      }
      this.#plugins.delete(id);
      removed.push(id);
      if (plugin.server) closing.push(plugin.server.close());
    }
    await Promise.all(closing);
    return { ids: removed, missing };
  }

  collect(reset: boolean): [string, Float64Array, number][] {
    return [...this.#plugins].map(([id, p]) => {
      const { flat, dropped } = p.log.take(reset);
      return [id, flat, dropped];
    });
  }

  stats(): FleetStats {
    const cpu = process.cpuUsage(this.#cpuAtStart);
    return {
      plugins: this.#plugins.size,
      rssBytes: rssOrNaN(),
      heapUsedBytes: getHeapStatistics().used_heap_size,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
    };
  }

  /** Writes every log (not reset) as JSON, atomically (temp file + rename). */
  writeLogFile(path: string): void {
    const plugins: Record<string, RequestLogEntry[]> = {};
    const dropped: Record<string, number> = {};
    for (const [id, flat, n] of this.collect(false)) {
      plugins[id] = entriesOf(flat);
      if (n > 0) dropped[id] = n;
    }
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ pid: process.pid, writtenAt: now(), plugins, dropped }));
    renameSync(tmp, path);
  }

  async stop(): Promise<void> {
    await this.remove([...this.#plugins.keys()]);
  }
}

/** RSS needs an fd (/proc/self/stat); with every descriptor in use it fails with EMFILE. */
function rssOrNaN(): number {
  try {
    return process.memoryUsage.rss();
  } catch {
    return Number.NaN;
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function loadScenario(arg: string): Promise<Scenario> {
  const text = arg.trimStart().startsWith('{') ? arg : await readFile(arg, 'utf8');
  const scenario = JSON.parse(text) as Scenario;
  if (typeof scenario.root !== 'string' || scenario.root === '') throw new Error('scenario.root must be a path');
  return scenario;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { scenario: { type: 'string' } }, strict: true });
  if (values.scenario === undefined) {
    console.error('usage: fleet --scenario FILE|JSON   (see bench/fleet/scenario.ts for the format)');
    process.exit(2);
  }
  const scenario = await loadScenario(values.scenario);
  const fleet = new FakeFleet(scenario);
  const logFile = scenario.logFile ?? join(tmpdir(), `scope-fleet-${process.pid}-logs.json`);
  process.on('SIGUSR2', () => {
    fleet.writeLogFile(logFile);
    if (!process.send) console.log(`logs ${logFile}`);
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => (stopping ??= fleet.stop());
  const initial = await fleet.add(scenarioPlugins(scenario));

  const send = process.send?.bind(process);
  if (send === undefined) {
    console.log(`ready ${JSON.stringify({ pid: process.pid, ...initial, ids: undefined, served: initial.ids.length })}`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void shutdown().then(() => process.exit(0)));
    }
    return;
  }
  const reply = (msg: FromFleet): void => void send(msg);
  // The parent died or let go: close everything (removing the sockets) and leave.
  process.on('disconnect', () => void shutdown().then(() => process.exit(0)));
  const handle = async (msg: ToFleet): Promise<void> => {
    switch (msg.kind) {
      case 'add':
        return reply({ kind: 'added', requestId: msg.requestId, ...(await fleet.add(msg.plugins)) });
      case 'remove':
        return reply({ kind: 'removed', requestId: msg.requestId, ...(await fleet.remove(msg.ids)) });
      case 'collect':
        return reply({ kind: 'logs', requestId: msg.requestId, logs: fleet.collect(msg.reset) });
      case 'stats':
        return reply({ kind: 'stats', requestId: msg.requestId, ...fleet.stats() });
      case 'stop':
        await shutdown();
        send({ kind: 'stopped', requestId: msg.requestId } satisfies FromFleet, () => process.exit(0));
        return;
      default: {
        const unknown: never = msg;
        throw new Error(`unknown fleet command ${JSON.stringify(unknown)}`);
      }
    }
  };
  process.on('message', (raw) => {
    const msg = raw as ToFleet;
    void handle(msg).catch((err: Error) => reply({ kind: 'error', requestId: 'requestId' in msg ? msg.requestId : null, message: err.message }));
  });
  reply({ kind: 'started', pid: process.pid });
}

await main();
