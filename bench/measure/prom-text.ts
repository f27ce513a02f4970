/**
 * Reads the handful of series the bench needs from a Prometheus text exposition (`GET /metrics`).
 * Not a full parser: one sample per line, `name{a="x",b="y"} value`, comments skipped. Label
 * values are assumed not to contain `",` sequences (ours never do).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parsePromText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the first sample named `name` whose labels include `match`; NaN if none. */
export function pick(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  const s = samples.find((x) => x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : Number.NaN;
}

/** Sum of a counter over every label set, optionally filtered. */
export function sum(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const x of samples) if (x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v)) total += x.value;
  return total;
}
