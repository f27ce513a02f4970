/**
 * The body a fake plugin serves: a realistic Scope report of an exact size, pre-rendered.
 *
 * Shape (the fake plugins upstream's Go probe was measured with): one Host node `<hostname>;<host>`
 * with one metric `fake_metric_NNNN` (one sample) and its template, plus `Plugins` with the spec.
 * To reach the requested size the node gets extra `latest` entries with plugin-specific keys, so a
 * host that merges N fakes really has N × size of distinct data to merge (shared keys would
 * collapse).
 *
 * Rendering must be cheap because one fleet process serves thousands of polls a second next to the
 * host being measured: the JSON is built once, split at timestamp placeholders, and each request
 * only joins the parts with the current time. Timestamps are fixed-width (9 fraction digits, valid
 * RFC3339) so the size never changes between requests.
 */
import { activeControls, hostNodeId, latest, type PluginSpecWire } from '../../src/kit/index.js';
import type { ResolvedSpec } from './scenario.js';

const TS_MARK = '\u0001TS\u0001';
/** The JSON-escaped form of the mark, as it appears in stringified output. */
const TS_MARK_JSON = JSON.stringify(TS_MARK).slice(1, -1);
/** Width of `fixedTimestamp()` output. */
export const TS_WIDTH = 30;

/** Epoch ms (with fraction) as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: always 30 characters. */
export function fixedTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.floor((ms - whole) * 1000));
  return `${new Date(whole).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}000Z`;
}

/** The control a fake controller exposes. */
export const FAKE_CONTROL = 'fake_control';

/** A pre-rendered report: join `parts` with a `fixedTimestamp`. */
export interface ReportTemplate {
  readonly parts: readonly string[];
  /** Exact body size in bytes (ASCII only, so bytes = characters). */
  readonly bytes: number;
}

export function renderReport(t: ReportTemplate, ms: number): string {
  return t.parts.join(fixedTimestamp(ms));
}

/** The spec the fake puts in its reports (the kit's wire form). */
export function fakeSpecWire(spec: ResolvedSpec): PluginSpecWire {
  return {
    api_version: '1',
    description: 'fake plugin for the benchmark fleet',
    id: spec.id,
    interfaces: spec.controller ? ['reporter', 'controller'] : ['reporter'],
    label: spec.id,
  };
}

/** Builds the template for one plugin; `index` seeds the metric value and padding text. */
export function buildReportTemplate(spec: ResolvedSpec, hostname: string, index: number): ReportTemplate {
  const suffix = spec.id.replace(/[^A-Za-z0-9]/g, '_');
  const metricId = `fake_metric_${suffix.replace(/^fake_/, '')}`;
  const value = (index % 100) + 0.5;
  const entries: Record<string, { timestamp: string; value: string }> = {
    host_node_id: latest(hostNodeId(hostname), TS_MARK),
  };
  if (spec.controller) entries.active_controls = activeControls([FAKE_CONTROL], TS_MARK);
  const host: Record<string, unknown> = {
    nodes: {
      [hostNodeId(hostname)]: {
        latest: entries,
        metrics: { [metricId]: { samples: [{ date: TS_MARK, value }], min: value, max: value } },
      },
    },
    metric_templates: { [metricId]: { id: metricId, label: `Fake metric ${spec.id}`, format: '', priority: 10 + (index % 1000) / 1000 } },
  };
  if (spec.controller) {
    host.controls = { [FAKE_CONTROL]: { id: FAKE_CONTROL, human: 'Fake control', icon: 'fa-gear', rank: 1 } };
  }
  const report: Record<string, unknown> = { Host: host };
  if (spec.era === 'report') report.Plugins = [fakeSpecWire(spec)];

  // Pad with ~100-char entries, then size the last value so the total is exact. Each entry's cost
  // is computed on its own (re-stringifying the whole report per entry would be quadratic).
  const rand = xorshift(index + 1);
  // Cost of `,"<key>":{"timestamp":"<ts>","value":""}` beyond the key's own characters.
  const entryOverhead = renderedSize(JSON.stringify({ k: latest('', TS_MARK) })) - 2 + 1 - 1;
  let size = renderedSize(JSON.stringify(report));
  for (let k = 0; size < spec.reportBytes; k++) {
    const key = `${suffix}_${String(k).padStart(4, '0')}`;
    const emptyCost = entryOverhead + key.length;
    const room = spec.reportBytes - size - emptyCost;
    if (room < 0) break; // not even an empty entry fits
    // Take all that is left when another entry would not fit after this one.
    const length = room - 100 < emptyCost + 8 ? room : 100;
    const text = padText(rand, length);
    entries[key] = latest(text, TS_MARK);
    size += emptyCost + text.length;
  }
  // A gap too small for one more entry is closed with trailing whitespace (valid JSON).
  const json = JSON.stringify(report) + ' '.repeat(Math.max(0, spec.reportBytes - size));
  return { parts: json.split(TS_MARK_JSON), bytes: renderedSize(json) };
}

/** Length of a template's JSON once each placeholder is replaced by a real timestamp. */
function renderedSize(json: string): number {
  const marks = json.split(TS_MARK_JSON).length - 1;
  return json.length + marks * (TS_WIDTH - TS_MARK_JSON.length);
}

// Realistic-looking filler (words and hex ids, JSON-safe ASCII: one char = one byte), generated
// once; each entry takes a slice at a pseudo-random offset, which costs nothing per character.
const WORDS = ['running', 'eth0', 'overlay', 'sha256', 'kernel', 'node', 'pod', 'tcp', 'linux', 'zone-a'];
const PAD_POOL = ((): string => {
  const rand = xorshift(0x5c09e);
  let out = '';
  while (out.length < 64 * 1024) out += `${rand() % 3 === 0 ? WORDS[rand() % WORDS.length] : rand().toString(16)} `;
  return out;
})();

function padText(rand: () => number, length: number): string {
  let out = '';
  while (out.length < length) {
    const from = rand() % (PAD_POOL.length - 1);
    out += PAD_POOL.slice(from, from + (length - out.length));
  }
  return out;
}

function xorshift(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
