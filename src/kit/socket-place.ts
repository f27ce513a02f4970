/**
 * Where a plugin's socket lives and how it is cleaned up.
 *
 * The layout `<root>/<id>/<id>.sock` in a 0700 directory is what upstream documents
 * (docs/spec/plugin-protocol.md#plugin-side): the directory keeps other users off the socket, and
 * plugins must create the root themselves because the probe may not have. Cleanup matters because
 * a socket left behind is dialled and listed as broken on every poll until it is removed.
 */
import { existsSync, rmdirSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, rmdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';

/** Default plugin root of a Scope probe. */
export const DEFAULT_PLUGIN_ROOT = '/var/run/scope/plugins';

const ID_PATTERN = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

/** True if `id` is a plugin id the host accepts (docs/spec/plugin-protocol.md#plugin-ids). */
export function isValidPluginId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The id a host derives from a socket path: the basename without its last extension. */
export function pluginIdOfSocket(socketPath: string): string {
  const base = basename(socketPath);
  return base.slice(0, base.length - extname(base).length);
}

/** The default socket path for `id` under `root`: `<root>/<id>/<id>.sock`. */
export function defaultSocketPath(root: string, id: string): string {
  return join(root, id, `${id}.sock`);
}

/** A prepared socket location: what the kit created, so it removes exactly that and nothing else. */
export interface SocketPlace {
  readonly socketPath: string;
  /** The directory the kit made for the socket, or null if it already existed. */
  readonly createdDir: string | null;
}

/**
 * Makes sure the socket's directory exists (creating the root if missing and the socket's own
 * directory with mode 0700) and that nothing stale sits at the path. A leftover socket file from a
 * crashed run is removed; a socket someone still listens on, or a non-socket file, is an error:
 * we never delete a live plugin's socket or a user's file.
 */
export async function prepareSocketPlace(socketPath: string): Promise<SocketPlace> {
  const dir = dirname(socketPath);
  let createdDir: string | null = null;
  if (!existsSync(dir)) {
    await mkdir(dirname(dir), { recursive: true });
    try {
      // Not recursive: the mode must land on this directory, and a concurrent creator is fine.
      await mkdir(dir, { mode: 0o700 });
      createdDir = dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  await removeStaleSocket(socketPath);
  return { socketPath, createdDir };
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isSocket()) {
    throw Object.assign(new Error(`${socketPath} exists and is not a socket; refusing to replace it`), {
      code: 'EEXIST',
    });
  }
  if (await someoneListens(socketPath)) {
    throw Object.assign(new Error(`another process is listening on ${socketPath}`), { code: 'EADDRINUSE' });
  }
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

function someoneListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(socketPath);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    // ECONNREFUSED (stale file) or ENOENT (raced away): nobody home.
    sock.once('error', () => resolve(false));
  });
}

/** Removes the socket and, if the kit created it and it is now empty, its directory. */
export async function removeSocketPlace(place: SocketPlace): Promise<void> {
  await unlink(place.socketPath).catch(() => undefined);
  await removeCreatedDir(place);
}

/** Removes the directory the kit created for the socket, if it is empty. */
export async function removeCreatedDir(place: SocketPlace): Promise<void> {
  if (place.createdDir !== null) await rmdir(place.createdDir).catch(() => undefined);
}

function removeSocketPlaceSync(place: SocketPlace): void {
  try {
    unlinkSync(place.socketPath);
  } catch {
    // already gone
  }
  if (place.createdDir !== null) {
    try {
      rmdirSync(place.createdDir);
    } catch {
      // not empty or already gone: leave it
    }
  }
}

// One process-wide `exit` listener for all servers, not one per server: the benchmark fleet runs
// 10 000 plugin servers in one process and would otherwise trip MaxListenersExceededWarning.
const placesToRemoveOnExit = new Set<SocketPlace>();
let exitHookInstalled = false;

/** Removes `place` synchronously when the process exits (normal exit or `process.exit()`). */
export function removeOnProcessExit(place: SocketPlace): void {
  placesToRemoveOnExit.add(place);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of placesToRemoveOnExit) removeSocketPlaceSync(p);
      placesToRemoveOnExit.clear();
    });
  }
}

/** Undoes `removeOnProcessExit` (after a normal close). */
export function forgetOnProcessExit(place: SocketPlace): void {
  placesToRemoveOnExit.delete(place);
}
