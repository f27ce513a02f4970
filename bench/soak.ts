/**
 * Soak: `npm run soak -- --minutes N` (default 10). Not part of CI.
 *
 * 3000 fake plugins (bench/fleet, ~1 % hung) and the built host (`dist/main/cli.js`), each in its
 * own process. Every second a few plugins appear, a few vanish and a few restart at the same path
 * (new socket inode); new ones hang with the same ~1 % chance. Every `--check-every` seconds the
 * churn pauses and the soak checks, from outside the host:
 *   - `/api/plugins` lists exactly the sockets on disk once the rescan settled: none lost, none
 *     duplicated, none stale (a mismatch is a socket still differing after 2 rescan intervals + 5 s);
 *   - the host's RSS (/proc/<pid>/status), sampled every second, whose trend must be flat: the mean
 *     of the last third of the run is compared with the middle third (the first third is warm-up);
 *   - the host process is still the same one (restarts = 0) and how many shard workers restarted;
 * and prints one progress line. It ends with a summary and exits 1 if a check failed.
 *
 * The host publishes to a real Scope app every 3 s when upstream's binary is found (as the tests
 * find it), so a publish's snapshot, build and send are soaked too; `--no-app` leaves it out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fakeId, startFleet, type PluginSpec } from './fleet/client.js';
import { scopeBinary } from '../test/helpers/scope-binary.js';
import { startScopeApp, type ScopeProcess } from './harness/scope-processes.js';
import { freePort, startHost, type Target } from './harness/targets.js';
import { closeHttp, getJson } from './measure/http.js';
import { readMemory } from './measure/proc.js';

interface Row {
  id: string;
  socket: string;
  status?: string;
}

const MiB = 1024 * 1024;
const RESCAN_MS = 5_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    plugins: { type: 'string', default: '3000' },
    churn: { type: 'string', default: '5' },
    'hung-percent': { type: 'string', default: '1' },
    'check-every': { type: 'string', default: '20' },
    'no-app': { type: 'boolean', default: false },
  },
  strict: true,
});
const minutes = Number(values.minutes);
const pluginCount = Number(values.plugins);
/** Per second: this many plugins added, this many removed, this many restarted. */
const churn = Number(values.churn);
const hungFraction = Number(values['hung-percent']) / 100;
const checkEveryMs = Number(values['check-every']) * 1000;
for (const [name, v] of Object.entries({ minutes, pluginCount, churn, hungFraction, checkEveryMs })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: expected a non-negative number`);
}

const work = mkdtempSync(join(tmpdir(), 'sph-soak-'));
const root = join(work, 'p');
let nextIndex = 0;
const live = new Map<string, PluginSpec>();
const newSpec = (): PluginSpec => ({ id: fakeId(nextIndex++), hang: Math.random() < hungFraction });
const pick = <T>(from: T[], n: number): T[] => {
  const out: T[] = [];
  for (let i = 0; i < n && from.length > 0; i++) out.push(from.splice(Math.floor(Math.random() * from.length), 1)[0]!);
  return out;
};

/** Every socket below the root, as the host's discovery should see it. */
function socketsOnDisk(): Set<string> {
  const found = new Set<string>();
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (d.isSocket()) found.add(join(d.parentPath, d.name));
  }
  return found;
}

interface Compare {
  disk: number;
  /** On disk, not listed (lost). */
  missing: string[];
  /** Listed, not on disk (stale). */
  extra: string[];
  /** Listed more than once. */
  duplicated: string[];
  rows: Row[];
}

function compare(disk: Set<string>, rows: Row[]): Compare {
  const listed = new Set<string>();
  const duplicated: string[] = [];
  for (const r of rows) {
    if (listed.has(r.socket)) duplicated.push(r.socket);
    else listed.add(r.socket);
  }
  return {
    disk: disk.size,
    missing: [...disk].filter((s) => !listed.has(s)),
    extra: [...listed].filter((s) => !disk.has(s)),
    duplicated,
    rows,
  };
}

const fmt = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<number> {
  console.log(
    `soak: ${minutes} min, ${pluginCount} plugins, churn ${churn} add + ${churn} remove + ${churn} restart per second, ~${hungFraction * 100}% hung, root ${root}`,
  );
  const initial = Array.from({ length: pluginCount }, newSpec);
  for (const s of initial) live.set(s.id, s);
  const fleet = startFleet({ root, plugins: initial });
  let host: Target | undefined;
  let app: ScopeProcess | null = null;
  const rss: { t: number; bytes: number }[] = [];
  let sampler: NodeJS.Timeout | undefined;
  const events = { added: 0, removed: 0, restarted: 0, failedOps: 0 };
  let mismatches = 0;
  let hostRestarts = 0;
  let maxNotOk = 0;
  try {
    const ready = await fleet.ready;
    console.log(`fleet: ${ready.ids.length} plugins listening in ${(ready.listenMs / 1000).toFixed(1)} s (pid ${fleet.pid})`);
    const bin = values['no-app'] ? null : scopeBinary();
    if (bin && 'path' in bin) app = await startScopeApp(bin.path, await freePort(), join(work, 'app.log'));
    console.log(app ? `app: publishing every 3 s to ${app.url}` : `app: none${bin && 'skip' in bin ? ` (${bin.skip})` : ''}; the host publishes nowhere`);
    const settings = { pollIntervalMs: 1000, timeoutMs: 500, rescanIntervalMs: RESCAN_MS };
    host = await startHost({ root, workDir: work, settings, appUrl: app?.url }, 'soak-host');
    const hostPid = host.pid;
    const url = host.url;
    console.log(`host: pid ${hostPid}, ${url}`);
    const rows = (): Promise<Row[]> => getJson<Row[]>(`${url}/api/plugins`, 30_000);
    const alive = (): boolean => {
      try {
        readMemory(hostPid);
        return true;
      } catch {
        return false;
      }
    };

    /** Waits until the API matches the disk; returns the last comparison and how long it took. */
    const settle = async (): Promise<{ c: Compare; ms: number }> => {
      const t0 = Date.now();
      let c: Compare;
      do {
        c = compare(socketsOnDisk(), await rows());
        if (c.missing.length + c.extra.length + c.duplicated.length === 0) break;
        await sleep(500);
      } while (Date.now() - t0 < 2 * RESCAN_MS + 5_000);
      return { c, ms: Date.now() - t0 };
    };

    const warm = await settle();
    console.log(`warm-up: API matches disk after ${(warm.ms / 1000).toFixed(1)} s (${warm.c.rows.length} plugins)`);
    sampler = setInterval(() => {
      try {
        rss.push({ t: Date.now(), bytes: readMemory(hostPid).rss });
      } catch {
        // the host is gone: the next check reports it
      }
    }, 1000);

    const started = Date.now();
    const endAt = started + minutes * 60_000;
    let nextCheck = started + checkEveryMs;
    while (Date.now() < endAt) {
      const tick = Date.now();
      // One churn step: remove some, restart some (same id and path, new socket), add new ones.
      const candidates = [...live.keys()];
      const gone = pick(candidates, churn);
      const restart = pick(candidates, churn).map((id) => live.get(id)!);
      const fresh = Array.from({ length: churn }, newSpec);
      try {
        await fleet.removePlugins([...gone, ...restart.map((s) => s.id)]);
        for (const id of gone) live.delete(id);
        const added = await fleet.addPlugins([...restart, ...fresh]);
        events.failedOps += added.failed.length;
        for (const s of fresh) if (added.ids.includes(s.id)) live.set(s.id, s);
        events.removed += gone.length;
        events.restarted += restart.length;
        events.added += fresh.length;
      } catch (err) {
        events.failedOps++;
        console.log(`churn step failed: ${(err as Error).message}`);
      }

      if (!alive()) {
        hostRestarts++;
        console.log('FAIL: the host process is gone');
        break;
      }
      if (Date.now() >= nextCheck) {
        const { c, ms } = await settle();
        const bad = c.missing.length + c.extra.length + c.duplicated.length;
        if (bad > 0) {
          mismatches++;
          console.log(
            `MISMATCH: missing ${c.missing.slice(0, 5).join(' ')} extra ${c.extra.slice(0, 5).join(' ')} duplicated ${c.duplicated.slice(0, 5).join(' ')}`,
          );
        }
        const ok = c.rows.filter((r) => r.status === 'ok').length;
        const errors = c.rows.filter((r) => r.status?.startsWith('error')).length;
        const hung = [...live.values()].filter((s) => s.hang).length;
        maxNotOk = Math.max(maxNotOk, c.rows.length - ok - hung);
        const now = rss.at(-1)?.bytes ?? Number.NaN;
        const elapsed = (Date.now() - started) / 1000;
        console.log(
          `[${(elapsed / 60).toFixed(1)} min] plugins ${c.rows.length} (disk ${c.disk}), ok ${ok}, error ${errors}, ` +
            `pending ${c.rows.length - ok - errors}, hung ${hung}; settled in ${(ms / 1000).toFixed(1)} s; host RSS ${fmt(now)}; ` +
            `churn +${events.added} -${events.removed} ~${events.restarted}; mismatches ${mismatches}`,
        );
        nextCheck = Date.now() + checkEveryMs;
      }
      await sleep(Math.max(0, 1000 - (Date.now() - tick)));
    }

    // Summary.
    const duration = (Date.now() - started) / 1000;
    const bytes = rss.map((s) => s.bytes);
    const third = Math.floor(bytes.length / 3);
    const middle = mean(bytes.slice(third, 2 * third));
    const last = mean(bytes.slice(2 * third));
    const flat = bytes.length >= 3 && last <= middle * 1.1 + 20 * MiB;
    const log = readFileSync(join(work, 'soak-host.log'), 'utf8');
    const count = (msg: string): number => log.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
    const workerRestarts = count('shard worker crashed; restarting');
    console.log('\n── soak summary ──');
    console.log(
      `duration ${(duration / 60).toFixed(1)} min; churn events: ${events.added} added, ${events.removed} removed, ${events.restarted} restarted (${events.failedOps} fleet ops failed)`,
    );
    console.log(
      `host RSS: start ${fmt(bytes[0] ?? NaN)}, mid ${fmt(bytes[Math.floor(bytes.length / 2)] ?? NaN)}, end ${fmt(bytes.at(-1) ?? NaN)}, ` +
        `peak ${fmt(Math.max(...bytes))}; mean middle third ${fmt(middle)}, mean last third ${fmt(last)} → ${flat ? 'flat' : 'GROWING'}`,
    );
    console.log(`API vs disk mismatches: ${mismatches}; max non-ok non-hung plugins at a check: ${maxNotOk}`);
    console.log(`host restarts: ${hostRestarts}; shard worker restarts: ${workerRestarts}; "plugin failing" warnings: ${count('plugin failing')}`);
    const pass = flat && mismatches === 0 && hostRestarts === 0 && workerRestarts === 0;
    console.log(pass ? 'PASS' : 'FAIL');
    return pass ? 0 : 1;
  } finally {
    if (sampler) clearInterval(sampler);
    await host?.stop();
    await app?.stop();
    await fleet.stop();
    closeHttp();
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
