/**
 * A plugin with write access below the plugin root creates thousands of empty directories: the
 * real host process (as `npm start` runs it) must not grow without bound, must give the memory
 * back when they are deleted, and must say when its watch cap is reached (a log line and a
 * metric). Bounds sit above what the host needs (docs/decisions/080-discovery-scans.md) and far
 * below what a watch on every directory costs: 20,000 directories used to add about 210 MB of RSS
 * and keep it after deletion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHostProcess } from '../helpers/host-process.js';
import { metric, rss, settledRss } from '../helpers/process-memory.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const DIRS = 20_000;
const CAP = 5000;
const MB = 1048576;

test(`${DIRS} empty directories: bounded RSS, returned after deletion, the watch cap logged and counted`, { timeout: 240_000 }, async (t) => {
  const dir = await tempDir('sph-hd-');
  t.after(dir.cleanup);
  const root = join(dir.path, 'plugins');
  mkdirSync(root);
  const configFile = join(dir.path, 'config.json');
  writeFileSync(configFile, JSON.stringify({ maxWatchedDirs: CAP }));
  const host = await startHostProcess(['--plugins-root', root, '--config', configFile, '--log-level', 'info'], { measuredMemory: true });
  t.after(() => host.stop());

  const idle = await settledRss(host.pid);
  for (let i = 0; i < DIRS; i++) mkdirSync(join(root, `d${i}`));
  const full = await settledRss(host.pid);
  assert.ok(full - idle < 120 * MB, `RSS grew by ${((full - idle) / MB).toFixed(0)} MB for ${DIRS} empty directories`);
  await waitFor('the cap is reached', async () => (await metric(host.url, 'scope_plugin_host_discovery_watched_directories')) === CAP, 30_000, 500);
  const refused = (await metric(host.url, 'scope_plugin_host_discovery_watch_refused_total')) ?? 0;
  const capLines = host.logs.filter((l) => String(l.msg).startsWith('watched directory cap reached (maxWatchedDirs)'));
  t.diagnostic(`RSS idle ${(idle / MB).toFixed(0)} MB, with ${DIRS} directories ${(full / MB).toFixed(0)} MB; ${refused} refused`);

  assert.ok(refused >= DIRS - CAP, `refusals counted: ${refused}`);
  assert.equal(capLines.length, 1, 'the cap is logged once');
  assert.equal(capLines[0]?.['maxWatchedDirs'], CAP);

  for (let i = 0; i < DIRS; i++) rmSync(join(root, `d${i}`), { recursive: true });
  // Watches go with their directories; any whose event was lost expire within a minute.
  await waitFor('no directory watched', async () => (await metric(host.url, 'scope_plugin_host_discovery_watched_directories')) === 0, 90_000, 500);
  // What the watches held is freed at once; V8 gives back the heap pages that scans used at its
  // own pace, later on a busy machine (Node 20 in CI: over 30 s), so the bound leaves room for them.
  const emptied = await waitFor('RSS back within 80 MB of idle', () => rss(host.pid) - idle < 80 * MB && rss(host.pid), 90_000, 1000).catch(() =>
    rss(host.pid),
  );
  t.diagnostic(`RSS after deleting them ${(emptied / MB).toFixed(0)} MB`);
  assert.ok(emptied - idle < 80 * MB, `RSS still ${((emptied - idle) / MB).toFixed(0)} MB above idle after the directories were deleted`);
});
