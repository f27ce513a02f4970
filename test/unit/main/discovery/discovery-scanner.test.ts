import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isValidPluginId, pluginIdFromPath } from '../../../../src/main/discovery/plugin-id.js';
import { diffTables, nextTable } from '../../../../src/main/discovery/scan-table.js';
import { MAX_DEPTH_CODE, scanSockets, type DiscoveredSocket, type ScanResult } from '../../../../src/main/discovery/socket-scanner.js';
import { tempDir } from '../../../helpers/tmp.js';

const servers: net.Server[] = [];
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(cleanups.map((c) => c()));
});

/** A real unix socket with a listener: what a plugin leaves in the root. */
async function listen(path: string): Promise<net.Server> {
  const server = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  servers.push(server);
  return server;
}

async function root(): Promise<string> {
  const dir = await tempDir('sph-ds-');
  cleanups.push(dir.cleanup);
  return dir.path;
}

const paths = (r: ScanResult): string[] => r.sockets.map((s) => s.path);

describe('plugin ids', () => {
  it('strips the last extension of the basename', () => {
    assert.equal(pluginIdFromPath('/r/my-plugin.sock'), 'my-plugin');
    assert.equal(pluginIdFromPath('/r/x'), 'x');
    assert.equal(pluginIdFromPath('/r/a.b.sock'), 'a.b');
    assert.equal(pluginIdFromPath('/r/sub/.hidden.sock'), '.hidden');
    assert.equal(pluginIdFromPath('relative/plug'), 'plug');
  });

  it('accepts and rejects the ids of uc-17', () => {
    for (const id of ['testPlugin', 'P-L-U-G-I-N', 'another-testPlugin', 'x', '0']) assert.ok(isValidPluginId(id), id);
    for (const id of ['testPlugin!', 'test~plugin', 'testPlugin-', '-testPlugin', 'a--b', 'a.b', 'a_b', '', '.hidden']) {
      assert.equal(isValidPluginId(id), false, id);
    }
  });
});

describe('scanSockets', () => {
  it('finds sockets in nested sub-directories, sorted, with their inode; ignores other files', async () => {
    const r = await root();
    await mkdir(join(r, 'fail'));
    await mkdir(join(r, 'a/b/c'), { recursive: true });
    await listen(join(r, 'testPlugin.sock'));
    await listen(join(r, 'fail/aFailure.sock'));
    await listen(join(r, 'a/b/c/deep'));
    await listen(join(r, 'a/.hidden.sock'));
    await writeFile(join(r, 'notASocket.sock'), 'x');
    await writeFile(join(r, 'a/b/readme'), 'x');

    const result = await scanSockets(r);
    assert.deepEqual(paths(result), [join(r, 'a/b/c/deep'), join(r, 'fail/aFailure.sock'), join(r, 'testPlugin.sock')]);
    assert.deepEqual(
      result.sockets.map((s) => s.id),
      ['deep', 'aFailure', 'testPlugin'],
    );
    // Hidden files are scanned, not skipped; but a dot-leading basename never makes a valid id.
    assert.deepEqual(result.invalid, [{ path: join(r, 'a/.hidden.sock'), id: '.hidden' }]);
    const st = await lstat(join(r, 'testPlugin.sock'));
    const found = result.sockets.find((s) => s.id === 'testPlugin');
    assert.equal(found?.ino, st.ino);
    assert.equal(found?.dev, st.dev);
    assert.equal(found?.birthtimeMs, st.birthtimeMs);
    assert.deepEqual(result.problems, []);
    assert.equal(result.rootMissing, false);
  });

  it('accepts hidden directories and names without .sock', async () => {
    const r = await root();
    await mkdir(join(r, '.cfg'));
    await listen(join(r, '.cfg/plugin1'));
    await listen(join(r, 'iowait.socket'));
    const result = await scanSockets(r);
    assert.deepEqual(
      result.sockets.map((s) => s.id),
      ['plugin1', 'iowait'],
    );
  });

  it('lists invalid ids separately (uc-17) and never as sockets', async () => {
    const r = await root();
    const ids = ['testPlugin', 'P-L-U-G-I-N', 'another-testPlugin', 'testPlugin!', 'test~plugin', 'testPlugin-', '-testPlugin'];
    for (const id of ids) await listen(join(r, `${id}.sock`));
    const result = await scanSockets(r);
    assert.deepEqual(result.sockets.map((s) => s.id).sort(), ['P-L-U-G-I-N', 'another-testPlugin', 'testPlugin']);
    assert.deepEqual(result.invalid.map((i) => i.id).sort(), ['-testPlugin', 'testPlugin!', 'testPlugin-', 'test~plugin']);
  });

  it("counts a symlink to a socket under the link's path with the target's inode", async () => {
    const r = await root();
    const outside = await root();
    await listen(join(outside, 'real.sock'));
    await symlink(join(outside, 'real.sock'), join(r, 'linked.sock'));
    await symlink(join(outside, 'gone.sock'), join(r, 'dangling.sock'));
    const result = await scanSockets(r);
    assert.deepEqual(paths(result), [join(r, 'linked.sock')]);
    assert.equal(result.sockets[0]?.ino, (await stat(join(outside, 'real.sock'))).ino);
    assert.deepEqual(
      result.problems.map((p) => [p.path, p.code]),
      [[join(r, 'dangling.sock'), 'ENOENT']],
      'a dangling link is reported once as a problem',
    );
  });

  it('follows directory symlinks, terminates on loops and scans each directory once', async () => {
    const r = await root();
    const outside = await root();
    await mkdir(join(r, 'a/b'), { recursive: true });
    await listen(join(r, 'a/b/x.sock'));
    await symlink('..', join(r, 'a/loop')); // a/loop → r: a cycle
    await symlink(join(r, 'a'), join(r, 'alias')); // a second route to a real directory
    await listen(join(outside, 'ext.sock'));
    await symlink(outside, join(r, 'ext')); // a directory outside the root
    await symlink(join(r, 'self'), join(r, 'self')); // ELOOP
    const result = await scanSockets(r);
    assert.deepEqual(paths(result), [join(r, 'a/b/x.sock'), join(r, 'ext/ext.sock')], 'real path wins, no duplicates');
    assert.deepEqual(
      result.problems.map((p) => [p.path, p.code]),
      [[join(r, 'self'), 'ELOOP']],
    );
  });

  it('stops at maxDepth and reports the cut', async () => {
    const r = await root();
    await mkdir(join(r, '1/2/3'), { recursive: true });
    await listen(join(r, '1/2/two.sock'));
    await listen(join(r, '1/2/3/three.sock'));
    const result = await scanSockets(r, { maxDepth: 2 });
    assert.deepEqual(paths(result), [join(r, '1/2/two.sock')]);
    assert.deepEqual(
      result.problems.map((p) => [p.path, p.code]),
      [[join(r, '1/2/3'), MAX_DEPTH_CODE]],
    );
  });

  it('reports a missing root, an empty root and a root that is a file distinctly', async () => {
    const r = await root();
    assert.equal((await scanSockets(join(r, 'nope'))).rootMissing, true);
    assert.equal((await scanSockets(join(r, 'nope/deeper'))).rootMissing, true);
    assert.deepEqual(await scanSockets(''), { sockets: [], invalid: [], problems: [], rootMissing: false });
    await writeFile(join(r, 'file'), 'x');
    const asFile = await scanSockets(join(r, 'file'));
    assert.equal(asFile.rootMissing, false);
    assert.deepEqual(
      asFile.problems.map((p) => [p.path, p.code]),
      [[join(r, 'file'), 'ENOTDIR']],
    );
  });

  it('skips an unreadable sub-directory and scans the rest', async (t) => {
    const r = await root();
    await mkdir(join(r, 'locked'));
    await mkdir(join(r, 'open'));
    await listen(join(r, 'locked/hidden.sock'));
    await listen(join(r, 'open/visible.sock'));
    await chmod(join(r, 'locked'), 0o000);
    try {
      let result: ScanResult;
      if (process.getuid?.() === 0) {
        // Root ignores directory permissions, so scan from an unprivileged child process instead.
        await chmod(r, 0o755);
        const child = runScanAs(65534, r);
        if ('failed' in child) {
          t.skip(`running as root, and a scan as uid 65534 did not run (${child.failed}): permission denial not testable here`);
          return;
        }
        result = child.result;
      } else {
        result = await scanSockets(r);
      }
      assert.deepEqual(paths(result), [join(r, 'open/visible.sock')]);
      assert.deepEqual(
        result.problems.map((p) => [p.path, p.code]),
        [[join(r, 'locked'), 'EACCES']],
      );
    } finally {
      await chmod(join(r, 'locked'), 0o755);
    }
  });

  it('scans a root reached through a symlink', async () => {
    const r = await root();
    await mkdir(join(r, 'real'));
    await listen(join(r, 'real/p.sock'));
    await symlink(join(r, 'real'), join(r, 'root'));
    assert.deepEqual(paths(await scanSockets(join(r, 'root'))), [join(r, 'root/p.sock')]);
  });
});

/** The scan of `scanRoot` by a child process running as `uid`, or why that child did not give one. */
function runScanAs(uid: number, scanRoot: string): { result: ScanResult } | { failed: string } {
  const scanner = new URL('../../../../src/main/discovery/socket-scanner.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(scanner)}).then(async (m) => console.log(JSON.stringify(await m.scanSockets(${JSON.stringify(scanRoot)}))))`;
  const cwd = fileURLToPath(new URL('../../../..', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { uid, gid: uid, cwd, encoding: 'utf8', timeout: 30_000 });
  if (child.error !== undefined) return { failed: child.error.message };
  if (child.status !== 0) return { failed: `exit ${child.status ?? child.signal}: ${child.stderr.trim().split('\n').pop() ?? ''}` };
  return { result: JSON.parse(child.stdout) as ScanResult };
}

describe('nextTable: what a scan does to the plugin table', () => {
  const sock = (path: string, ino: number, birthtimeMs = 1000): DiscoveredSocket => ({
    path,
    id: pluginIdFromPath(path),
    dev: 1,
    ino,
    birthtimeMs,
  });
  const scan = (sockets: DiscoveredSocket[], extra: Partial<ScanResult> = {}): ScanResult => ({
    sockets,
    invalid: [],
    problems: [],
    rootMissing: false,
    ...extra,
  });
  const table = (...sockets: DiscoveredSocket[]): Map<string, DiscoveredSocket> => new Map(sockets.map((s) => [s.path, s]));

  it('adds, removes, and treats a new inode or birth time at the same path as removed + added', () => {
    const prev = table(sock('/r/a.sock', 1), sock('/r/b.sock', 2), sock('/r/c.sock', 3), sock('/r/e.sock', 5));
    const next = [sock('/r/a.sock', 1), sock('/r/b.sock', 20), sock('/r/d.sock', 4), sock('/r/e.sock', 5, 2000)];
    const up = nextTable(prev, scan(next), '/r');
    assert.deepEqual([...up.table.keys()], ['/r/a.sock', '/r/b.sock', '/r/d.sock', '/r/e.sock']);
    assert.deepEqual(
      up.diff.removed.map((s) => [s.path, s.ino]),
      [
        ['/r/b.sock', 2],
        ['/r/c.sock', 3],
        ['/r/e.sock', 5],
      ],
    );
    assert.deepEqual(
      up.diff.added.map((s) => [s.path, s.ino]),
      [
        ['/r/b.sock', 20],
        ['/r/d.sock', 4],
        ['/r/e.sock', 5],
      ],
    );
  });

  it('empties the table when the root is missing (its sockets are gone too)', () => {
    const prev = table(sock('/r/a.sock', 1));
    const up = nextTable(prev, scan([], { rootMissing: true }), '/r');
    assert.equal(up.table.size, 0);
    assert.deepEqual(
      up.diff.removed.map((s) => s.path),
      ['/r/a.sock'],
    );
  });

  it('keeps the whole table when the root exists but cannot be read', () => {
    const prev = table(sock('/r/a.sock', 1));
    const up = nextTable(prev, scan([], { problems: [{ path: '/r', code: 'EACCES', message: 'denied' }] }), '/r');
    assert.equal(up.rootFailed, true);
    assert.equal(up.table, prev);
    assert.deepEqual(up.diff, { added: [], removed: [] });
  });

  it('keeps known sockets below an unreadable sub-path, drops those below a vanished one', () => {
    const prev = table(sock('/r/io/x.sock', 1), sock('/r/iox.sock', 2), sock('/r/gone/y.sock', 3), sock('/r/z.sock', 4));
    const up = nextTable(
      prev,
      scan([sock('/r/new.sock', 5), sock('/r/z.sock', 4)], {
        problems: [
          { path: '/r/io', code: 'EIO', message: 'i/o error' },
          { path: '/r/gone', code: 'ENOENT', message: 'dangling' },
        ],
      }),
      '/r',
    );
    assert.deepEqual([...up.table.keys()], ['/r/io/x.sock', '/r/new.sock', '/r/z.sock'], 'sorted, /r/iox.sock not a prefix match');
    assert.deepEqual(
      up.diff.removed.map((s) => s.path),
      ['/r/gone/y.sock', '/r/iox.sock'],
    );
    assert.deepEqual(
      up.diff.added.map((s) => s.path),
      ['/r/new.sock'],
    );
  });

  it('diffTables of equal tables is empty', () => {
    const t1 = table(sock('/r/a.sock', 1));
    assert.deepEqual(diffTables(t1, table(sock('/r/a.sock', 1))), { added: [], removed: [] });
  });
});
