import { byPath, type DiscoveredSocket, type ScanResult } from './socket-scanner.js';

/**
 * Turns one scan into the next plugin table, given the previous one. Pure, so the policy for
 * failed reads is testable without being able to make a directory unreadable (tests run as root).
 *
 * Policy (an operator's view of "what happened to my plugins"):
 * - Root missing (ENOENT/ENOTDIR) → empty table. The sockets lived in the root, so they are gone
 *   too; keeping actors polling dead paths would only produce connect errors. Upstream instead
 *   keeps the set (a stat failure is one case for it), which hides a deleted root for good.
 * - Root present but unreadable (EACCES, EIO, not a directory…) → previous table unchanged. The
 *   plugins are most likely still running; a transient or permission failure must not stop them,
 *   so a failed read keeps the old table. Warned once by the caller.
 * - A sub-path that fails the same way (a directory listing, a symlink's target) keeps the
 *   previously known sockets at or below that path, for the same reason. A sub-path that is gone
 *   (ENOENT: deleted directory, dangling symlink) keeps nothing.
 */

/** A socket replaced at the same path (new inode or birth time) is in both lists: removed old, added new. */
export interface DiscoveryDiff {
  added: DiscoveredSocket[];
  removed: DiscoveredSocket[];
}

export interface TableUpdate {
  /** The next table, path → socket; a new Map, never the previous one mutated. */
  table: ReadonlyMap<string, DiscoveredSocket>;
  diff: DiscoveryDiff;
  /** The root could not be read and the previous table was kept as a whole. */
  rootFailed: boolean;
}

const GONE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR']);

export function nextTable(previous: ReadonlyMap<string, DiscoveredSocket>, scan: ScanResult, rootPath: string): TableUpdate {
  if (scan.rootMissing) return { table: new Map(), diff: diffTables(previous, new Map()), rootFailed: false };
  if (scan.problems.some((p) => p.path === rootPath)) {
    return { table: previous, diff: { added: [], removed: [] }, rootFailed: true };
  }

  // scan.sockets is sorted, so the table iterates in ascending path order (the merge order).
  const table = new Map<string, DiscoveredSocket>();
  for (const socket of scan.sockets) table.set(socket.path, socket);
  const failed = scan.problems.filter((p) => !GONE_CODES.has(p.code)).map((p) => p.path);
  if (failed.length === 0) return { table, diff: diffTables(previous, table), rootFailed: false };
  for (const [path, socket] of previous) {
    if (!table.has(path) && failed.some((f) => path === f || path.startsWith(`${f}/`))) table.set(path, socket);
  }
  const sorted = sortedByPath(table);
  return { table: sorted, diff: diffTables(previous, sorted), rootFailed: false };
}

/** `scan` with `extra` sockets where it has none at their path, in path order as a scan lists them. */
export function withSockets(scan: ScanResult, extra: Iterable<DiscoveredSocket>): ScanResult {
  const candidates = [...extra];
  if (candidates.length === 0) return scan;
  const have = new Set(scan.sockets.map((s) => s.path));
  const more = candidates.filter((s) => !have.has(s.path));
  if (more.length === 0) return scan;
  return { ...scan, sockets: [...scan.sockets, ...more].sort(byPath) };
}

/** The table with one socket added (or replacing the one at its path), in path order. */
export function tableWith(previous: ReadonlyMap<string, DiscoveredSocket>, socket: DiscoveredSocket): ReadonlyMap<string, DiscoveredSocket> {
  const table = new Map(previous);
  table.set(socket.path, socket);
  return sortedByPath(table);
}

export function diffTables(before: ReadonlyMap<string, DiscoveredSocket>, after: ReadonlyMap<string, DiscoveredSocket>): DiscoveryDiff {
  const added: DiscoveredSocket[] = [];
  const removed: DiscoveredSocket[] = [];
  for (const [path, old] of before) {
    const now = after.get(path);
    if (now === undefined || !sameSocket(old, now)) removed.push(old);
  }
  for (const [path, now] of after) {
    const old = before.get(path);
    if (old === undefined || !sameSocket(old, now)) added.push(now);
  }
  return { added: added.sort(byPath), removed: removed.sort(byPath) };
}

/**
 * Identity is path + inode + birth time: a server that re-created its socket is a new plugin
 * process. The inode alone is not enough (ext4 reuses a freed inode at once).
 */
function sameSocket(a: DiscoveredSocket, b: DiscoveredSocket): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.birthtimeMs === b.birthtimeMs;
}

/** Re-sorts after kept entries were appended: plugins are kept in ascending path order. */
function sortedByPath(table: Map<string, DiscoveredSocket>): Map<string, DiscoveredSocket> {
  return new Map([...table.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
