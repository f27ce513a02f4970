/**
 * One PluginActor against real plugin sockets, with its shard context built by hand: the cases
 * the whole-service tests can only reach by racing threads.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { servePlugin } from '../../../src/kit/index.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { shardConfig } from '../../helpers/shard-config.js';
import type { PluginState, ShardConfig } from '../../../src/shared/protocol.js';
import { PluginActor, type ActorContext } from '../../../src/workers/plugin-actor.js';
import { PollSlots } from '../../../src/workers/poll-slots.js';
import { PartPacker, eachGroup } from '../../../src/shared/parts.js';
import { summarizeParts } from '../../../src/workers/report-summary.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const config: ShardConfig = { ...shardConfig, pollIntervalMs: 100 };
const COST_LOGS = new Set(['plugin report is expensive; polling it less often', 'plugin report cost back to normal']);

function context(logs: string[] = [], changed: (state: PluginState) => void = () => {}): ActorContext {
  let seq = 0;
  return {
    nextSeq: () => ++seq,
    config,
    slots: new PollSlots(config.maxConcurrentPolls),
    plugins: () => 1,
    log: (_level, msg) => logs.push(msg),
    changed: (actor) => changed(actor.state),
    polled: () => {},
    validateLarge: () => Promise.reject(new Error('no large reports in these tests')),
    summarizeLarge: async (task) => summarizeParts(task.parts),
  };
}

describe('PluginActor', () => {
  test('detail(): what the last good report contributes, the last error kept after recovery, the recent polls', async () => {
    const dir = await tempDir();
    let failing = false;
    const ts = new Date().toISOString();
    const plugin = await servePlugin({
      id: 'lamp',
      root: dir.path,
      spec: { label: 'Lamp', interfaces: ['reporter', 'controller'] },
      report: () => {
        if (failing) throw new Error('bulb blown');
        return {
          Host: {
            nodes: {
              'h1;<host>': {
                metrics: {
                  watts: {
                    samples: [
                      { date: ts, value: 40 },
                      { date: new Date(Date.now() + 1).toISOString(), value: 60 },
                    ],
                  },
                },
                latest: { active_controls: { timestamp: ts, value: 'off' } },
              },
              'h2;<host>': { metrics: { watts: { samples: [{ date: ts, value: 7 }] } } },
            },
            metric_templates: { watts: { id: 'watts', label: 'Power', format: '', priority: 1 } },
            controls: {
              off: { id: 'off', human: 'Switch off', icon: 'fa-power-off', rank: 1 },
              on: { id: 'on', human: 'Switch on', icon: 'fa-bolt', rank: 2 },
            },
          },
          Container: { nodes: { c1: {}, c2: {}, c3: {} } },
        };
      },
      control: () => ({}),
    });
    const actor = new PluginActor(plugin.socketPath, 'lamp', context());
    actor.start();
    try {
      await waitFor('ok', () => actor.state.spec.status === 'ok');
      const ok = await actor.detail();
      assert.equal(ok.lastFailure, null);
      assert.ok(ok.contribution !== null && ok.contribution.bytes > 0);
      assert.deepEqual(
        ok.contribution.topologies,
        [
          {
            key: 'Container',
            nodes: 3,
            metrics: [],
            metricsOmitted: 0,
            controls: [],
            controlsOmitted: 0,
          },
          {
            key: 'Host',
            nodes: 2,
            metrics: [
              {
                id: 'watts',
                label: 'Power',
                format: '',
                nodes: 2,
                latest: { node: 'h1;<host>', date: ok.contribution.topologies[1]!.metrics[0]!.latest!.date, value: 60 },
              },
            ],
            metricsOmitted: 0,
            controls: [
              { id: 'lamp~off', human: 'Switch off', icon: 'fa-power-off', confirmation: '', activeOn: 1, nodes: ['h1;<host>'] },
              { id: 'lamp~on', human: 'Switch on', icon: 'fa-bolt', confirmation: '', activeOn: 0, nodes: [] },
            ],
            controlsOmitted: 0,
          },
        ],
        'topologies in wire order, metric with its newest sample over both nodes, controls with the nodes they are active on',
      );
      assert.ok(ok.history.outcome.length >= 1 && ok.history.outcome.every((o) => o === 'ok'));

      failing = true;
      await waitFor('failing', () => actor.state.lastError !== null, 5_000);
      const failed = await actor.detail();
      assert.equal(failed.contribution, null, 'a failing plugin contributes nothing');
      assert.equal(failed.lastFailure?.error.code, ErrorCode.HTTP_STATUS);
      assert.equal(failed.history.outcome.at(-1), ErrorCode.HTTP_STATUS);

      failing = false;
      await waitFor('recovered', () => actor.state.spec.status === 'ok', 5_000);
      const back = await actor.detail();
      assert.equal(back.state.lastError, null);
      assert.equal(back.lastFailure?.error.code, ErrorCode.HTTP_STATUS, 'the last error is kept after recovery');
      assert.equal(back.lastFailure?.atMs, back.counters.lastErrorAt);
      const n = back.history.atMs.length;
      assert.equal(back.history.latencyMs.length, n);
      assert.ok(back.history.outcome.includes(ErrorCode.HTTP_STATUS) && back.history.outcome.at(-1) === 'ok');
      assert.deepEqual(
        [...back.history.atMs].sort((a, b) => a - b),
        back.history.atMs,
        'oldest first',
      );
    } finally {
      await actor.stop();
      await plugin.close();
      await dir.cleanup();
    }
  });

  test('a control to a plugin whose stored spec is not a controller fails and sets its status', async () => {
    const dir = await tempDir();
    let interfaces = ['reporter', 'controller'];
    const plugin = await servePlugin({
      id: 'turncoat',
      root: dir.path,
      spec: { label: 'Turncoat' },
      report: () => ({
        Plugins: [{ id: 'turncoat', label: 'Turncoat', interfaces, api_version: '1' }],
        Host: { controls: { c: { id: 'c', human: 'C', icon: 'x', rank: 1 } } },
      }),
      control: () => ({ value: 'did it' }),
    });
    const actor = new PluginActor(plugin.socketPath, 'turncoat', context());
    actor.start();
    try {
      await waitFor('controller registered', () => actor.state.controls.length === 1);
      const ok = await actor.control({ AppID: 'a', NodeID: 'n', Control: 'turncoat~c', ControlArgs: null });
      assert.deepEqual(ok, { ok: true, response: { value: 'did it' }, shortcut: null, shortcutError: null });
      interfaces = ['reporter'];
      await waitFor('spec without controller', () => actor.state.spec.interfaces?.length === 1);
      const refused = await actor.control({ AppID: 'a', NodeID: 'n', Control: 'turncoat~c', ControlArgs: null });
      assert.deepEqual(refused, {
        ok: false,
        error: { code: ErrorCode.NOT_CONTROLLER, message: 'the Turncoat plugin does not implement the controller interface' },
      });
      assert.equal(actor.state.spec.status, 'error: the Turncoat plugin does not implement the controller interface');
      assert.deepEqual(actor.state.controls, []);
    } finally {
      await actor.stop();
      await plugin.close();
      await dir.cleanup();
    }
  });

  test('a publish that comes late gets the newest `accumulate` reports, one group; then the current one', async () => {
    const dir = await tempDir();
    let n = 0;
    const ts = new Date().toISOString();
    const plugin = await servePlugin({
      id: 'counter',
      root: dir.path,
      spec: { label: 'c' },
      report: () => ({ Host: { nodes: { 'h;<host>': { latest: { n: { timestamp: ts, value: String(++n) } } } } } }),
    });
    const actor = new PluginActor(plugin.socketPath, 'counter', { ...context(), config: { ...config, accumulate: 3 } });
    const drain = (): { parts: number[]; groupEnds: number[] } => {
      const packer = new PartPacker();
      actor.countInto(packer, 'drain');
      packer.allocate();
      actor.addInto(packer, 'drain');
      const packed = packer.done();
      const parts = Array.from(eachGroup([packed]))
        .flat()
        .map((part) => Number(/"value":"(\d+)"/.exec(Buffer.from(part).toString())![1]));
      return { parts, groupEnds: [...packed.groupEnds] };
    };
    actor.start();
    try {
      await waitFor('eight polls', () => plugin.stats.reports >= 8);
      await actor.stop();
      // The plugin may have answered one more poll than the stopped actor took.
      const first = drain();
      const last = first.parts.at(-1)!;
      assert.ok(last === n || last === n - 1, `the newest report the actor took (${last}, plugin at ${n})`);
      assert.deepEqual(first, { parts: [last - 2, last - 1, last], groupEnds: [3] });
      assert.deepEqual(drain(), { parts: [last], groupEnds: [1] }, 'drained: the current report');
    } finally {
      await plugin.close();
      await dir.cleanup();
    }
  });

  test('stop() is idempotent and no request reaches the plugin afterwards', async () => {
    const dir = await tempDir();
    const plugin = await servePlugin({ id: 'quiet', root: dir.path, spec: { label: 'q' }, report: () => ({}) });
    const actor = new PluginActor(plugin.socketPath, 'quiet', context());
    actor.start();
    await waitFor('polled', () => plugin.stats.reports >= 2);
    await Promise.all([actor.stop(), actor.stop()]);
    const seen = plugin.stats.reports;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(plugin.stats.reports, seen);
    assert.equal(actor.state.phase, 'stopped');
    const late = await actor.control({ AppID: '', NodeID: '', Control: 'quiet~x', ControlArgs: null });
    assert.equal(late.ok ? 'ok' : late.error.code, ErrorCode.CONTROL_PLUGIN_NOT_FOUND);
    await plugin.close();
    await dir.cleanup();
  });

  test('a failing plugin is logged once per kind of failure, then once on recovery', async () => {
    const dir = await tempDir();
    let mode: 'ok' | 'boom' | 'garbage' = 'boom';
    const plugin = await servePlugin({
      id: 'moody',
      root: dir.path,
      spec: { label: 'm' },
      report: () => {
        if (mode === 'boom') throw new Error('boom');
        return mode === 'garbage' ? 'not json' : {};
      },
    });
    const logs: string[] = [];
    const actor = new PluginActor(plugin.socketPath, 'moody', context(logs));
    actor.start();
    try {
      await waitFor('several failures', () => actor.counters.consecutiveFailures >= 3);
      assert.equal(actor.state.lastError?.code, ErrorCode.HTTP_STATUS);
      mode = 'garbage';
      await waitFor('decode failure', () => actor.state.lastError?.code === ErrorCode.DECODE, 5_000);
      mode = 'ok';
      await waitFor('recovered', () => actor.state.spec.status === 'ok', 5_000);
      // Whether a poll's processing counted as expensive depends on the machine's load at the time
      // (one slow decode under load tips a 100 ms interval), so those lines are not this test's.
      assert.deepEqual(
        logs.filter((m) => m !== 'plugin handshake done' && !COST_LOGS.has(m)),
        ['plugin failing', 'plugin failing', 'plugin recovered'],
      );
    } finally {
      await actor.stop();
      await plugin.close();
      await dir.cleanup();
    }
  });

  test('only status changes are announced to main: a poll that moves nothing but counters sends nothing', async () => {
    const dir = await tempDir();
    let fail = false;
    const plugin = await servePlugin({
      id: 'steady',
      root: dir.path,
      spec: { label: 's' },
      report: () => {
        if (fail) throw new Error('down');
        return {};
      },
    });
    const announced: PluginState[] = [];
    const actor = new PluginActor(
      plugin.socketPath,
      'steady',
      context([], (s) => announced.push(s)),
    );
    actor.start();
    try {
      await waitFor('ten polls', () => actor.counters.polls >= 10, 5_000);
      // handshaking at start, then the first good poll (phase polling, status ok); nothing since.
      assert.deepEqual(
        announced.map((s) => [s.phase, s.spec.status ?? null]),
        [
          ['handshaking', null],
          ['polling', 'ok'],
        ],
      );
      fail = true;
      await waitFor('failing', () => actor.counters.consecutiveFailures >= 3, 5_000);
      fail = false;
      await waitFor('recovered', () => actor.counters.consecutiveFailures === 0 && actor.counters.polls > 15, 5_000);
      const after = announced.slice(2).map((s) => s.lastError?.code ?? s.spec.status);
      assert.equal(after[0], ErrorCode.HTTP_STATUS, 'the first failure is announced');
      assert.equal(after.at(-1), 'ok', 'the recovery is announced');
      assert.ok(after.length <= 3, `failures in a row with the same error are one change: ${JSON.stringify(after)}`);
      assert.equal(actor.counters.lastErrorAt !== null && actor.counters.lastOkAt! >= actor.counters.lastErrorAt, true);
      assert.deepEqual(
        announced.map((s) => s.seq),
        announced.map((_, i) => i + 1),
        'each announced change has the next seq',
      );
    } finally {
      await actor.stop();
      await plugin.close();
      await dir.cleanup();
    }
  });
});
