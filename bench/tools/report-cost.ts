/**
 * What does one `GET /api/report` cost the host, and on which thread? Starts the host on a fleet
 * of N × 2 KB plugins, lets it settle, then alternates 1.5 s windows without and with one report
 * fetch and prints the CPU difference per thread (from /proc/<pid>/task/<tid>/stat).
 *
 *   npm run build && node --import tsx bench/tools/report-cost.ts [--plugins 3000] [--fetches 6]
 *
 * Thread ids are printed as they are: the main thread's id is the pid; shard workers and the
 * piscina report thread are the later ids, V8's GC helper threads the early ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fakePlugins } from '../fleet/scenario.js';
import { FleetGroup } from '../harness/fleet-group.js';
import { snapshotHost, startHost } from '../harness/targets.js';
import { closeHttp, http } from '../measure/http.js';
import { clockTicksPerSecond, threadTicks } from '../measure/proc.js';

const { values } = parseArgs({ options: { plugins: { type: 'string', default: '3000' }, fetches: { type: 'string', default: '6' } } });
const n = Number(values.plugins);
const work = mkdtempSync(join(tmpdir(), 'sph-rc-'));
const root = join(work, 'p');
// Inside the repo, so the copy still finds node_modules.
snapshotHost(fileURLToPath(new URL('../results/.host-tools', import.meta.url)));
const fleet = await FleetGroup.start(root, n);
await fleet.addPlugins(fakePlugins(n, { reportBytes: 2048 }));
const host = await startHost({ root, workDir: work, settings: { pollIntervalMs: 1000, timeoutMs: 500 } });
try {
  await new Promise((r) => setTimeout(r, 12_000));
  const hz = clockTicksPerSecond();
  const window = async (fetch: boolean): Promise<{ ms: number; bytes: number; cpu: Map<number, number> }> => {
    const t0 = threadTicks(host.pid);
    const start = performance.now();
    let ms = 0;
    let bytes = 0;
    if (fetch) {
      const r = await http(`${host.url}/api/report`);
      ms = r.doneAt - r.sentAt;
      bytes = r.body.length;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 1500 - (performance.now() - start))));
    const cpu = new Map<number, number>();
    for (const [tid, t] of threadTicks(host.pid)) cpu.set(tid, ((t.ticks - (t0.get(tid)?.ticks ?? 0)) / hz) * 1000);
    return { ms, bytes, cpu };
  };
  const total = (m: Map<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  for (let i = 0; i < Number(values.fetches); i++) {
    const quiet = await window(false);
    const busy = await window(true);
    const diff = [...busy.cpu]
      .map(([tid, ms]) => [tid, Math.round(ms - (quiet.cpu.get(tid) ?? 0))] as const)
      .filter(([, d]) => Math.abs(d) >= 20)
      .map(([tid, d]) => `${tid}:${d}`)
      .join(' ');
    console.log(
      `fetch ${busy.ms.toFixed(0)} ms, ${(busy.bytes / 1e6).toFixed(1)} MB; host CPU ${total(busy.cpu).toFixed(0)} ms with, ${total(quiet.cpu).toFixed(0)} ms without; per thread (ms, with − without): ${diff}`,
    );
  }
} finally {
  await host.stop();
  await fleet.stop();
  closeHttp();
  rmSync(work, { recursive: true, force: true });
}
