/**
 * Report model benchmark: decode (+ normalise) and merge throughput, next to plain `JSON.parse` of
 * the same strings in the same run (the floor). Target: decode+merge ≤ 3× JSON.parse.
 *
 *   npx tsx bench/merge.ts              (or: npm run bench:merge)
 *   ROUNDS=30 npx tsx bench/merge.ts    more rounds
 *   node --cpu-prof --import tsx bench/merge.ts   to profile
 *
 * Each round runs every operation over the whole input set, in a rotating order so that noise
 * from other processes on the machine hits all of them alike; the table shows the median round.
 * Times are process CPU time (user + system, GC threads included), not wall time: the machine is
 * shared, and CPU time is what the host pays per report whatever else runs.
 */
import { decodeReport, encodeReport, mergeReports, type Report } from '../src/shared/report/index.js';
import { largePluginReport, smallPluginReport } from './fixtures/report-gen.js';

interface Case {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly rounds: number;
}

const roundsOverride = process.env.ROUNDS === undefined ? undefined : Number(process.env.ROUNDS);
const cases: Case[] = [
  { name: '1000 x ~2 KB', inputs: Array.from({ length: 1000 }, (_, i) => smallPluginReport(i)), rounds: roundsOverride ?? 25 },
  { name: '100 x ~200 KB', inputs: Array.from({ length: 100 }, (_, i) => largePluginReport(i)), rounds: roundsOverride ?? 9 },
];

let sink: unknown;

const ops: Record<string, (inputs: readonly string[]) => void> = {
  'JSON.parse': (inputs) => {
    for (const s of inputs) sink = JSON.parse(s);
  },
  decode: (inputs) => {
    for (const s of inputs) sink = decodeReport(s);
  },
  'decode+merge': (inputs) => {
    const reports: Report[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) reports[i] = decodeReport(inputs[i]!);
    sink = mergeReports(...reports);
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows: string[][] = [['case', 'operation', 'µs/report', 'MB/s', '× JSON.parse']];
for (const c of cases) {
  const bytes = c.inputs.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const names = Object.keys(ops);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let w = 0; w < 3; w++) for (const n of names) ops[n]!(c.inputs); // warm-up
  for (let r = 0; r < c.rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length]!;
      const t0 = process.cpuUsage();
      ops[n]!(c.inputs);
      const d = process.cpuUsage(t0);
      times[n]!.push((d.user + d.system) / 1000);
    }
  }
  const floor = median(times['JSON.parse']!);
  for (const n of names) {
    const ms = median(times[n]!);
    rows.push([
      `${c.name} (${(bytes / 1e6).toFixed(1)} MB)`,
      n,
      ((ms * 1000) / c.inputs.length).toFixed(1),
      (bytes / 1e6 / (ms / 1000)).toFixed(0),
      (ms / floor).toFixed(2),
    ]);
  }
  // Sanity: the merge is the one the host would publish.
  const merged = mergeReports(...c.inputs.map((s) => decodeReport(s)));
  const t0 = process.cpuUsage();
  const text = encodeReport(merged);
  const du = process.cpuUsage(t0);
  const encodeMs = (du.user + du.system) / 1000;
  rows.push([
    `${c.name}`,
    `encode merged (${(text.length / 1e6).toFixed(1)} MB, once)`,
    `${((encodeMs * 1000) / c.inputs.length).toFixed(1)}`,
    (text.length / 1e6 / (encodeMs / 1000)).toFixed(0),
    '',
  ]);
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  '));
void sink;
