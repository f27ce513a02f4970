/**
 * The builder's task (src/workers/report-task.ts) in a real worker thread: once a build's result
 * is handed back, the thread collects that build's garbage and gives back its young generation,
 * instead of keeping both until the next publish makes it allocate again. Getting V8's collector
 * must not give `gc` to other contexts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { workerTarget } from '../../../src/shared/worker-url.js';

const MB = 1024 * 1024;

interface Idle {
  afterBuild: number;
  idle: number;
  newSpaceAfterBuild: number;
  newSpaceIdle: number;
  gcInNewContext: string;
  gcHere: string;
}

test('after a build the builder thread collects its garbage before it idles', async () => {
  // The tsx bootstrap that tests start workers through, here with the fixture as its entry.
  const { file } = workerTarget('report-task');
  const entry = new URL('../../fixtures/threads/build-then-idle.ts', import.meta.url);
  const worker = new Worker(file, { workerData: { __entry: entry.href, plugins: 3000 } });
  try {
    const got = await new Promise<Idle>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    // 3000 plugins × 4 reports: the decoded reports and the merged one are tens of MB right after
    // the build, and no allocation in between could have triggered V8's own collection.
    assert.ok(got.afterBuild > 40 * MB, `heap right after the build: ${(got.afterBuild / MB).toFixed(1)} MB`);
    assert.ok(got.idle < got.afterBuild / 3, `heap once idle ${(got.idle / MB).toFixed(1)} MB of ${(got.afterBuild / MB).toFixed(1)} MB`);
    // On Node 20 the collection is a plain one (src/workers/full-collection.ts), which keeps the young generation.
    if (Number(process.versions.node.split('.')[0]) >= 22) {
      assert.ok(got.newSpaceAfterBuild >= 8 * MB, `young generation after the build: ${(got.newSpaceAfterBuild / MB).toFixed(1)} MB`);
      assert.ok(got.newSpaceIdle <= 2 * MB, `young generation once idle: ${(got.newSpaceIdle / MB).toFixed(1)} MB`);
    }
    assert.equal(got.gcInNewContext, 'undefined', 'a context created afterwards has no gc');
    assert.equal(got.gcHere, 'undefined', "the thread's own global has no gc");
  } finally {
    await worker.terminate();
  }
});
