/**
 * The main thread's small young generation stays on the main thread (src/main/main-heap.ts): in a
 * real node process started with HOST_NODE_FLAGS, a worker started before the reset gets
 * main's 1 MB semi-spaces (V8 applies the flag to every isolate), and workers started after it get
 * V8's default or their own resourceLimits. Read back from each thread's V8 heap statistics. And the
 * CLI starts with those flags through its shebang on the Node release that runs the tests.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HOST_PROCESS_ENV, HOST_NODE_FLAGS } from '../../../src/main/main-heap.js';

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
  const moduleUrl = new URL('../../../dist/main/main-heap.js', import.meta.url).href;
  const out = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', PROBE, moduleUrl], { encoding: 'utf8' });
  return JSON.parse(out);
}

test('started with HOST_NODE_FLAGS: workers started after the reset size their own young generation', () => {
  const r = probe(HOST_NODE_FLAGS);
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

test('the CLI starts through its shebang on this release, with the flags and environment `npm start` passes, and serves a report', async () => {
  const cli = fileURLToPath(new URL('../../../dist/main/cli.js', import.meta.url));
  const shebang = /^#!\/usr\/bin\/env -S ((?:\S+=\S* )*node(?: \S+)*)\n/.exec(readFileSync(cli, 'utf8'));
  assert.ok(shebang, 'cli.js starts with "#!/usr/bin/env -S [NAME=value ...] node ..."');
  const words = shebang[1]!.split(' ');
  const nodeAt = words.indexOf('node');
  const assignments = words.slice(0, nodeAt).join(' ');
  const expected = Object.entries(HOST_PROCESS_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  assert.equal(assignments, expected);
  assert.deepEqual(words.slice(nodeAt + 1), HOST_NODE_FLAGS);
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  assert.ok(pkg.scripts['start']!.endsWith(`${expected} node ${HOST_NODE_FLAGS.join(' ')} dist/main/cli.js`), pkg.scripts['start']);

  // As the kernel runs the file; `env` finds the node of this release first on PATH.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` };
  const args = ['-S', shebang[1]!, cli, '--listen', '127.0.0.1:0', '--plugins-root', '', '--log-level', 'info'];
  const child = spawn('/usr/bin/env', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const lines = createInterface({ input: child.stdout });
    let url: string | undefined;
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'scope-plugin-host ready') {
        url = entry.url;
        break;
      }
    }
    assert.ok(url, `ready line; stderr: ${stderr}`);
    // `env` execs node in its own process: the running host has the environment.
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    for (const [k, v] of Object.entries(HOST_PROCESS_ENV)) assert.ok(environ.includes(`${k}=${v}`), `${k}=${v} in the host's environment`);
    const res = await fetch(`${url}/api/report`);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { Plugins: unknown[] }).Plugins, []);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
  }
});
