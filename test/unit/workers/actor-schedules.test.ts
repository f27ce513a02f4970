/**
 * When a plugin actor asks its plugin, on node:test's mock clock: the handshake retry backoff and
 * the failure backoff of polls, and the return to the poll grid after a good answer. The plugin is
 * a real HTTP server on a unix socket; only setTimeout and Date are mocked, so each request and
 * answer is real while the seconds between them take no time.
 */
import { after, afterEach, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ShardConfig } from '../../../src/shared/protocol.js';
import { PluginActor, type ActorContext } from '../../../src/workers/plugin-actor.js';
import { PollSlots } from '../../../src/workers/poll-slots.js';
import { shardConfig } from '../../helpers/shard-config.js';
import { tempDir } from '../../helpers/tmp.js';
import { serveHttp, type Running } from '../../helpers/unix-servers.js';

/** Slots that note the (mock) time of every request an actor starts, and whether one is in flight. */
class WatchedSlots extends PollSlots {
  readonly starts: number[] = [];
  pending = 0;
  override async acquire(): Promise<() => void> {
    this.starts.push(Date.now());
    this.pending++;
    const release = await super.acquire();
    return () => {
      this.pending--;
      release();
    };
  }
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** After a tick: let a started request finish for real and the actor arm its next timer. */
async function settle(slots: WatchedSlots): Promise<void> {
  const giveUp = performance.now() + 5_000;
  for (let quiet = 0; quiet < 3;) {
    await immediate();
    quiet = slots.pending === 0 ? quiet + 1 : 0;
    if (performance.now() > giveUp) throw new Error('a request did not finish within 5 s of real time');
  }
}

/** Advance the mock clock by `ms` in small steps, letting each request run to its end. */
async function advance(slots: WatchedSlots, ms: number, step = 5): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    mock.timers.tick(step);
    await settle(slots);
  }
}

function context(config: ShardConfig, slots: WatchedSlots): ActorContext {
  let seq = 0;
  return {
    config,
    slots,
    // A shard at scale: every plugin on its own 50 ms slot of the grid.
    plugins: () => 1000,
    nextSeq: () => ++seq,
    log: () => {},
    changed: () => {},
    summarizeLarge: () => Promise.reject(new Error('no large reports in these tests')),
    polled: () => {},
    validateLarge: () => Promise.reject(new Error('no large reports here')),
  };
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('plugin actor schedules on mock timers', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const servers: Running[] = [];
  const actors: PluginActor[] = [];
  before(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    mock.timers.reset();
    await Promise.all(actors.splice(0).map((a) => a.stop()));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await dir.cleanup();
  });

  const report = (id: string) => JSON.stringify({ Plugins: [{ id, label: id, interfaces: ['reporter'], api_version: '1' }] });

  test('handshake retries back off from 50 ms doubling to 200 ms (±20 %), then the plugin is polled', async () => {
    const socket = join(dir.path, 'shy.sock');
    let handshakes = 0;
    servers.push(
      await serveHttp(socket, (req, res) => {
        if (req.url?.split('?')[0] === '/') {
          // Five crashes (era unknown, so retried), then a current-era 404.
          res.writeHead(++handshakes <= 5 ? 500 : 404).end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(report('shy'));
        }
      }),
    );
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const slots = new WatchedSlots(8);
    const actor = new PluginActor(socket, 'shy', context({ ...shardConfig, handshakeRetryInitialMs: 50, handshakeRetryMaxMs: 200 }, slots));
    actors.push(actor);
    actor.start();
    await advance(slots, 1_000, 1);
    assert.equal(handshakes, 6);
    const retries = gaps(slots.starts.slice(0, 6));
    const bases = [50, 100, 200, 200, 200];
    retries.forEach((gap, i) => {
      assert.ok(gap >= bases[i]! * 0.8 - 1 && gap <= bases[i]! * 1.2 + 1, `retry ${i + 1}: ${gap} ms, want ${bases[i]} ms ±20 % (${retries.join(', ')})`);
    });
    assert.equal(actor.state.spec.status, 'ok');
  });

  test('failed polls back off 1, 2, 4, 8, 8 s on the poll grid; one good answer brings back the interval', async () => {
    const socket = join(dir.path, 'moody.sock');
    let failing = true;
    servers.push(
      await serveHttp(socket, (req, res) => {
        if (req.url?.split('?')[0] === '/') res.writeHead(404).end();
        else if (failing) res.writeHead(500).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(report('moody'));
      }),
    );
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5_000_000 });
    const slots = new WatchedSlots(8);
    const actor = new PluginActor(socket, 'moody', context({ ...shardConfig, pollIntervalMs: 1_000, failureBackoffMaxMs: 8_000 }, slots));
    actors.push(actor);
    actor.start();
    // handshake + first poll at once, then 5 failed polls' waits: 1+2+4+8+8 s (± half an interval).
    await advance(slots, 24_000, 10);
    const polls = slots.starts.slice(1); // [0] is the handshake
    const failedGaps = gaps(polls).slice(0, 5);
    [1_000, 2_000, 4_000, 8_000, 8_000].forEach((want, i) => {
      const got = failedGaps[i];
      assert.ok(got !== undefined && got >= want - 500 && got < want + 510, `gap ${i + 1}: ${got} ms, want ${want} ±500 (${failedGaps.join(', ')})`);
    });
    assert.ok(actor.counters.consecutiveFailures >= 5);

    failing = false;
    await advance(slots, 9_000, 10);
    assert.equal(actor.state.spec.status, 'ok');
    const before = slots.starts.length;
    await advance(slots, 5_000, 10);
    const recent = gaps(slots.starts.slice(before - 1));
    assert.ok(recent.length >= 4, `polled every second again: ${recent.join(', ')}`);
    for (const gap of recent) assert.ok(gap >= 990 && gap <= 1_010, `on the 1 s grid: ${recent.join(', ')}`);
  });
});
