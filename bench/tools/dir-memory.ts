/**
 * Question: what does a directory under the plugin root cost the host, and is it returned when
 * the directory goes? Starts the real host (`dist/main/cli.js`, as `npm start` runs it) on an
 * empty root, reads its RSS, creates DIRS empty sub-directories (env, default 20000, comma list
 * for several sizes), waits for the RSS to settle, deletes them, waits again, and once more a
 * minute later (AFTER_MS). Run: `npm run build && node --import tsx bench/tools/dir-memory.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHostProcess } from '../../test/helpers/host-process.js';
import { metric, rss, settledRss } from '../../test/helpers/process-memory.js';

const SIZES = (process.env['DIRS'] ?? '20000').split(',').map(Number);
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;
const HEAP = 'scope_plugin_host_nodejs_heap_size_total_bytes';
const WATCHED = 'scope_plugin_host_discovery_watched_directories';

for (const dirs of SIZES) {
  const root = mkdtempSync(join(tmpdir(), 'sph-dirs-'));
  const host = await startHostProcess(['--plugins-root', root, '--log-level', 'info']);
  try {
    const idle = await settledRss(host.pid);
    for (let i = 0; i < dirs; i++) mkdirSync(join(root, `d${i}`));
    const full = await settledRss(host.pid);
    const [watched, heapFull] = [await metric(host.url, WATCHED), await metric(host.url, HEAP)];
    for (let i = 0; i < dirs; i++) rmSync(join(root, `d${i}`), { recursive: true });
    const emptied = await settledRss(host.pid);
    const heapEmptied = await metric(host.url, HEAP);
    await sleep(Number(process.env['AFTER_MS'] ?? 60_000));
    const later = rss(host.pid);
    const watchedLater = await metric(host.url, WATCHED);
    console.log(
      `${dirs} dirs: RSS idle ${mb(idle)}, with the dirs ${mb(full)} (main heap ${mb(heapFull ?? 0)}, watched ${watched ?? 'n/a'}), ` +
        `after deleting them ${mb(emptied)} (main heap ${mb(heapEmptied ?? 0)}), ${mb(later)} a minute later (watched ${watchedLater ?? 'n/a'})`,
    );
  } finally {
    await host.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
