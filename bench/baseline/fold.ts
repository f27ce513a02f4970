/**
 * The baseline's merge: fold decoded plugin reports into one report object, the way upstream's
 * `Report.UnsafeMerge` does for the parts fake plugins use (docs/spec/report-format.md#merge-rules,
 * with upstream's order-dependent ties). Plain objects, no classes: the point is to cost about what
 * a straightforward JSON.parse-and-merge costs, not to be a second implementation of the host's
 * report model. Pure; no imports, so it transpiles alone.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Topology-level maps merged key by key (later wins), besides `nodes`. */
const TOPOLOGY_MAPS = ['controls', 'metadata_templates', 'metric_templates', 'table_templates'];

export interface SpecWithStatus {
  id: string;
  label?: string;
  description?: string;
  interfaces?: unknown;
  api_version?: string;
  status?: string;
}

/** An empty folded report. */
export function emptyFold(): Obj {
  return {};
}

/** Merges `report` (a decoded plugin report, `Plugins` already taken out) into `acc`. */
export function foldInto(acc: Obj, report: Obj): void {
  for (const [name, topology] of Object.entries(report)) {
    if (name === 'Plugins' || !isObj(topology)) continue;
    let into = acc[name] as Obj | undefined;
    if (!isObj(into)) acc[name] = into = { nodes: {} };
    for (const [field, value] of Object.entries(topology)) {
      if (!isObj(value)) continue;
      if (field === 'nodes') {
        const nodes = (into['nodes'] ??= {}) as Obj;
        for (const [id, node] of Object.entries(value)) {
          if (!isObj(node)) continue;
          const existing = nodes[id];
          nodes[id] = isObj(existing) ? mergeNode(existing, node) : node;
        }
      } else if (TOPOLOGY_MAPS.includes(field)) {
        Object.assign((into[field] ??= {}) as Obj, value);
      }
    }
  }
}

/*
 * Merges mutate the accumulator in place (upstream's `UnsafeMerge` does too). Every object in a
 * plugin report comes fresh from JSON.parse and is dropped after the fold, so taking it over
 * without copying is safe. Copy-on-merge would make the fold quadratic (every fake plugin adds
 * entries to the one shared Host node) and turn the baseline into a straw man.
 */
function mergeNode(a: Obj, b: Obj): Obj {
  for (const [field, value] of Object.entries(b)) {
    const mine = a[field];
    if (!isObj(value) || !isObj(mine)) {
      if (mine === undefined) a[field] = value;
      continue;
    }
    if (field === 'latest') mergeLatest(mine, value);
    else if (field === 'metrics') mergeMetrics(mine, value);
    else if (field === 'sets' || field === 'parents') mergeSets(mine, value);
    else Object.assign(mine, value);
  }
  return a;
}

/** LatestMap: per key, the entry with the newest timestamp wins (ties: the existing one). */
function mergeLatest(a: Obj, b: Obj): void {
  for (const [k, entry] of Object.entries(b)) {
    const mine = a[k];
    if (!isObj(mine) || newer(entry, mine)) a[k] = entry;
  }
}

function newer(x: unknown, y: Obj): boolean {
  const tx = isObj(x) ? String(x['timestamp'] ?? '') : '';
  const ty = String(y['timestamp'] ?? '');
  return Date.parse(tx) > Date.parse(ty);
}

/** Metrics: samples of the same metric are united and kept in date order. */
function mergeMetrics(a: Obj, b: Obj): void {
  for (const [id, metric] of Object.entries(b)) {
    const mine = a[id];
    if (!isObj(mine) || !isObj(metric)) {
      a[id] = metric;
      continue;
    }
    const samples = [...((mine['samples'] as Obj[] | null) ?? []), ...((metric['samples'] as Obj[] | null) ?? [])];
    samples.sort((s, t) => Date.parse(String(s['date'])) - Date.parse(String(t['date'])));
    mine['samples'] = samples;
    mine['min'] = Math.min(Number(mine['min'] ?? Infinity), Number(metric['min'] ?? Infinity));
    mine['max'] = Math.max(Number(mine['max'] ?? -Infinity), Number(metric['max'] ?? -Infinity));
  }
}

function mergeSets(a: Obj, b: Obj): void {
  for (const [k, list] of Object.entries(b)) {
    const mine = a[k];
    a[k] = Array.isArray(mine) && Array.isArray(list) ? [...new Set([...mine, ...list])].sort() : list;
  }
}

/**
 * Upstream's acceptance rules for `Plugins` (rules 5–10 of
 * docs/spec/plugin-protocol.md#validation-order), returning the status string. Mutates nothing.
 */
export function checkSpec(report: Obj, id: string, apiVersion: string): { status: string; spec: SpecWithStatus | null } {
  const plugins = Array.isArray(report['Plugins']) ? (report['Plugins'] as unknown[]).filter(isObj) : [];
  const ids = new Set(plugins.map((p) => p['id']));
  if (ids.size !== 1) return { status: `error: report must contain exactly one plugin (found ${ids.size})`, spec: null };
  const spec = plugins[0] as unknown as SpecWithStatus;
  if (spec.id !== id) return { status: `error: plugin must not change its id (is "${spec.id}", should be "${id}")`, spec: null };
  if (spec.api_version !== apiVersion) return { status: `error: incorrect API version: expected "${apiVersion}", got "${spec.api_version}"`, spec };
  if (!spec.label) return { status: 'error: spec must contain a label', spec };
  if (!Array.isArray(spec.interfaces) || !spec.interfaces.includes('reporter')) return { status: 'error: spec must implement the "reporter" interface', spec };
  return { status: 'ok', spec };
}
