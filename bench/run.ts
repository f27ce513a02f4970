/**
 * The end-to-end benchmark (issues #5, #18): the host against upstream's real probe (and an
 * upstream-like serial poller in Node, as a reference), all polling the same fake plugin fleet,
 * the host and the probe publishing to a Scope app every 3 s, measured from outside (see
 * docs/benchmarks.md). The upstream target needs upstream's scope.xz (SCOPE_BINARY_XZ, or
 * ../shared/tools/scope/scope.xz beside the repository) and libpcap0.8; without them it is skipped.
 *
 *   npm run bench -- --scenario n1000          one scenario: bench/results/n1000.json + a table
 *   npm run bench -- --all                     every scenario, then summary.md and chart.svg
 *   npm run bench -- --summary                 rebuild summary.md and chart.svg from the JSON files
 *   npm run bench -- --summary --docs          … and put them into docs/benchmarks.md and its chart
 * Options: --seconds N (window, default per scenario, 30), --warmup N, --plugins N (shrink a
 * scenario for development), --no-baseline, --prof (V8 CPU profiles of the targets into the work
 * dir), --no-upstream, --set key=value (a host config key, e.g. --set workers=1; repeatable), --report-every MS
 * (how often /api/report is fetched for the report age; 0 = never), --node-arg FLAG (a node/V8
 * flag for the target processes, e.g. --node-arg=--max-semi-space-size=2; repeatable), --list.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBaseline } from './baseline/build.js';
import { fdsNeeded, runScenario } from './harness/run-scenario.js';
import { Progress } from './harness/progress.js';
import { scopeBinary } from '../test/helpers/scope-binary.js';
import { snapshotHost, type HostSettings } from './harness/targets.js';
import { closeHttp } from './measure/http.js';
import { openFileLimit } from './measure/proc.js';
import { writeChart } from './report/chart.js';
import type { ScenarioResult } from './report/result.js';
import { docsResults, replaceResults, writeSummary } from './report/summary.js';
import { consoleReport } from './report/table.js';
import { SCENARIOS, scenarioByName, type Scenario } from './scenarios.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const SETTABLE = [
  'pollIntervalMs',
  'timeoutMs',
  'workers',
  'pluginsPerWorker',
  'maxConcurrentPollsPerWorker',
  'rescanIntervalMs',
  'failureBackoffMaxMs',
  'pollSlotMs',
] as const;

function usage(message?: string): never {
  if (message) process.stderr.write(`bench: ${message}\n`);
  process.stderr.write(
    'usage: npm run bench -- (--scenario NAME | --all | --summary [--docs] | --list) [--seconds N] [--warmup N] [--plugins N] [--no-baseline] [--no-upstream] [--prof] [--set key=value]... [--report-every MS]\n',
  );
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
    summary: { type: 'boolean', default: false },
    docs: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    plugins: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'no-upstream': { type: 'boolean', default: false },
    prof: { type: 'boolean', default: false },
    set: { type: 'string', multiple: true },
    'report-every': { type: 'string' },
    'node-arg': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) usage();
if (values.list) {
  for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(10)} ${s.title}\n`);
  process.exit(0);
}

const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`--${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
};
const seconds = positive('seconds', values.seconds);
const warmupSeconds = positive('warmup', values.warmup);
const pluginsOverride = positive('plugins', values.plugins);
// 0 turns the report fetches off (to see what building the report costs the target).
const reportEvery = values['report-every'] === '0' ? 0 : positive('report-every', values['report-every']);
const hostOverrides: Partial<Record<(typeof SETTABLE)[number], number>> = {};
for (const kv of values.set ?? []) {
  const [key, value] = kv.split('=', 2) as [string, string | undefined];
  if (!(SETTABLE as readonly string[]).includes(key)) usage(`--set: ${key} is not one of ${SETTABLE.join(', ')}`);
  hostOverrides[key as (typeof SETTABLE)[number]] = positive(`set ${key}`, value)!;
}

mkdirSync(RESULTS, { recursive: true });

function loadResults(): ScenarioResult[] {
  const order = new Map(SCENARIOS.map((s, i) => [s.name, i]));
  return readdirSync(RESULTS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as ScenarioResult)
    .filter((r) => order.has(r.scenario))
    .sort((a, b) => order.get(a.scenario)! - order.get(b.scenario)!);
}

function writeSummaries(): void {
  const results = loadResults();
  writeSummary(join(RESULTS, 'summary.md'), results);
  writeChart(join(RESULTS, 'chart.svg'), results);
  process.stderr.write(`wrote ${join(RESULTS, 'summary.md')} and ${join(RESULTS, 'chart.svg')} from ${results.length} result files\n`);
}

if (values.summary) {
  writeSummaries();
  if (values.docs) {
    const doc = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
    writeFileSync(doc, replaceResults(readFileSync(doc, 'utf8'), docsResults(loadResults())));
    copyFileSync(join(RESULTS, 'chart.svg'), fileURLToPath(new URL('../docs/benchmarks-chart.svg', import.meta.url)));
    process.stderr.write(`wrote the results into ${doc} and docs/benchmarks-chart.svg\n`);
  }
  process.exit(0);
}

let chosen: Scenario[];
if (values.all) chosen = [...SCENARIOS];
else if (values.scenario?.length) {
  chosen = values.scenario.map((name) => scenarioByName(name) ?? usage(`no scenario ${JSON.stringify(name)}; --list shows them`));
} else usage('say which: --scenario NAME or --all');
if (pluginsOverride !== undefined) chosen = chosen.map((s) => ({ ...s, plugins: pluginsOverride }));
if (reportEvery !== undefined) chosen = chosen.map((s) => ({ ...s, reportAgeEveryMs: reportEvery }));

// Fail before starting anything if the open-file limit cannot work (the fleet copes by running
// as several processes: harness/fleet-group.ts).
const biggest = Math.max(...chosen.map((s) => s.plugins));
const limit = openFileLimit();
if (limit < fdsNeeded(biggest)) {
  usage(`open-file limit (ulimit -n) is ${limit}; ${biggest} plugins need about ${fdsNeeded(biggest)} open files in the host (raise it with \`ulimit -n\`)`);
}

const load = loadavg()[0]!;
if (load > 1.5) process.stderr.write(`bench: warning: load average is ${load.toFixed(2)}; other work on this machine will show in the numbers\n`);

let binary: string | null = null;
if (!values['no-upstream'] && chosen.some((s) => s.upstream)) {
  const found = scopeBinary();
  if ('path' in found) binary = found.path;
  else process.stderr.write(`bench: running without the upstream target and without Scope apps: ${found.skip}\n`);
}

const workDir = join(RESULTS, 'work');
mkdirSync(workDir, { recursive: true });
const baselineScript = buildBaseline(join(RESULTS, '.baseline'));
snapshotHost(join(RESULTS, '.host'));
const progress = new Progress();
const started = performance.now();
let failed = 0;
for (const [i, s] of chosen.entries()) {
  progress.scenario(`${s.name} ${i + 1}/${chosen.length}`);
  try {
    const result = await runScenario(s, {
      seconds,
      warmupSeconds,
      workDir,
      baselineScript,
      progress,
      cpuProf: values.prof,
      hostOverrides: hostOverrides as Partial<HostSettings>,
      skipBaseline: values['no-baseline'],
      nodeArgs: values['node-arg'] ?? [],
      scopeBinary: binary,
    });
    writeFileSync(join(RESULTS, `${s.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    progress.log(consoleReport(result));
  } catch (err) {
    failed++;
    progress.log(`[${s.name}] FAILED: ${(err as Error).stack ?? String(err)}`);
  }
}
progress.done();
closeHttp();
if (values.all) writeSummaries();
process.stderr.write(
  `bench: ${chosen.length - failed}/${chosen.length} scenarios in ${((performance.now() - started) / 60_000).toFixed(1)} min; results in ${RESULTS}\n`,
);
process.exit(failed > 0 ? 1 : 0);
