/**
 * CPU priority of background threads (config `backgroundNice`).
 *
 * Polls are time-bound (each has a slot and a 500 ms deadline); building a merged report or
 * parsing a 40 MB plugin report is bulk work whose only cost of waiting is a later answer. When
 * the machine is short of CPU, the kernel should run the polls first. Linux keeps a nice value per
 * thread: `setpriority(PRIO_PROCESS, tid)` changes only that thread, and `/proc/thread-self`
 * names the calling thread's id. The measurement behind it:
 * docs/decisions/082-bulk-work-off-the-poll-path.md.
 *
 * Raising the nice value needs no privilege. Elsewhere (no /proc/thread-self) it is a no-op.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Piscina } from 'piscina';
import type { BackgroundThreadData } from '../shared/protocol.js';

/** Applies `nice` (0-19) to the calling thread; returns why not when it cannot. */
export function niceThisThread(nice: number): string | null {
  if (nice <= 0) return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return 'no thread id in /proc/thread-self';
    setPriority(tid, nice);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** For a piscina task file: applies the `nice` its pool passed in `workerData` (BackgroundThreadData). */
export function niceThisPiscinaThread(): string | null {
  return niceThisThread((Piscina.workerData as BackgroundThreadData | undefined)?.nice ?? 0);
}
