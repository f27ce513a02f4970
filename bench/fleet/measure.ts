/**
 * Measures the fleet itself: how long N plugins take to listen, the fleet's RSS, and whether one
 * poll round over all of them (keep-alive, one connection per plugin, as a host would hold) works.
 *
 *   node --import tsx bench/fleet/measure.ts [--plugins 10000] [--bytes 600] [--rounds 2] [--keep-alive true]
 *     [--processes 1] [--concurrency 256]
 *
 * Prints one JSON line. This is the fleet's own budget, not the host's benchmark.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fakePlugins, startFleet } from './client.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: '10000' },
    bytes: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '2' },
    'keep-alive': { type: 'string', default: 'true' },
    concurrency: { type: 'string', default: '256' },
    processes: { type: 'string', default: '1' },
  },
});
const n = Number(values.plugins);
const keepAlive = values['keep-alive'] === 'true';
const root = mkdtempSync(join(tmpdir(), 'flm-'));
const mb = (b: number): number => Math.round(b / 1024 / 1024);

const processes = Number(values.processes);
const fleet = startFleet({ root, plugins: fakePlugins(n, { reportBytes: Number(values.bytes) }), processes });
const ready = await fleet.ready;
const result: Record<string, unknown> = {
  plugins: n,
  processes,
  keepAlive,
  reportBytes: Number(values.bytes),
  listenMs: Math.round(ready.listenMs),
  failed: ready.failed.length,
  rssAfterListenMB: mb(ready.stats.rssBytes),
  heapAfterListenMB: mb(ready.stats.heapUsedBytes),
};

const agent = new Agent({ keepAlive, maxSockets: 1 });
function get(socketPath: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/report?api_version=1&probe_id=m', agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

for (let round = 0; round < Number(values.rounds); round++) {
  const started = performance.now();
  const ids = fakePlugins(n).map((p) => p.id);
  const codes = new Map<number | string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const code = await get(join(root, id, `${id}.sock`));
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }),
  );
  const stats = await fleet.stats();
  result[`round${round}`] = {
    ms: Math.round(performance.now() - started),
    statuses: Object.fromEntries(codes),
    fleetRssMB: mb(stats.rssBytes),
    fleetCpuMs: Math.round((stats.cpuUserUs + stats.cpuSystemUs) / 1000),
  };
}
const logs = await fleet.collectLogs();
result.loggedRequests = [...logs.values()].reduce((a, l) => a + l.length, 0);
agent.destroy();
const stopStarted = performance.now();
await fleet.stop();
result.stopMs = Math.round(performance.now() - stopStarted);
rmSync(root, { recursive: true, force: true });
console.log(JSON.stringify(result));
