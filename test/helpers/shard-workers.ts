/**
 * The shard worker threads of a host running in this process, found through Node's
 * `worker_threads` diagnostics channel (published for every new Worker), so a test can kill one
 * from outside as a fatal error would, without a hook in the host.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';

export interface ShardWorkers {
  /** The live worker of shard `index`, once it said Ready. */
  get(index: number): Worker | undefined;
  /** Indexes of the shards whose worker said Ready at least once, ascending. */
  started(): number[];
  stop(): void;
}

/** Start before the host does: only workers created afterwards are seen. */
export function watchShardWorkers(): ShardWorkers {
  const byShard = new Map<number, Worker>();
  const onWorker = (message: unknown) => {
    const { worker } = message as { worker: Worker };
    worker.on('message', (event: { kind?: string; shardIndex?: number }) => {
      // A shard announces itself with its index; report builder threads never send this.
      if (event?.kind === 'ready' && typeof event.shardIndex === 'number') byShard.set(event.shardIndex, worker);
    });
  };
  diagnosticsChannel.subscribe('worker_threads', onWorker);
  return {
    get: (index) => byShard.get(index),
    started: () => [...byShard.keys()].sort((a, b) => a - b),
    stop: () => diagnosticsChannel.unsubscribe('worker_threads', onWorker),
  };
}
