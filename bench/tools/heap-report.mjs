/**
 * Preloaded into every thread of a host under `bench/tools/budget.ts` (`node --import`; worker
 * threads inherit it): once a second each thread writes its V8 heap statistics to
 * `$BUDGET_DIR/<pid>-<threadId>.json`, so the budget can split the process's memory by thread.
 * Plain JS because the host runs without a TypeScript loader.
 */
import { readlinkSync, writeFileSync } from 'node:fs';
import { getHeapCodeStatistics, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { isMainThread, threadId, workerData } from 'node:worker_threads';

const dir = process.env.BUDGET_DIR;
if (dir) {
  const role = isMainThread ? 'main' : workerData && typeof workerData === 'object' && 'protocolVersion' in workerData ? 'shard' : 'pool';
  const file = `${dir}/${process.pid}-${threadId}.json`;
  // `/proc/thread-self` links to `<pid>/task/<tid>`: the tid matches the thread's CPU in /proc.
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  const write = () => {
    try {
      writeFileSync(
        file,
        JSON.stringify({ threadId, tid, role, at: Date.now(), heap: getHeapStatistics(), spaces: getHeapSpaceStatistics(), code: getHeapCodeStatistics() }),
      );
    } catch {
      // the budget is a measurement aid; never disturb the thread
    }
  };
  write();
  setInterval(write, 1000).unref();
}
