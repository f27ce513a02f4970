/**
 * What the report builder's heap settings cost and save: one process builds the merged report of
 * N fake plugins (the fleet's 2 KB reports) on a piscina thread with the given V8 limits, as the
 * host does on a publish, and prints the CPU of the whole process per build (builder thread and
 * V8's helper threads) and the peak RSS. Used for docs/decisions/062-thread-heap-shapes.md.
 *
 *   npm run build && node --import tsx bench/tools/build-heap.ts [--plugins 3000] [--builds 20] \
 *     [--reports 1] [--young-mb N] [--old-mb N]   (absent: V8's default; the host uses --old-mb 1024)
 *
 * `--reports K`: each plugin sends K reports per build, as a publish merges every poll since the
 * last (3 at the default intervals).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { packGroups, transferablesOf, type PackedParts } from '../../src/shared/parts.js';
import { workerPath } from '../../src/shared/worker-url.js';
import { buildReportTemplate, renderReport } from '../fleet/fake-report.js';
import { fakePlugins, resolveSpec } from '../fleet/scenario.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: '3000' },
    builds: { type: 'string', default: '20' },
    reports: { type: 'string', default: '1' },
    'young-mb': { type: 'string' },
    'old-mb': { type: 'string' },
  },
});
const n = Number(values.plugins);
const builds = Number(values.builds);
const perPlugin = Number(values.reports);
const rssMb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

const texts = fakePlugins(n, { reportBytes: 2048 }).map((spec, i) => renderReport(buildReportTemplate(resolveSpec(spec), 'host-1', i), Date.now()));
const pool = new Piscina({
  // The built task: under tsx a piscina thread would load the TypeScript through the loader, which the host never does.
  filename: workerPath('report-task').replace('/src/', '/dist/').replace(/\.ts$/, '.js'),
  workerData: { nice: 0 },
  maxThreads: 1,
  resourceLimits: {
    ...(values['young-mb'] ? { maxYoungGenerationSizeMb: Number(values['young-mb']) } : {}),
    ...(values['old-mb'] ? { maxOldGenerationSizeMb: Number(values['old-mb']) } : {}),
  },
});
/** One shard's pack, each plugin a group of `perPlugin` reports. */
const pack = (reports: readonly string[]): PackedParts => packGroups(reports.map((t) => Array<string>(perPlugin).fill(t)));
const build = async (): Promise<number> => {
  const parts = [pack(texts.slice(0, n >> 1)), pack(texts.slice(n >> 1))];
  const before = process.cpuUsage();
  await pool.run({ parts, specs: [], tsEpochNs: '1796616000000000000', gzip: true }, { transferList: transferablesOf(parts) });
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000;
};
const baseMb = rssMb(); // the fleet's reports, before the builder thread starts
for (let i = 0; i < 3; i++) await build(); // start the thread and warm its code up
let peak = rssMb();
const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
let cpuMs = 0;
for (let i = 0; i < builds; i++) {
  cpuMs += await build();
  await new Promise((r) => setTimeout(r, 100)); // idle between builds, as between publishes
}
clearInterval(sampler);
console.log(
  `${n} plugins × ${perPlugin} reports, young ${values['young-mb'] ?? 'default'} MB, old ${values['old-mb'] ?? 'default'} MB: ` +
    `CPU per build ${(cpuMs / builds).toFixed(0)} ms (process, all threads), peak RSS ${peak.toFixed(0)} MB (${baseMb.toFixed(0)} before the builder)`,
);
await pool.destroy();
