// Loaded with --import by `npm test`: a test file's process that is still running GRACE_MS after
// its last test ended fails, naming what keeps it alive. `--test-timeout` alone does not bound
// such a process on every release (Node 24 times out the test, then waits for the process), and
// `--test-force-exit` loses the closing summary line on Node 20 and 22.
import { isMainThread } from 'node:worker_threads';

// TEST_FILE_EXIT_GRACE_MS: for the test of this file (test/tooling/test-runner-options.test.ts).
const GRACE_MS = Number(process.env.TEST_FILE_EXIT_GRACE_MS ?? 20_000);
const isTestFileProcess = isMainThread && process.env.NODE_TEST_CONTEXT !== undefined && /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '');

if (isTestFileProcess) {
  const { after } = await import('node:test');
  after(() => {
    setTimeout(() => {
      const alive = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      process.stderr.write(`${process.argv[1]}: still running ${GRACE_MS / 1000} s after its last test ended (active: ${alive.join(', ')})\n`);
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
