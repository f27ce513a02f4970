/**
 * Memory and CPU budget of a running host: where its RSS sits and which thread spends its CPU.
 *
 *   node --import tsx bench/tools/budget.ts [--plugins N] [--seconds S] [--warmup S] [--set key=value]... [--node-arg FLAG]... [--no-app] [--upstream] [--prof DIR] [--json FILE]
 *
 * Starts a fleet of N fake 2 KB plugins (0: an idle host), the built host on it publishing every
 * 3 s to a real Scope app (when upstream's scope binary is found; --no-app: publishing nowhere),
 * and `bench/tools/heap-report.mjs` preloaded in every thread. After the warm-up it measures a
 * window: CPU per thread from /proc/<pid>/task, then /proc/<pid>/smaps split into the binary and
 * libraries, thread stacks, malloc arenas and the rest of the anonymous memory, and each thread's
 * V8 heap: live objects, the collector's slack (committed but not in use), code, new space.
 * `--upstream` measures upstream's probe the same way instead (no V8 heaps there).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FleetGroup } from '../harness/fleet-group.js';
import { scopeBinary } from '../../test/helpers/scope-binary.js';
import { startScopeApp, type ScopeProcess } from '../harness/scope-processes.js';
import { freePort, startHost, startUpstream, type HostSettings } from '../harness/targets.js';
import { closeHttp } from '../measure/http.js';
import { clockTicksPerSecond, readMemory, readStat, threadTicks } from '../measure/proc.js';
import { fleetPlugins, scenarioByName } from '../scenarios.js';
import { classifySmaps, cpuByRole, heapBudget, parseSwitches, type ThreadHeap } from './budget-model.js';

/** Voluntary context switches per thread: how often each thread woke from a wait. */
function wakeups(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), parseSwitches(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')).voluntary);
    } catch {
      // the thread ended
    }
  }
  return out;
}

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '15' },
    set: { type: 'string', multiple: true },
    'node-arg': { type: 'string', multiple: true },
    'no-app': { type: 'boolean', default: false },
    upstream: { type: 'boolean', default: false },
    prof: { type: 'string' },
    json: { type: 'string' },
  },
});
const plugins = Number(values.plugins);
const settings: Record<string, number> = { pollIntervalMs: 1000, timeoutMs: 500 };
for (const kv of values.set ?? []) {
  const [k, v] = kv.split('=', 2) as [string, string];
  settings[k] = Number(v);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
const PRELOAD = fileURLToPath(new URL('./heap-report.mjs', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'sphbud-'));
const root = join(work, 'root');
const heapDir = join(work, 'heap');
for (const d of [root, heapDir]) mkdirSync(d, { recursive: true });
// Heap reports cost CPU of their own (getHeapCodeStatistics walks the heap): off while profiling.
if (!values.prof) process.env['BUDGET_DIR'] = heapDir;

const fleet = plugins > 0 ? await FleetGroup.start(root, plugins) : null;
let app: ScopeProcess | null = null;
try {
  if (fleet) await fleet.addPlugins(fleetPlugins({ ...scenarioByName('n10')!, plugins }));
  const bin = values['no-app'] ? null : scopeBinary();
  if (bin && 'path' in bin) app = await startScopeApp(bin.path, await freePort(), join(work, 'app.log'));
  else if (bin) process.stderr.write(`budget: no app (${bin.skip}); the host publishes nowhere\n`);
  const startOpts = {
    root,
    workDir: work,
    settings: settings as unknown as HostSettings,
    nodeArgs: [...(values['node-arg'] ?? []), '--import', PRELOAD, ...(values.prof ? ['--cpu-prof', '--cpu-prof-dir', values.prof] : [])],
    appUrl: app?.url,
  };
  const host = values.upstream ? await startUpstream(startOpts, bin && 'path' in bin ? bin.path : '') : await startHost(startOpts, 'budget');
  try {
    await sleep(Number(values.warmup) * 1000);
    const hz = clockTicksPerSecond();
    const t0 = performance.now();
    const ticks0 = threadTicks(host.pid);
    const wake0 = wakeups(host.pid);
    const stat0 = readStat(host.pid);
    await sleep(Number(values.seconds) * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const ticks1 = threadTicks(host.pid);
    const wake1 = wakeups(host.pid);
    const stat1 = readStat(host.pid);
    const smaps = classifySmaps(readFileSync(`/proc/${host.pid}/smaps`, 'utf8'));
    const rss = readMemory(host.pid).rss;
    const now = Date.now();
    const threads: (ThreadHeap & { at: number })[] = readdirSync(heapDir)
      .filter((f) => f.startsWith(`${host.pid}-`))
      .map((f) => JSON.parse(readFileSync(join(heapDir, f), 'utf8')) as ThreadHeap & { at: number })
      // Threads piscina retired are gone; its live threads wait for tasks blocked in
      // Atomics.wait, so their figures are from their start (marked by their age).
      .filter((t) => ticks1.has(t.tid))
      .sort((a, b) => a.threadId - b.threadId);
    const cpu = [...ticks1].map(([tid, t]) => ({ tid, name: t.name, pct: ((t.ticks - (ticks0.get(tid)?.ticks ?? 0)) / hz / seconds) * 100 }));
    const wakes = [...wake1].map(([tid, n]) => ({ tid, pct: (n - (wake0.get(tid) ?? 0)) / seconds }));
    const total = ((stat1.utime + stat1.stime - stat0.utime - stat0.stime) / hz / seconds) * 100;
    const heaps = threads.map((t) => ({ ...heapBudget(t), ageS: (now - t.at) / 1000 }));
    const v8 = heaps.filter((h) => h.ageS < 3).reduce((a, h) => a + h.committedMB, 0);
    const byRole = cpuByRole(cpu, heaps);
    const wakesByRole = cpuByRole(wakes, heaps);
    const budget = {
      plugins,
      settings,
      app: Boolean(app),
      seconds,
      rssMB: rss / MB,
      smaps,
      heaps,
      cpuPct: total,
      cpuByRole: byRole,
      wakeupsPerSecondByRole: wakesByRole,
      threads: cpu.sort((a, b) => b.pct - a.pct),
    };
    if (values.json) writeFileSync(values.json, `${JSON.stringify(budget, null, 2)}\n`);
    const lines = [
      `${values.upstream ? 'upstream probe' : 'host'}, ${plugins} plugins${app ? ', publishing every 3 s' : ''}, ${JSON.stringify(settings)}: RSS ${(rss / MB).toFixed(1)} MB, CPU ${total.toFixed(2)} % over ${seconds.toFixed(0)} s`,
    ];
    lines.push(
      'memory (smaps, MB): ' +
        Object.entries(smaps)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', '),
    );
    for (const h of budget.heaps) {
      lines.push(
        `  ${h.role.padEnd(5)} #${h.threadId}${h.ageS >= 3 ? ` (as of ${h.ageS.toFixed(0)} s ago)` : ''}: V8 committed ${h.committedMB.toFixed(1)} = used ${h.usedMB.toFixed(1)} + slack ${h.slackMB.toFixed(1)}; new space ${h.newSpaceMB.toFixed(1)}, code ${h.codeMB.toFixed(1)}, external ${h.externalMB.toFixed(1)}`,
      );
    }
    lines.push(
      `  anonymous memory outside the current V8 heaps above (pool threads' heaps, V8 metadata, other native): ${(smaps.otherAnonMB - v8).toFixed(1)} MB`,
    );
    lines.push(
      `wake-ups per second by role: ${Object.entries(wakesByRole)
        .map(([r, n]) => `${r} ${n.toFixed(0)}`)
        .join(', ')}`,
    );
    lines.push(
      `threads ${cpu.length}; CPU by role (% of a core): ${Object.entries(byRole)
        .map(([r, p]) => `${r} ${p.toFixed(2)}`)
        .join(', ')}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await host.stop();
  }
} finally {
  await app?.stop();
  await fleet?.stop();
  closeHttp();
  rmSync(work, { recursive: true, force: true });
}
