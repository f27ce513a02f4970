/**
 * The piscina pools of the host's bulk work: the merge of every plugin's report (report-task, one
 * pool on main) and the check of a large plugin report (large-report-task, one pool per shard). Each
 * is one thread that idles between bursts and runs at a lower CPU priority (thread-priority.ts).
 */
import { Piscina } from 'piscina';
import type { BackgroundThreadData } from './protocol.js';
import { workerPath } from './worker-url.js';

export interface BackgroundPoolOptions {
  /** Linux nice value of the thread (config `backgroundNice`). */
  readonly nice: number;
  /** V8's old-generation limit for the thread (report-builder.ts says why); absent: V8's default. */
  readonly maxOldGenerationSizeMb?: number;
}

/**
 * A task's garbage is short-lived and what survives is the result it returns, so a small young
 * generation is enough; V8's default on Node 24 grows it to 32 MB semi-spaces and keeps them
 * committed between tasks (docs/decisions/067-young-generations-node-24.md).
 */
export const BACKGROUND_YOUNG_GENERATION_MB = 16;

export function backgroundPool(task: 'report-task' | 'large-report-task', options: BackgroundPoolOptions): Piscina {
  return new Piscina({
    filename: workerPath(task),
    workerData: { nice: options.nice } satisfies BackgroundThreadData,
    resourceLimits: {
      maxYoungGenerationSizeMb: BACKGROUND_YOUNG_GENERATION_MB,
      ...(options.maxOldGenerationSizeMb !== undefined ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } : {}),
    },
    minThreads: 0,
    maxThreads: 1,
    // Between tasks the thread waits in its event loop, not in Atomics.wait, so V8's own idle
    // work (the memory reducer that gives freed heap pages back) can run there.
    atomics: 'disabled',
    // Warm between bursts (a publish every 3 s by default), dropped when idle longer.
    idleTimeout: 30_000,
  });
}
