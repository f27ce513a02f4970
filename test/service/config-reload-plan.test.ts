/** The reload plan (src/main/reload.ts), the shard settings it gives and the live concurrency limit of a shard (PollSlots). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accumulationLimit, changedKeys, liveShardConfig, planReload } from '../../src/main/reload.js';
import { PollSlots } from '../../src/workers/poll-slots.js';
import { testConfig } from '../helpers/host.js';

test('changedKeys names nested keys by dotted path; listen and publish.apps compare as values', () => {
  const a = testConfig({ publish: { apps: ['http://a:4040'] } });
  assert.deepEqual(changedKeys(a, testConfig({ publish: { apps: ['http://a:4040'] } })), []);
  const b = testConfig({
    pollIntervalMs: 200,
    listen: { host: '127.0.0.1', port: 9 },
    handshake: { retryMaxMs: 20_000 },
    publish: { apps: ['http://a:4040', 'http://b:4040'] },
  });
  assert.deepEqual(changedKeys(a, b), ['listen', 'pollIntervalMs', 'handshake.retryMaxMs', 'publish.apps']);
});

test('planReload keeps every restart-only key at its running value and lists it apart', () => {
  const running = testConfig({ pluginsRoot: '/a', workers: 2, backgroundNice: 10 });
  const loaded = testConfig({
    pluginsRoot: '/b',
    workers: 4,
    backgroundNice: 0,
    apiVersion: '2',
    probeId: '1',
    listen: { host: '127.0.0.2', port: 1 },
    timeoutMs: 100,
    logLevel: 'warn',
  });
  const plan = planReload(running, loaded);
  assert.deepEqual([...plan.live].sort(), ['logLevel', 'timeoutMs']);
  assert.deepEqual([...plan.restart].sort(), ['apiVersion', 'backgroundNice', 'listen', 'pluginsRoot', 'probeId', 'workers']);
  assert.deepEqual(changedKeys(running, plan.next).sort(), ['logLevel', 'timeoutMs'], 'only the live keys differ from the running config');
});

test('publish.besideProbe is restart-only while the other publish keys change live', () => {
  const running = testConfig({ publish: { apps: ['http://a:4040'] } });
  const plan = planReload(running, testConfig({ publish: { apps: ['http://b:4040'], besideProbe: true } }));
  assert.deepEqual(plan.live, ['publish.apps']);
  assert.deepEqual(plan.restart, ['publish.besideProbe']);
  assert.deepEqual(plan.next.publish, { ...running.publish, apps: ['http://b:4040'] });
});

test('a plugin keeps the polls of one publish interval and one more, and nothing when not publishing', () => {
  assert.equal(accumulationLimit(testConfig({ publish: { apps: [] } })), 0);
  assert.equal(liveShardConfig(testConfig({ publish: { apps: [] } })).accumulate, 0);
  const apps = ['http://a:4040'];
  assert.equal(accumulationLimit(testConfig({ pollIntervalMs: 1000, publish: { apps, intervalMs: 3000 } })), 4);
  assert.equal(accumulationLimit(testConfig({ pollIntervalMs: 1000, publish: { apps, intervalMs: 2500 } })), 4, 'a part interval counts whole');
  assert.equal(accumulationLimit(testConfig({ pollIntervalMs: 5000, publish: { apps, intervalMs: 3000 } })), 2);
  assert.equal(liveShardConfig(testConfig({ pollIntervalMs: 250, publish: { apps, intervalMs: 3000 } })).accumulate, 13);
});

test('PollSlots.setLimit: a larger limit lets waiters in at once, a smaller one holds new requests until below it', async () => {
  const slots = new PollSlots(1);
  const first = await slots.acquire();
  let admitted = 0;
  const waiting = [slots.acquire(), slots.acquire(), slots.acquire()].map((p) => p.then((release) => (admitted++, release)));
  assert.equal(slots.waiting, 3);
  slots.setLimit(3);
  await Promise.resolve();
  assert.equal(slots.inFlight, 3);
  assert.equal(slots.waiting, 1);
  slots.setLimit(1);
  first();
  await new Promise((r) => setImmediate(r));
  assert.equal(slots.inFlight, 2, 'a release above the new limit admits nobody');
  assert.equal(slots.waiting, 1);
  const released = await Promise.all(waiting.slice(0, 2));
  released[0]!();
  released[1]!();
  await new Promise((r) => setImmediate(r));
  assert.equal(slots.inFlight, 1, 'the last waiter got in once below the limit');
  assert.equal(admitted, 3);
  (await waiting[2]!)();
  assert.equal(slots.inFlight, 0);
});
