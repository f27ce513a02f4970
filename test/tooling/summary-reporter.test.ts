/**
 * scripts/summary-reporter.mjs, the closing line CI reads: a suite is not a test, but a suite
 * skipped whole runs none of its tests, so it counts as one skipped; otherwise a run whose suites
 * all skipped would close on "0 passed, 0 failed, 0 skipped".
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the closing line counts passes, failures and skips, a suite skipped whole as one', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_TEST_CONTEXT']; // else the nested runner would report to this file's runner
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=./scripts/summary-reporter.mjs', 'test/fixtures/runner/skips.test.mjs'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  assert.equal(stdout.trimEnd().split('\n').at(-1), '1 passed, 0 failed, 3 skipped');
});
