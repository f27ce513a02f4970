/**
 * The HTTP API's routes: each one asks the core (or metrics) and turns the answer into a reply.
 *
 *   GET  /              status page
 *   GET  /api/report    merged report, HEAD wire format (gzip when the client accepts it)
 *   GET  /api/plugins   every plugin with its status, sorted by id
 *   GET  /api/plugins/<id or socket path>  one plugin in detail (contribution, last error, recent polls)
 *   GET  /api/host      probe ID, version, uptime, plugins root, each app's publish and control state
 *   POST /api/control   forward a control click to a controller plugin
 *   GET  /metrics       Prometheus text format
 *   GET  /healthz       liveness: 200 while the process answers, with the health (health.ts)
 *   GET  /readyz        readiness: 200 when serving and polling, 503 starting or without a plugins root
 *   POST /-/reload      re-read the config file, from loopback only
 */
import type { Registry } from 'prom-client';
import type { HostCore } from '../core/host-core.js';
import type { HostInfo } from '../host-info.js';
import { controlRoute } from './control-route.js';
import { json, type ApiServer } from './http-server.js';
import { statusPageHtml } from './status-page/index.js';
import type { Health } from '../health.js';
import type { ReloadResult } from '../reload.js';
import { reloadRoute } from './reload-route.js';

export interface RouteSources {
  readonly core: HostCore;
  readonly metrics: Registry;
  health: () => Health;
  reload: (trigger: string) => Promise<ReloadResult>;
  host: () => HostInfo;
}

export function addRoutes(api: ApiServer, { core, metrics, health, reload, host }: RouteSources): void {
  api
    .route('GET', '/', () => ({ status: 200, body: statusPageHtml(), type: 'text/html; charset=utf-8' }))
    .route('GET', '/api/report', async () => ({ status: 200, body: await core.report() }))
    .route('GET', '/api/plugins', async () => json(200, await core.plugins()))
    .routePrefix('/api/plugins/', async (ref) => {
      const detail = await core.pluginDetail(ref);
      return detail === null ? json(404, { error: `no plugin with the ID or socket path ${JSON.stringify(ref)}`, code: 'API_NOT_FOUND' }) : json(200, detail);
    })
    .route('GET', '/api/host', () => json(200, host()))
    .route('POST', '/api/control', (_req, body) => controlRoute(core, body))
    .route('GET', '/metrics', async () => ({ status: 200, body: await metrics.metrics(), type: metrics.contentType }))
    .route('GET', '/healthz', () => json(200, health()))
    .route('GET', '/readyz', () => {
      const h = health();
      return json(h.ready ? 200 : 503, h);
    })
    .route('POST', '/-/reload', (req) => reloadRoute(req, reload));
}
