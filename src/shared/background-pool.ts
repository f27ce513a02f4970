/**
 * The piscina pools of the host's bulk work: the merge of every plugin's report (report-task, one
 * pool on main) and the check of a large plugin report (large-report-task, one pool per shard). Each
 * is one thread that idles between bursts and runs at a lower CPU priority (thread-priority.ts).
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { BackgroundThreadData } from './protocol.js';
import { workerTarget } from './worker-url.js';

export interface BackgroundPoolOptions {
  /** Linux nice value of the thread (config `backgroundNice`). */
  readonly nice: number;
  /** V8's old-generation limit for the thread (report-builder.ts says why); absent: V8's default. */
  readonly maxOldGenerationSizeMb?: number;
  /** V8's young-generation size for the thread (report-builder.ts says when); absent: V8's default. */
  readonly maxYoungGenerationSizeMb?: number;
}

export function backgroundPool(task: 'report-task' | 'large-report-task', options: BackgroundPoolOptions): Piscina {
  const { file, extraWorkerData } = workerTarget(task);
  const data: BackgroundThreadData = { nice: options.nice };
  return new Piscina({
    filename: fileURLToPath(file),
    workerData: { ...data, ...extraWorkerData },
    resourceLimits: {
      ...(options.maxYoungGenerationSizeMb !== undefined ? { maxYoungGenerationSizeMb: options.maxYoungGenerationSizeMb } : {}),
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
