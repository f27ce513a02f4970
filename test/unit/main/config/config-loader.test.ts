import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, loadConfig, randomProbeId } from '../../../../src/main/config-loader.js';
import type { LoadResult } from '../../../../src/main/config-loader.js';
import { DEFAULTS } from '../../../../src/main/config/schema.js';
import type { HostConfig } from '../../../../src/main/config/schema.js';
import { tempDir } from '../../../helpers/tmp.js';

const env = { availableParallelism: 3, randomProbeId: () => '0123456789abcdef' };

async function run(argv: string[]): Promise<HostConfig> {
  const result: LoadResult = await loadConfig(argv, env);
  assert.equal(result.kind, 'run');
  if (result.kind !== 'run') throw new Error('unreachable');
  return result.config;
}

/** Writes `content` (an object is JSON-encoded) to a temp file, runs `fn(path)`, cleans up. */
async function withFile<T>(content: unknown, fn: (path: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir('sph-cfg-');
  try {
    const path = join(dir.path, 'sph.json');
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return await fn(path, dir.path);
  } finally {
    await dir.cleanup();
  }
}

/** Asserts that loading fails with a ConfigError on one line naming key and value. */
async function rejects(argv: string[], expected: { key: string; message: string | RegExp; value?: unknown }): Promise<ConfigError> {
  let caught: unknown;
  try {
    await loadConfig(argv, env);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.key, expected.key);
  if (typeof expected.message === 'string') assert.equal(caught.message, expected.message);
  else assert.match(caught.message, expected.message);
  if ('value' in expected) assert.deepEqual(caught.value, expected.value);
  assert.ok(!caught.message.includes('\n'), `one line: ${JSON.stringify(caught.message)}`);
  return caught;
}

test('defaults: no flags, no file gives every documented default', async () => {
  const config = await run([]);
  assert.deepEqual(config, {
    pluginsRoot: '/var/run/scope/plugins',
    listen: { host: '127.0.0.1', port: 4041 },
    probeId: '0123456789abcdef',
    apiVersion: '1',
    pollIntervalMs: 1000,
    timeoutMs: 500,
    maxResponseBytes: 52_428_800,
    maxNodesPerReport: 20_000,
    pollSlotMs: 50,
    rescanIntervalMs: 5000,
    maxWatchedDirs: 10000,
    workers: 3,
    pluginsPerWorker: 3000,
    maxConcurrentPollsPerWorker: 128,
    backgroundNice: 10,
    handshake: { retryInitialMs: 1000, retryMaxMs: 15_000 },
    failureBackoffMaxMs: 10_000,
    logLevel: 'info',
    publish: { apps: [], intervalMs: 3000, token: undefined, timeoutMs: 12_000, queueSize: 2, besideProbe: false },
    metrics: { perPlugin: false },
  });
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.listen) && Object.isFrozen(config.publish.apps));
  assert.ok(Object.isFrozen(DEFAULTS.publish.apps));
});

test('defaults: workers follow available parallelism, clamped to 1..64', async () => {
  assert.equal(((await loadConfig([], { ...env, availableParallelism: 200 })) as { config: HostConfig }).config.workers, 64);
  assert.equal(((await loadConfig([], { ...env, availableParallelism: 0 })) as { config: HostConfig }).config.workers, 1);
});

test('defaults: the random probe ID is 16 lower-case hex digits within int63 and differs per start', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const id = randomProbeId();
    assert.match(id, /^[0-7][0-9a-f]{15}$/);
    ids.add(id);
  }
  assert.ok(ids.size > 45);
  const result = await loadConfig([]);
  assert.equal(result.kind, 'run');
  if (result.kind === 'run') assert.match(result.config.probeId, /^[0-9a-f]{16}$/);
});

test('file: every key is read, nested objects too; $schema is ignored', async () => {
  const file = {
    $schema: '../schema/config.schema.json',
    pluginsRoot: '/srv/plugins',
    listen: '[::1]:0',
    probeId: 'abc',
    apiVersion: '1',
    pollIntervalMs: 250,
    timeoutMs: 100,
    maxResponseBytes: 1024,
    maxNodesPerReport: 500,
    pollSlotMs: 10,
    rescanIntervalMs: 60_000,
    maxWatchedDirs: 50,
    workers: 4,
    pluginsPerWorker: 20,
    maxConcurrentPollsPerWorker: 8,
    backgroundNice: 0,
    handshake: { retryInitialMs: 10, retryMaxMs: 20 },
    failureBackoffMaxMs: 4000,
    logLevel: 'debug',
    publish: {
      apps: ['http://127.0.0.1:4040', 'https://scope.example:443/base'],
      intervalMs: 1000,
      token: 's3cret',
      timeoutMs: 5000,
      queueSize: 5,
      besideProbe: true,
    },
    metrics: { perPlugin: true },
  };
  const config = await withFile(file, (path) => run(['--config', path]));
  const { $schema: _ignored, ...rest } = file;
  assert.deepEqual(config, { ...rest, listen: { host: '::1', port: 0 } });
  assert.ok(!('$schema' in config));
});

test('file: a partial nested object keeps the defaults of its other keys', async () => {
  const config = await withFile({ publish: { token: 't' }, handshake: { retryMaxMs: 2000 } }, (path) => run(['-c', path]));
  assert.deepEqual(config.publish, { ...DEFAULTS.publish, apps: [], token: 't' });
  assert.deepEqual(config.handshake, { retryInitialMs: 1000, retryMaxMs: 2000 });
});

test('file: a relative pluginsRoot is resolved against the file directory, "" stays "" (plugins off)', async () => {
  await withFile({ pluginsRoot: 'plugins' }, async (path, dir) => {
    assert.equal((await run(['--config', path])).pluginsRoot, join(dir, 'plugins'));
  });
  await withFile({ pluginsRoot: '' }, async (path) => {
    assert.equal((await run(['--config', path])).pluginsRoot, '');
  });
  assert.equal((await run(['--plugins-root', ''])).pluginsRoot, '');
  assert.equal((await run(['--plugins-root', 'rel/dir'])).pluginsRoot, join(process.cwd(), 'rel/dir'));
});

test('precedence: flags override the file, the file overrides defaults', async () => {
  const file = {
    pluginsRoot: '/from/file',
    listen: '10.0.0.1:1',
    probeId: 'f11e',
    logLevel: 'warn',
    publish: { apps: ['http://file:4040'] },
    pollIntervalMs: 77,
  };
  const config = await withFile(file, (path) =>
    run(['--config', path, '--plugins-root', '/from/flag', '--listen', 'example.com:8080', '--probe-id', 'f1a9', '--log-level', 'error']),
  );
  assert.equal(config.pluginsRoot, '/from/flag');
  assert.deepEqual(config.listen, { host: 'example.com', port: 8080 });
  assert.equal(config.probeId, 'f1a9');
  assert.equal(config.logLevel, 'error');
  assert.deepEqual(config.publish.apps, ['http://file:4040'], 'no --app: the file list stays');
  assert.equal(config.pollIntervalMs, 77, 'no flag for it: the file value stays');
  assert.equal(config.timeoutMs, 500, 'in neither: the default');
});

test('--app: repeatable, keeps order, and replaces the file list', async () => {
  const config = await withFile({ publish: { apps: ['http://file:4040'] } }, (path) =>
    run(['--config', path, '--app', 'http://a:4040', '--app=https://b.example', '--app', 'http://[::1]:4040']),
  );
  assert.deepEqual(config.publish.apps, ['http://a:4040', 'https://b.example', 'http://[::1]:4040']);
  await rejects(['--app', 'http://ok:1', '--app', 'ftp://x'], { key: '--app', value: 'ftp://x', message: '--app: expected an http(s) URL, got "ftp://x"' });
  await rejects(['--app', 'localhost:4040'], { key: '--app', message: /expected an http\(s\) URL, got "localhost:4040"/ });
});

test('listen: IPv4, hostname and [IPv6] with port 0-65535 are accepted', async () => {
  for (const [text, host, port] of [
    ['0.0.0.0:0', '0.0.0.0', 0],
    ['localhost:65535', 'localhost', 65535],
    ['my-host.example.:80', 'my-host.example.', 80],
    ['[::]:4041', '::', 4041],
    ['[fe80::1%eth0]:9', 'fe80::1%eth0', 9],
  ] as const) {
    assert.deepEqual((await run(['--listen', text])).listen, { host, port }, text);
  }
});

test('errors: bad listen addresses, from a flag and from the file', async () => {
  await rejects(['--listen', 'localhost'], { key: '--listen', value: 'localhost', message: '--listen: bad address "localhost" (expected HOST:PORT)' });
  for (const [text, reason] of [
    ['1.2.3.4:65536', 'port must be 0-65535'],
    ['256.1.1.1:80', 'bad IPv4 address'],
    ['::1:80', 'write an IPv6 address as [IPv6]:PORT'],
    ['[nope]:80', 'bad IPv6 address, expected [IPv6]:PORT'],
    ['under_score:80', 'bad hostname'],
    [':4041', 'no host; write 127.0.0.1:4041 for this machine only, or 0.0.0.0:4041 for every interface'],
    ['host:-1', 'expected HOST:PORT'],
    ['host:8o', 'expected HOST:PORT'],
  ]) {
    await rejects(['--listen', text], { key: '--listen', value: text, message: `--listen: bad address ${JSON.stringify(text)} (${reason})` });
  }
  await withFile({ listen: 'localhost' }, (path) =>
    rejects(['--config', path], { key: 'listen', value: 'localhost', message: `config ${path}: listen: bad address "localhost" (expected HOST:PORT)` }),
  );
  await withFile({ listen: '300.0.0.1:80' }, (path) =>
    rejects(['--config', path], { key: 'listen', message: `config ${path}: listen: bad address "300.0.0.1:80" (bad IPv4 address)` }),
  );
});

test('errors: unknown keys, with a suggestion when one is close', async () => {
  await withFile({ pollInterval: 5 }, (path) =>
    rejects(['--config', path], { key: 'pollInterval', value: 5, message: `config ${path}: unknown key "pollInterval" (did you mean "pollIntervalMs"?)` }),
  );
  await withFile({ handshake: { retryMs: 5 } }, (path) =>
    rejects(['--config', path], {
      key: 'handshake.retryMs',
      message: `config ${path}: unknown key "handshake.retryMs" (did you mean "handshake.retryMaxMs"?)`,
    }),
  );
  await withFile({ zzzzzzzz: true }, (path) => rejects(['--config', path], { key: 'zzzzzzzz', message: `config ${path}: unknown key "zzzzzzzz"` }));
});

test('errors: wrong types and out-of-range values name the key, the limit and the value', async () => {
  const cases: [unknown, string, string][] = [
    [{ pollIntervalMs: 'fast' }, 'pollIntervalMs', 'pollIntervalMs: expected an integer from 1 to 2147483647, got "fast"'],
    [{ timeoutMs: 0 }, 'timeoutMs', 'timeoutMs: expected an integer from 1 to 2147483647, got 0'],
    [{ pollIntervalMs: 1.5 }, 'pollIntervalMs', 'pollIntervalMs: expected an integer from 1 to 2147483647, got 1.5'],
    [{ rescanIntervalMs: 2 ** 31 }, 'rescanIntervalMs', 'rescanIntervalMs: expected an integer from 1 to 2147483647, got 2147483648'],
    [{ maxConcurrentPollsPerWorker: -1 }, 'maxConcurrentPollsPerWorker', 'maxConcurrentPollsPerWorker: expected an integer >= 1, got -1'],
    [{ workers: 65 }, 'workers', 'workers: expected an integer from 1 to 64, got 65'],
    [{ workers: 0 }, 'workers', 'workers: expected an integer from 1 to 64, got 0'],
    [{ probeId: 'ABC' }, 'probeId', 'probeId: expected 1 to 16 lower-case hex digits, got "ABC"'],
    [{ probeId: '0123456789abcdef0' }, 'probeId', 'probeId: expected 1 to 16 lower-case hex digits, got "0123456789abcdef0"'],
    [{ logLevel: 'loud' }, 'logLevel', 'logLevel: expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "loud"'],
    [{ metrics: { perPlugin: 'yes' } }, 'metrics.perPlugin', 'metrics.perPlugin: expected true or false, got "yes"'],
    [{ publish: 3 }, 'publish', 'publish: expected an object, got 3'],
    [{ publish: { apps: 'http://x' } }, 'publish.apps', 'publish.apps: expected an array, got "http://x"'],
    [{ publish: { apps: ['http://x', 'ftp://y'] } }, 'publish.apps[1]', 'publish.apps[1]: expected an http(s) URL, got "ftp://y"'],
    [{ publish: { token: '' } }, 'publish.token', 'publish.token: expected a non-empty string, got ""'],
    [{ pluginsRoot: null }, 'pluginsRoot', 'pluginsRoot: expected a string, got null'],
    [
      { handshake: { retryInitialMs: 5000, retryMaxMs: 10 } },
      'handshake.retryMaxMs',
      'handshake.retryMaxMs: expected an integer >= handshake.retryInitialMs (5000), got 10',
    ],
    [[1], 'config', 'expected a JSON object at the top level, got an array'],
  ];
  for (const [content, key, message] of cases) {
    await withFile(content, (path) => rejects(['--config', path], { key, message: `config ${path}: ${message}` }));
  }
});

test('errors: bad flag values', async () => {
  await rejects(['--probe-id', 'XYZ'], { key: '--probe-id', value: 'XYZ', message: '--probe-id: expected 1 to 16 lower-case hex digits, got "XYZ"' });
  await rejects(['--log-level', 'loud'], { key: '--log-level', value: 'loud', message: /^--log-level: expected one of "trace", .*, got "loud"$/ });
  await rejects(['--config', ''], { key: '--config', message: '--config: expected a file name, got ""' });
});

test('errors: flag syntax (unknown, missing value, positional, value on a boolean)', async () => {
  await rejects(['--plugin-root', '/x'], { key: '--plugin-root', message: 'unknown flag "--plugin-root" (did you mean "--plugins-root"?)' });
  await rejects(['--frobnicate'], { key: '--frobnicate', message: 'unknown flag "--frobnicate" (see --help)' });
  await rejects(['-x'], { key: '-x', message: 'unknown flag "-x" (see --help)' });
  await rejects(['--listen'], { key: '--listen', message: /^--listen: missing value/ });
  await rejects(['--listen', '--probe-id', 'ab'], { key: '--listen', message: /^--listen: missing value/ });
  await rejects(['serve'], { key: 'serve', value: 'serve', message: 'unexpected argument "serve" (flags only; see --help)' });
  await rejects(['--help=yes'], { key: '--help', message: '--help: takes no value' });
});

test('errors: unreadable file', async () => {
  await rejects(['--config', '/nope/sph.json'], {
    key: 'config',
    value: '/nope/sph.json',
    message: 'cannot read config /nope/sph.json: ENOENT: no such file or directory',
  });
  const dir = await tempDir('sph-cfg-');
  try {
    await rejects(['--config', dir.path], { key: 'config', message: `cannot read config ${dir.path}: EISDIR: illegal operation on a directory` });
    if (process.getuid?.() !== 0) {
      // root reads anything, so the permission case only means something for other users.
      const path = join(dir.path, 'locked.json');
      await writeFile(path, '{}');
      await chmod(path, 0o000);
      await rejects(['--config', path], { key: 'config', message: `cannot read config ${path}: EACCES: permission denied` });
    }
  } finally {
    await dir.cleanup();
  }
});

test('errors: invalid JSON reports line and column', async () => {
  const cases: [string, string][] = [
    ['{\n  "listen": "localhost:1",\n}', 'line 3 column 1: unexpected "}"'],
    ['{"a": 1 "b": 2}', 'line 1 column 9: unexpected "\\""'],
    ['', 'line 1 column 1: unexpected end of input'],
    ['{\n  "pollIntervalMs": 1000\n', 'line 3 column 1: unexpected end of input'],
    ["{'a': 1}", 'line 1 column 2: unexpected "\'"'],
    ['{"a": 1} x', 'line 1 column 10: unexpected "x"'],
    ['// comment\n{}', 'line 1 column 1: unexpected "/"'],
  ];
  for (const [text, where] of cases) {
    await withFile(text, (path) => rejects(['--config', path], { key: 'config', value: path, message: `config ${path}: invalid JSON at ${where}` }));
  }
  // A UTF-8 byte-order mark is not an error.
  const config = await withFile('\ufeff{"pollIntervalMs": 5}', (path) => run(['--config', path]));
  assert.equal(config.pollIntervalMs, 5);
});

test('help and version', async () => {
  const help = await loadConfig(['--help'], env);
  assert.equal(help.kind, 'help');
  if (help.kind !== 'help') return;
  for (const flag of ['--config FILE', '--plugins-root DIR', '--listen HOST:PORT', '--probe-id ID', '--log-level LEVEL', '--app URL', '--help', '--version']) {
    assert.ok(help.text.includes(flag), `help mentions ${flag}`);
  }
  for (const key of ['pluginsRoot', 'handshake.retryMaxMs', 'publish.queueSize', 'metrics.perPlugin']) {
    assert.match(help.text, new RegExp(`^  ${key.replace('.', '\\.')} `, 'm'));
  }
  for (const line of help.text.split('\n')) assert.ok(line.length <= 100, `help line too long: ${line}`);
  assert.doesNotMatch(help.text, /\S default /, 'type column runs into the default column');
  assert.deepEqual((await loadConfig(['-h'], env)).kind, 'help');
  // --help wins over a config file that does not exist: the file is not read.
  assert.equal((await loadConfig(['--config', '/nope.json', '--help'], env)).kind, 'help');

  const version = await loadConfig(['--version'], env);
  const pkg = JSON.parse(await readFile(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.deepEqual(version, { kind: 'version', text: `scope-plugin-host ${pkg.version}\n` });
});

test('configPath is the absolute path of --config', async () => {
  await withFile({}, async (path) => {
    const result = await loadConfig(['--config', path], env);
    assert.equal(result.kind === 'run' && result.configPath, path);
  });
  const none = await loadConfig([], env);
  assert.equal(none.kind === 'run' && 'configPath' in none, false);
});
