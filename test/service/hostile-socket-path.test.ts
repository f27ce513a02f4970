/**
 * Socket paths that do not fit a unix socket address (108 bytes of `sun_path` on Linux, 107 of them
 * usable as Go needs the terminating NUL). Node cuts a longer path to its first 108 bytes, so a
 * plugin at `<108-byte path of another socket>ZZ/evil.sock` would be answered by that other
 * socket. The host must give such a path Go's `connect: invalid argument` status and never dial
 * it; a path of exactly 107 bytes still works; the limit counts UTF-8 bytes, not characters. The kit
 * refuses to listen on such a path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { servePlugin } from '../../src/kit/index.js';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import { ErrorCode } from '../../src/shared/errors.js';
import { MAX_SOCKET_PATH_BYTES } from '../../src/shared/socket-path.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin, reportHandler, specReport, type RawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** `dir/<padding><suffix>` of exactly `size` bytes, padded with `fill` (a one-byte character). */
function pathOfBytes(dir: string, suffix: string, size: number, fill = 'p'): string {
  const path = join(dir, fill.repeat(size - bytes(dir) - 1 - bytes(suffix)) + suffix);
  assert.equal(bytes(path), size);
  return path;
}

let dir: { path: string; cleanup(): Promise<void> };
let host: TestHost;
const plugins: RawPlugin[] = [];
let fits: string;
let decoy: RawPlugin;
let evil: string;
let wide: string;

/** A socket file at a path too long to bind: bound at a short path, then moved there. */
async function plantAt(longPath: string, id: string): Promise<void> {
  const staging = join(dir.path, `${id}.sock`);
  plugins.push(await rawPlugin(staging, reportHandler(specReport({ id, label: id, interfaces: ['reporter'] }))));
  await mkdir(join(longPath, '..'), { recursive: true });
  await rename(staging, longPath);
}

before(async () => {
  dir = await tempDir('sph-sp-');
  const root = join(dir.path, 'r');
  await mkdir(root);

  // Exactly the limit: dialled as usual.
  fits = pathOfBytes(join(root, 'fits'), '-x/fits.sock', MAX_SOCKET_PATH_BYTES);
  plugins.push(await rawPlugin(fits, reportHandler(specReport({ id: 'fits', label: 'fits', interfaces: ['reporter'] }))));

  // A 108-byte socket (Node binds it: the kernel takes a full sun_path without a NUL) whose
  // server answers as plugin `evil`; before the fix, `evil` was polled through it and showed `ok`.
  const decoyPath = pathOfBytes(join(root, 'd'), '/decoy.sock', MAX_SOCKET_PATH_BYTES + 1);
  decoy = await rawPlugin(decoyPath, reportHandler(specReport({ id: 'evil', label: 'answered by the decoy', interfaces: ['reporter'] })));
  evil = `${decoyPath}ZZ/evil.sock`;
  await plantAt(evil, 'evil');

  // 100 characters but 110 bytes: `é` is two bytes in UTF-8.
  wide = pathOfBytes(join(root, 'w'), '/wide.sock', 110, 'p');
  wide = wide.replace('pppppppppppppppppppp', 'éééééééééé');
  assert.ok(wide.length <= MAX_SOCKET_PATH_BYTES && bytes(wide) === 110);
  await plantAt(wide, 'wide');

  host = await startTestHost({ pluginsRoot: root, pollIntervalMs: 200, handshake: { retryInitialMs: 100, retryMaxMs: 200 } });
});

after(async () => {
  await host?.close();
  for (const p of [...plugins, decoy]) await p?.close().catch(() => {});
  await dir.cleanup();
});

async function rows(): Promise<Map<string, PluginRow>> {
  const { body } = await host.get<PluginRow[]>('/api/plugins');
  return new Map(body.map((r) => [r.socket, r]));
}

function tooLong(path: string): string {
  return (
    `error: Get "http://plugin/?api_version=1&probe_id=abcdef0123456789": dial unix ${path}: connect: invalid argument ` +
    `(socket path is ${bytes(path)} bytes; a unix socket address holds at most ${MAX_SOCKET_PATH_BYTES})`
  );
}

test("a path longer than sun_path gets Go's EINVAL status and is never dialled; 107 bytes still work", async () => {
  const settled = await waitFor('all four plugins to get their status', async () => {
    const r = await rows();
    return r.size === 4 &&
      r.get(fits)?.status === 'ok' &&
      r.get(evil)?.errorCode !== undefined &&
      r.get(decoy.socketPath)?.errorCode !== undefined &&
      r.get(wide)?.errorCode !== undefined
      ? r
      : false;
  });
  assert.equal(settled.get(fits)!.status, 'ok');
  for (const path of [evil, decoy.socketPath, wide]) {
    const row = settled.get(path)!;
    assert.equal(row.errorCode, ErrorCode.SOCKET_PATH_TOO_LONG, `${path}: ${row.status}`);
    assert.equal(row.status, tooLong(path));
  }
  // A few handshake retries later, still nothing reached the decoy (the evil path's prefix).
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.deepEqual(decoy.requests, []);
  assert.equal((await rows()).get(evil)!.status, tooLong(evil));
});

test('the kit refuses to listen on a path longer than 107 bytes instead of binding a cut one', async () => {
  const long = pathOfBytes(join(dir.path, 'kit'), '/kit-long.sock', MAX_SOCKET_PATH_BYTES + 1);
  await assert.rejects(servePlugin({ id: 'kit-long', socketPath: long, spec: { label: 'kit-long' }, report: () => ({}) }), {
    name: 'RangeError',
    message: `socket path ${long} is 108 bytes; a unix socket address holds at most 107: use a shorter root or id`,
  });
});
