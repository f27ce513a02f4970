/**
 * `backgroundNice` (src/workers/thread-priority.ts): a real worker thread lowers its own CPU
 * priority, read back from /proc; the thread that started it keeps its own. The worker loads the
 * built module (dist/, which `npm test` builds first): an eval'd worker has no TypeScript loader.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

/** Field 19 of /proc/<pid>/task/<tid>/stat is the nice value (after the parenthesised name). */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const linux = process.platform === 'linux';

test('a worker thread lowers its own priority; the main thread keeps its own', { skip: !linux && 'Linux only' }, async () => {
  const before = niceOf('/proc/thread-self/stat');
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { readFileSync, readlinkSync } = require('node:fs');
     import(${JSON.stringify(new URL('../../../dist/workers/thread-priority.js', import.meta.url).href)}).then(({ niceThisThread }) => {
       const error = niceThisThread(${Math.min(before + 7, 19)});
       parentPort.postMessage({ error, tid: readlinkSync('/proc/thread-self').split('/').pop() });
       setTimeout(() => {}, 500);
     });`,
    { eval: true },
  );
  try {
    const { error, tid } = await new Promise<{ error: string | null; tid: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(error, null);
    assert.equal(niceOf(`/proc/self/task/${tid}/stat`), Math.min(before + 7, 19));
    assert.equal(niceOf('/proc/thread-self/stat'), before, 'only the calling thread changes');
  } finally {
    await worker.terminate();
  }
});

test('nice 0 is a no-op and never fails', async () => {
  const { niceThisThread } = await import('../../../src/workers/thread-priority.js');
  assert.equal(niceThisThread(0), null);
});
