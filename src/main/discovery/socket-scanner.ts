import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isValidPluginId, pluginIdFromPath } from './plugin-id.js';

/**
 * One full scan of the plugin root (docs/spec/plugin-protocol.md#discovery): every unix socket
 * below the root, in sub-directories too, symlinks followed. Pure apart from fs reads: it never
 * throws for fs trouble, it reports it, and the caller (discovery.ts) decides what a failed read
 * means for the plugin table.
 *
 * Cost model (thousands of sockets): one `readdir(withFileTypes)` per directory — `d_type` tells
 * sockets, directories and symlinks apart without a stat — plus one `stat` per socket for its
 * inode and birth time (identity is path + both, so a restarted server is noticed) and one
 * `stat` + `realpath` per symlink.
 *
 * Why synchronous fs calls, time-sliced: the async fs API costs the main thread more CPU than the
 * system calls themselves, so it buys nothing here (docs/decisions/080-discovery-scans.md). To
 * keep the event loop responsive (the main thread also serves the merged report), the walk yields with
 * `setImmediate` whenever a slice has run for `SLICE_MS`. The cost: a single syscall on a hung
 * network filesystem would block the main thread; plugin roots are local (tmpfs under /var/run).
 *
 * Loop protection: Linux has no directory hard links, so a loop needs a symlink. Real directories
 * are walked first, each reached exactly once, and their canonical path (realpath of the root +
 * names) is remembered. Symlinked directories are handled afterwards, in rounds, in path order:
 * one whose canonical target was already walked is skipped, so `a/loop -> ..` terminates and a
 * directory reachable by two routes is scanned once, under its real path if it has one inside the
 * root. A bind-mount loop (no symlink involved) is stopped by `maxDepth`. This gives the (dev, ino)
 * guarantee without a stat per directory (a realpath is paid per symlink only).
 */

export interface DiscoveredSocket {
  /** Absolute path as found under the root; a symlink's own path is the identity. */
  readonly path: string;
  readonly id: string;
  /** Of the socket itself, after following links. */
  readonly dev: number;
  readonly ino: number;
  /**
   * Creation time of the socket file (statx birth time; libuv falls back to ctime where the FS has
   * none). Part of the identity because ext4 hands a freed inode straight to the next file: a
   * plugin that unlinks and re-creates its socket usually gets the same inode number.
   */
  readonly birthtimeMs: number;
}

export interface ScanProblem {
  readonly path: string;
  /** errno code (`EACCES`, `EIO`, `ELOOP`, `ENOENT` for a dangling symlink…) or `MAX_DEPTH`. */
  readonly code: string;
  readonly message: string;
}

export interface ScanResult {
  /** Sorted by path. */
  sockets: DiscoveredSocket[];
  /** Sockets whose id is invalid (docs/spec/plugin-protocol.md#plugin-ids), sorted; never contacted. */
  invalid: { path: string; id: string }[];
  /** Paths that could not be read; a problem whose path is the root means the root itself failed. */
  problems: ScanProblem[];
  /** The root does not exist (ENOENT, or a path component is not a directory). */
  rootMissing: boolean;
  /**
   * (dev, ino) of the root directory when it could be read. Lets the watcher notice that the root
   * was deleted and re-created between two scans (an fs watch stays on the old inode).
   */
  rootId?: { dev: number; ino: number };
}

export interface ScanOptions {
  /** Directories deeper than this below the root are not read (reported as `MAX_DEPTH`). */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 32;
export const MAX_DEPTH_CODE = 'MAX_DEPTH';
/** Longest stretch of synchronous fs work before the scan yields to the event loop. */
const SLICE_MS = 5;

interface DirTask {
  /** Path as found under the root (through symlinks): what sockets below it are named by. */
  readonly path: string;
  /** Canonical path, for loop protection. */
  readonly real: string;
  readonly depth: number;
}

interface Entry {
  readonly path: string;
  /** Depth of the directory that contains this entry, plus one. */
  readonly depth: number;
}

export async function scanSockets(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const result: ScanResult = { sockets: [], invalid: [], problems: [], rootMissing: false };
  // An empty root disables plugins; resolve('') would be the cwd.
  if (root === '') return result;
  const rootPath = resolve(root);

  let realRoot: string;
  try {
    const st = statSync(rootPath);
    if (!st.isDirectory()) {
      result.problems.push({ path: rootPath, code: 'ENOTDIR', message: 'plugin root is not a directory' });
      return result;
    }
    result.rootId = { dev: st.dev, ino: st.ino };
    realRoot = realpathSync(rootPath);
  } catch (err) {
    if (isGone(err)) result.rootMissing = true;
    else result.problems.push(problemOf(rootPath, err));
    return result;
  }

  const walk = new Walk(maxDepth, result);
  walk.visited.add(realRoot);
  let pendingDirs: DirTask[] = [{ path: rootPath, real: realRoot, depth: 0 }];
  while (pendingDirs.length > 0) {
    const symlinks = await walk.realTrees(pendingDirs);
    if (result.rootMissing) return result;
    pendingDirs = await walk.symlinks(symlinks);
  }

  walk.sockets.sort(byPath);
  for (const entry of walk.sockets) {
    const id = pluginIdFromPath(entry.path);
    if (!isValidPluginId(id)) {
      result.invalid.push({ path: entry.path, id });
      continue;
    }
    await walk.slice();
    const socket = discoveredSocket(entry.path, id, walk.stat(entry.path, false));
    if (socket !== undefined) result.sockets.push(socket);
  }
  result.problems.sort(byPath);
  return result;
}

/** The state of one scan: what was visited, what was found, and the time slice. */
class Walk {
  readonly visited = new Set<string>();
  readonly sockets: Entry[] = [];
  #sliceStart = performance.now();

  constructor(
    readonly maxDepth: number,
    readonly result: ScanResult,
  ) {}

  /** Yields to the event loop once the current slice of synchronous work is used up. */
  async slice(): Promise<void> {
    if (performance.now() - this.#sliceStart < SLICE_MS) return;
    await yieldToLoop();
    this.#sliceStart = performance.now();
  }

  /**
   * Breadth-first over real (non-symlink) directories, starting from `starts`. Sockets are
   * collected; symlinks are returned, to be resolved once the real tree is known.
   */
  async realTrees(starts: DirTask[]): Promise<Entry[]> {
    const symlinks: Entry[] = [];
    const queue = [...starts];
    for (let i = 0; i < queue.length; i++) {
      const dir = queue[i] as DirTask;
      await this.slice();
      for (const dirent of this.#readDir(dir)) {
        const entry = { path: join(dir.path, dirent.name), depth: dir.depth + 1 };
        if (dirent.isSocket()) this.sockets.push(entry);
        else if (dirent.isSymbolicLink()) symlinks.push(entry);
        else if (dirent.isDirectory()) {
          const real = join(dir.real, dirent.name);
          if (entry.depth > this.maxDepth) this.result.problems.push(tooDeep(entry.path, this.maxDepth));
          else if (!this.visited.has(real)) {
            this.visited.add(real);
            queue.push({ ...entry, real });
          }
        }
        // Regular files, FIFOs, devices: ignored; only sockets are plugins.
      }
    }
    return symlinks;
  }

  #readDir(dir: DirTask): Dirent[] {
    try {
      return readdirSync(dir.path, { withFileTypes: true });
    } catch (err) {
      if (!isGone(err)) this.result.problems.push(problemOf(dir.path, err));
      // The root vanished between its stat and its listing: the same as a missing root.
      // A sub-directory removed mid-scan is just gone.
      else if (dir.depth === 0) this.result.rootMissing = true;
      return [];
    }
  }

  /**
   * Follows each symlink, in path order so that which of two links to the same directory wins
   * is deterministic: a socket target counts under the link's path; a directory target not
   * walked yet is returned as a start for the next round.
   */
  async symlinks(links: Entry[]): Promise<DirTask[]> {
    const starts: DirTask[] = [];
    for (const link of links.sort(byPath)) {
      await this.slice();
      // A dangling link (ENOENT) or a link loop (ELOOP) is worth one warning, like upstream.
      const st = this.stat(link.path, true);
      if (st === undefined) continue;
      if (st.isSocket()) this.sockets.push(link);
      else if (!st.isDirectory()) continue;
      else if (link.depth > this.maxDepth) this.result.problems.push(tooDeep(link.path, this.maxDepth));
      else {
        const real = this.#realpath(link.path);
        if (real === undefined || this.visited.has(real)) continue;
        this.visited.add(real);
        starts.push({ ...link, real });
      }
    }
    return starts;
  }

  /**
   * `stat` following links; failures become problems. `reportGone`: whether ENOENT is a problem
   * (a dangling link is; a socket unlinked since its directory was read is simply gone).
   */
  stat(path: string, reportGone: boolean): Stats | undefined {
    try {
      return statSync(path);
    } catch (err) {
      if (reportGone || !isGone(err)) this.result.problems.push(problemOf(path, err));
      return undefined;
    }
  }

  #realpath(path: string): string | undefined {
    try {
      return realpathSync(path);
    } catch (err) {
      this.result.problems.push(problemOf(path, err));
      return undefined;
    }
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function problemOf(path: string, err: unknown): ScanProblem {
  const e = err as NodeJS.ErrnoException | undefined;
  return { path, code: e?.code ?? 'UNKNOWN', message: e?.message ?? String(err) };
}

function tooDeep(path: string, maxDepth: number): ScanProblem {
  return { path, code: MAX_DEPTH_CODE, message: `directory deeper than maxDepth ${maxDepth}; not scanned` };
}

/**
 * What discovery lists for the entry at `path`, given its plugin id and its `stat` (which follows
 * a symlink to the socket it names, so the inode is the socket's own): nothing unless a socket.
 */
export function discoveredSocket(path: string, id: string, st: Stats | undefined): DiscoveredSocket | undefined {
  if (st === undefined || !st.isSocket()) return undefined;
  const { dev, ino, birthtimeMs } = st;
  return { path, id, dev, ino, birthtimeMs };
}

export function byPath(a: { path: string }, b: { path: string }): number {
  // Code-unit order, like Go's sort of byte strings: plugins are kept in ascending path order.
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
