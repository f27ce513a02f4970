/**
 * The API's routes over a real core (one real shard worker, no plugins) on a real server: each
 * route's status and body shape, and /readyz following the ready flag.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ApiServer } from '../../../../src/main/api/http-server.js';
import { countPlugins, healthOf } from '../../../../src/main/health.js';
import { hostInfo } from '../../../../src/main/host-info.js';
import { addRoutes } from '../../../../src/main/api/routes.js';
import { HostCore } from '../../../../src/main/core/host-core.js';
import { ReportBuilder } from '../../../../src/main/report-builder.js';
import { ErrorCode } from '../../../../src/shared/errors.js';
import { call } from '../../../helpers/http-call.js';
import { shardConfig } from '../../../helpers/shard-config.js';

describe('API routes', () => {
  const logger = pino({ level: 'silent' });
  const builder = new ReportBuilder();
  const core = new HostCore({ workers: 1, pluginsPerWorker: 1000, logger, builder, shard: shardConfig });
  const metrics = new Registry();
  const api = new ApiServer(logger);
  let ready = false;
  let port = 0;

  before(async () => {
    await core.start();
    addRoutes(api, {
      core,
      metrics,
      health: () => healthOf(ready, { path: '', state: 'disabled' }, countPlugins(core.table)),
      reload: () => Promise.reject(new Error('no reloads in these tests')),
      host: () =>
        hostInfo({ probeId: 'p1', version: 'test', pluginsRoot: '', workers: 1, startedAt: Date.now(), publishStats: () => [], appControls: () => [] }),
    });
    ({ port } = await api.listen('127.0.0.1', 0));
  });
  after(async () => {
    await api.close();
    await core.close();
    await builder.close();
  });

  test('/readyz is 503 until the first scan, then 200; /healthz (liveness) is 200 throughout', async () => {
    const starting = await call(port, 'GET', '/readyz');
    assert.equal(starting.status, 503);
    assert.equal((JSON.parse(starting.body.toString()) as { status: string }).status, 'starting');
    assert.equal((await call(port, 'GET', '/healthz')).status, 200);
    ready = true;
    const ok = await call(port, 'GET', '/readyz');
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body.toString()) as { plugins: number }).plugins, 0);
  });

  test('/api/plugins lists no plugins; /api/report is a report with an empty Plugins list', async () => {
    const plugins = await call(port, 'GET', '/api/plugins');
    assert.equal(plugins.status, 200);
    assert.deepEqual(JSON.parse(plugins.body.toString()), []);
    const report = await call(port, 'GET', '/api/report');
    assert.equal(report.status, 200);
    const parsed = JSON.parse(report.body.toString()) as Record<string, unknown>;
    assert.ok(Array.isArray(parsed['Plugins']) || parsed['Plugins'] === null, 'Plugins present');
    assert.ok('Host' in parsed, 'a Host topology');
  });

  test('/metrics speaks the registry content type; / is the status page', async () => {
    const m = await call(port, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.equal(m.headers['content-type'], metrics.contentType);
    const page = await call(port, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body.toString(), /<html/i);
  });

  test('POST /api/control: a click no plugin offers is 404 from the core; a malformed one 400', async () => {
    const unknown = await call(port, 'POST', '/api/control', JSON.stringify({ NodeID: 'n', Control: 'p~c' }));
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body.toString()).code, ErrorCode.CONTROL_NOT_RECOGNISED);
    const bad = await call(port, 'POST', '/api/control', JSON.stringify({ Control: 'p~c' }));
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body.toString()).error, /"NodeID"/);
    assert.equal((await call(port, 'GET', '/api/control')).status, 405);
  });
});
