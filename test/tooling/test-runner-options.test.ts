/**
 * The test runner's own options (package.json "test:run": reporters, --test-timeout and
 * scripts/test-file-exit.mjs) on the Node release that runs the tests: a nested run of fixture
 * files, one that passes, one whose test waits for a process that never ends and one whose process
 * never ends after its test passed, finishes in bounded time, fails, and still ends with the
 * closing line CI reads. Node 20, 22 and 24 differ here: see scripts/test-file-exit.mjs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = ['passes', 'awaits-forever', 'never-ends'].map((name) => `test/fixtures/runner/${name}.test.mjs`);
const TIMEOUT_MS = 6_000;
const GRACE_MS = 1_000;

/** The node arguments of the "test:run" script, with the file list left off. */
function testRunArgs(): string[] {
  const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = scripts['test:run']!.split(/\s+/);
  assert.equal(words[0], 'node');
  // The file list comes last: `$(find test -name '*.test.ts' | sort)`, every depth of test/.
  const files = words.indexOf('$(find');
  assert.ok(files > 0 && words.slice(files).join(' ') === "$(find test -name '*.test.ts' | sort)", scripts['test:run']);
  // `${TEST_COVERAGE:+--experimental-test-coverage}`: coverage only where the shell's variable asks for it.
  return words.slice(1, files).filter((w) => !w.startsWith('${TEST_COVERAGE'));
}

test('the test script bounds each test, ends each file process and keeps the closing line', async () => {
  const args = testRunArgs();
  assert.ok(
    args.some((a) => /^--test-timeout=\d+$/.test(a)),
    'a per-test timeout is set',
  );
  assert.ok(args.includes('./scripts/test-file-exit.mjs'), 'file processes that do not end are failed');
  // The same options with shorter bounds, so that this test stays short.
  const nested = args.map((a) => (a.startsWith('--test-timeout=') ? `--test-timeout=${TIMEOUT_MS}` : a));
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_FILE_EXIT_GRACE_MS: String(GRACE_MS) };
  delete env['NODE_TEST_CONTEXT']; // else the nested runner would report to this file's runner
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...nested, ...FIXTURES], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(kill);
      resolve({ code: c, stdout, stderr });
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const output = `${stdout}\n${stderr}`;
  assert.ok(seconds < 45, `the run ended in ${seconds.toFixed(1)} s`);
  assert.equal(code, 1, output);
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), '3 passed, 2 failed, 0 skipped', output);
  assert.match(output, /✖ .*(waits for a child process that never exits|awaits-forever\.test\.mjs)/, 'the waiting test (or its file) failed');
  assert.match(output, /✖ .*never-ends\.test\.mjs/, 'the file whose process never ended failed');
  assert.match(output, /never-ends\.test\.mjs: still running 1 s after its last test ended \(active: .*Timeout/);
});
