/**
 * The exit-2 path in a real process: test/fixtures/config-cli.ts runs `loadConfigOrExit` exactly as
 * src/main/cli.ts does, so what a user sees on a bad flag or file is checked end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, type CliOutcome } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../fixtures/config-cli.ts', import.meta.url));

function runCli(args: string[]): Promise<CliOutcome> {
  return collect(spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }), 20_000);
}

/** Exit 2, nothing on stdout, exactly one line on stderr with the program prefix and no stack. */
function assertOneLineError(outcome: CliOutcome, expected: string): void {
  assert.equal(outcome.code, 2, `exit code; stderr: ${outcome.stderr}`);
  assert.equal(outcome.stdout, '');
  assert.equal(outcome.stderr, `scope-plugin-host: ${expected}\n`);
  assert.doesNotMatch(outcome.stderr, /\n\s+at /, 'no stack trace');
}

test('cli: a bad --listen exits 2 with one line naming the flag and the value', async () => {
  assertOneLineError(await runCli(['--listen', 'localhost']), '--listen: bad address "localhost" (expected HOST:PORT)');
});

test('cli: an unknown flag exits 2 with a suggestion', async () => {
  assertOneLineError(await runCli(['--plugin-root', '/x']), 'unknown flag "--plugin-root" (did you mean "--plugins-root"?)');
});

test('cli: a bad config file exits 2 naming the file, the key and the value', async () => {
  const dir = await tempDir('sph-cli-');
  try {
    const path = join(dir.path, 'sph.json');
    await writeFile(path, JSON.stringify({ pollIntervalMs: 'fast' }));
    assertOneLineError(await runCli(['--config', path]), `config ${path}: pollIntervalMs: expected an integer from 1 to 2147483647, got "fast"`);
    await writeFile(path, '{\n  "listen": "0.0.0.0:1",\n}\n');
    assertOneLineError(await runCli(['--config', path]), `config ${path}: invalid JSON at line 3 column 1: unexpected "}"`);
  } finally {
    await dir.cleanup();
  }
  assertOneLineError(await runCli(['--config', '/nope.json']), 'cannot read config /nope.json: ENOENT: no such file or directory');
});

test('cli: --help and --version print to stdout and exit 0', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.stderr, '');
  assert.match(help.stdout, /^Usage: scope-plugin-host \[--config FILE\]/);
  assert.match(help.stdout, /--log-level LEVEL/);
  const version = await runCli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^scope-plugin-host \d+\.\d+\.\d+/);
});

test('cli: good flags give the resolved config and the process continues', async () => {
  const ok = await runCli(['--listen', '[::1]:0', '--probe-id', 'beef', '--app', 'http://127.0.0.1:4040']);
  assert.equal(ok.code, 0, ok.stderr);
  const { config } = JSON.parse(ok.stdout) as { config: { listen: unknown; probeId: string; publish: { apps: string[] } } };
  assert.deepEqual(config.listen, { host: '::1', port: 0 });
  assert.equal(config.probeId, 'beef');
  assert.deepEqual(config.publish.apps, ['http://127.0.0.1:4040']);
});
