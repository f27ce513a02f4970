/**
 * `node --import tsx bench/app-control.ts [--clicks N]` (after `npm run build`): control clicks
 * through a REAL Scope app under the `control` scenario's load (1000 plugins, 1 % hung, 1 % slow,
 * 10 controllers), against the same clicks posted to the host's own `POST /api/control`.
 *
 * Starts the app (the scope binary, see test/helpers/scope-binary.ts), the fake fleet and the host
 * as a separate process publishing to the app; waits until the host's control websocket is up,
 * warms up 10 s, then fires clicks at random 50–150 ms spacing without waiting for earlier ones,
 * alternating the two paths, and subtracts each plugin's own time (fleet log) from each round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scopeBinary, startScopeApp } from '../test/helpers/scope-binary.js';
import { FAKE_CONTROL } from './fleet/fake-report.js';
import { FleetGroup } from './harness/fleet-group.js';
import { LogCollector } from './harness/log-collector.js';
import { startHost, type HostSettings } from './harness/targets.js';
import { epochNow, http } from './measure/http.js';
import { dist, type Dist } from './measure/stats.js';
import { DEFAULT_SETTINGS, fleetPlugins, scenarioByName } from './scenarios.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const PROBE_ID = 'bec0bec0bec0bec0';
const SKEW_MS = 5;

const { values } = parseArgs({ options: { clicks: { type: 'string', default: '200' } } });
const clicks = Number(values.clicks);
const binary = scopeBinary();
if ('skip' in binary) throw new Error(binary.skip);
const s = scenarioByName('control')!;
const root = mkdtempSync(join(tmpdir(), 'sphb-'));
const workDir = mkdtempSync(join(tmpdir(), 'sph-appctl-'));
const app = await startScopeApp(binary.path);
const fleet = await FleetGroup.start(root, s.plugins);
try {
  const specs = fleetPlugins(s);
  const added = await fleet.addPlugins(specs);
  if (added.failed.length > 0) throw new Error(`fleet failed to serve ${added.failed.length} plugins`);
  const controllers = specs.filter((p) => p.controller).map((p) => p.id);
  const settings = { ...DEFAULT_SETTINGS, ...s.settings, probeId: PROBE_ID, publish: { apps: [app.url] } } as unknown as HostSettings;
  const host = await startHost({ root, workDir, settings });
  try {
    const deadline = Date.now() + 60_000;
    while (!/app_control_connected\{[^}]*\} 1/.test((await http(`${host.url}/metrics`)).body)) {
      if (Date.now() > deadline) throw new Error('the control websocket did not come up');
      await sleep(200);
    }
    const logs = new LogCollector(fleet);
    logs.start();
    await sleep((s.warmupSeconds ?? 10) * 1000);
    await logs.mark();
    const node = `${hostname()};<host>`;
    const done: { via: 'app' | 'host'; id: string; sentAt: number; doneAt: number; ok: boolean }[] = [];
    const inFlight: Promise<void>[] = [];
    for (let k = 0; k < 2 * clicks; k++) {
      await sleep(50 + Math.random() * 100);
      const id = controllers[Math.floor(Math.random() * controllers.length)]!;
      const via = k % 2 === 0 ? 'app' : 'host';
      const request =
        via === 'app'
          ? http(`${app.url}/api/control/${PROBE_ID}/${encodeURIComponent(node)}/${PROBE_ID}~${id}~${FAKE_CONTROL}`, { method: 'POST', timeoutMs: 60_000 })
          : http(`${host.url}/api/control`, { method: 'POST', body: JSON.stringify({ NodeID: node, Control: `${id}~${FAKE_CONTROL}` }), timeoutMs: 60_000 });
      inFlight.push(
        request.then(
          (r) => void done.push({ via, id, sentAt: r.sentAt, doneAt: r.doneAt, ok: r.status === 200 }),
          () => void done.push({ via, id, sentAt: Number.NaN, doneAt: Number.NaN, ok: false }),
        ),
      );
    }
    await Promise.all(inFlight);
    await logs.drain();
    const summary = (via: 'app' | 'host'): { failed: number; roundTrip: Dist; plugin: Dist; overhead: Dist } => {
      const rtt: number[] = [];
      const own: number[] = [];
      const overhead: number[] = [];
      const mine = done.filter((d) => d.via === via);
      for (const d of mine) {
        if (!d.ok) continue;
        const entry = logs.log(d.id).find((e) => e.path === '/control' && e.arrive >= d.sentAt - SKEW_MS && e.arrive <= d.doneAt + SKEW_MS);
        const t = entry ? entry.finish - entry.arrive : 0;
        rtt.push(d.doneAt - d.sentAt);
        own.push(t);
        overhead.push(d.doneAt - d.sentAt - t);
      }
      return { failed: mine.filter((d) => !d.ok).length, roundTrip: dist(rtt), plugin: dist(own), overhead: dist(overhead) };
    };
    const fmt = (d: Dist) => `p50 ${d.p50.toFixed(1)} p99 ${d.p99.toFixed(1)} max ${d.max.toFixed(1)} ms (n=${d.n})`;
    console.log(`${new Date(epochNow()).toISOString()} ${s.plugins} plugins (1 % hung, 1 % slow), ${clicks} clicks per path`);
    for (const via of ['app', 'host'] as const) {
      const r = summary(via);
      console.log(
        `${via === 'app' ? 'through the Scope app' : 'POST /api/control'}: failed ${r.failed}; round trip ${fmt(r.roundTrip)}; minus plugin ${fmt(r.overhead)}`,
      );
    }
    logs.stop();
  } finally {
    await host.stop();
  }
} finally {
  await fleet.stop();
  await app.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(0);
