/**
 * The core's control results, without HTTP: the one parser of the app's control body, the one
 * parser of `<pluginID>~<controlID>`, and every outcome of routing a click through real shard
 * workers to real controller plugins on unix sockets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { servePlugin, type PluginServer } from '../../../../src/kit/index.js';
import { HostCore } from '../../../../src/main/core/host-core.js';
import { controlRequestOf } from '../../../../src/main/core/control-request.js';
import type { ControlResult } from '../../../../src/main/core/control-result.js';
import { Discovery } from '../../../../src/main/discovery/discovery.js';
import { ReportBuilder } from '../../../../src/main/report-builder.js';
import { appControlId, parseAppControlId } from '../../../../src/shared/control-id.js';
import { DEFAULTS } from '../../../../src/main/config/schema.js';
import { ErrorCode } from '../../../../src/shared/errors.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait.js';

describe('control request parsing', () => {
  test('the app control id splits at the first ~ and needs both sides', () => {
    assert.deepEqual(parseAppControlId('p~c'), { pluginId: 'p', controlId: 'c' });
    assert.deepEqual(parseAppControlId('p~c~d'), { pluginId: 'p', controlId: 'c~d' });
    for (const bad of ['pc', '~c', 'p~', '']) assert.equal(parseAppControlId(bad), null, bad);
    assert.equal(appControlId('p', 'c'), 'p~c');
  });

  test('a valid wire body becomes a request; AppID and ControlArgs may be absent', () => {
    assert.deepEqual(controlRequestOf({ NodeID: 'n', Control: 'p~c' }), { appId: '', nodeId: 'n', control: 'p~c', args: null });
    assert.deepEqual(controlRequestOf({ AppID: 'a', NodeID: 'n', Control: 'p~c', ControlArgs: { k: 'v' } }), {
      appId: 'a',
      nodeId: 'n',
      control: 'p~c',
      args: { k: 'v' },
    });
  });

  test('every malformed body is a bad-request result with a message naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [null, /JSON object/],
      [[1], /JSON object/],
      ['p~c', /JSON object/],
      [{ NodeID: 'n' }, /"Control"/],
      [{ NodeID: 'n', Control: '' }, /"Control"/],
      [{ Control: 'p~c' }, /"NodeID"/],
      [{ NodeID: 1, Control: 'p~c' }, /"NodeID"/],
      [{ AppID: 2, NodeID: 'n', Control: 'p~c' }, /"AppID"/],
      [{ NodeID: 'n', Control: 'p~c', ControlArgs: { a: 1 } }, /"ControlArgs"/],
      [{ NodeID: 'n', Control: 'p~c', ControlArgs: ['x'] }, /"ControlArgs"/],
    ];
    for (const [wire, message] of cases) {
      const result = controlRequestOf(wire);
      assert.ok('ok' in result && !result.ok, JSON.stringify(wire));
      assert.equal(result.failure, 'bad-request');
      assert.equal(result.error.code, ErrorCode.CONTROL_BAD_REQUEST);
      assert.match(result.error.message, message, JSON.stringify(wire));
    }
  });
});

describe('control routing in the core (real shards, real plugins, no HTTP)', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let builder: ReportBuilder;
  let core: HostCore;
  let discovery: Discovery;
  const plugins: PluginServer[] = [];
  const outcomes: string[] = [];
  const seen: { NodeID: string; Control: string; ControlArgs: unknown }[] = [];
  let failPolls = false;

  before(async () => {
    dir = await tempDir();
    const logger = pino({ level: 'silent' });
    const topology = (controls: string[]) => ({
      Host: {
        controls: Object.fromEntries(controls.map((c) => [c, { id: c, human: c, icon: 'fa-x', rank: 1 }])),
        nodes: { 'h;<host>': { latest: { active_controls: { timestamp: new Date().toISOString(), value: controls.join(';') } } } },
      },
    });
    plugins.push(
      await servePlugin({
        id: 'clicky',
        root: dir.path,
        spec: { label: 'Clicky' },
        report: () => topology(['go', 'no', 'boom']),
        control: (req) => {
          seen.push(req);
          if (req.Control === 'no') return { error: 'not now' };
          if (req.Control === 'boom') throw new Error('handler crashed');
          return { value: `did ${req.Control}` };
        },
      }),
      await servePlugin({
        id: 'fading',
        root: dir.path,
        spec: { label: 'Fading' },
        report: () => {
          if (failPolls) throw new Error('down');
          return topology(['c']);
        },
        control: () => ({}),
      }),
    );
    builder = new ReportBuilder({ nice: 0 });
    core = new HostCore({
      workers: 2,
      // One plugin per shard: clicks are routed to both.
      pluginsPerWorker: 1,
      logger,
      builder,
      observer: { shardStats: () => {}, discovery: () => {}, control: (outcome) => outcomes.push(outcome) },
      shard: {
        probeId: 'abcdef0123456789',
        apiVersion: '1',
        pollIntervalMs: 100,
        pollSlotMs: DEFAULTS.pollSlotMs,
        backgroundNice: 0,
        timeoutMs: 500,
        maxResponseBytes: DEFAULTS.maxResponseBytes,
        maxNodesPerReport: DEFAULTS.maxNodesPerReport,
        maxConcurrentPolls: DEFAULTS.maxConcurrentPollsPerWorker,
        handshakeRetryInitialMs: 50,
        handshakeRetryMaxMs: 200,
        failureBackoffMaxMs: 200,
        accumulate: 0,
      },
    });
    await core.start();
    discovery = new Discovery({ root: dir.path, rescanIntervalMs: 200, logger, onDiff: (diff) => core.applyDiff(diff) });
    await discovery.start();
    await waitFor('controls registered', async () => {
      const rows = await core.plugins();
      return rows.length === 2 && rows.every((r) => r.controls.length > 0);
    });
  });

  after(async () => {
    await discovery.close();
    await core.close();
    await builder.close();
    await Promise.all(plugins.map((p) => p.close()));
    await dir.cleanup();
  });

  const click = (control: string, args: Record<string, string> | null = null): Promise<ControlResult> =>
    core.control({ appId: 'app', nodeId: 'h;<host>', control, args });

  test('a click reaches the plugin with its own control id and answers ok', async () => {
    const result = await click('clicky~go', { speed: 'fast' });
    assert.deepEqual(result, { ok: true, answer: { value: 'did go' } });
    assert.deepEqual(seen.at(-1), { AppID: 'app', NodeID: 'h;<host>', Control: 'go', ControlArgs: { speed: 'fast' } });
  });

  test('the same click from the wire body gives the same result', async () => {
    assert.deepEqual(await core.controlFromWire({ NodeID: 'h;<host>', Control: 'clicky~go' }), { ok: true, answer: { value: 'did go' } });
    const bad = await core.controlFromWire({ Control: 'clicky~go' });
    assert.equal(bad.ok ? 'ok' : bad.failure, 'bad-request');
  });

  test('an answer with an error is plugin-refused, the answer kept as sent', async () => {
    assert.deepEqual(await click('clicky~no'), {
      ok: false,
      failure: 'plugin-refused',
      error: { code: ErrorCode.CONTROL_PLUGIN_ERROR, message: 'not now' },
      answer: { error: 'not now' },
    });
  });

  test('a handler that fails (HTTP 500) is plugin-failed with the transport code', async () => {
    const result = await click('clicky~boom');
    assert.ok(!result.ok && result.failure === 'plugin-failed', JSON.stringify(result));
    assert.equal(result.error.code, ErrorCode.HTTP_STATUS);
    assert.match(result.error.message, /non-200 status code: 500/);
  });

  test('unknown ids, ids without a plugin part and unoffered controls are unknown-control', async () => {
    for (const control of ['nope~x', 'clicky~zzz', 'go', 'clicky~']) {
      assert.deepEqual(await click(control), {
        ok: false,
        failure: 'unknown-control',
        error: { code: ErrorCode.CONTROL_NOT_RECOGNISED, message: `Control "${control}" not recognised` },
      });
    }
  });

  test('a plugin whose polls fail loses its controls until it recovers', async () => {
    failPolls = true;
    await waitFor('fading~c unrouted', async () => {
      const r = await click('fading~c');
      return !r.ok && r.failure === 'unknown-control';
    });
    failPolls = false;
    await waitFor('fading~c back', async () => (await click('fading~c')).ok);
  });

  test('every result is counted by its code', () => {
    for (const code of ['ok', ErrorCode.CONTROL_PLUGIN_ERROR, ErrorCode.HTTP_STATUS, ErrorCode.CONTROL_NOT_RECOGNISED]) {
      assert.ok(outcomes.includes(code), `${code} in ${outcomes.join(',')}`);
    }
  });
});
