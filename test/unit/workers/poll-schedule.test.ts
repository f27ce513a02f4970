/** The per-plugin poll grid: stable offsets spread over the interval, quantised to slots. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_PLUGINS_PER_SLOT, failureDelay, nextSlot, retryDelay } from '../../../src/workers/poll-schedule.js';

test('nextSlot: on the plugin grid, at least minGap ahead, stable per key', () => {
  const now = 1_795_000_000_123;
  for (const key of ['/r/a/a.sock', '/r/b/b.sock', '/r/c/c.sock']) {
    const at = nextSlot(key, 1000, now, 500, 50);
    assert.ok(at >= now + 500 && at < now + 1500, `${key}: ${at - now}`);
    assert.equal(at % 50, 0, 'offsets are multiples of the slot');
    // The next one is exactly one interval later: no drift.
    assert.equal(nextSlot(key, 1000, at, 1, 50), at + 1000);
  }
});

test('nextSlot: 1000 sockets spread over every 50 ms slot of a 1 s interval', () => {
  const counts = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    const id = `fake-${String(i).padStart(4, '0')}`;
    const offset = nextSlot(`/var/run/scope/plugins/${id}/${id}.sock`, 1000, 0, 0, 50) % 1000;
    counts.set(offset, (counts.get(offset) ?? 0) + 1);
  }
  assert.equal(counts.size, 20);
  for (const n of counts.values()) assert.ok(n >= 25 && n <= 80, `a slot holds ${n} plugins`);
});

test('nextSlot: a shard of few plugins polls them in one burst; slots grow with its plugins', () => {
  const offsets = (sockets: number, plugins: number): Set<number> => {
    const set = new Set<number>();
    for (let i = 0; i < sockets; i++) set.add(nextSlot(`/var/run/scope/plugins/p${i}/p${i}.sock`, 1000, 0, 0, 50, plugins) % 1000);
    return set;
  };
  assert.equal(offsets(10, 10).size, 1, '10 plugins: one wake-up a second');
  assert.equal(offsets(MIN_PLUGINS_PER_SLOT, MIN_PLUGINS_PER_SLOT).size, 1);
  assert.equal(offsets(200, 200).size, Math.ceil(200 / MIN_PLUGINS_PER_SLOT), '200 plugins: 13 slots');
  assert.equal(offsets(1000, 1000).size, 20, 'then the slot size bounds it');
});

test('failureDelay doubles up to the cap; retryDelay is jittered around the doubling', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((f) => failureDelay(f, 1000, 10_000)),
    [1000, 1000, 2000, 4000, 8000, 10_000, 10_000],
  );
  assert.equal(failureDelay(3, 1000, 500), 1000, 'never below one interval');
  assert.equal(
    retryDelay(1, 1000, 15_000, () => 0.5),
    1000,
  );
  assert.equal(
    retryDelay(5, 1000, 15_000, () => 0.5),
    15_000,
  );
  assert.equal(
    retryDelay(2, 1000, 15_000, () => 0),
    1600,
  );
  assert.equal(
    retryDelay(2, 1000, 15_000, () => 1),
    2400,
  );
});
