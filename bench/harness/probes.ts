/**
 * The two interactive measures, run while the fleet's steady load goes on:
 *
 * - discovery: add fresh plugin sockets to the fleet one by one at random 0.3–1 s spacing and
 *   time each from the moment we asked the fleet to listen (an upper bound of the socket's birth,
 *   by the ~1 ms the fleet needs) to (a) its first `GET /report` as the plugin saw it and (b)
 *   status `ok` in the target's `GET /api/plugins` (its own `lastOkAt`); upstream's probe has no
 *   such list, so there (b) is the end of the plugin's first answered `GET /report`;
 * - control: fire `POST /api/control` at random controller plugins at random 50–150 ms spacing
 *   without waiting for earlier clicks (users don't), and subtract the plugin's own time (its
 *   `/control` arrive → answer, from the fleet log) from each round trip. 200 clicks, so that the
 *   p99 is a percentile: of 40 it was the slowest click, which moved between 10 and 28 ms from run
 *   to run with the same host. The host is clicked through its own `POST /api/control`; upstream's
 *   probe as its users click it, through the app (`POST /api/control/{probe}/{node}/{control}`,
 *   app → control websocket → probe → plugin).
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

/** When the plugin's first `GET /report` was answered (200), from its fleet log; undefined if not yet. */
export function firstOkAt(log: readonly { path: string; status: number; finish: number }[]): number | undefined {
  return log.find((e) => e.path === '/report' && e.status === 200)?.finish;
}

/** `url`: the target's API for `GET /api/plugins`; null reads "ok" from the fleet log instead. */
export async function discoveryProbe(
  fleet: FleetLike,
  logs: LogCollector,
  url: string | null,
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
      if (url === null) {
        await logs.drain();
        for (const id of addedAt.keys()) {
          const t = okAt.has(id) ? undefined : firstOkAt(logs.log(id));
          if (t !== undefined) okAt.set(id, t);
        }
        o.onProgress?.(okAt.size);
        continue;
      }
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

/** The click for one controller: the host's own API, or upstream's route through the app. */
export function controlRequest(
  via: { readonly targetUrl: string } | { readonly appUrl: string; readonly probeId: string },
  nodeId: string,
  pluginId: string,
): { url: string; body: string } {
  if ('targetUrl' in via) {
    return {
      url: `${via.targetUrl}/api/control`,
      body: JSON.stringify({ AppID: 'bench', NodeID: nodeId, Control: `${pluginId}~${FAKE_CONTROL}`, ControlArgs: null }),
    };
  }
  // The app's UI encodes the probe and node ids, not the control id (`<plugin>~<control>`).
  return { url: `${via.appUrl}/api/control/${encodeURIComponent(via.probeId)}/${encodeURIComponent(nodeId)}/${pluginId}~${FAKE_CONTROL}`, body: '' };
}

export async function controlProbe(
  logs: LogCollector,
  via: { readonly targetUrl: string } | { readonly appUrl: string; readonly probeId: string },
  o: { controllers: readonly string[]; count: number; onProgress?: (done: number) => void },
): Promise<ControlResult> {
  if (o.controllers.length === 0) throw new Error('the control scenario needs controller plugins');
  const nodeId = `${hostname()};<host>`;
  const done: { id: string; sentAt: number; doneAt: number; ok: boolean }[] = [];
  const inFlight: Promise<void>[] = [];
  for (let k = 0; k < o.count; k++) {
    await sleep(between(50, 150));
    const id = o.controllers[Math.floor(Math.random() * o.controllers.length)]!;
    const req = controlRequest(via, nodeId, id);
    inFlight.push(
      http(req.url, { method: 'POST', body: req.body, timeoutMs: 60_000 }).then(
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
