import assert from 'node:assert/strict';
import { mkdir, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import { ErrorCode } from '../../../../src/shared/errors.js';
import {
  Discovery,
  EVENT_SCAN_SPACING,
  QUICK_ADDS_PER_SCAN,
  rescanDelay,
  type DiscoveryDiff,
  type DiscoveryOptions,
} from '../../../../src/main/discovery/discovery.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function root(): Promise<string> {
  const dir = await tempDir('sph-dd-');
  cleanups.push(dir.cleanup);
  return dir.path;
}

/** A real unix-socket listener; closing it unlinks the socket file (Node does that for us). */
async function listen(path: string): Promise<net.Server> {
  const server = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  cleanups.push(() => closeServer(server));
  return server;
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}

interface LogLine {
  level: number;
  msg: string;
  component?: string;
  path?: string;
  [key: string]: unknown;
}

/** Starts a Discovery with a log capture; closed when the test ends. */
async function startDiscovery(
  t: TestContext,
  options: Partial<DiscoveryOptions> & { root: string },
): Promise<{ discovery: Discovery; diffs: DiscoveryDiff[]; logs: LogLine[] }> {
  const diffs: DiscoveryDiff[] = [];
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const discovery = new Discovery({
    rescanIntervalMs: 60_000,
    logger,
    onDiff: (diff) => diffs.push(diff),
    ...options,
  });
  t.after(() => discovery.close());
  await discovery.start();
  return { discovery, diffs, logs };
}

const WARN = 40;
const added = (diffs: DiscoveryDiff[]): string[] => diffs.flatMap((d) => d.added.map((s) => s.path));
const removed = (diffs: DiscoveryDiff[]): string[] => diffs.flatMap((d) => d.removed.map((s) => s.path));
const logsWith = (logs: LogLine[], msg: string): LogLine[] => logs.filter((l) => l.msg === msg);

describe('Discovery', () => {
  it('applies the first scan before start() resolves and reports it as one diff', async (t) => {
    const r = await root();
    await mkdir(join(r, 'sub'));
    await listen(join(r, 'one.sock'));
    await listen(join(r, 'sub/two.sock'));
    const { discovery, diffs, logs } = await startDiscovery(t, { root: r });
    assert.deepEqual([...discovery.current.keys()], [join(r, 'one.sock'), join(r, 'sub/two.sock')]);
    assert.equal(diffs.length, 1);
    assert.deepEqual(added(diffs), [join(r, 'one.sock'), join(r, 'sub/two.sock')]);
    assert.ok(discovery.scans >= 1);
    const addedLogs = logsWith(logs, 'plugin socket added');
    assert.equal(addedLogs.length, 2);
    assert.equal(addedLogs[0]?.component, 'discovery');
    assert.equal(addedLogs[0]?.level, 20, 'debug: the supervisor logs decisions at info');
  });

  it('reports a new socket, also in a new sub-directory, long before the periodic rescan', async (t) => {
    const r = await root();
    const { discovery, diffs } = await startDiscovery(t, { root: r, rescanIntervalMs: 60_000 });
    assert.equal(discovery.current.size, 0);
    await listen(join(r, 'testPlugin.sock'));
    await waitFor('new socket discovered', () => added(diffs).includes(join(r, 'testPlugin.sock')), 3000);
    await mkdir(join(r, 'late/deeper'), { recursive: true });
    await listen(join(r, 'late/deeper/p.sock'));
    await waitFor('socket in new sub-directory discovered', () => discovery.current.has(join(r, 'late/deeper/p.sock')), 3000);
  });

  it('adds a socket a watch event names at once, before the rescan the event asks for; that rescan changes nothing', async (t) => {
    const r = await root();
    // A debounce far longer than the test's waits: only the event's own check can add the socket.
    const { discovery, diffs } = await startDiscovery(t, { root: r, debounceMs: 30_000 });
    await discovery.rescanNow(); // the one rescan a new watcher asks for, out of the way
    const scans = discovery.scans;
    await mkdir(join(r, 'fresh'));
    await waitFor('the new directory watched', () => discovery.watchedDirs.watched === 1, 3000);
    await listen(join(r, 'fresh/quick.sock'));
    await listen(join(r, 'rooted.sock'));
    await waitFor('both sockets added', () => discovery.current.size === 2, 3000);
    assert.equal(discovery.scans, scans, 'added without a scan');
    assert.deepEqual(added(diffs).sort(), [join(r, 'fresh/quick.sock'), join(r, 'rooted.sock')]);
    await discovery.rescanNow();
    assert.equal(diffs.length, 2, 'the scan agrees: no removal, no re-add');
    assert.deepEqual(removed(diffs), []);
  });

  it('an event naming a symlink loop adds nothing and throws nothing; the rescan still comes', async (t) => {
    const r = await root();
    const { discovery } = await startDiscovery(t, { root: r, debounceMs: 0 });
    const scans = discovery.scans;
    await symlink('loop.sock', join(r, 'loop.sock'));
    await waitFor('a rescan after the event', () => discovery.scans > scans, 3000);
    assert.equal(discovery.current.size, 0);
    await listen(join(r, 'after.sock'));
    await waitFor('a socket after the loop', () => discovery.current.has(join(r, 'after.sock')), 3000);
  });

  it('adds a burst of sockets from events up to a cap, and the rest with the scan', async (t) => {
    const r = await root();
    const { discovery, diffs } = await startDiscovery(t, { root: r, debounceMs: 30_000 });
    await discovery.rescanNow();
    const paths = Array.from({ length: QUICK_ADDS_PER_SCAN + 16 }, (_, i) => join(r, `p${String(i).padStart(3, '0')}.sock`));
    for (const path of paths) await listen(path);
    await waitFor('the events handled', () => discovery.current.size >= QUICK_ADDS_PER_SCAN, 3000);
    assert.equal(discovery.current.size, QUICK_ADDS_PER_SCAN, 'no more between two scans');
    await discovery.rescanNow();
    assert.deepEqual([...discovery.current.keys()], paths, 'all of them, in path order');
    assert.deepEqual(removed(diffs), []);
  });

  it('keeps rescanning periodically without a watcher, each scan after the last', async (t) => {
    const r = await root();
    const { discovery } = await startDiscovery(t, { root: r, watch: false, rescanIntervalMs: 100 });
    await listen(join(r, 'early.sock'));
    await waitFor('found by a periodic rescan', () => discovery.current.has(join(r, 'early.sock')), 3_000);
    await listen(join(r, 'late.sock'));
    await waitFor('and by a later one', () => discovery.current.has(join(r, 'late.sock')), 3_000);
    assert.ok(discovery.scans >= 3, `scans: ${discovery.scans}`);
  });

  it('spaces periodic rescans so that they take at most 1 % of the time, and rescans on events to at most a tenth', () => {
    assert.equal(rescanDelay(5_000, 0), 5_000);
    assert.equal(rescanDelay(5_000, 40), 5_000, '3000 sockets: the configured period');
    assert.equal(rescanDelay(5_000, 150), 15_000, '10000 sockets');
    assert.equal(rescanDelay(5_000, 400.2), 40_020);
    assert.equal(rescanDelay(20, 1, EVENT_SCAN_SPACING), 20, 'a small root: the debounce');
    assert.equal(rescanDelay(20, 45.5, EVENT_SCAN_SPACING), 455, 'a root of 20000 entries in a storm of events: ten times its scan');
  });

  it('reports a removed socket', async (t) => {
    const r = await root();
    const server = await listen(join(r, 'testPlugin.sock'));
    const { discovery, diffs } = await startDiscovery(t, { root: r });
    assert.equal(discovery.current.size, 1);
    await closeServer(server);
    await waitFor('socket removal reported', () => removed(diffs).includes(join(r, 'testPlugin.sock')), 3000);
    assert.equal(discovery.current.size, 0);
  });

  it('treats a socket re-created at the same path as removed + added (a new plugin process)', async (t) => {
    const r = await root();
    const path = join(r, 'testPlugin.sock');
    const first = await listen(path);
    const { discovery, diffs } = await startDiscovery(t, { root: r, watch: false });
    const old = discovery.current.get(path);
    assert.ok(old !== undefined);
    await closeServer(first);
    await rm(path, { force: true });
    await listen(path);
    await discovery.rescanNow();
    const now = discovery.current.get(path);
    assert.ok(now !== undefined && now !== old);
    // ext4 usually hands the freed inode straight back; the birth time tells the files apart.
    assert.ok(now.ino !== old.ino || now.birthtimeMs !== old.birthtimeMs, 'identity changed');
    const last = diffs.at(-1);
    assert.deepEqual(last?.removed, [old]);
    assert.deepEqual(last?.added, [now]);
  });

  it('skips invalid ids and logs each once across scans; problems likewise', async (t) => {
    const r = await root();
    for (const id of ['testPlugin', 'P-L-U-G-I-N', 'another-testPlugin', 'testPlugin!', 'test~plugin', 'testPlugin-', '-testPlugin']) {
      await listen(join(r, `${id}.sock`));
    }
    await symlink(join(r, 'nowhere.sock'), join(r, 'dangling.sock'));
    const { discovery, logs } = await startDiscovery(t, { root: r, watch: false });
    for (let i = 0; i < 3; i++) await discovery.rescanNow();
    assert.ok(discovery.scans >= 4);
    assert.deepEqual(
      [...discovery.current.values()].map((s) => s.id),
      ['P-L-U-G-I-N', 'another-testPlugin', 'testPlugin'],
    );
    const invalid = logsWith(logs, 'invalid plugin id; socket ignored');
    assert.deepEqual(invalid.map((l) => l.id).sort(), ['-testPlugin', 'testPlugin!', 'testPlugin-', 'test~plugin']);
    assert.ok(invalid.every((l) => l.level === WARN && typeof l.path === 'string'));
    const problems = logsWith(logs, 'plugin path unreadable; skipped');
    assert.deepEqual(
      problems.map((l) => [l.path, l.code]),
      [[join(r, 'dangling.sock'), 'ENOENT']],
    );
  });

  it('watches and scans a tree with a directory symlink loop without duplicates', async (t) => {
    const r = await root();
    await mkdir(join(r, 'a'));
    await symlink('..', join(r, 'a/loop'));
    await listen(join(r, 'a/one.sock'));
    const { discovery } = await startDiscovery(t, { root: r });
    assert.deepEqual([...discovery.current.keys()], [join(r, 'a/one.sock')]);
    await listen(join(r, 'a/two.sock'));
    await waitFor('socket next to the loop discovered', () => discovery.current.has(join(r, 'a/two.sock')), 3000);
    assert.deepEqual([...discovery.current.keys()], [join(r, 'a/one.sock'), join(r, 'a/two.sock')]);
  });

  it('watches at most maxWatchedDirs directories, socket directories first; the rest still found by rescans', async (t) => {
    const r = await root();
    for (const d of ['a', 'b', 'c']) {
      await mkdir(join(r, d));
      await listen(join(r, d, `${d}.sock`));
    }
    const { discovery, logs } = await startDiscovery(t, { root: r, maxWatchedDirs: 2 });
    assert.equal(discovery.current.size, 3);
    assert.deepEqual(discovery.watchedDirs, { watched: 2, refused: 1 });
    const cap = logsWith(logs, 'watched directory cap reached (maxWatchedDirs); further directories are found by periodic rescans only');
    assert.equal(cap.length, 1);
    assert.equal(cap[0]?.level, WARN);
    // A new empty directory is refused too (counted, not logged again), and a socket in it is found by a rescan.
    await mkdir(join(r, 'd'));
    await waitFor('new directory refused', () => discovery.watchedDirs.refused >= 2, 3000);
    await listen(join(r, 'd/d.sock'));
    await discovery.rescanNow();
    assert.ok(discovery.current.has(join(r, 'd/d.sock')));
    assert.equal(logsWith(logs, cap[0]!.msg).length, 1);
  });

  it('drops the watch of a deleted directory at once', async (t) => {
    const r = await root();
    await mkdir(join(r, 'a'));
    const server = await listen(join(r, 'a/a.sock'));
    const { discovery } = await startDiscovery(t, { root: r });
    assert.equal(discovery.watchedDirs.watched, 1);
    await closeServer(server);
    await rm(join(r, 'a'), { recursive: true });
    await waitFor('watch dropped', () => discovery.watchedDirs.watched === 0, 3000);
    await waitFor('socket removed', () => discovery.current.size === 0, 3000);
  });

  it('coalesces concurrent rescanNow() calls into the running scan plus one', async (t) => {
    const r = await root();
    const { discovery } = await startDiscovery(t, { root: r, watch: false });
    const before = discovery.scans;
    await Promise.all([1, 2, 3, 4, 5].map(() => discovery.rescanNow()));
    assert.equal(discovery.scans - before, 2);
  });

  it('picks up a root that is missing at start, even created several levels deep', async (t) => {
    const base = await root();
    const r = join(base, 'a/b/root');
    const { discovery, logs } = await startDiscovery(t, { root: r, rescanIntervalMs: 60_000 });
    assert.equal(discovery.current.size, 0);
    assert.equal(logsWith(logs, 'plugin root does not exist; waiting for it to appear (check pluginsRoot)').length, 1);
    await mkdir(r, { recursive: true });
    await listen(join(r, 'testPlugin.sock'));
    await waitFor('socket in late root discovered', () => discovery.current.has(join(r, 'testPlugin.sock')), 3000);
    // And the watcher is live on the new root: a second socket arrives without a periodic rescan.
    await listen(join(r, 'second.sock'));
    await waitFor('second socket discovered', () => discovery.current.has(join(r, 'second.sock')), 3000);
    assert.deepEqual(
      logs.filter((l) => l.level >= WARN).map((l) => l.msg),
      ['plugin root does not exist; waiting for it to appear (check pluginsRoot)'],
      'a root missing at start is one warning (it may be a typo), and nothing else warns',
    );
  });

  it('removes all sockets when the root is deleted, and recovers when it comes back', async (t) => {
    const base = await root();
    const r = join(base, 'plugins');
    await mkdir(join(r, 'sub'), { recursive: true });
    await listen(join(r, 'one.sock'));
    await listen(join(r, 'sub/two.sock'));
    const { discovery, diffs, logs } = await startDiscovery(t, { root: r });
    assert.equal(discovery.current.size, 2);
    await rm(r, { recursive: true, force: true });
    await waitFor('sockets removed with the root', () => discovery.current.size === 0, 3000);
    assert.deepEqual(removed(diffs).sort(), [join(r, 'one.sock'), join(r, 'sub/two.sock')]);
    await waitFor(
      'root disappearance logged',
      () => logsWith(logs, 'plugin root disappeared; all plugins removed, waiting for it to reappear').length === 1,
      3000,
    );
    await mkdir(r);
    await listen(join(r, 'back.sock'));
    await waitFor('socket in re-created root discovered', () => discovery.current.has(join(r, 'back.sock')), 3000);
    await listen(join(r, 'again.sock'));
    await waitFor('watcher follows the re-created root', () => discovery.current.has(join(r, 'again.sock')), 3000);
  });

  it('does nothing for root "" (plugins disabled)', async (t) => {
    const { discovery, diffs, logs } = await startDiscovery(t, { root: '' });
    await discovery.rescanNow();
    assert.equal(discovery.scans, 0);
    assert.equal(discovery.current.size, 0);
    assert.deepEqual(diffs, []);
    assert.ok(
      logs.every((l) => l.level < WARN),
      'no warnings or errors',
    );
  });

  it('close() is idempotent and stops reporting', async (t) => {
    const r = await root();
    const { discovery, diffs } = await startDiscovery(t, { root: r });
    await Promise.all([discovery.close(), discovery.close()]);
    await listen(join(r, 'late.sock'));
    await discovery.rescanNow();
    assert.deepEqual(diffs, []);
    assert.equal(discovery.current.size, 0);
  });

  it('keeps going when onDiff throws', async (t) => {
    const r = await root();
    const logs: LogLine[] = [];
    const discovery = new Discovery({
      root: r,
      rescanIntervalMs: 60_000,
      watch: false,
      logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) }),
      onDiff: () => {
        throw new Error('consumer bug');
      },
    });
    t.after(() => discovery.close());
    await listen(join(r, 'a.sock'));
    await discovery.start();
    await listen(join(r, 'b.sock'));
    await discovery.rescanNow();
    assert.equal(discovery.current.size, 2);
    assert.equal(logsWith(logs, 'discovery onDiff handler threw').length, 2);
  });

  it('rejects invalid options', () => {
    const logger = pino({ level: 'silent' });
    const onDiff = (): void => {};
    const code = { code: ErrorCode.CONFIG_INVALID };
    assert.throws(() => new Discovery({ root: '/x', rescanIntervalMs: 0, logger, onDiff }), code);
    assert.throws(() => new Discovery({ root: '/x', rescanIntervalMs: 1000, debounceMs: -1, logger, onDiff }), code);
    assert.throws(() => new Discovery({ root: '/x', rescanIntervalMs: 1000, maxDepth: 1.5, logger, onDiff }), code);
    assert.throws(() => new Discovery({ root: '/x', rescanIntervalMs: 1000, maxWatchedDirs: -1, logger, onDiff }), code);
  });
});
