/**
 * ShardHandle against a real shard worker thread, with a scripted ShardListener. The restart
 * delays run on node:test's mock clock, so the crash-loop guard is checked to its 30 s cap
 * without waiting for it; the workers themselves start and die for real.
 */
import { afterEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Worker } from 'node:worker_threads';
import { ErrorCode, HostError } from '../../../src/shared/errors.js';
import type { LogEvent, PluginAssignment, PluginState, StatsEvent } from '../../../src/shared/protocol.js';
import { ShardHandle, type ShardListener } from '../../../src/main/shard-handle.js';
import { shardConfig } from '../../helpers/shard-config.js';
import { watchShardWorkers } from '../../helpers/shard-workers.js';

/** Records what the handle tells its owner; `next(kind)` waits for that call. */
class ScriptedListener implements ShardListener {
  readonly calls: Array<{ kind: string; args: unknown[] }> = [];
  assigned: PluginAssignment[] = [];
  readonly #waiters: Array<{ kind: string; resolve: (args: unknown[]) => void }> = [];

  assignments(shard: number): PluginAssignment[] {
    this.#record('assignments', [shard]);
    return this.assigned;
  }
  states(shard: number, states: readonly PluginState[]): void {
    this.#record('states', [shard, states]);
  }
  log(shard: number, event: LogEvent): void {
    this.#record('log', [shard, event]);
  }
  stats(shard: number, event: StatsEvent): void {
    this.#record('stats', [shard, event]);
  }
  crashed(shard: number, error: string, restartInMs: number): void {
    this.#record('crashed', [shard, error, restartInMs]);
  }
  restarted(shard: number): void {
    this.#record('restarted', [shard]);
  }

  next(kind: string): Promise<unknown[]> {
    return new Promise((resolve) => this.#waiters.push({ kind, resolve }));
  }

  count(kind: string): number {
    return this.calls.filter((c) => c.kind === kind).length;
  }

  #record(kind: string, args: unknown[]): void {
    this.calls.push({ kind, args });
    for (const w of this.#waiters.filter((x) => x.kind === kind)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(args);
    }
  }
}

/** V8's collector, callable without starting the test process with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('ShardHandle', () => {
  const handles: ShardHandle[] = [];
  afterEach(async () => {
    mock.timers.reset();
    await Promise.all(handles.splice(0).map((h) => h.close()));
  });

  /** A started handle of shard 0 with a scripted listener, closed after the test. */
  async function started(): Promise<ShardHandle> {
    const handle = new ShardHandle(0, shardConfig, new ScriptedListener());
    handles.push(handle);
    await handle.start();
    return handle;
  }

  test('start resolves once the worker is ready and hands it the assigned plugins; call reaches the api', async () => {
    const listener = new ScriptedListener();
    const handle = new ShardHandle(3, { ...shardConfig, shardIndex: 3 }, listener);
    handles.push(handle);
    assert.equal(handle.ready, false);
    await assert.rejects(
      handle.call((api) => api.readout(0)),
      (err: HostError) => err.code === ErrorCode.WORKER_CRASHED,
    );
    await handle.start();
    assert.equal(handle.ready, true);
    assert.deepEqual(listener.calls.find((c) => c.kind === 'assignments')?.args, [3]);
    const counters = await handle.call((api) => api.readout(0));
    assert.deepEqual(counters.states, []);
    await handle.close();
    assert.equal(handle.ready, false);
    await handle.close(); // idempotent
  });

  test('a worker that dies is restarted on a doubling delay from 250 ms to the 30 s cap; the window of 60 s resets it', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const workers = watchShardWorkers();
    try {
      const listener = new ScriptedListener();
      const handle = new ShardHandle(0, shardConfig, listener);
      handles.push(handle);
      await handle.start();
      const delays: number[] = [];
      let worker: Worker | undefined = workers.get(0);
      for (let crash = 0; crash < 8; crash++) {
        const crashed = listener.next('crashed');
        await worker!.terminate();
        const [, reason, delay] = (await crashed) as [number, string, number];
        assert.match(reason, /exited/);
        delays.push(delay);
        assert.equal(handle.ready, false);
        await assert.rejects(
          handle.call((api) => api.readout(0)),
          (err: HostError) => err.code === ErrorCode.WORKER_CRASHED,
        );
        // One millisecond short of the delay, nothing restarts.
        mock.timers.tick(delay - 1);
        assert.equal(listener.count('restarted'), crash);
        const restarted = listener.next('restarted');
        mock.timers.tick(1);
        await restarted;
        assert.equal(handle.restarts, crash + 1);
        assert.equal(handle.ready, true);
        const next = workers.get(0);
        assert.notEqual(next, worker, 'a new worker thread');
        worker = next;
      }
      assert.deepEqual(delays, [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
      // Every (re)started worker asked for its plugins again.
      assert.equal(listener.count('assignments'), 9);

      // Crashes older than a minute no longer count.
      mock.timers.tick(60_000);
      const crashed = listener.next('crashed');
      await worker!.terminate();
      assert.equal((await crashed)[2], 250);
    } finally {
      workers.stop();
    }
  });

  test('close during a pending restart cancels it', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const workers = watchShardWorkers();
    try {
      const listener = new ScriptedListener();
      const handle = new ShardHandle(0, shardConfig, listener);
      await handle.start();
      const crashed = listener.next('crashed');
      await workers.get(0)!.terminate();
      await crashed;
      await handle.close();
      mock.timers.tick(60_000);
      assert.equal(listener.count('assignments'), 1, 'no worker started after close');
      assert.equal(handle.restarts, 0);
    } finally {
      workers.stop();
    }
  });

  test('a call the worker does not answer in time fails with HOST_INTERNAL', async () => {
    const handle = await started();
    mock.timers.enable({ apis: ['setTimeout'] });
    const never = handle.call(() => new Promise<never>(() => {}), 1_000);
    mock.timers.tick(999);
    mock.timers.tick(1);
    await assert.rejects(never, (err: HostError) => err.code === ErrorCode.INTERNAL && /within 1000 ms/.test(err.message));
  });

  test('a call in flight when the worker dies fails with HOST_WORKER_CRASHED', async () => {
    const workers = watchShardWorkers();
    try {
      const handle = await started();
      const pending = handle.call(() => new Promise<never>(() => {}), 60_000);
      await workers.get(0)!.terminate();
      await assert.rejects(pending, (err: HostError) => err.code === ErrorCode.WORKER_CRASHED && /exit code/.test(err.message));
    } finally {
      workers.stop();
    }
  });

  test('a settled call keeps nothing: its result can be collected while the worker lives', async () => {
    const handle = await started();
    const gc = collector();
    const results: WeakRef<object>[] = [];
    for (let i = 0; i < 20; i++) {
      // Like a snapshot: the plugins' specs come back in the answer, once per publish.
      results.push(new WeakRef(await handle.call(async (api) => ({ answer: await api.readout(0), specs: new Array(1_000).fill(i) }))));
    }
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(results.filter((r) => r.deref() !== undefined).length, 0, 'results still reachable after their calls settled');
  });
});
