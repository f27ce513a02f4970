/**
 * What an operator sees when the command cannot start, from the real built command in a child
 * process: an empty listen host refused with the fix, a taken port in one line, every config
 * problem at once, and a handshake bound error blamed on the key the file actually set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, type CliOutcome } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function assertRefused(outcome: CliOutcome, code: number, lines: string[]): void {
  assert.equal(outcome.code, code, `exit code; stderr: ${outcome.stderr}`);
  assert.equal(outcome.stderr, lines.map((l) => `scope-plugin-host: ${l}\n`).join(''));
  assert.doesNotMatch(outcome.stdout + outcome.stderr, /\n\s+at /, 'no stack trace');
}

async function withConfig(content: unknown, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await tempDir('sph-cli-');
  try {
    const path = join(dir.path, 'sph.json');
    await writeFile(path, JSON.stringify(content));
    await body(path);
  } finally {
    await dir.cleanup();
  }
}

test('cli: --listen :4041 is refused with the two ways to write it', async () => {
  const fix = 'no host; write 127.0.0.1:4041 for this machine only, or 0.0.0.0:4041 for every interface';
  assertRefused(await runCli(['--listen', ':4041']), 2, [`--listen: bad address ":4041" (${fix})`]);
  await withConfig({ listen: ':4041' }, async (path) => {
    assertRefused(await runCli(['--config', path]), 2, [`config ${path}: listen: bad address ":4041" (${fix})`]);
  });
});

test('cli: a taken listen port is one line on stderr and exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    const outcome = await runCli(['--plugins-root', '', '--listen', `127.0.0.1:${port}`, '--log-level', 'error']);
    assertRefused(outcome, 1, [
      `cannot listen on 127.0.0.1:${port}: address already in use (another process listens there; choose another with --listen HOST:PORT)`,
    ]);
  } finally {
    taken.close();
  }
});

test('cli: a config with two errors names both, one line each, exit 2', async () => {
  await withConfig({ pollIntervalMs: 'fast', listen: 'localhost', workers: 2 }, async (path) => {
    const outcome = await runCli(['--config', path]);
    assertRefused(outcome, 2, [
      `config ${path}: pollIntervalMs: expected an integer from 1 to 2147483647, got "fast"`,
      `config ${path}: listen: bad address "localhost" (expected HOST:PORT)`,
    ]);
  });
  // Bad flags and a bad file together: all of them, flags first.
  await withConfig({ pollInterval: 5, publish: { apps: ['ftp://x'] } }, async (path) => {
    const outcome = await runCli(['--probe-id', 'XY', '--config', path]);
    assertRefused(outcome, 2, [
      '--probe-id: expected 1 to 16 lower-case hex digits, got "XY"',
      `config ${path}: unknown key "pollInterval" (did you mean "pollIntervalMs"?)`,
      `config ${path}: publish.apps[0]: expected an http(s) URL, got "ftp://x"`,
    ]);
  });
});

test('cli: retryInitialMs > retryMaxMs names the key the file set', async () => {
  await withConfig({ handshake: { retryInitialMs: 20000 } }, async (path) => {
    assertRefused(await runCli(['--config', path]), 2, [
      `config ${path}: handshake.retryInitialMs: expected an integer <= handshake.retryMaxMs (15000, its default), got 20000`,
    ]);
  });
  await withConfig({ handshake: { retryMaxMs: 500 } }, async (path) => {
    assertRefused(await runCli(['--config', path]), 2, [
      `config ${path}: handshake.retryMaxMs: expected an integer >= handshake.retryInitialMs (1000, its default), got 500`,
    ]);
  });
  // Reported together with the file's other problems, in the file's order.
  await withConfig({ handshake: { retryInitialMs: 5000, retryMaxMs: 10 }, timeoutMs: 0 }, async (path) => {
    assertRefused(await runCli(['--config', path]), 2, [
      `config ${path}: handshake.retryMaxMs: expected an integer >= handshake.retryInitialMs (5000), got 10`,
      `config ${path}: timeoutMs: expected an integer from 1 to 2147483647, got 0`,
    ]);
  });
});
