import { statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, HostError } from '../../shared/errors.js';
import { DirWatches } from './dir-watches.js';
import { isValidPluginId, pluginIdFromPath } from './plugin-id.js';
import { nextTable, tableWith, withSockets, type DiscoveryDiff } from './scan-table.js';
import { DEFAULT_MAX_DEPTH, discoveredSocket, scanSockets, type DiscoveredSocket, type ScanProblem, type ScanResult } from './socket-scanner.js';

export type { DiscoveryDiff } from './scan-table.js';
export type { DiscoveredSocket } from './socket-scanner.js';

/**
 * Plugin discovery: keeps a table path → socket of the plugins under `root` and reports changes.
 *
 * Why rescans and not watcher bookkeeping: a full scan is the only source of truth. Watch events
 * trigger a debounced full rescan so a change is seen well before `rescanIntervalMs`; a missed
 * event, a failed watch or an inotify limit cost latency, never correctness, because the periodic
 * rescan runs anyway. An event that names a new socket also adds it at once (a few of them per
 * scan), because the rescan after an event waits ten times the last scan's duration; the scan
 * that follows finds the same socket, so nothing changes. Removals wait for the scan
 * (docs/decisions/085-sockets-added-from-watch-events.md).
 *
 * What is watched (dir-watches.ts): the root, the directories that hold sockets, and for a while
 * the directories that just appeared or just lost their sockets, at most `maxWatchedDirs` besides
 * the root. Not every directory: a watch costs memory for as long as its directory exists, and
 * anyone who can write below the root could otherwise grow the host without bound with empty
 * directories (docs/decisions/031-bounded-directory-watches.md).
 *
 * A watched path that does not exist yet reports nothing when it is created, and a watched root
 * that is deleted and re-created is not picked up again. Hence: no watcher while the root is
 * missing (a cheap 500 ms stat retry runs instead, so a root created later — even several levels
 * deep — is found within a second; upstream needs a restart), and the root's watcher is re-created
 * whenever the root's inode changes (docs/spec/plugin-protocol.md#missing-or-unreadable-root).
 */

export interface DiscoveryOptions {
  /** Plugin root. `""` disables plugins: no scanning, no watching, no errors logged. */
  root: string;
  /**
   * Full rescan period, the safety net behind the watcher; longer when scans are slow
   * (`rescanDelay`).
   */
  rescanIntervalMs: number;
  logger: Logger;
  /** Called after each applied scan that changed the table (also for the first scan). */
  onDiff: (diff: DiscoveryDiff) => void;
  /** Coalesce bursts of watcher events into one rescan. Default 20 ms. */
  debounceMs?: number;
  /** Directories deeper than this below the root are not scanned. Default 32. */
  maxDepth?: number;
  /** Use file watches for immediate add/remove. Default true; with `false` changes are seen at the next periodic rescan only. */
  watch?: boolean;
  /** Most directories watched besides the root. Default DEFAULT_MAX_WATCHED_DIRS. */
  maxWatchedDirs?: number;
  /** How long a new or emptied directory stays watched without sockets. Default 60 s. */
  youngDirMs?: number;
}

export const DEFAULT_MAX_WATCHED_DIRS = 10_000;
const DEFAULT_YOUNG_DIR_MS = 60_000;

/** Sockets added straight from watch events between two scans; more wait for the scan. */
export const QUICK_ADDS_PER_SCAN = 64;

/** While the root is missing, how often to look for it (a stat, nothing more). */
const MISSING_ROOT_RETRY_MS = 500;

function invalid(message: string): HostError {
  return new HostError(ErrorCode.CONFIG_INVALID, message);
}

type RootState = 'unknown' | 'present' | 'missing' | 'failed';

/** What an operator needs to know about the plugins root, for health and metrics. */
export type RootCondition = 'disabled' | 'unknown' | 'present' | 'missing' | 'not-a-directory' | 'unreadable';

export interface RootStatus {
  readonly path: string;
  readonly state: RootCondition;
  /** errno code and message when the root cannot be read (`not-a-directory`, `unreadable`). */
  readonly code?: string;
  readonly error?: string;
}

/**
 * Periodic rescans may take at most 1/RESCAN_COST_SHARE of the time (1 %), because a scan of
 * thousands of sockets is a burst of main-thread work that makes polls late on a busy machine
 * (docs/decisions/080-discovery-scans.md). New sockets do not wait for it: watch events trigger
 * their own rescan.
 */
const RESCAN_COST_SHARE = 100;

/** Delay before the next rescan: `minMs`, or `spacing` times the last scan when that is longer. */
export function rescanDelay(minMs: number, lastScanMs: number, spacing = RESCAN_COST_SHARE): number {
  return Math.max(minMs, Math.ceil(lastScanMs * spacing));
}

/**
 * In a storm of watch events, a rescan waits at least EVENT_SCAN_SPACING times as long as the last
 * one took: a root of tens of thousands of entries, churned, would otherwise be rescanned back to
 * back, keeping main busy and piling up garbage (each scan lists the whole tree).
 */
export const EVENT_SCAN_SPACING = 10;

export class Discovery {
  readonly #root: string;
  readonly #rootPath: string;
  #rescanIntervalMs: number;
  readonly #debounceMs: number;
  readonly #maxDepth: number;
  readonly #watchEnabled: boolean;
  readonly #maxWatchedDirs: number;
  readonly #youngDirMs: number;
  readonly #log: Logger;
  readonly #onDiff: (diff: DiscoveryDiff) => void;

  // Owned by this object and replaced (never mutated) on each applied scan, so a caller holding
  // `current` keeps a consistent point-in-time snapshot.
  #table: ReadonlyMap<string, DiscoveredSocket> = new Map();
  #scans = 0;
  /** Wall time of the last full scan, ms. */
  #lastScanMs = 0;
  /** Sockets added from watch events since the last scan began: a scan that began before them does not remove them. */
  #quickAdds = new Map<string, DiscoveredSocket>();
  #rootState: RootState = 'unknown';
  /** Why the root failed at the last scan, when it did. */
  #rootProblem: ScanProblem | undefined;

  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  /** The scan running now, and the one queued behind it: at most one of each (coalescing). */
  #inFlight: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  #periodic: NodeJS.Timeout | undefined;
  #missingRetry: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  /** `dev:ino` of the root the current watcher was created on. */
  #watchedRoot: string | undefined;
  #dirWatches: DirWatches | undefined;
  /** Cap refusals counted by DirWatches instances already closed (the root was replaced). */
  #refusedBefore = 0;

  // Log-once bookkeeping: an entry lives while the condition persists, so a condition that goes
  // away and comes back is logged again, but a steady one is logged once, not every scan.
  #loggedInvalid = new Set<string>();
  #loggedProblems = new Set<string>();
  readonly #loggedWatcherErrors = new Set<string>();

  constructor(options: DiscoveryOptions) {
    if (typeof options.root !== 'string') throw invalid('discovery: root must be a string');
    if (!(options.rescanIntervalMs > 0) || !Number.isFinite(options.rescanIntervalMs)) {
      throw invalid(`discovery: rescanIntervalMs must be a positive number, got ${options.rescanIntervalMs}`);
    }
    const debounceMs = options.debounceMs ?? 20;
    if (!(debounceMs >= 0) || !Number.isFinite(debounceMs)) {
      throw invalid(`discovery: debounceMs must be a non-negative number, got ${debounceMs}`);
    }
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isInteger(maxDepth) || maxDepth < 0) {
      throw invalid(`discovery: maxDepth must be a non-negative integer, got ${maxDepth}`);
    }
    this.#root = options.root;
    this.#rootPath = options.root === '' ? '' : resolve(options.root);
    this.#rescanIntervalMs = options.rescanIntervalMs;
    this.#debounceMs = debounceMs;
    this.#maxDepth = maxDepth;
    this.#watchEnabled = options.watch ?? true;
    const maxWatchedDirs = options.maxWatchedDirs ?? DEFAULT_MAX_WATCHED_DIRS;
    if (!Number.isInteger(maxWatchedDirs) || maxWatchedDirs < 0) {
      throw invalid(`discovery: maxWatchedDirs must be a non-negative integer, got ${maxWatchedDirs}`);
    }
    this.#maxWatchedDirs = maxWatchedDirs;
    this.#youngDirMs = options.youngDirMs ?? DEFAULT_YOUNG_DIR_MS;
    this.#log = options.logger.child({ component: 'discovery' });
    this.#onDiff = options.onDiff;
  }

  /** Resolves after the first full scan has been applied. Repeat calls share the first. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#closed) return;
    if (this.#root === '') {
      this.#log.info('plugin root is empty; plugins disabled');
      return;
    }
    await this.rescanNow();
    this.#schedulePeriodic();
  }

  #schedulePeriodic(): void {
    if (this.#closed) return;
    // Timers are unref'd: discovery must never be what keeps a process alive.
    this.#periodic = setTimeout(
      () => {
        this.rescanNow()
          .catch((err: unknown) => this.#log.error({ err }, 'periodic plugin rescan failed'))
          .finally(() => this.#schedulePeriodic());
      },
      rescanDelay(this.#rescanIntervalMs, this.#lastScanMs),
    ).unref();
  }

  /**
   * One full scan now. If a scan is running, the returned promise settles after a scan that
   * started after this call (at most one is queued, shared by all callers meanwhile).
   */
  rescanNow(): Promise<void> {
    if (this.#closed || this.#root === '') return Promise.resolve();
    if (this.#queued !== undefined) return this.#queued;
    if (this.#inFlight !== undefined) {
      this.#queued = this.#inFlight.then(() => {
        this.#queued = undefined;
        return this.#startScan();
      });
      return this.#queued;
    }
    return this.#startScan();
  }

  get current(): ReadonlyMap<string, DiscoveredSocket> {
    return this.#table;
  }

  get scans(): number {
    return this.#scans;
  }

  /** Directories watched besides the root, and those refused by `maxWatchedDirs` since start. */
  get watchedDirs(): { watched: number; refused: number } {
    return { watched: this.#dirWatches?.size ?? 0, refused: this.#refusedBefore + (this.#dirWatches?.refused ?? 0) };
  }

  /** A config reload's new rescan period; the rescan already scheduled keeps its time. */
  setRescanInterval(ms: number): void {
    this.#rescanIntervalMs = ms;
  }

  /** The root's condition at the last applied scan. */
  get root(): RootStatus {
    const path = this.#rootPath;
    if (this.#root === '') return { path, state: 'disabled' };
    if (this.#rootState !== 'failed') return { path, state: this.#rootState };
    const problem = this.#rootProblem;
    const state = problem?.code === 'ENOTDIR' ? 'not-a-directory' : 'unreadable';
    return problem === undefined ? { path, state } : { path, state, code: problem.code, error: problem.message };
  }

  /** Idempotent. Stops the watcher and timers; no `onDiff` is called once this resolves. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#periodic);
    clearInterval(this.#missingRetry);
    clearTimeout(this.#debounce);
    this.#stopWatcher();
    await Promise.all([this.#inFlight, this.#queued]);
  }

  #startScan(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const scan = this.#scanAndApply().finally(() => {
      if (this.#inFlight === scan) this.#inFlight = undefined;
    });
    this.#inFlight = scan;
    return scan;
  }

  async #scanAndApply(): Promise<void> {
    let scan: ScanResult;
    const started = performance.now();
    this.#quickAdds = new Map();
    try {
      scan = await scanSockets(this.#root, { maxDepth: this.#maxDepth });
      this.#lastScanMs = performance.now() - started;
    } catch (err) {
      // scanSockets reports fs trouble as data; a throw is a bug. Keep the table, say so.
      this.#log.error({ err }, 'plugin scan failed; keeping the current plugin set');
      return;
    }
    if (this.#closed) return;
    this.#scans += 1;
    // Sockets added from events while this scan ran: it may have looked before they existed.
    this.#apply(withSockets(scan, this.#quickAdds.values()));
  }

  #apply(scan: ScanResult): void {
    const update = nextTable(this.#table, scan, this.#rootPath);
    this.#logRootState(scan, update.rootFailed);
    this.#logOnce(scan, update.rootFailed);
    this.#table = update.table;
    this.#manageWatch(scan);

    const { added, removed } = update.diff;
    if (added.length === 0 && removed.length === 0) return;
    for (const s of removed) this.#log.debug({ path: s.path, id: s.id, ino: s.ino }, 'plugin socket removed');
    for (const s of added) this.#log.debug({ path: s.path, id: s.id, ino: s.ino }, 'plugin socket added');
    this.#notify(update.diff);
  }

  #notify(diff: DiscoveryDiff): void {
    try {
      this.#onDiff(diff);
    } catch (err) {
      // The table is already applied; a throwing consumer must not stop discovery.
      this.#log.error({ err }, 'discovery onDiff handler threw');
    }
  }

  #logRootState(scan: ScanResult, rootFailed: boolean): void {
    const state: RootState = scan.rootMissing ? 'missing' : rootFailed ? 'failed' : 'present';
    const before = this.#rootState;
    this.#rootState = state;
    this.#rootProblem = rootFailed ? scan.problems.find((p) => p.path === this.#rootPath) : undefined;
    const root = this.#rootPath;
    if (state === 'missing' && before !== 'missing') {
      // A missing root at start-up is as often a typo as a node with no plugins yet, so it is
      // said as loudly as a root that disappears later.
      if (before === 'unknown') this.#log.warn({ root }, 'plugin root does not exist; waiting for it to appear (check pluginsRoot)');
      else this.#log.warn({ root }, 'plugin root disappeared; all plugins removed, waiting for it to reappear');
    } else if (state === 'present' && (before === 'missing' || before === 'failed')) {
      this.#log.info({ root }, before === 'missing' ? 'plugin root appeared' : 'plugin root readable again');
    }
    // A failed root is logged through the problem list (once per code) in #logOnce.
  }

  #logOnce(scan: ScanResult, rootFailed: boolean): void {
    // On a failed root only the root's problem is known; keep the other entries so that
    // sub-path warnings are not repeated when the root recovers in the same state.
    const problems = new Set<string>(rootFailed ? this.#loggedProblems : []);
    for (const p of scan.problems) {
      const key = `${p.code}\0${p.path}`;
      problems.add(key);
      if (this.#loggedProblems.has(key)) continue;
      if (p.path === this.#rootPath) {
        this.#log.warn({ root: p.path, code: p.code, error: p.message }, 'plugin root unreadable; keeping the current plugin set');
      } else {
        this.#log.warn({ path: p.path, code: p.code, error: p.message }, 'plugin path unreadable; skipped');
      }
    }
    this.#loggedProblems = problems;
    if (rootFailed) return;

    const invalid = new Set<string>();
    for (const { path, id } of scan.invalid) {
      invalid.add(path);
      if (!this.#loggedInvalid.has(path)) this.#log.warn({ path, id }, 'invalid plugin id; socket ignored');
    }
    this.#loggedInvalid = invalid;
  }

  /** Watches while the root exists (re-created if the root was replaced), stat retry while not. */
  #manageWatch(scan: ScanResult): void {
    if (scan.rootMissing) {
      this.#stopWatcher();
      this.#missingRetry ??= setInterval(() => void this.rescanNow(), MISSING_ROOT_RETRY_MS).unref();
      return;
    }
    clearInterval(this.#missingRetry);
    this.#missingRetry = undefined;
    if (!this.#watchEnabled || scan.rootId === undefined) return;
    const rootKey = `${scan.rootId.dev}:${scan.rootId.ino}`;
    if (this.#watcher === undefined || this.#watchedRoot !== rootKey) {
      this.#stopWatcher();
      this.#startWatcher(rootKey);
    }
    this.#dirWatches?.update(new Set(scan.sockets.map((s) => dirname(s.path))));
  }

  #startWatcher(rootKey: string): void {
    const root = this.#rootPath;
    const dirs = new DirWatches({
      root,
      maxDirs: this.#maxWatchedDirs,
      maxDepth: this.#maxDepth,
      youngMs: this.#youngDirMs,
      logger: this.#log,
      onChange: (path) => this.#trigger(path),
    });
    let watcher: FSWatcher;
    try {
      watcher = watch(root, { persistent: false }, (_event, name) => {
        const path = typeof name === 'string' && name !== '' ? join(root, name) : undefined;
        if (path !== undefined) dirs.onEntry(path);
        this.#trigger(path);
      });
    } catch (err) {
      this.#watcherError(err);
      return;
    }
    watcher.on('error', (err) => {
      this.#watcherError(err);
      // Re-created by the next scan that finds the root.
      if (this.#watcher === watcher) this.#stopWatcher();
      this.#trigger();
    });
    this.#watcher = watcher;
    this.#watchedRoot = rootKey;
    this.#dirWatches = dirs;
    // Sockets and directories created between our scan and the watch: one rescan closes that gap.
    this.#trigger();
  }

  #watcherError(err: unknown): void {
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
    if (this.#loggedWatcherErrors.has(code)) return;
    this.#loggedWatcherErrors.add(code);
    this.#log.warn({ err, code }, 'plugin root watcher error; relying on periodic rescans');
  }

  #stopWatcher(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watchedRoot = undefined;
    if (this.#dirWatches !== undefined) {
      this.#refusedBefore += this.#dirWatches.refused;
      this.#dirWatches.close();
      this.#dirWatches = undefined;
    }
  }

  /**
   * A new socket named by a watch event, added at once: what the scan would make of it, checked
   * the way the scan checks it. At most QUICK_ADDS_PER_SCAN per scan; a burst (a fleet starting)
   * waits for the scan, which handles thousands in one pass.
   */
  #quickAdd(path: string): void {
    if (this.#closed || this.#table.has(path) || this.#quickAdds.size >= QUICK_ADDS_PER_SCAN) return;
    const id = pluginIdFromPath(path);
    if (!isValidPluginId(id)) return;
    let socket: DiscoveredSocket | undefined;
    try {
      socket = discoveredSocket(path, id, statSync(path, { throwIfNoEntry: false }));
    } catch {
      return; // a symlink loop, a permission: the scan reports what it finds
    }
    if (socket === undefined) return;
    this.#quickAdds.set(path, socket);
    this.#table = tableWith(this.#table, socket);
    this.#log.debug({ path, id, ino: socket.ino }, 'plugin socket added');
    this.#notify({ added: [socket], removed: [] });
  }

  /** Coalesces a burst of events: the first arms a timer, later ones ride on it (no starvation). */
  #trigger(path?: string): void {
    if (!this.#closed && this.#debounce === undefined) {
      this.#debounce = setTimeout(
        () => {
          this.#debounce = undefined;
          void this.rescanNow();
        },
        rescanDelay(this.#debounceMs, this.#lastScanMs, EVENT_SCAN_SPACING),
      ).unref();
    }
    if (path !== undefined) this.#quickAdd(path);
  }
}
