/**
 * The seed-era handshake (docs/spec/plugin-protocol.md#handshake-era, uc-1 to uc-7) decided from
 * what real plugins on unix sockets answer to `GET /`, through PluginClient + interpretHandshake.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/shared/errors.js';
import { interpretHandshake, type HandshakeOutcome } from '../../../src/workers/handshake.js';
import { PluginClient } from '../../../src/workers/plugin-client.js';
import { serveHttp, serveRaw } from '../../helpers/unix-servers.js';
import { tempDir } from '../../helpers/tmp.js';

let dir: { path: string; cleanup(): Promise<void> };
before(async () => {
  dir = await tempDir('sph-hs-');
});
after(async () => {
  await dir.cleanup();
});

interface Answer {
  status?: number;
  body?: string;
}

/** Serves `answer` on `GET /` from `<id>.sock`, handshakes once, cleans up. */
async function handshake(id: string, answer: Answer | null, apiVersion = '1'): Promise<HandshakeOutcome> {
  const socketPath = join(dir.path, `${id}.sock`);
  const server =
    answer === null
      ? null
      : await serveHttp(socketPath, (req, res) => {
          assert.equal(req.url, `/?api_version=${apiVersion}&probe_id=p1`);
          res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
          res.end(answer.body ?? '');
        });
  const client = new PluginClient({ socketPath, probeId: 'p1', apiVersion, timeoutMs: 500, maxResponseBytes: 1024 * 1024 });
  try {
    return interpretHandshake(await client.get('/'), { pluginId: id, apiVersion });
  } finally {
    await client.close();
    await server?.close();
  }
}

const json = (v: unknown): Answer => ({ body: JSON.stringify(v) });

describe('handshake-era plugins', () => {
  test('uc-1: a valid handshake makes a handshake-era plugin: id from the socket, label from name', async () => {
    const outcome = await handshake('testPlugin', json({ name: 'testPlugin', description: 'does things', interfaces: ['reporter'], api_version: '1' }));
    assert.deepEqual(outcome, {
      kind: 'handshake',
      spec: { id: 'testPlugin', label: 'testPlugin', description: 'does things', interfaces: ['reporter'], api_version: '1' },
    });
  });

  test('the name labels the plugin; the socket id stays its id', async () => {
    const outcome = await handshake('sock-a', json({ name: 'Pretty Name', interfaces: ['reporter', 'controller'], api_version: '1' }));
    assert.deepEqual(outcome, {
      kind: 'handshake',
      spec: { id: 'sock-a', label: 'Pretty Name', interfaces: ['reporter', 'controller'], api_version: '1' },
    });
  });

  test('uc-3: no api_version is fine when the host expects ""', async () => {
    const outcome = await handshake('noVersion', json({ name: 'testPlugin', interfaces: ['reporter'] }), '');
    assert.deepEqual(outcome, { kind: 'handshake', spec: { id: 'noVersion', label: 'testPlugin', interfaces: ['reporter'] } });
  });
});

describe('failed handshakes (retried with backoff)', () => {
  test('uc-2: api_version mismatch: error and the spec to list it with', async () => {
    const outcome = await handshake('aFailure', json({ name: 'aFailure', interfaces: ['reporter'], api_version: '2' }));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.deepEqual(outcome.error, { code: ErrorCode.API_VERSION, message: 'incorrect API version: expected "1", got "2"' });
    assert.deepEqual(outcome.spec, {
      id: 'aFailure',
      label: 'aFailure',
      interfaces: ['reporter'],
      api_version: '2',
      status: 'error: incorrect API version: expected "1", got "2"',
    });
  });

  test('missing api_version against expected "1" reads got ""', async () => {
    const outcome = await handshake('noVersion1', json({ name: 'x', interfaces: ['reporter'] }));
    assert.equal(outcome.kind === 'failed' && outcome.error.message, 'incorrect API version: expected "1", got ""');
  });

  test('uc-5: no "reporter" interface ([other])', async () => {
    const outcome = await handshake('plugin2', json({ name: 'plugin2', interfaces: ['other'], api_version: '1' }));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.deepEqual(outcome.error, { code: ErrorCode.NOT_REPORTER, message: 'spec must implement the "reporter" interface' });
    assert.deepEqual(outcome.spec?.interfaces, ['other']);
  });

  test('empty name', async () => {
    const outcome = await handshake('emptyName', json({ name: '', interfaces: ['reporter'], api_version: '1' }));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.error.code, ErrorCode.HANDSHAKE);
    assert.equal(outcome.spec?.id, 'emptyName');
    assert.equal(outcome.spec?.status, `error: ${outcome.error.message}`);
  });

  test('a field of the wrong type is a decoding error', async () => {
    const outcome = await handshake('badIfaces', json({ name: 'x', interfaces: 'reporter', api_version: '1' }));
    assert.equal(outcome.kind === 'failed' && outcome.error.code, ErrorCode.DECODE);
  });

  test('uc-7: 5xx says nothing about the era (non200ResponseCode)', async () => {
    const outcome = await handshake('non200ResponseCode', { status: 500, body: json({ name: 'x' }).body! });
    assert.deepEqual(outcome, {
      kind: 'failed',
      error: { code: ErrorCode.HTTP_STATUS, message: 'plugin returned non-200 status code: 500 Internal Server Error' },
    });
  });

  test('no listener: the transport error, no spec', async () => {
    const outcome = await handshake('missing', null);
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.error.code, ErrorCode.CONNECT);
    assert.match(outcome.error.message, /^Get "http:\/\/plugin\/\?api_version=1&probe_id=p1": dial unix .*missing\.sock: connect: no such file or directory$/);
    assert.equal(outcome.spec, undefined);
  });

  test('a hung plugin times out', async () => {
    const socketPath = join(dir.path, 'hung.sock');
    const server = await serveRaw(socketPath, (s) => s.resume());
    const client = new PluginClient({ socketPath, probeId: 'p1', apiVersion: '1', timeoutMs: 200, maxResponseBytes: 1024 });
    try {
      const outcome = interpretHandshake(await client.get('/'), { pluginId: 'hung', apiVersion: '1' });
      assert.equal(outcome.kind === 'failed' && outcome.error.code, ErrorCode.TIMEOUT);
    } finally {
      await client.destroy();
      await server.close();
    }
  });
});

describe('current-era plugins', () => {
  test('404 on / (a current plugin with a /report route only)', async () => {
    assert.deepEqual(await handshake('only404', { status: 404, body: '404 page not found' }), { kind: 'report-era' });
  });

  test('other 4xx', async () => {
    assert.deepEqual(await handshake('badRequest', { status: 400 }), { kind: 'report-era' });
  });

  test('200 with a report on every path (scope-volume-count style)', async () => {
    const report = { Plugins: [{ id: 'volume-count', label: 'Volume Count', interfaces: ['reporter'], api_version: '1' }] };
    assert.deepEqual(await handshake('volume-count', json(report)), { kind: 'report-era' });
  });

  test('200 that is not JSON, or whose name is not a string', async () => {
    assert.deepEqual(await handshake('notJSON', { body: 'notJSON' }), { kind: 'report-era' });
    assert.deepEqual(await handshake('numName', json({ name: 5, interfaces: ['reporter'] })), { kind: 'report-era' });
    assert.deepEqual(await handshake('arr', json([{ name: 'x' }])), { kind: 'report-era' });
  });
});
