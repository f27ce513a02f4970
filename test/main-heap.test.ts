/**
 * The main thread's small young generation stays on the main thread (src/main/main-heap.ts): in a
 * real node process started with MAIN_THREAD_NODE_FLAGS, a worker started before the reset gets
 * main's 1 MB semi-spaces (V8 applies the flag to every isolate), and workers started after it get
 * V8's default or their own resourceLimits. Read back from each thread's V8 heap statistics.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { MAIN_THREAD_NODE_FLAGS } from '../src/main/main-heap.js';

/**
 * Runs in the child: the young generation, MB, each worker's isolate was created with. Read from
 * V8 inside the worker (heap limit minus old-generation limit): `worker.resourceLimits` shows the
 * requested size, not the one a command-line flag imposed.
 */
const PROBE = `
import { Worker } from 'node:worker_threads';
const { keepSemiSpaceFlagToMainThread } = await import(process.argv[1]);
const young = (limits) => new Promise((resolve, reject) => {
  const w = new Worker(
    "import { parentPort } from 'node:worker_threads'; import { getHeapStatistics } from 'node:v8';" +
      'parentPort.postMessage(getHeapStatistics().heap_size_limit / 1048576);',
    { eval: true, ...(limits ? { resourceLimits: limits } : {}) },
  );
  w.once('message', (heapMb) => { resolve(heapMb - w.resourceLimits.maxOldGenerationSizeMb); void w.terminate(); });
  w.once('error', reject);
});
const before = await young();
const reset = keepSemiSpaceFlagToMainThread();
const after = await young();
const own = await young({ maxYoungGenerationSizeMb: 12 });
console.log(JSON.stringify({ reset, before, after, own }));
`;

function probe(nodeFlags: readonly string[]): { reset: boolean; before: number; after: number; own: number } {
  const moduleUrl = new URL('../dist/main/main-heap.js', import.meta.url).href;
  const out = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', PROBE, moduleUrl], { encoding: 'utf8' });
  return JSON.parse(out);
}

test('started with MAIN_THREAD_NODE_FLAGS: workers started after the reset size their own young generation', () => {
  const r = probe(MAIN_THREAD_NODE_FLAGS);
  assert.equal(r.reset, true);
  assert.equal(r.before, 3, "before the reset a worker gets main's 1 MB semi-spaces (3 MB young generation)");
  assert.ok(r.after >= 24, `after it, V8's default (48 MB on 64-bit): ${r.after}`);
  assert.equal(r.own, 12, 'and a worker with resourceLimits gets its own');
});

test('started without the flags: nothing is reset', () => {
  const r = probe([]);
  assert.equal(r.reset, false);
  assert.equal(r.before, r.after);
  assert.equal(r.own, 12);
});
