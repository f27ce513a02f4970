import { lstatSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { Logger } from 'pino';

/**
 * File watches on the directories below the plugin root that are worth watching, at most
 * `maxDirs` of them: those that hold sockets (per the last scan), and for `youngMs` those that
 * just appeared or just lost their last socket (a plugin creating its directory, or restarting).
 * Any event in one of them asks for a rescan, naming the entry it was about, so that a new socket
 * can be added at once; the rescan stays the source of truth, so a directory left unwatched costs
 * latency (until the periodic rescan), never correctness.
 *
 * Why not one recursive watcher: a watch costs memory per directory for as long as the directory
 * exists, so anyone who can write below the root could make the host grow without bound with
 * empty directories (docs/decisions/031-bounded-directory-watches.md). Here a directory costs one
 * `fs.watch` handle and one map entry while it is watched, both released when it goes or expires.
 */

export interface DirWatchesOptions {
  /** The resolved plugin root; it is watched elsewhere and never counted here. */
  root: string;
  maxDirs: number;
  /** Directories deeper than this below the root are not watched (nor scanned). */
  maxDepth: number;
  /** How long a directory without sockets stays watched after it appeared or emptied. */
  youngMs: number;
  logger: Logger;
  /** Something changed below a watched directory (at `path`, when the event named it): rescan soon. */
  onChange(path?: string): void;
}

interface Watched {
  readonly watcher: FSWatcher;
  /** When the watch ends unless a scan finds sockets in it; Infinity while it holds sockets. */
  expires: number;
}

export class DirWatches {
  readonly #o: DirWatchesOptions;
  readonly #dirs = new Map<string, Watched>();
  #sweep: NodeJS.Timeout | undefined;
  /** Directories not watched because of the cap, since start. */
  #refused = 0;
  #capLogged = false;
  readonly #loggedErrors = new Set<string>();
  #closed = false;

  constructor(options: DirWatchesOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#dirs.size;
  }

  get refused(): number {
    return this.#refused;
  }

  /** After each scan: the directories that hold sockets are watched (for as long as they do). */
  update(socketDirs: ReadonlySet<string>): void {
    const now = Date.now();
    for (const [dir, w] of this.#dirs) {
      if (socketDirs.has(dir)) w.expires = Infinity;
      else if (w.expires === Infinity) w.expires = now + this.#o.youngMs;
    }
    for (const dir of socketDirs) {
      if (dir === this.#o.root || this.#dirs.has(dir)) continue;
      // A directory with sockets outranks one that merely appeared.
      if (this.#dirs.size >= this.#o.maxDirs) this.#evictYoung();
      this.#add(dir, Infinity);
    }
  }

  /**
   * An entry at `path` appeared or vanished in a watched directory (or the root): a new directory
   * is watched for a while, with what it already holds; a vanished one is unwatched.
   */
  onEntry(path: string): void {
    if (this.#closed) return;
    // No exception for a vanished entry: deleting thousands of directories would allocate one each.
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat === undefined) {
      this.#remove(path);
      return;
    }
    if (stat.isDirectory() && !this.#dirs.has(path)) this.#addTree(path, Date.now() + this.#o.youngMs);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    for (const dir of [...this.#dirs.keys()]) this.#remove(dir);
  }

  /** Watches `dir` first, then walks what it already holds, so nothing created meanwhile is missed. */
  #addTree(dir: string, expires: number): void {
    if (this.#depth(dir) > this.#o.maxDepth || !this.#add(dir, expires)) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // Symlinked directories are left to the scan: following them here could walk a loop. Sockets
    // made before the watch began get no event of their own.
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && !this.#dirs.has(path)) this.#addTree(path, expires);
      else if (e.isSocket()) this.#o.onChange(path);
    }
  }

  #add(dir: string, expires: number): boolean {
    if (this.#closed) return false;
    if (this.#dirs.size >= this.#o.maxDirs) {
      this.#refuse(dir);
      return false;
    }
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => this.#onEvent(dir, name));
    } catch (err) {
      this.#logError(dir, err);
      return false;
    }
    watcher.on('error', (err) => {
      this.#logError(dir, err);
      this.#remove(dir);
      this.#o.onChange();
    });
    this.#dirs.set(dir, { watcher, expires });
    this.#sweep ??= setInterval(() => this.#expire(), Math.max(1000, this.#o.youngMs / 2)).unref();
    return true;
  }

  #onEvent(dir: string, name: string | Buffer | null): void {
    if (this.#closed) return;
    if (typeof name === 'string' && name !== '') {
      const path = join(dir, name);
      this.onEntry(path);
      // The watched directory itself was removed (the event names it).
      if (name === basename(dir) && !exists(dir)) this.#remove(dir);
      this.#o.onChange(path);
      return;
    }
    this.#o.onChange();
  }

  #remove(dir: string): void {
    const w = this.#dirs.get(dir);
    if (w === undefined) return;
    this.#dirs.delete(dir);
    w.watcher.close();
    if (this.#dirs.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
    if (this.#capLogged && this.#dirs.size <= this.#o.maxDirs * 0.9) this.#capLogged = false;
  }

  #expire(): void {
    const now = Date.now();
    for (const [dir, w] of this.#dirs) if (w.expires <= now) this.#remove(dir);
  }

  /** Makes room by dropping the oldest watch on a directory without sockets, if there is one. */
  #evictYoung(): void {
    for (const [dir, w] of this.#dirs) {
      if (w.expires !== Infinity) {
        this.#remove(dir);
        return;
      }
    }
  }

  #refuse(dir: string): void {
    this.#refused += 1;
    if (this.#capLogged) return;
    this.#capLogged = true;
    this.#o.logger.warn(
      { maxWatchedDirs: this.#o.maxDirs, path: dir },
      'watched directory cap reached (maxWatchedDirs); further directories are found by periodic rescans only',
    );
  }

  #logError(dir: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
    // A directory removed before it could be watched is not worth a line.
    if (code === 'ENOENT' || this.#loggedErrors.has(code)) return;
    this.#loggedErrors.add(code);
    this.#o.logger.warn({ err, code, path: dir }, 'cannot watch a plugin directory; relying on periodic rescans');
  }

  #depth(dir: string): number {
    const rel = relative(this.#o.root, dir);
    return rel === '' ? 0 : rel.split(sep).length;
  }
}

function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}
