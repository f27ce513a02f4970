/**
 * The test runner's own options (package.json "test:run": reporters, --test-timeout and
 * scripts/test-file-exit.mjs) on the Node release that runs the tests: a nested run of fixture
 * files, one that passes, one whose test waits for a process that never ends and one whose process
 * never ends after its test passed, finishes in bounded time, fails, and still ends with the
 * closing line CI reads. Node 20, 22 and 24 differ here: see scripts/test-file-exit.mjs. And what
 * that closing line counts (scripts/summary-reporter.mjs).
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

/** A nested test run from the project's root, killed after a minute. */
function runNested(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env['NODE_TEST_CONTEXT']; // else the nested runner would report to this file's runner
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const started = performance.now();
  const { code, stdout, stderr } = await runNested([...nested, ...FIXTURES], { TEST_FILE_EXIT_GRACE_MS: String(GRACE_MS) });
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

test('the closing line counts passes, failures and skips, a suite skipped whole as one', async () => {
  // A suite is not a test, but one skipped whole runs none of its tests; otherwise a run whose
  // suites all skipped would close on "0 passed, 0 failed, 0 skipped".
  const { stdout, stderr } = await runNested(['--test', '--test-reporter=./scripts/summary-reporter.mjs', 'test/fixtures/runner/skips.test.mjs']);
  assert.equal(stdout.trimEnd().split('\n').at(-1), '1 passed, 0 failed, 3 skipped', `${stdout}\n${stderr}`);
});
