/**
 * Small pure helpers for building Scope report fragments that the upstream decoder accepts
 * (docs/spec/report-format.md#nodes). Each one exists because the wire format has a trap in it:
 * timestamps must be RFC3339 (a bad one fails the *whole* report), node ids carry a literal
 * `<tag>`, a metric without `min`/`max` decodes as 0 and then wins every merge, and node controls
 * are one `;`-joined string.
 */

/** One `latest` map entry: a string value stamped with the time it was observed. */
export interface LatestEntry {
  readonly timestamp: string;
  readonly value: string;
}

/** One metric sample. `date` is an RFC3339Nano timestamp. */
export interface MetricSample {
  readonly date: string;
  readonly value: number;
}

/** A node metric as upstream encodes it: samples oldest first, with explicit bounds. */
export interface Metric {
  readonly samples: MetricSample[];
  readonly min: number;
  readonly max: number;
}

/**
 * Formats a time the way Go's `time.RFC3339Nano` does: UTC, fractional seconds with trailing zeros
 * trimmed (`2021-04-23T10:00:00.5Z`), no fraction at all on a whole second. Defaults to now.
 */
export function timestamp(date: Date = new Date()): string {
  const iso = date.toISOString(); // always `YYYY-MM-DDTHH:MM:SS.mmmZ`
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return fraction === '' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 20)}${fraction}Z`;
}

/** The node id of a host in the `Host` topology: `<hostname>;<host>` (docs/spec/report-format.md#node-ids). */
export function hostNodeId(hostname: string): string {
  return `${hostname};<host>`;
}

/** The node id of a container in the `Container` topology: `<full container id>;<container>`. */
export function containerNodeId(id: string): string {
  return `${id};<container>`;
}

/** A `latest` entry for `value`, stamped `ts` (default: now). Values are always strings on the wire. */
export function latest(value: string, ts: string = timestamp()): LatestEntry {
  return { timestamp: ts, value };
}

/**
 * A metric from samples. `min`/`max` default to the samples' own bounds (0 when there are none):
 * upstream decodes a missing bound as 0, which would silently win merges, so they are always written.
 * Samples are sorted oldest first, as the merger expects.
 */
export function metric(samples: readonly MetricSample[], bounds: { min?: number; max?: number } = {}): Metric {
  const sorted = [...samples].sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  for (const s of sorted) {
    // Go's encoder cannot emit NaN/Infinity and its decoder refuses them, so neither may we.
    if (!Number.isFinite(s.value)) throw new RangeError(`metric sample value must be finite, got ${s.value}`);
  }
  const values = sorted.map((s) => s.value);
  const min = bounds.min ?? (values.length === 0 ? 0 : Math.min(...values));
  const max = bounds.max ?? (values.length === 0 ? 0 : Math.max(...values));
  return { samples: sorted, min, max };
}

/**
 * The node's `active_controls` latest entry: the ids of the controls that currently apply to this
 * node, joined with `;` (the form since 2019, docs/spec/report-format.md#nodes). An empty list
 * means "none".
 * Control ids must not contain `;`.
 */
export function activeControls(ids: readonly string[], ts: string = timestamp()): LatestEntry {
  for (const id of ids) {
    if (id.includes(';')) throw new RangeError(`control id must not contain ';': ${JSON.stringify(id)}`);
  }
  return latest(ids.join(';'), ts);
}
