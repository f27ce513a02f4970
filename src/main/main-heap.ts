/**
 * The V8 flags the host process starts with, and the main thread's share of them.
 *
 * The main thread's young generation: 1 MB semi-spaces instead of V8's 16 MB. Main allocates
 * little (it does no work per poll), but what it allocates includes the merged report it serves:
 * bytes moved in from the builder thread, freed only when main collects the object that holds
 * them. With 16 MB semi-spaces those collections are seconds apart, and in between tens of MB of
 * served reports wait in a committed young generation; small semi-spaces are collected often
 * enough to free them soon (docs/decisions/062-thread-heap-shapes.md).
 *
 * Every thread's old generation: the next full collection comes once it has doubled since the
 * last one, where V8 lets a thread that allocates fast grow it up to fourfold. A shard's old
 * generation is mostly poll garbage that outlived two scavenges, so V8's factor kept up to three
 * times its live data committed (docs/decisions/090-what-each-plugin-holds.md).
 *
 * Only a command-line flag sizes the main thread's heap, so `npm start`, the `scope-plugin-host`
 * command and the bench start node with HOST_NODE_FLAGS. V8 also applies the semi-space flag to
 * every isolate created afterwards, over a worker's own `resourceLimits`, and the shard workers
 * need their large young generation (with small semi-spaces each poll's garbage is promoted;
 * 062). So once main's heap exists and before any worker starts, that flag is set back to
 * "unset".
 */
import { setFlagsFromString } from 'node:v8';

const MAIN_SEMI_SPACE = '--max-semi-space-size=1';
const HEAP_GROWTH = '--heap-growing-percent=100';

/** Node flags for the process that runs cli.js. */
export const HOST_NODE_FLAGS: readonly string[] = [MAIN_SEMI_SPACE, HEAP_GROWTH];

/**
 * Environment for the process that runs cli.js: glibc's malloc with a fixed mmap threshold.
 *
 * By default glibc raises the threshold to the size of the largest mapped block freed so far (up
 * to 32 MB), so after the first multi-MB snapshot pack or merged report has come and gone, the
 * next ones of that size are carved from the threads' malloc arenas, whose freed middles stay
 * resident. At 1 MiB every such block gets a mapping of its own that free() returns at once,
 * while the many small allocations (socket reads, one report each) stay in the arenas
 * (docs/decisions/086-fixed-mmap-threshold.md). Other C libraries ignore the variable.
 */
export const HOST_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(1024 * 1024) };

/**
 * Call before the first worker starts. Does nothing unless the process was started with
 * HOST_NODE_FLAGS; returns whether it reset anything.
 */
export function keepSemiSpaceFlagToMainThread(execArgv: readonly string[] = process.execArgv): boolean {
  if (!execArgv.includes(MAIN_SEMI_SPACE)) return false;
  // 0 is V8's "not set": later isolates take their size from their resourceLimits or V8's default.
  setFlagsFromString('--max-semi-space-size=0');
  return true;
}
