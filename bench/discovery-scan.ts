/**
 * Question: how long does one full discovery scan take with thousands of sockets, and what does
 * the watcher cost? Run: `node --import tsx bench/discovery-scan.ts` (env SOCKETS, default 3000).
 *
 * The sockets are created by a child process that exits without closing its servers, so the socket
 * files stay behind (stale sockets have the same file type; a scan never connects).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Discovery } from '../src/main/discovery/discovery.js';
import { scanSockets } from '../src/main/discovery/socket-scanner.js';

const SOCKETS = Number(process.env['SOCKETS'] ?? 3000);
const RUNS = 10;

const root = mkdtempSync(join(tmpdir(), 'sph-bench-'));
const maker = `
const net = require('node:net'); const fs = require('node:fs'); const path = require('node:path');
const [root, n] = [process.argv[1], Number(process.argv[2])]; let pending = n;
for (let i = 0; i < n; i++) {
  const dir = path.join(root, 'd' + String(i).padStart(5, '0'));
  fs.mkdirSync(dir);
  net.createServer().listen(path.join(dir, 'p' + i + '.sock'), () => { if (--pending === 0) process.exit(0); });
}`;
try {
  const made = spawnSync(process.execPath, ['-e', maker, root, String(SOCKETS)], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error(`socket maker failed: ${made.status}`);

  const ms = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const baseline = ms(() => readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isSocket()));

  const times: number[] = [];
  const busy: number[] = [];
  let found = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const result = await scanSockets(root);
    const dt = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0);
    found = result.sockets.length;
    if (i > 0) {
      // the first run warms the dentry cache and the JIT
      times.push(dt);
      busy.push(elu.active);
    }
  }
  busy.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? NaN;

  const rssBefore = process.memoryUsage().rss;
  const discovery = new Discovery({ root, rescanIntervalMs: 60_000, logger: pino({ level: 'silent' }), onDiff: () => {} });
  const t0 = performance.now();
  await discovery.start();
  const startMs = performance.now() - t0;
  // Give the directory watches time to settle.
  await new Promise((r) => setTimeout(r, 3000));
  const rssWatch = process.memoryUsage().rss;
  await discovery.close();

  const fmt = (n: number): string => n.toFixed(1);
  console.log(
    JSON.stringify({
      sockets: SOCKETS,
      directories: readdirSync(root).length + 1,
      found,
      scanMs: { min: fmt(times[0] ?? NaN), median: fmt(median), max: fmt(times.at(-1) ?? NaN) },
      // Main-thread time the scan occupies (the rest is waiting on libuv's fs threads).
      mainThreadBusyMedianMs: fmt(busy[Math.floor(busy.length / 2)] ?? NaN),
      readdirSyncRecursiveBaselineMs: fmt(baseline),
      discoveryStartMs: fmt(startMs),
      watcherRssMB: fmt((rssWatch - rssBefore) / 2 ** 20),
    }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
