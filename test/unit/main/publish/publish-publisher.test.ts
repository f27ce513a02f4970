import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { PublishBody } from '../../../../src/main/publish/app-client.js';
import { Publisher, type PublisherOptions } from '../../../../src/main/publish/publisher.js';
import { ErrorCode, HostError } from '../../../../src/shared/errors.js';
import { captureLogs, decodeBody, startFakeApp, type FakeApp } from '../../../helpers/fake-scope-app.js';
import { waitFor } from '../../../helpers/wait.js';

const silent = pino({ level: 'silent' });

function report(seq: number): PublishBody {
  return { gzipped: gzipSync(JSON.stringify({ ID: `r${seq}`, Seq: seq })), shortcut: false, reportId: `r${seq}` };
}

function publisher(apps: string[], extra: Partial<PublisherOptions> & Pick<PublisherOptions, 'buildReport'>): Publisher {
  return new Publisher({ apps, intervalMs: 100, probeId: 'abc123', version: '1.13.2', timeoutMs: 12_000, queueSize: 2, logger: silent, ...extra });
}

const seqs = (app: FakeApp): number[] => app.received.map((r) => (decodeBody(r) as { Seq: number }).Seq);

test('publisher: every tick publishes the built report to every app; null skips the publish', async (t) => {
  const a = await startFakeApp();
  const b = await startFakeApp();
  t.after(() => Promise.all([a.close(), b.close()]));
  let calls = 0;
  const p = publisher([a.url, b.url], {
    intervalMs: 60,
    // Odd calls have "nothing new since the last publish".
    buildReport: async (kind) => {
      assert.equal(kind, 'periodic');
      calls++;
      return calls % 2 === 1 ? report(calls) : null;
    },
  });
  t.after(() => p.close());
  p.start();
  await waitFor('three publishes at each app', () => a.received.length >= 3 && b.received.length >= 3);
  await p.close();
  // Each app gets every non-null build, in order, from the first tick after it said who it is (GET /api).
  for (const app of [a, b]) {
    const [first, ...rest] = seqs(app).slice(0, 3);
    assert.equal(first! % 2, 1, 'only non-null builds are published');
    assert.deepEqual(rest, [first! + 2, first! + 4], 'in order, none missed');
  }
  const s = p.scheduleStats;
  assert.ok(s.empty >= 2, `empty ticks ${s.empty}`);
  assert.ok(s.published >= 3);
  assert.equal(p.stats.length, 2);
  assert.deepEqual(
    p.stats.map((x) => x.url),
    [a.url, b.url],
  );
});

test('publisher: a hung app does not delay publishes to a healthy one', async (t) => {
  const hung = await startFakeApp(() => 'hang');
  const healthy = await startFakeApp();
  t.after(() => Promise.all([hung.close(), healthy.close()]));
  const builtAt = new Map<number, number>();
  let seq = 0;
  const p = publisher([hung.url, healthy.url], {
    intervalMs: 150,
    timeoutMs: 30_000, // the hung request stays open for the whole test
    buildReport: async () => {
      seq++;
      builtAt.set(seq, performance.now());
      return report(seq);
    },
  });
  t.after(() => p.close());
  p.start();
  await waitFor('six publishes at the healthy app', () => healthy.received.length >= 6, 15_000);

  const delays = healthy.received.map((r) => r.at - (builtAt.get((decodeBody(r) as { Seq: number }).Seq) ?? NaN));
  const worst = Math.max(...delays);
  // Typically 1–5 ms on an idle machine; the margin is for a loaded 2-core CI box. A publisher
  // that waited for the hung app would show 30 s here (its timeout), or nothing at all.
  assert.ok(worst < 250, `healthy app received publishes ${delays.map((d) => d.toFixed(1)).join(', ')} ms after build`);
  assert.deepEqual(seqs(healthy).slice(0, 6), [1, 2, 3, 4, 5, 6], 'the healthy app missed nothing');

  const [hungStats, healthyStats] = p.stats;
  assert.equal(hungStats?.inFlight, true);
  assert.equal(hungStats?.sent, 0);
  assert.ok((hungStats?.dropped ?? 0) >= 1, 'the hung app queue overflowed and counted it');
  assert.equal(healthyStats?.dropped, 0);
  assert.equal(healthyStats?.failed, 0);
  assert.equal(hung.received.length, 1, 'one request at a time per app');
});

test('publisher: shortcut reports go out at once, to every app, without waiting for a tick', async (t) => {
  const a = await startFakeApp();
  const b = await startFakeApp();
  t.after(() => Promise.all([a.close(), b.close()]));
  const p = publisher([a.url, b.url], { intervalMs: 60_000, buildReport: async () => report(0) });
  t.after(() => p.close());
  p.start();
  // Nothing is published to an app before it said who it is (GET /api).
  await waitFor('both apps identified', () => p.stats.every((s) => s.appId !== null));
  const started = performance.now();
  p.publishShortcut({ gzipped: gzipSync(JSON.stringify({ ID: 'shortcut', Shortcut: true })), shortcut: false });
  await waitFor('both apps to get the shortcut', () => a.received.length === 1 && b.received.length === 1);
  assert.ok(performance.now() - started < 5_000, 'well before the 60 s tick');
  assert.deepEqual(decodeBody(a.received[0]!), { ID: 'shortcut', Shortcut: true });
  assert.deepEqual(decodeBody(b.received[0]!), { ID: 'shortcut', Shortcut: true });
  assert.equal(p.scheduleStats.ticks, 0);
  assert.equal(p.scheduleStats.shortcuts, 1);
});

test('publisher: builds never overlap; a tick that finds one running is skipped and counted', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  let running = 0;
  let maxRunning = 0;
  let builds = 0;
  const p = publisher([app.url], {
    intervalMs: 30,
    buildReport: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(100); // > 3 intervals
      running--;
      return report(++builds);
    },
  });
  t.after(() => p.close());
  p.start();
  await waitFor('three builds', () => builds >= 3);
  await p.close();
  assert.equal(maxRunning, 1);
  const s = p.scheduleStats;
  assert.ok(s.skippedBusy >= 2, `skipped ${s.skippedBusy}`);
  assert.ok(s.lastBuildMs !== null && s.lastBuildMs >= 95);
});

test('publisher: the schedule is a fixed grid, so build time does not make it drift', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  const interval = 100;
  const starts: number[] = [];
  const p = publisher([app.url], {
    intervalMs: interval,
    buildReport: async () => {
      starts.push(performance.now());
      await sleep(70); // a "tick after the build finished" scheduler would run every 170 ms
      return null;
    },
  });
  t.after(() => p.close());
  p.start();
  await waitFor('seven builds', () => starts.length >= 7, 15_000);
  await p.close();
  const s = p.scheduleStats;
  const n = starts.length - 1;
  // Grid points that passed between the first and last build: builds plus skipped ticks.
  const gridPoints = n + s.skippedBusy + s.skippedLate;
  const elapsed = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
  assert.ok(elapsed < gridPoints * interval + 250, `${n} builds took ${elapsed.toFixed(0)} ms over ${gridPoints} grid points`);
  assert.ok(elapsed >= n * interval - 5, 'never faster than the interval');
});

test('publisher: a failing build is logged and counted, and the schedule goes on', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  const { logger, records } = captureLogs();
  let calls = 0;
  const p = publisher([app.url], {
    intervalMs: 40,
    logger,
    buildReport: async () => {
      calls++;
      if (calls === 1) throw new HostError(ErrorCode.INTERNAL, 'merge exploded');
      return report(calls);
    },
  });
  t.after(() => p.close());
  p.start();
  await waitFor('a publish after the failure', () => app.received.length >= 1);
  assert.equal(p.scheduleStats.buildErrors, 1);
  assert.equal(records.filter((r) => r['msg'] === 'building the report to publish failed').length, 1);
  assert.equal(seqs(app)[0], 2);
});

test('publisher: duplicate apps are published to once; a bad URL fails the config; close is idempotent', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  const p = publisher([app.url, `${app.url}/`], { buildReport: async () => null });
  assert.equal(p.stats.length, 1);
  const closing = p.close();
  assert.equal(p.close(), closing);
  await closing;
  p.start(); // after close: no timer, the test process must still exit
  assert.equal(p.scheduleStats.ticks, 0);
  assert.throws(
    () => publisher(['http://127.0.0.1:1/', 'gopher://x'], { buildReport: async () => null }),
    (err: unknown) => err instanceof HostError && err.code === ErrorCode.CONFIG_INVALID,
  );
});

test('publisher: two URLs answering the same app id are one app, published to once', async (t) => {
  const a = await startFakeApp(() => 200, undefined, 'same-app');
  const b = await startFakeApp(() => 200, undefined, 'same-app');
  t.after(() => Promise.all([a.close(), b.close()]));
  const seen: string[] = [];
  const p = publisher([a.url, b.url], { intervalMs: 100, buildReport: async () => report(0), onApp: (app) => seen.push(app.identity.id) });
  t.after(() => p.close());
  p.start();
  await waitFor('three publishes', () => a.received.length + b.received.length >= 3);
  assert.deepEqual(seen, ['same-app'], 'one control connection cue for the one app');
  const stats = p.stats;
  assert.deepEqual(
    stats.map((s) => s.appId),
    ['same-app', 'same-app'],
  );
  const [first, second] = a.received.length > 0 ? [a, b] : [b, a];
  assert.equal(second.received.length, 0, 'the second URL of the same app gets nothing');
  assert.ok(first.received.length >= 3);
  assert.equal(stats.find((s) => s.url === second.url)?.sameAppAs, first.url);
});

test('publisher: credentials in the URL: user:pass is basic auth, a lone user part is the token', async (t) => {
  const a = await startFakeApp();
  const b = await startFakeApp();
  t.after(() => Promise.all([a.close(), b.close()]));
  const withUser = (url: string, user: string) => url.replace('http://', `http://${user}@`);
  const p = publisher([withUser(a.url, 'u%3Ax:p%40ss'), withUser(b.url, 'tok')], { intervalMs: 100, token: 'global', buildReport: async () => report(0) });
  t.after(() => p.close());
  p.start();
  await waitFor('both published to', () => a.received.length >= 1 && b.received.length >= 1);
  assert.equal(a.received[0]!.headers.authorization, `Basic ${Buffer.from('u:x:p@ss').toString('base64')}`);
  assert.equal(b.received[0]!.headers.authorization, 'Scope-Probe token=tok');
  assert.deepEqual(
    p.stats.map((s) => s.url),
    [a.url, b.url],
    'no credentials in stats',
  );
});

test('publisher: nothing is published to an app before GET /api answers its id', async (t) => {
  let identified = false;
  const app = await startFakeApp();
  t.after(() => app.close());
  // A URL prefix the fake app does not serve: GET /x/api answers 404, so the app stays unidentified.
  const p = publisher([`${app.url}/x`], {
    intervalMs: 50,
    retryInitialMs: 50,
    retryMaxMs: 100,
    buildReport: async () => report(0),
    onApp: () => (identified = true),
  });
  t.after(() => p.close());
  p.start();
  await waitFor('ticks', () => p.scheduleStats.published >= 5);
  assert.equal(app.received.length, 0);
  assert.equal(identified, false);
  assert.match(String(p.stats[0]!.lastError), /GET .*\/x\/api answered HTTP 404/);
});
