/**
 * The iowait example, modelled on upstream's scope-iowait plugin: one Host
 * node with one metric, either CPU IO wait or CPU idle (percent), and two controls that switch
 * between them. Only the control that applies is active; clicking it toggles the mode and answers
 * with a shortcut report, so the UI swaps the button at once instead of at the next poll.
 *
 * Percentages come from two samples of the aggregate `cpu` line of /proc/stat: the previous poll's
 * and this one's, so each report covers exactly the interval since the host last asked.
 */
import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { activeControls, hostNodeId, metric, servePlugin, timestamp, type ControlRequest, type ControlResponse, type PluginServer } from '../kit/index.js';

/** Cumulative CPU time counters from /proc/stat, in USER_HZ ticks. */
export interface CpuTimes {
  readonly iowait: number;
  readonly idle: number;
  /** Sum of all non-guest fields (guest time is already counted in user/nice). */
  readonly total: number;
}

export type IowaitMode = 'iowait' | 'idle';

/** Parses the aggregate `cpu ` line of /proc/stat (proc(5)). Throws if it is missing or short. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('no aggregate "cpu" line in /proc/stat');
  // user nice system idle iowait irq softirq steal [guest guest_nice]
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) throw new Error(`malformed /proc/stat cpu line: ${line}`);
  return { idle: fields[3]!, iowait: fields[4]!, total: fields.reduce((a, b) => a + b, 0) };
}

/**
 * IO wait and idle as percentages of the time between two samples, rounded to 2 decimals and
 * clamped to [0, 100] (the kernel's iowait counter can step backwards on tickless CPUs).
 * Null when no time passed between the samples.
 */
export function cpuPercents(before: CpuTimes, after: CpuTimes): { iowait: number; idle: number } | null {
  const total = after.total - before.total;
  if (total <= 0) return null;
  const pct = (delta: number): number => Math.min(100, Math.max(0, Math.round((delta / total) * 10_000) / 100));
  return { iowait: pct(after.iowait - before.iowait), idle: pct(after.idle - before.idle) };
}

const CONTROLS = {
  switchToIdle: { id: 'switchToIdle', human: 'Switch to idle', icon: 'fa-beer', rank: 1 },
  switchToIOWait: { id: 'switchToIOWait', human: 'Switch to IO wait', icon: 'fa-hourglass', rank: 1 },
} as const;

const TEMPLATES = {
  iowait: { id: 'iowait', label: 'IO Wait', format: 'percent', priority: 0.1 },
  idle: { id: 'idle', label: 'Idle', format: 'percent', priority: 0.1 },
} as const;

/** The control that leaves `mode`: shown as the node's only active control. */
export function controlFor(mode: IowaitMode): keyof typeof CONTROLS {
  return mode === 'iowait' ? 'switchToIdle' : 'switchToIOWait';
}

/** The plugin's report for one host in one mode (pure, so tests can check the exact shape). */
export function iowaitReport(hostname: string, mode: IowaitMode, value: number, ts: string = timestamp()): object {
  return {
    Host: {
      nodes: {
        [hostNodeId(hostname)]: {
          metrics: { [mode]: metric([{ date: ts, value }], { min: 0, max: 100 }) },
          latest: { active_controls: activeControls([controlFor(mode)], ts) },
        },
      },
      metric_templates: { [mode]: TEMPLATES[mode] },
      controls: CONTROLS,
    },
  };
}

export interface IowaitOptions {
  readonly root?: string;
  readonly socketPath?: string;
  /** Default: the machine's hostname (the probe's host id). */
  readonly hostname?: string;
  /** Default `/proc/stat`; tests point it at real files with known counters. */
  readonly statPath?: string;
  readonly mode?: IowaitMode;
}

/** A running iowait plugin; `mode` is exposed for tests and logs. */
export interface IowaitPlugin extends PluginServer {
  readonly mode: IowaitMode;
}

/** Starts the iowait plugin. */
export async function startIowaitPlugin(options: IowaitOptions = {}): Promise<IowaitPlugin> {
  const hostname = options.hostname ?? osHostname();
  const statPath = options.statPath ?? '/proc/stat';
  let mode: IowaitMode = options.mode ?? 'iowait';
  let previous = parseProcStat(await readFile(statPath, 'utf8'));
  let last = { iowait: 0, idle: 0 };

  async function sample(): Promise<{ iowait: number; idle: number }> {
    const current = parseProcStat(await readFile(statPath, 'utf8'));
    // Two polls within one clock tick see no time pass: keep the last figure rather than invent one.
    const percents = cpuPercents(previous, current);
    previous = current;
    if (percents !== null) last = percents;
    return last;
  }

  function control(req: ControlRequest): ControlResponse {
    if (req.NodeID !== hostNodeId(hostname)) return { error: `invalid node ID ${JSON.stringify(req.NodeID)}` };
    const expected = controlFor(mode);
    if (req.Control !== expected) return { error: `unexpected control ${JSON.stringify(req.Control)}, expected ${expected}` };
    mode = mode === 'iowait' ? 'idle' : 'iowait';
    // The new report lists only the other control as active, which hides the one just used.
    return { shortcutReport: iowaitReport(hostname, mode, last[mode]) };
  }

  const server = await servePlugin({
    id: 'iowait',
    root: options.root,
    socketPath: options.socketPath,
    spec: { label: 'iowait', description: 'Adds a graph of CPU IO Wait to hosts', interfaces: ['reporter', 'controller'] },
    report: async () => iowaitReport(hostname, mode, (await sample())[mode]),
    control,
  });
  return {
    id: server.id,
    socketPath: server.socketPath,
    stats: server.stats,
    close: () => server.close(),
    get mode() {
      return mode;
    },
  };
}
