/**
 * Shapes of the result files (`bench/results/<scenario>.json`). Everything is a plain JSON value;
 * NaN (not measured) is written as null by JSON.stringify, and readers treat null as "n/a".
 */
import type { GroupPolls } from '../measure/polls.js';
import type { MetricsWindow } from '../measure/metrics-sampler.js';
import type { ProcessWindow } from '../measure/process-sampler.js';
import type { ReportAgeWindow } from '../measure/report-age.js';
import type { Dist } from '../measure/stats.js';

export interface DiscoveryResult {
  readonly probes: number;
  /** Probes that never reached status ok before the deadline. */
  readonly neverOk: number;
  /** Socket listening → first `GET /report` arrived at the plugin, ms. */
  readonly toFirstPollMs: Dist;
  /** Socket listening → status ok (the target's own lastOkAt, or the first 200 answer), ms. */
  readonly toOkMs: Dist;
}

export interface ControlResult {
  readonly requests: number;
  readonly failed: number;
  /** Request sent → whole reply read, ms. */
  readonly roundTripMs: Dist;
  /** The plugin's own time (its `/control` arrive → answer written), ms. */
  readonly pluginMs: Dist;
  /** Round trip minus the plugin's own time, per request, ms. */
  readonly overheadMs: Dist;
}

export interface SideResult {
  /** `host`, `baseline`, or `host w=2 c=128` in a sweep. */
  readonly label: string;
  readonly kind: 'host' | 'upstream' | 'baseline';
  readonly settings: Readonly<Record<string, number | undefined>>;
  readonly windowSeconds: number;
  /** Per plugin group (healthy, slow, hung), from the fleet's request logs. */
  readonly polls: Readonly<Record<string, GroupPolls>>;
  /** The target process, from /proc. */
  readonly cpu: ProcessWindow;
  readonly fleet: ProcessWindow;
  /** The Scope app the target published to (absent for the baseline, or without the scope binary). */
  readonly app?: ProcessWindow;
  /** Whole machine busy, and what neither target, fleet nor bench used (other people's work). */
  readonly machineBusyPct: number;
  readonly othersPct: number;
  readonly benchCpuPct: number;
  readonly metrics: MetricsWindow;
  /** Timed-out polls beyond those of hung plugins (from /metrics), and aborts seen at non-hung plugins. */
  readonly deadlineMisses: number;
  readonly abortedAtNonHung: number;
  readonly reportAge: ReportAgeWindow;
  /** Where the report age was read: the app the target publishes to, or the target's own API. */
  readonly reportAgeFrom?: 'app' | 'target';
  readonly discovery?: DiscoveryResult;
  readonly control?: ControlResult;
}

export interface TargetCheck {
  readonly label: string;
  readonly op: '>=' | '<=';
  /** The goal; with `vsUpstream` a factor of upstream's figure from the same run. */
  readonly target: number;
  readonly vsUpstream?: boolean;
  readonly unit: string;
  readonly upstream?: string;
  readonly host: number;
  readonly baseline: number | null;
  /** Upstream's probe in the same run (null: not run). */
  readonly upstreamMeasured?: number | null;
  /** null: a goal relative to upstream without an upstream side. */
  readonly pass: boolean | null;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly plugins: number;
  readonly reportBytes: number;
  readonly startedAt: string;
  readonly node: string;
  /** `git rev-parse --short HEAD` when the run started (dist/ was built from about that tree). */
  readonly gitHead?: string;
  readonly cpus: number;
  readonly loadAvgAtStart: readonly number[];
  readonly fleetListenMs: number;
  readonly sides: readonly SideResult[];
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
}
