/**
 * One scenario end to end: start the fleet, then for each side (the host, upstream's probe, the
 * serial baseline, or each sweep point) start the target on the same fleet, warm up, measure a
 * window from outside, stop it. The fleet stays up between sides so all see identical plugins.
 * The host and upstream's probe each publish to a Scope app of their own, started per side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginSpec } from '../fleet/scenario.js';
import { MetricsSampler } from '../measure/metrics-sampler.js';
import { analysePolls } from '../measure/polls.js';
import { openFileLimit } from '../measure/proc.js';
import { MachineSampler, ProcessGroupSampler, ProcessSampler } from '../measure/process-sampler.js';
import { ReportAgeSampler } from '../measure/report-age.js';
import type { ControlResult, DiscoveryResult, ScenarioResult, SideResult, TargetCheck } from '../report/result.js';
import { DEFAULT_SETTINGS, fleetPlugins, grouper, type Scenario } from '../scenarios.js';
import { FleetGroup } from './fleet-group.js';
import { LogCollector } from './log-collector.js';
import { controlProbe, discoveryProbe } from './probes.js';
import type { Progress } from './progress.js';
import { freePort, startBaseline, startHost, startUpstream, type HostSettings, type Target, type TargetKind } from './targets.js';
import { startScopeApp, type ScopeProcess } from './scope-processes.js';
import { epochNow } from '../measure/http.js';

export interface RunOptions {
  /** Overrides the scenario's window length. */
  readonly seconds?: number;
  readonly warmupSeconds?: number;
  readonly workDir: string;
  readonly baselineScript: string;
  readonly progress: Progress;
  readonly cpuProf?: boolean;
  /** Extra host settings (from `--set key=value`), applied to every host side. */
  readonly hostOverrides?: Partial<HostSettings>;
  readonly skipBaseline?: boolean;
  /** Node/V8 flags for the target processes (investigations; not used by the standard runs). */
  readonly nodeArgs?: readonly string[];
  /** Upstream's unpacked `scope` binary; null runs without the upstream target and without apps. */
  readonly scopeBinary: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A request that arrived before the window's end may still be running (up to the 500 ms deadline). */
const SETTLE_MS = 700;
/** How often the app's report is read: not a divisor of the 3 s publish interval, so the reads land at every phase of it. */
const APP_REPORT_EVERY_MS = 1300;

/**
 * File descriptors the target needs: one connection per plugin plus its own. (The fleet needs two
 * per plugin and is split over processes when one would not fit: fleet-group.ts.)
 */
export function fdsNeeded(plugins: number): number {
  return plugins + 400;
}

export async function runScenario(s: Scenario, o: RunOptions): Promise<ScenarioResult> {
  const notes: string[] = [];
  const loadAvgAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const startedAt = new Date().toISOString();
  const root = mkdtempSync(join(tmpdir(), 'sphb-'));
  const specs = fleetPlugins(s);
  const groupOf = grouper(specs);
  const progress = o.progress;
  progress.phase('starting fleet');
  const limit = openFileLimit();
  if (limit < fdsNeeded(s.plugins)) {
    throw new Error(`open-file limit (ulimit -n) ${limit} is too low for ${s.plugins} plugins: the target needs about ${fdsNeeded(s.plugins)}`);
  }
  const fleet = await FleetGroup.start(root, s.plugins, s.plugins > 3000 ? ['--max-old-space-size=2048'] : []);
  if (fleet.processes > 1) {
    notes.push(
      `the fleet runs as ${fleet.processes} processes of ~${Math.ceil(s.plugins / fleet.processes)} plugins: one process needs 2 fds per plugin and ulimit -n is ${limit} (hard limit, cannot be raised here); fleet CPU/RSS are their sums`,
    );
  }
  try {
    const added = await fleet.addPlugins(specs);
    if (added.failed.length > 0)
      throw new Error(`fleet failed to serve ${added.failed.length} plugins, e.g. ${added.failed[0]!.id}: ${added.failed[0]!.message}`);
    progress.log(`[${s.name}] fleet: ${added.ids.length} plugins listening in ${Math.round(added.listenMs)} ms (pid ${fleet.pids.join(', ')})`);

    const seconds = o.seconds ?? s.seconds;
    const sides: SideResult[] = [];
    const base: HostSettings = { ...DEFAULT_SETTINGS, ...s.settings, ...o.hostOverrides };
    const side = (kind: TargetKind, label: string, settings: HostSettings, windowSeconds: number): Promise<SideResult> =>
      measureSide({ s, o, fleet, root, specs, groupOf, kind, label, settings, windowSeconds });
    if (s.phase === 'sweep') {
      const perPoint = Math.max(5, Math.round(seconds / 2));
      for (const point of s.sweep ?? []) {
        const label = `host w=${point.workers} c=${point.maxConcurrentPollsPerWorker}`;
        // Every worker of the point runs, however many plugins it takes to start them.
        const pluginsPerWorker = Math.ceil(s.plugins / point.workers);
        sides.push(await side('host', label, { ...base, ...point, pluginsPerWorker }, perPoint));
      }
    } else {
      sides.push(await side('host', 'host', base, seconds));
      if (s.upstream && o.scopeBinary) sides.push(await side('upstream', 'upstream', base, seconds));
      if (s.baseline && !o.skipBaseline) sides.push(await side('baseline', 'baseline', base, seconds));
    }
    for (const r of sides) {
      if (r.othersPct > 25) notes.push(`${r.label}: other processes used ${r.othersPct.toFixed(0)}% of a core during the window (machine not quiet)`);
    }
    return {
      scenario: s.name,
      title: s.title,
      plugins: s.plugins,
      reportBytes: s.reportBytes,
      startedAt,
      node: process.version,
      gitHead: gitHead(),
      cpus: cpus().length,
      loadAvgAtStart,
      fleetListenMs: added.listenMs,
      sides,
      targets: checkTargets(s, sides),
      notes,
    };
  } finally {
    progress.phase('stopping fleet');
    await fleet.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Each target against this run's sides. A target `vsUpstream` compares the host with value ×
 * upstream's figure from the same run; without an upstream side it cannot be checked (pass null).
 */
export function checkTargets(s: Pick<Scenario, 'targets'>, sides: readonly SideResult[]): TargetCheck[] {
  const host = sides.find((x) => x.kind === 'host');
  const baseline = sides.find((x) => x.kind === 'baseline');
  const upstream = sides.find((x) => x.kind === 'upstream');
  if (!host) return [];
  return s.targets.map((t) => {
    const value = t.get(host);
    const up = upstream ? t.get(upstream) : null;
    const goal = t.vsUpstream ? (up === null ? Number.NaN : t.value * up) : t.value;
    return {
      label: t.label,
      op: t.op,
      target: t.value,
      vsUpstream: t.vsUpstream ?? false,
      unit: t.unit,
      upstream: t.upstream,
      host: value,
      baseline: baseline ? t.get(baseline) : null,
      upstreamMeasured: up,
      pass: Number.isNaN(goal) ? null : t.op === '>=' ? value >= goal : value <= goal,
    };
  });
}

interface SideContext {
  readonly s: Scenario;
  readonly o: RunOptions;
  readonly fleet: FleetGroup;
  readonly root: string;
  readonly specs: readonly PluginSpec[];
  readonly groupOf: (id: string) => string | null;
  readonly kind: TargetKind;
  readonly label: string;
  readonly settings: HostSettings;
  readonly windowSeconds: number;
}

async function measureSide(c: SideContext): Promise<SideResult> {
  const { s, o, fleet, progress } = { ...c, progress: c.o.progress };
  progress.phase(`${c.label}: starting`);
  const fileLabel = c.label.replace(/[^a-z0-9=]+/gi, '_');
  // The serial baseline does not publish; the host and upstream's probe publish to an app of their own.
  const app: ScopeProcess | null =
    c.kind !== 'baseline' && o.scopeBinary ? await startScopeApp(o.scopeBinary, await freePort(), join(o.workDir, `${fileLabel}.app.log`)) : null;
  let target: Target;
  try {
    const startOpts = { root: c.root, workDir: o.workDir, settings: c.settings, cpuProf: o.cpuProf, nodeArgs: o.nodeArgs, appUrl: app?.url };
    target =
      c.kind === 'host'
        ? await startHost(startOpts, fileLabel)
        : c.kind === 'upstream'
          ? await startUpstream(startOpts, o.scopeBinary!)
          : await startBaseline(startOpts, o.baselineScript);
  } catch (err) {
    await app?.stop();
    throw err;
  }
  const logs = new LogCollector(fleet);
  const targetCpu = new ProcessSampler(target.pid);
  const appCpu = app ? new ProcessSampler(app.pid) : null;
  const fleetCpu = new ProcessGroupSampler(fleet.pids);
  const machine = new MachineSampler();
  const metrics = new MetricsSampler(target.url);
  // Report age as a consumer sees it: from the app where the target publishes to one.
  const ageFrom = app ? app.url : target.url;
  const age = new ReportAgeSampler(ageFrom, app ? APP_REPORT_EVERY_MS : s.reportAgeEveryMs, c.groupOf);
  try {
    logs.start();
    age.start();
    const warmup = o.warmupSeconds ?? s.warmupSeconds;
    progress.phase(`${c.label}: warm-up`, warmup, () => logs.reportsSeen);
    await sleep(warmup * 1000);

    const t0 = await logs.mark();
    const seen0 = logs.reportsSeen;
    targetCpu.mark();
    appCpu?.mark();
    fleetCpu.mark();
    machine.mark();
    const bench0 = process.cpuUsage();
    await metrics.mark();
    age.mark();

    let discovery: DiscoveryResult | undefined;
    let control: ControlResult | undefined;
    if (s.phase === 'discovery') {
      const count = 20;
      progress.phase(`${c.label}: discovery probes`, null, () => logs.reportsSeen - seen0);
      discovery = await discoveryProbe(fleet, logs, target.kind === 'upstream' ? null : target.url, {
        count,
        tag: c.kind === 'host' ? 'h' : c.kind === 'upstream' ? 'u' : 'b',
        reportBytes: s.reportBytes,
        deadlineMs: 60_000,
        onProgress: (n) => progress.note(`probes ok ${n}/${count}`),
      });
    } else if (s.phase === 'control') {
      const count = 200;
      const controllers = c.specs.filter((p) => p.controller).map((p) => p.id);
      progress.phase(`${c.label}: control clicks`, null, () => logs.reportsSeen - seen0);
      const via = target.kind === 'upstream' ? { appUrl: app!.url, probeId: target.probeId! } : { targetUrl: target.url };
      control = await controlProbe(logs, via, { controllers, count, onProgress: (n) => progress.note(`clicks answered ${n}/${count}`) });
    } else {
      progress.phase(`${c.label}: measuring`, c.windowSeconds, () => logs.reportsSeen - seen0);
      await sleep(c.windowSeconds * 1000);
    }

    const t1 = epochNow();
    const cpu = targetCpu.finish();
    const appWin = appCpu?.finish();
    const fleetWin = fleetCpu.finish();
    const busy = machine.finish().busyPct;
    const benchUs = process.cpuUsage(bench0);
    const benchCpuPct = ((benchUs.user + benchUs.system) / 1e6 / cpu.seconds) * 100;
    const metricsWin = await metrics.finish();
    const ageWin = await age.finish(c.specs.map((p) => p.id));
    progress.phase(`${c.label}: collecting logs`);
    await sleep(SETTLE_MS);
    const all = await logs.finish();

    const window = { start: t0, end: t1, intervalMs: c.settings.pollIntervalMs };
    const polls = analysePolls(all, window, c.groupOf);
    // Timeouts are counted by the target when the deadline fires, i.e. when the plugin saw the
    // request end: count hung plugins' aborted requests by that time too, so the subtraction
    // lines up (up to the target's 1 s stats batching at the window's edges).
    let abortedAtNonHung = 0;
    let hungAborts = 0;
    for (const [id, entries] of all) {
      const hung = c.groupOf(id) === 'hung';
      for (const e of entries) {
        if (e.path !== '/report' || e.status !== 0) continue;
        if (hung && e.finish >= t0 && e.finish < t1) hungAborts++;
        else if (!hung && e.arrive >= t0 && e.arrive < t1) abortedAtNonHung++;
      }
    }
    const timeouts = metricsWin.outcomes['PLUGIN_TIMEOUT'] ?? 0;
    return {
      label: c.label,
      kind: c.kind,
      settings: { ...c.settings },
      windowSeconds: (t1 - t0) / 1000,
      polls,
      cpu,
      fleet: fleetWin,
      app: appWin,
      machineBusyPct: busy,
      othersPct: Math.max(0, busy - cpu.cpuPct - fleetWin.cpuPct - (appWin?.cpuPct ?? 0) - benchCpuPct),
      benchCpuPct,
      metrics: metricsWin,
      deadlineMisses: Math.max(0, timeouts - hungAborts),
      abortedAtNonHung,
      reportAge: ageWin,
      reportAgeFrom: app ? 'app' : 'target',
      discovery,
      control,
    };
  } finally {
    logs.stop();
    targetCpu.stop();
    appCpu?.stop();
    fleetCpu.stop();
    metrics.stop();
    age.stop();
    progress.phase(`${c.label}: stopping`);
    await target.stop();
    await app?.stop();
  }
}
