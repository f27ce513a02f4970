import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isValidPluginId, pluginIdFromPath } from './plugin-id.js';

/**
 * One full scan of the plugin root (plugin-protocol §1.1): every unix socket below the root, in
 * sub-directories too, symlinks followed. Pure apart from fs reads: it never throws for fs
 * trouble, it reports it, and the caller (discovery.ts) decides what a failed read means for the
 * plugin table.
 *
 * Cost model (thousands of sockets): one `readdir(withFileTypes)` per directory — `d_type` tells
 * sockets, directories and symlinks apart without a stat — plus one `stat` per socket for its
 * inode and birth time (identity is path + both, so a restarted server is noticed) and one `stat` + `realpath`
 * per symlink. Reads run concurrently, one directory level at a time, bounded by `CONCURRENCY`.
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
   * plugin that unlinks and re-creates its socket usually gets the SAME inode number (measured).
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
  /** Sockets whose ID is invalid (plugin-protocol §1.2), sorted by path. Never contacted. */
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
/** Enough to keep libuv's 4 fs threads busy without queueing thousands of requests at once. */
const CONCURRENCY = 64;

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
  // An empty root disables plugins (plugin-protocol §1.1, check 42); resolve('') would be the cwd.
  if (root === '') return result;
  const rootPath = resolve(root);

  let realRoot: string;
  try {
    const st = await stat(rootPath);
    if (!st.isDirectory()) {
      result.problems.push({ path: rootPath, code: 'ENOTDIR', message: 'plugin root is not a directory' });
      return result;
    }
    result.rootId = { dev: st.dev, ino: st.ino };
    realRoot = await realpath(rootPath);
  } catch (err) {
    if (isGone(err)) result.rootMissing = true;
    else result.problems.push(problemOf(rootPath, err));
    return result;
  }

  const visited = new Set<string>();
  const socketEntries: Entry[] = [];
  let pendingDirs: DirTask[] = [{ path: rootPath, real: realRoot, depth: 0 }];
  visited.add(realRoot);

  while (pendingDirs.length > 0) {
    const symlinks = await walkRealTrees(pendingDirs, maxDepth, visited, socketEntries, result);
    if (result.rootMissing) return result;
    pendingDirs = await resolveSymlinks(symlinks, maxDepth, visited, socketEntries, result);
  }

  socketEntries.sort(byPath);
  const named: Entry[] = [];
  for (const entry of socketEntries) {
    const id = pluginIdFromPath(entry.path);
    if (isValidPluginId(id)) named.push(entry);
    else result.invalid.push({ path: entry.path, id });
  }
  // The inode of every socket: stat follows a symlink to the socket it names.
  const stats = await mapLimit(named, async (entry) => {
    try {
      return await stat(entry.path);
    } catch (err) {
      // A socket unlinked since its directory was read is simply gone: no problem to report.
      if (!isGone(err)) result.problems.push(problemOf(entry.path, err));
      return undefined;
    }
  });
  named.forEach((entry, i) => {
    const st = stats[i];
    if (st === undefined || !st.isSocket()) return;
    const { dev, ino, birthtimeMs } = st;
    result.sockets.push({ path: entry.path, id: pluginIdFromPath(entry.path), dev, ino, birthtimeMs });
  });
  result.problems.sort(byPath);
  return result;
}

/**
 * Breadth-first over real (non-symlink) directories, starting from `starts`. Sockets go to
 * `sockets`; symlinks are returned for the caller to resolve once the real tree is known.
 */
async function walkRealTrees(
  starts: DirTask[],
  maxDepth: number,
  visited: Set<string>,
  sockets: Entry[],
  result: ScanResult,
): Promise<Entry[]> {
  const symlinks: Entry[] = [];
  let level = starts;
  while (level.length > 0) {
    const listings = await mapLimit(level, (dir) => readDir(dir, result));
    const next: DirTask[] = [];
    level.forEach((dir, i) => {
      for (const dirent of listings[i] ?? []) {
        const entry = { path: join(dir.path, dirent.name), depth: dir.depth + 1 };
        if (dirent.isSocket()) sockets.push(entry);
        else if (dirent.isSymbolicLink()) symlinks.push(entry);
        else if (dirent.isDirectory()) {
          const real = join(dir.real, dirent.name);
          if (entry.depth > maxDepth) result.problems.push(tooDeep(entry.path, maxDepth));
          else if (!visited.has(real)) {
            visited.add(real);
            next.push({ ...entry, real });
          }
        }
        // Regular files, FIFOs, devices: ignored (plugin-protocol §1.1).
      }
    });
    level = next;
  }
  return symlinks;
}

async function readDir(dir: DirTask, result: ScanResult): Promise<Dirent[] | undefined> {
  try {
    return await readdir(dir.path, { withFileTypes: true });
  } catch (err) {
    if (isGone(err)) {
      // The root vanished between its stat and its listing: the same as a missing root.
      if (dir.depth === 0) result.rootMissing = true;
      // A sub-directory removed mid-scan is just gone.
    } else {
      result.problems.push(problemOf(dir.path, err));
    }
    return undefined;
  }
}

/**
 * Follows each symlink: a socket target joins `sockets` under the link's path; a directory
 * target not walked yet becomes a start for the next round. Decisions are taken in path order so
 * that which of two links to the same directory wins is deterministic.
 */
async function resolveSymlinks(
  links: Entry[],
  maxDepth: number,
  visited: Set<string>,
  sockets: Entry[],
  result: ScanResult,
): Promise<DirTask[]> {
  links.sort(byPath);
  const targets = await mapLimit(links, async (link) => {
    try {
      const st = await stat(link.path);
      if (st.isSocket()) return { kind: 'socket' as const };
      if (st.isDirectory()) return { kind: 'dir' as const, real: await realpath(link.path) };
      return undefined;
    } catch (err) {
      // A dangling link (ENOENT) or a link loop (ELOOP) is worth one warning, like upstream.
      result.problems.push(problemOf(link.path, err));
      return undefined;
    }
  });
  const starts: DirTask[] = [];
  links.forEach((link, i) => {
    const target = targets[i];
    if (target === undefined) return;
    if (target.kind === 'socket') sockets.push(link);
    else if (link.depth > maxDepth) result.problems.push(tooDeep(link.path, maxDepth));
    else if (!visited.has(target.real)) {
      visited.add(target.real);
      starts.push({ ...link, real: target.real });
    }
  });
  return starts;
}

/** Runs `fn` over `items` with at most CONCURRENCY in flight; results keep the input order. */
async function mapLimit<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let nextIndex = 0;
  const runner = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, runner));
  return results;
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

function byPath(a: { path: string }, b: { path: string }): number {
  // Code-unit order, like Go's sort of byte strings (plugin-protocol §1.1: ascending path order).
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
