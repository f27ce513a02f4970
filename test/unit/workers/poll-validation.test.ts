/**
 * The rules of docs/spec/plugin-protocol.md#validation-order against real plugins on unix sockets,
 * through PluginClient + validatePoll: every row of upstream's RejectsErroneousPluginResponses
 * (uc-15, with api_version "1" added), uc-9, uc-12, uc-16, uc-31, uc-34, uc-35, uc-36, and the
 * handshake-era path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../../src/shared/errors.js';
import type { PluginSpec } from '../../../src/shared/report/index.js';
import { PluginClient } from '../../../src/workers/plugin-client.js';
import { validatePoll, type PollContext, type PollOutcome } from '../../../src/workers/poll-validation.js';
import { serveHttp } from '../../helpers/unix-servers.js';
import { tempDir } from '../../helpers/tmp.js';

let dir: { path: string; cleanup(): Promise<void> };
let sub = 0;
before(async () => {
  dir = await tempDir('sph-pv-');
});
after(async () => {
  await dir.cleanup();
});

interface Reply {
  status?: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

interface PollOptions {
  maxResponseBytes?: number;
  timeoutMs?: number;
  storedSpec?: PluginSpec;
  handshakeSpec?: PluginSpec;
}

/** Runs `<id>.sock` answering `replies` in turn (the last one repeats) and polls it once per reply. */
async function pollPlugin(id: string, replies: Reply[], options: PollOptions = {}): Promise<PollOutcome[]> {
  const socketPath = join(dir.path, `${sub++}-${id}.sock`);
  let i = 0;
  const server = await serveHttp(socketPath, (req, res) => {
    assert.equal(req.url, '/report?api_version=1&probe_id=p1');
    const reply = replies[Math.min(i++, replies.length - 1)]!;
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body);
  });
  const client = new PluginClient({
    socketPath,
    probeId: 'p1',
    apiVersion: '1',
    timeoutMs: options.timeoutMs ?? 500,
    maxResponseBytes: options.maxResponseBytes ?? 50 * 1024 * 1024,
  });
  const ctx: PollContext = {
    pluginId: id,
    apiVersion: '1',
    // Upstream's initial spec before the first good report: the id as label, no status.
    storedSpec: options.storedSpec ?? { id, label: id, interfaces: null },
    ...(options.handshakeSpec ? { handshakeSpec: options.handshakeSpec } : {}),
  };
  const outcomes: PollOutcome[] = [];
  try {
    for (let k = 0; k < replies.length; k++) {
      const outcome = validatePoll(await client.get('/report'), ctx);
      outcomes.push(outcome);
      ctx.storedSpec = outcome.spec; // what the actor stores, for every rule
    }
  } finally {
    await client.destroy();
    await server.close();
  }
  return outcomes;
}

async function pollOnce(id: string, reply: Reply, options: PollOptions = {}): Promise<PollOutcome> {
  return (await pollPlugin(id, [reply], options))[0]!;
}

const report = (plugins: unknown[] | undefined, extra: Record<string, unknown> = {}): Reply => ({
  body: JSON.stringify(plugins === undefined ? extra : { ...extra, Plugins: plugins }),
});
const spec = (id: string, more: Record<string, unknown> = {}) => ({ id, label: id, interfaces: ['reporter'], api_version: '1', ...more });

/** For assertion messages (a report holds bigints, which JSON.stringify refuses). */
function show(o: PollOutcome): string {
  return o.ok ? `ok ${o.spec.id}` : `${o.error.code}: ${o.error.message}`;
}

/** What the plugin list would show: the spec plus, for failures, no report data at all. */
function listed(outcome: PollOutcome): PluginSpec {
  if (!outcome.ok) assert.equal('report' in outcome, false, 'a failing plugin contributes no topology data');
  return outcome.spec;
}

describe('uc-15: RejectsErroneousPluginResponses, row by row', () => {
  test('1. changedID → id mismatch, stored spec kept', async () => {
    const o = await pollOnce('changedID', report([spec('differentID')]));
    assert.equal(!o.ok && o.error.code, ErrorCode.ID_CHANGED);
    assert.deepEqual(listed(o), {
      id: 'changedID',
      label: 'changedID',
      interfaces: null,
      status: 'error: plugin must not change its id (is "differentID", should be "changedID")',
    });
  });

  test('2. moreThanOnePlugin → found 2', async () => {
    const o = await pollOnce('moreThanOnePlugin', report([spec('moreThanOnePlugin'), spec('haha')]));
    assert.equal(!o.ok && o.error.code, ErrorCode.SPEC_COUNT);
    assert.deepEqual(listed(o), {
      id: 'moreThanOnePlugin',
      label: 'moreThanOnePlugin',
      interfaces: null,
      status: 'error: report must contain exactly one plugin (found 2)',
    });
  });

  test('3. noInterface → not a reporter, the new spec is listed', async () => {
    const o = await pollOnce('noInterface', report([spec('noInterface', { interfaces: [] })]));
    assert.equal(!o.ok && o.error.code, ErrorCode.NOT_REPORTER);
    assert.deepEqual(listed(o), {
      id: 'noInterface',
      label: 'noInterface',
      interfaces: [],
      api_version: '1',
      status: 'error: spec must implement the "reporter" interface',
    });
  });

  test('4. noLabel → empty label, the new spec is listed', async () => {
    const o = await pollOnce('noLabel', report([{ id: 'noLabel', interfaces: ['reporter'], api_version: '1' }]));
    assert.equal(!o.ok && o.error.code, ErrorCode.NO_LABEL);
    assert.deepEqual(listed(o), {
      id: 'noLabel',
      label: '',
      interfaces: ['reporter'],
      api_version: '1',
      status: 'error: spec must contain a label',
    });
  });

  test('5. non200ResponseCode with a valid spec body → non-200 status, stored spec kept', async () => {
    const o = await pollOnce('non200ResponseCode', { status: 500, body: report([spec('non200ResponseCode')]).body });
    assert.equal(!o.ok && o.error.code, ErrorCode.HTTP_STATUS);
    assert.deepEqual(listed(o), {
      id: 'non200ResponseCode',
      label: 'non200ResponseCode',
      interfaces: null,
      status: 'error: plugin returned non-200 status code: 500 Internal Server Error',
    });
  });

  test('6. nonJSONResponseBody → decoding error', async () => {
    const o = await pollOnce('nonJSONResponseBody', { body: 'notJSON' });
    assert.equal(!o.ok && o.error.code, ErrorCode.DECODE);
    const s = listed(o);
    assert.deepEqual({ ...s, status: undefined }, { id: 'nonJSONResponseBody', label: 'nonJSONResponseBody', interfaces: null, status: undefined });
    assert.ok(s.status?.startsWith('error: decoding error: '), s.status);
  });

  test('7. okPlugin → ok, its data kept', async () => {
    const o = await pollOnce('okPlugin', report([spec('okPlugin')], { Host: { nodes: { 'h;<host>': { latest: {} } } } }));
    assert.ok(o.ok, show(o));
    assert.deepEqual(o.spec, { id: 'okPlugin', label: 'okPlugin', interfaces: ['reporter'], api_version: '1', status: 'ok' });
    assert.deepEqual(o.report.Plugins, [o.spec]);
    assert.deepEqual([...o.report.Host.nodes.keys()], ['h;<host>']);
  });

  test('8. wrongApiVersion → expected "1", got "foo"; the new spec is listed', async () => {
    const o = await pollOnce('wrongApiVersion', report([spec('wrongApiVersion', { api_version: 'foo' })]));
    assert.equal(!o.ok && o.error.code, ErrorCode.API_VERSION);
    assert.deepEqual(listed(o), {
      id: 'wrongApiVersion',
      label: 'wrongApiVersion',
      interfaces: ['reporter'],
      api_version: 'foo',
      status: 'error: incorrect API version: expected "1", got "foo"',
    });
  });
});

describe('other acceptance checks', () => {
  test('uc-9: aFailure returns 500 "Internal Server Error", testPlugin still ok', async () => {
    const [fail, good] = await Promise.all([
      pollOnce('aFailure', { status: 500, body: 'Internal Server Error' }),
      pollOnce('testPlugin', report([spec('testPlugin')])),
    ]);
    assert.deepEqual(listed(fail!), {
      id: 'aFailure',
      label: 'aFailure',
      interfaces: null,
      status: 'error: plugin returned non-200 status code: 500 Internal Server Error',
    });
    assert.equal(good!.ok && good!.spec.status, 'ok');
  });

  test('uc-12: a new label replaces the stored one on the next good poll', async () => {
    const [first, second] = await pollPlugin('testPlugin', [report([spec('testPlugin')]), report([spec('testPlugin', { label: 'updatedPlugin' })])]);
    assert.equal(first!.spec.label, 'testPlugin');
    assert.deepEqual(second!.spec, { id: 'testPlugin', label: 'updatedPlugin', interfaces: ['reporter'], api_version: '1', status: 'ok' });
  });

  test('uc-16: a response larger than the cap (128 bytes here)', async () => {
    const o = await pollOnce('foo', report([spec('foo', { description: 'a'.repeat(129) })]), { maxResponseBytes: 128 });
    assert.deepEqual(o.ok ? null : o.error, { code: ErrorCode.TOO_LARGE, message: 'response must be shorter than 50MB' });
    assert.deepEqual(listed(o), { id: 'foo', label: 'foo', interfaces: null, status: 'error: response must be shorter than 50MB' });
  });

  test('uc-31: a plugin slower than the deadline gets a deadline status', async () => {
    const socketPath = join(dir.path, `${sub++}-sleepy.sock`);
    const server = await serveHttp(socketPath, (_req, res) => {
      const t = setTimeout(() => res.end(report([spec('sleepy')]).body), 600);
      res.on('close', () => clearTimeout(t));
    });
    const client = new PluginClient({ socketPath, probeId: 'p1', apiVersion: '1', timeoutMs: 500, maxResponseBytes: 1 << 20 });
    try {
      const o = validatePoll(await client.get('/report'), {
        pluginId: 'sleepy',
        apiVersion: '1',
        storedSpec: { id: 'sleepy', label: 'sleepy', interfaces: null },
      });
      assert.equal(!o.ok && o.error.code, ErrorCode.TIMEOUT);
      assert.match(o.spec.status ?? '', /^error: Get "http:\/\/plugin\/report\?api_version=1&probe_id=p1": context deadline exceeded/);
    } finally {
      await client.destroy();
      await server.close();
    }
  });

  test('uc-34: empty Plugins and a missing Plugins key are found 0; identical duplicates count as one', async () => {
    const empty = await pollOnce('p', report([]));
    const missing = await pollOnce('p', report(undefined, { Host: {} }));
    const dup = await pollOnce('p', report([spec('p'), spec('p')]));
    for (const o of [empty, missing]) {
      assert.deepEqual(o.ok ? null : o.error, { code: ErrorCode.SPEC_COUNT, message: 'report must contain exactly one plugin (found 0)' });
    }
    assert.ok(dup.ok, show(dup));
  });

  test('uc-35: an id mismatch keeps the previous label and description', async () => {
    const stored: PluginSpec = { id: 'p', label: 'Old', description: 'old text', interfaces: ['reporter'], api_version: '1', status: 'ok' };
    const o = await pollOnce('p', report([spec('other', { label: 'New', description: 'new text' })]), { storedSpec: stored });
    assert.deepEqual(listed(o), { ...stored, status: 'error: plugin must not change its id (is "other", should be "p")' });
  });

  test('uc-36: a gzip-encoded reply (the real iowait report) is accepted', async () => {
    const body = await readFile(new URL('../../fixtures/upstream/iowait-plugin-report-head.json', import.meta.url));
    const o = await pollOnce('iowait', { body: gzipSync(body), headers: { 'content-encoding': 'gzip' } });
    assert.ok(o.ok, show(o));
    assert.deepEqual(o.spec, {
      id: 'iowait',
      label: 'iowait',
      description: 'Adds a graph of CPU IO Wait to hosts',
      interfaces: ['reporter', 'controller'],
      api_version: '1',
      status: 'ok',
    });
    assert.equal(o.report.Host.nodes.size, 1);
  });

  test('a status sent by the plugin is output-only and replaced', async () => {
    const o = await pollOnce('p', report([spec('p', { status: 'all good, trust me' })]));
    assert.equal(o.ok && o.spec.status, 'ok');
    const bad = await pollOnce('q', report([spec('q', { status: 'ok', label: '' })]));
    assert.equal(bad.spec.status, 'error: spec must contain a label');
  });
});

describe('handshake-era plugins', () => {
  const handshakeSpec: PluginSpec = {
    id: 'iowait',
    label: 'iowait',
    description: 'Adds a graph of CPU IO Wait to hosts',
    interfaces: ['reporter'],
    api_version: '1',
  };

  test('a report without Plugins (the real seed iowait report) gets the handshake spec', async () => {
    const body = await readFile(new URL('../../fixtures/upstream/iowait-plugin-report-seed.json', import.meta.url));
    const o = await pollOnce('iowait', { body }, { handshakeSpec });
    assert.ok(o.ok, show(o));
    assert.deepEqual(o.spec, { ...handshakeSpec, status: 'ok' });
    assert.deepEqual(o.report.Plugins, [o.spec]);
    assert.equal(o.report.Host.nodes.size, 1);
  });

  test('Plugins in a handshake-era report are ignored, even with another id', async () => {
    const o = await pollOnce('iowait', report([spec('someoneElse'), spec('more')]), { handshakeSpec });
    assert.ok(o.ok, show(o));
    assert.deepEqual(o.report.Plugins, [{ ...handshakeSpec, status: 'ok' }]);
  });

  test('transport and decoding rules still apply', async () => {
    const o = await pollOnce('iowait', { body: 'notJSON' }, { handshakeSpec });
    assert.equal(!o.ok && o.error.code, ErrorCode.DECODE);
  });
});
