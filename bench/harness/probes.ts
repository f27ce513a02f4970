/**
 * The two interactive measures, run while the fleet's steady load goes on:
 *
 * - discovery: add fresh plugin sockets to the fleet one by one at random 0.3–1 s spacing and
 *   time each from the moment we asked the fleet to listen (an upper bound of the socket's birth,
 *   by the ~1 ms the fleet needs) to (a) its first `GET /report` as the plugin saw it and (b)
 *   status `ok` in the target's `GET /api/plugins` (its own `lastOkAt`);
 * - control: fire `POST /api/control` at random controller plugins at random 50–150 ms spacing
 *   without waiting for earlier clicks (users don't), and subtract the plugin's own time (its
 *   `/control` arrive → answer, from the fleet log) from each round trip. 200 clicks, so that the
 *   p99 is a percentile: of 40 it was the slowest click, which moved between 10 and 28 ms from run
 *   to run with the same host.
 */
import { hostname } from 'node:os';
import { FAKE_CONTROL } from '../fleet/fake-report.js';
import { epochNow, http } from '../measure/http.js';
import { dist } from '../measure/stats.js';
import type { ControlResult, DiscoveryResult } from '../report/result.js';
import type { FleetLike } from './fleet-group.js';
import type { LogCollector } from './log-collector.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Tolerance for the two processes' clocks (both `timeOrigin + now()`, sub-ms apart in practice). */
const SKEW_MS = 5;
const between = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

interface PluginRow {
  readonly id: string;
  readonly status?: string;
  readonly lastOkAt?: string | null;
}

export async function discoveryProbe(
  fleet: FleetLike,
  logs: LogCollector,
  url: string,
  o: { count: number; tag: string; reportBytes: number; deadlineMs: number; onProgress?: (done: number) => void },
): Promise<DiscoveryResult> {
  // Named into the middle of the sorted order: a serial poller reaches them mid-cycle.
  const ids = Array.from({ length: o.count }, (_, k) => `fake-0499-${o.tag}${k}`);
  const addedAt = new Map<string, number>();
  const okAt = new Map<string, number>();
  let adding = true;

  const watcher = (async () => {
    let stopAt = Number.POSITIVE_INFINITY;
    for (;;) {
      if (!adding && stopAt === Number.POSITIVE_INFINITY) stopAt = epochNow() + o.deadlineMs;
      if (!adding && (okAt.size === addedAt.size || epochNow() > stopAt)) return;
      await sleep(100);
      if (addedAt.size === okAt.size) continue;
      let rows: PluginRow[];
      try {
        rows = JSON.parse((await http(`${url}/api/plugins`, { timeoutMs: 10_000 })).body) as PluginRow[];
      } catch {
        continue;
      }
      for (const row of rows) {
        if (!addedAt.has(row.id) || okAt.has(row.id) || row.status !== 'ok') continue;
        okAt.set(row.id, row.lastOkAt ? Date.parse(row.lastOkAt) : epochNow());
      }
      o.onProgress?.(okAt.size);
    }
  })();

  for (const id of ids) {
    await sleep(between(300, 1000));
    const t = epochNow();
    const added = await fleet.addPlugins([{ id, reportBytes: o.reportBytes }]);
    if (added.failed.length > 0) throw new Error(`fleet could not add ${id}: ${added.failed[0]!.message}`);
    addedAt.set(id, t);
  }
  adding = false;
  await watcher;

  await logs.drain();
  const toFirst: number[] = [];
  const toOk: number[] = [];
  for (const id of ids) {
    const t = addedAt.get(id)!;
    const first = logs.log(id).find((e) => e.path === '/report');
    if (first) toFirst.push(first.arrive - t);
    const ok = okAt.get(id);
    if (ok !== undefined) toOk.push(ok - t);
  }
  await fleet.removePlugins(ids);
  return { probes: ids.length, neverOk: ids.length - toOk.length, toFirstPollMs: dist(toFirst), toOkMs: dist(toOk) };
}

export async function controlProbe(
  logs: LogCollector,
  url: string,
  o: { controllers: readonly string[]; count: number; onProgress?: (done: number) => void },
): Promise<ControlResult> {
  if (o.controllers.length === 0) throw new Error('the control scenario needs controller plugins');
  const nodeId = `${hostname()};<host>`;
  const done: { id: string; sentAt: number; doneAt: number; ok: boolean }[] = [];
  const inFlight: Promise<void>[] = [];
  for (let k = 0; k < o.count; k++) {
    await sleep(between(50, 150));
    const id = o.controllers[Math.floor(Math.random() * o.controllers.length)]!;
    const body = JSON.stringify({ AppID: 'bench', NodeID: nodeId, Control: `${id}~${FAKE_CONTROL}`, ControlArgs: null });
    inFlight.push(
      http(`${url}/api/control`, { method: 'POST', body, timeoutMs: 60_000 }).then(
        (r) => {
          done.push({ id, sentAt: r.sentAt, doneAt: r.doneAt, ok: r.status === 200 });
          o.onProgress?.(done.length);
        },
        () => void done.push({ id, sentAt: Number.NaN, doneAt: Number.NaN, ok: false }),
      ),
    );
  }
  await Promise.all(inFlight);
  await logs.drain();
  const rtt: number[] = [];
  const plugin: number[] = [];
  const overhead: number[] = [];
  for (const d of done) {
    if (!d.ok) continue;
    const entry = logs.log(d.id).find((e) => e.path === '/control' && e.arrive >= d.sentAt - SKEW_MS && e.arrive <= d.doneAt + SKEW_MS);
    const own = entry ? entry.finish - entry.arrive : 0;
    rtt.push(d.doneAt - d.sentAt);
    plugin.push(own);
    overhead.push(d.doneAt - d.sentAt - own);
  }
  return {
    requests: done.length,
    failed: done.filter((d) => !d.ok).length,
    roundTripMs: dist(rtt),
    pluginMs: dist(plugin),
    overheadMs: dist(overhead),
  };
}
