/**
 * What a fake plugin does, and the scenario file/message that lists them. Shared by the fleet
 * process and its client; no I/O here.
 */

/**
 * One fake plugin of the fleet (not a Scope plugin spec: this says how the fake *behaves*).
 * Every field but `id` is optional; `resolveSpec` fills the defaults.
 */
export interface PluginSpec {
  /** Plugin id; its socket is `<root>/<id>/<id>.sock`. Conventionally `fake-NNNN` (see `fakeId`). */
  readonly id: string;
  /** Size of each `/report` body in bytes: exact, or the minimal report (~520–730 B) if that is bigger. Default 600. */
  readonly reportBytes?: number;
  /** Delay before answering `/report` and `/control`, in ms. Default 0. */
  readonly latencyMs?: number;
  /** Never answer `/report` or `/control` (the request is dropped when the client gives up). */
  readonly hang?: boolean;
  /** Fraction of `/report` requests answered with HTTP 500, spread evenly (0.25 → every 4th). Default 0. */
  readonly errorRate?: number;
  /** `report` (spec in every report, default) or `handshake` (2016: `GET /` handshake, no `Plugins`). */
  readonly era?: 'report' | 'handshake';
  /** Expose a control and answer `/control` with `{value: "<NodeID>,<Control>"}`. Default false. */
  readonly controller?: boolean;
  /** Gzip `/report` for clients that accept it. Default false. */
  readonly gzip?: boolean;
}

export type ResolvedSpec = Required<PluginSpec>;

/** A whole fleet: given on the command line (`--scenario FILE|JSON`) or built by `startFleet`. */
export interface Scenario {
  /** Plugin root; created if missing. */
  readonly root: string;
  /** Host name for the fake Host node `<hostname>;<host>`. Default: the machine's. */
  readonly hostname?: string;
  /** Shorthand for `count` plugins `fake-0000…` with `defaults`; `plugins` entries override by id. */
  readonly count?: number;
  readonly defaults?: Omit<PluginSpec, 'id'>;
  readonly plugins?: readonly PluginSpec[];
  /** Where SIGUSR2 writes the request logs. Default `<tmpdir>/scope-fleet-<pid>-logs.json`. */
  readonly logFile?: string;
  /**
   * Request-log entries kept across all plugins (each plugin keeps the newest
   * `max(64, logBudget / plugins)`), so a long soak cannot eat the machine. Default 4 Mi (~128 MB).
   */
  readonly logBudget?: number;
}

export const DEFAULT_REPORT_BYTES = 600;
/** Upper bound for a fake report: above the host's 50 MiB cap, so too-large tests are possible. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_LOG_BUDGET = 4 * 1024 * 1024;

/** `fake-NNNN`: the id of the i-th fake plugin (zero-padded to 4 digits, sorted like the index). */
export function fakeId(i: number): string {
  return `fake-${String(i).padStart(4, '0')}`;
}

/** `count` specs `fake-<from>…` with the given behaviour. */
export function fakePlugins(count: number, behaviour: Omit<PluginSpec, 'id'> = {}, from = 0): PluginSpec[] {
  return Array.from({ length: count }, (_, i) => ({ ...behaviour, id: fakeId(from + i) }));
}

/** Fills defaults and checks ranges; throws a message naming the plugin and field. */
export function resolveSpec(spec: PluginSpec): ResolvedSpec {
  const where = `plugin ${JSON.stringify(spec.id)}`;
  const r: ResolvedSpec = {
    id: spec.id,
    reportBytes: spec.reportBytes ?? DEFAULT_REPORT_BYTES,
    latencyMs: spec.latencyMs ?? 0,
    hang: spec.hang ?? false,
    errorRate: spec.errorRate ?? 0,
    era: spec.era ?? 'report',
    controller: spec.controller ?? false,
    gzip: spec.gzip ?? false,
  };
  if (typeof r.id !== 'string' || r.id === '') throw new Error(`${where}: id must be a non-empty string`);
  if (!Number.isInteger(r.reportBytes) || r.reportBytes < 0 || r.reportBytes > MAX_REPORT_BYTES) {
    throw new Error(`${where}: reportBytes must be an integer in [0, ${MAX_REPORT_BYTES}]`);
  }
  if (!(r.latencyMs >= 0 && Number.isFinite(r.latencyMs))) throw new Error(`${where}: latencyMs must be ≥ 0`);
  if (!(r.errorRate >= 0 && r.errorRate <= 1)) throw new Error(`${where}: errorRate must be in [0, 1]`);
  if (r.era !== 'report' && r.era !== 'handshake') throw new Error(`${where}: era must be "report" or "handshake"`);
  if (typeof r.hang !== 'boolean' || typeof r.controller !== 'boolean' || typeof r.gzip !== 'boolean') {
    throw new Error(`${where}: hang, controller and gzip must be booleans`);
  }
  return r;
}

/** The plugin list a scenario describes: `count` generated ones, then `plugins` (later ids win). */
export function scenarioPlugins(s: Scenario): PluginSpec[] {
  const byId = new Map<string, PluginSpec>();
  for (const p of fakePlugins(s.count ?? 0, s.defaults)) byId.set(p.id, p);
  for (const p of s.plugins ?? []) byId.set(p.id, { ...s.defaults, ...byId.get(p.id), ...p });
  return [...byId.values()];
}

/**
 * Whether the n-th request (0-based) of a plugin with this error rate fails. Deterministic and
 * evenly spread, so tests and benches know exactly which polls fail.
 */
export function isErrorRequest(n: number, errorRate: number): boolean {
  return Math.floor((n + 1) * errorRate) > Math.floor(n * errorRate);
}
